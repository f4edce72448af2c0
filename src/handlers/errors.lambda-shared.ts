import { CaseErrorName, SentEmail } from '../shared/contract';

/**
 * Base of the errors our handlers throw. `name` is what Step Functions reports as the
 * task's `Error`, so every subclass sets a stable name from `CaseErrorName`.
 */
export abstract class CaseError extends Error {
  protected constructor(name: string, message: string, options?: { cause?: unknown }) {
    // An error's message reaches the execution history and the logs: no address in it, even one
    // quoted by a dependency (SES names unverified recipients in its refusals).
    super(withoutAddresses(message), options);
    this.name = name;
  }
}

/** Anything shaped like an email address. */
const ADDRESS = /[^\s@<>"'(),;:[\]]+@[^\s@<>"'(),;:[\]]+/g;

/** `text` with every email address replaced by `<address>`. */
export function withoutAddresses(text: string): string {
  return text.replace(ADDRESS, '<address>');
}

/** Bad execution input or step input. Never retried. */
export class InvalidCaseInputError extends CaseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(CaseErrorName.INVALID_CASE_INPUT, message, options);
  }
}

/** Missing or malformed function configuration (environment). Never retried. */
export class ConfigurationError extends CaseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(CaseErrorName.CONFIGURATION, message, options);
  }
}

/** The roster table is empty, unreadable or malformed. Never retried. */
export class RosterUnavailableError extends CaseError {
  constructor(message: string, cause?: unknown) {
    super(CaseErrorName.ROSTER_UNAVAILABLE, message, { cause });
  }
}

/** The case record a step needs does not exist. Never retried. */
export class CaseNotFoundError extends CaseError {
  constructor(caseId: string) {
    super(CaseErrorName.CASE_NOT_FOUND, `case ${JSON.stringify(caseId)} has no record in the case table`);
  }
}

/** SES refused the email for good. Never retried. */
export class EmailRejectedError extends CaseError {
  constructor(message: string, cause: unknown) {
    super(CaseErrorName.EMAIL_REJECTED, message, { cause });
  }
}

/** A transient failure of DynamoDB or SES (throttled, 5xx, network). Retried with backoff. */
export class DependencyUnavailableError extends CaseError {
  constructor(message: string, cause: unknown) {
    super(CaseErrorName.DEPENDENCY_UNAVAILABLE, message, { cause });
  }
}

/** The case table holds a row for this case that the workflow did not write. Never retried. */
export class UnrecognizedCaseRecordError extends CaseError {
  constructor(caseId: string, why: string) {
    super(
      CaseErrorName.UNRECOGNIZED_CASE_RECORD,
      `the case table holds a record for case ${JSON.stringify(caseId)} that this workflow did not write (${why}); nothing was changed or sent`,
    );
  }
}

/**
 * SES accepted the email but the handler could not record it. The message is JSON (`SentEmail`:
 * ids and times, no personal data) so that the state machine can record it itself: Step Functions
 * passes a Lambda error's message on as `errorMessage` inside the error's `Cause`.
 */
export class EmailSentNotRecordedError extends CaseError {
  constructor(sent: SentEmail, cause: unknown) {
    super(CaseErrorName.EMAIL_SENT_NOT_RECORDED, JSON.stringify(sent), { cause });
  }
}

/** SES refused the send for its maximum sending rate. Nothing was sent; retried with patience. */
export class EmailThrottledError extends CaseError {
  constructor(message: string, cause: unknown) {
    super(CaseErrorName.EMAIL_THROTTLED, message, { cause });
  }
}

/** SES's daily sending quota is used up. Nothing was sent; never retried. */
export class DailyQuotaExceededError extends CaseError {
  constructor(message: string, cause: unknown) {
    super(CaseErrorName.DAILY_QUOTA_EXCEEDED, message, { cause });
  }
}

/** Another execution is sending this case's email right now. Retried with backoff. */
export class EmailSendInProgressError extends CaseError {
  constructor(caseId: string, owner: string | undefined) {
    super(
      CaseErrorName.EMAIL_SEND_IN_PROGRESS,
      `the email of case ${JSON.stringify(caseId)} is being sent by ${owner ?? 'another execution'}`,
    );
  }
}

/**
 * The step's input disagrees with the stored record of its case (`fields` names what differs,
 * never the values). Never retried: nothing was written or sent.
 */
export class CaseConflictError extends CaseError {
  constructor(caseId: string, fields: readonly string[], what: string) {
    super(
      CaseErrorName.CASE_CONFLICT,
      `case ${JSON.stringify(caseId)} is stored with another ${fields.join(', ')}: ${what}; nothing was written or sent`,
    );
  }
}

/**
 * Wait For Acknowledgement found the case acknowledged already (before the wait stored its task
 * token): not a failure; the state machine goes on to Escalate Case, which ends it as acknowledged.
 */
export class CaseAcknowledgedError extends CaseError {
  constructor(caseId: string) {
    super(CaseErrorName.CASE_ACKNOWLEDGED, `case ${JSON.stringify(caseId)} is acknowledged already; nothing was written`);
  }
}

/** What the AWS SDK v3 attaches to the errors it throws. */
interface SdkErrorShape {
  readonly name?: string;
  readonly $fault?: 'client' | 'server';
  readonly $retryable?: { throttling?: boolean };
  readonly $metadata?: { httpStatusCode?: number };
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
]);

/** SES's answer when a send exceeds a quota (HTTP 400, code `Throttling`), told apart by its message. */
const SES_DAILY_QUOTA_MESSAGE = /daily message quota/i;

/** Node's codes for a connection that failed, at any point of the exchange (before or during the answer). */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNABORTED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR',
]);
/** The SDK's names for a request it gave up on (its request timeout, an abort signal). */
const GAVE_UP_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * True for a service's error answer that the SDK read and parsed whole: it carries the fault side
 * (`$fault`) and the HTTP status, and no network failure. Anything else (a connection reset
 * before or during the answer, an answer cut mid-body or that does not decode, a timeout, an
 * abort, an error that lost the SDK's fields) says nothing about what the service did.
 */
export function isParsedServiceError(err: unknown): boolean {
  const e = err as SdkErrorShape & { code?: unknown };
  if (!e || typeof e !== 'object') return false;
  if (e.$fault !== 'client' && e.$fault !== 'server') return false;
  if (typeof e.$metadata?.httpStatusCode !== 'number') return false;
  if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) return false;
  return !(e.name && GAVE_UP_NAMES.has(e.name));
}

/**
 * Which SES quota refused a send: `rate` (maximum sending rate: waiting helps), `daily` (daily
 * quota: waiting seconds does not), or undefined for any other outcome (a throttling answer
 * that did not arrive whole is no refusal: it may not have been one).
 */
export function sesQuotaRefusal(err: unknown): 'rate' | 'daily' | undefined {
  if (!isParsedServiceError(err)) return undefined;
  const e = err as SdkErrorShape & { message?: string; Code?: string };
  const throttled = e.name === 'Throttling' || e.name === 'ThrottlingException' || e.Code === 'Throttling' || e.$retryable?.throttling === true;
  if (!throttled || (e.$metadata?.httpStatusCode ?? 400) >= 500) return undefined;
  return SES_DAILY_QUOTA_MESSAGE.test(e.message ?? '') ? 'daily' : 'rate';
}

/**
 * "Was it sent?", one rule: only a parsed service error with a 4xx status (throttling,
 * validation, rejection) means the request was not carried out. Everything else may have been:
 * no answer, a reset or cut answer (whatever status it began with), an answer that does not
 * decode, a timeout or abort, a 5xx.
 */
export function mayHaveBeenSent(err: unknown): boolean {
  if (!isParsedServiceError(err)) return true;
  const status = (err as SdkErrorShape).$metadata!.httpStatusCode!;
  return !(status >= 400 && status < 500);
}

/**
 * True for failures worth retrying later: throttling, server-side faults, and every failure that
 * is not a parsed service error (network codes, cut or undecodable answers, timeouts). Parsed
 * client errors (validation, access denied, conditional check) are not.
 */
export function isTransientAwsError(err: unknown): boolean {
  const e = err as SdkErrorShape;
  if (!e || typeof e !== 'object') return false;
  if (!isParsedServiceError(e)) return true;
  if (e.$retryable || (e.name && THROTTLING_NAMES.has(e.name))) return true;
  if (e.$fault === 'server') return true;
  const status = e.$metadata!.httpStatusCode!;
  return status >= 500 || status === 429;
}

/**
 * Rethrow an AWS SDK error so that Step Functions can tell transient from permanent:
 * transient ones become `DependencyUnavailable` (retried), others keep their SDK name
 * (caught and failed by the state machine).
 */
export function rethrowAwsError(err: unknown, what: string): never {
  if (err instanceof CaseError) throw err;
  if (isTransientAwsError(err)) {
    const name = (err as Error)?.name ?? 'Error';
    throw new DependencyUnavailableError(`${what} failed transiently (${name}): ${(err as Error)?.message ?? String(err)}`, err);
  }
  throw err;
}
