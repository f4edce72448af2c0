/**
 * The workflow's decisions as plain functions: validate input, choose the employee,
 * build the case record, compose the email. No AWS calls here, so all of it is unit-tested
 * without servers; the `*.lambda.ts` handlers do the I/O around it.
 */
import { createHash } from 'node:crypto';
import { DETAIL_FIELDS, DetailsPolicy, describe, isPlainObject, validateCaseDetails } from './case-details.lambda-shared';
import { ConfigurationError, InvalidCaseInputError, RosterUnavailableError, UnrecognizedCaseRecordError } from './errors.lambda-shared';
import {
  AssignedCase,
  CaseDetails,
  CaseEmail,
  CaseRecord,
  CaseResult,
  CaseStatus,
  CaseStatusValue,
  EmailStatus,
  ENV,
  EmailStatusValue,
  isValidEmailAddress,
  MAX_CASE_ID_LENGTH,
  OpenedCase,
  ROSTER_TABLE_PARTITION_KEY,
  RosterEmployee,
  SendEmailInput,
} from '../shared/contract';
import { caseTemplateValues, compileEmailTemplates, EmailTemplates, renderEmail } from '../shared/email-template';


/** Case ids: ASCII letters, digits, `.`, `_`, `-`; starting with a letter or digit. */
const CASE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks a case id; returns it unchanged or throws `InvalidCaseInput` saying why. */
export function validateCaseId(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new InvalidCaseInputError(`${field} must be a string, got ${describe(value)}`);
  }
  if (value.length === 0) throw new InvalidCaseInputError(`${field} must not be empty`);
  if (value.length > MAX_CASE_ID_LENGTH) {
    throw new InvalidCaseInputError(`${field} must be at most ${MAX_CASE_ID_LENGTH} characters, got ${value.length}`);
  }
  if (!CASE_ID_PATTERN.test(value)) {
    throw new InvalidCaseInputError(
      `${field} may hold only ASCII letters, digits, '.', '_' and '-', starting with a letter or digit`,
    );
  }
  return value;
}

/**
 * Reads the expiry of new records from its environment variable (whole seconds); undefined when unset.
 * @throws ConfigurationError when it is not a positive whole number
 */
export function parseExpiresAfter(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new ConfigurationError(`${ENV.CASE_EXPIRES_AFTER_SECONDS} must be a positive whole number of seconds`);
  return seconds;
}

/** `{ details }` when there are details, `{}` otherwise (so outputs without details keep their shape). */
function withDetails(details: CaseDetails | undefined): { details?: CaseDetails } {
  return details ? { details } : {};
}

/**
 * Open Case: validates the execution input (`{"inputCaseID": "001"}`, optionally with
 * `details`; other fields ignored) and opens the case.
 */
export function openCase(input: unknown, now: Date, policy: DetailsPolicy = {}): OpenedCase {
  if (!isPlainObject(input)) {
    throw new InvalidCaseInputError(`execution input must be a JSON object with inputCaseID, got ${describe(input)}`);
  }
  if (!('inputCaseID' in input)) throw new InvalidCaseInputError('execution input has no inputCaseID');
  const caseId = validateCaseId(input.inputCaseID, 'inputCaseID');
  return { caseId, openedAt: now.toISOString(), ...withDetails(validateCaseDetails(input.details, 'details', policy)) };
}

function validateTimestamp(value: unknown, field: string): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new InvalidCaseInputError(`${field} must be an ISO-8601 timestamp`);
  }
  return value;
}

/** Assign Case's input check: the output of Open Case. */
export function parseOpenedCase(input: unknown, policy: DetailsPolicy = {}): OpenedCase {
  if (!isPlainObject(input)) throw new InvalidCaseInputError(`Assign Case input must be an object, got ${describe(input)}`);
  return {
    caseId: validateCaseId(input.caseId, 'caseId'),
    openedAt: validateTimestamp(input.openedAt, 'openedAt'),
    ...withDetails(validateCaseDetails(input.details, 'details', policy)),
  };
}

/** Checks one roster entry; `where` names it in the error. */
export function validateEmployee(value: unknown, where: string): RosterEmployee {
  if (!isPlainObject(value)) throw new Error(`${where} must be an object`);
  const { id, name, email } = value;
  if (typeof id !== 'string' || id.trim() === '') throw new Error(`${where}.id must be a non-empty string`);
  if (typeof name !== 'string' || name.trim() === '') throw new Error(`${where}.name must be a non-empty string`);
  if (!isValidEmailAddress(email)) throw new Error(`${where}.email is not a valid email address`);
  return { id, name, email };
}

/** Send Email's input check: the output of Assign Case plus the execution id. */
export function parseSendEmailInput(input: unknown): SendEmailInput {
  if (!isPlainObject(input) || !isPlainObject(input.case)) {
    throw new InvalidCaseInputError('Send Email input must be an object with a case object');
  }
  const c = input.case;
  if (typeof input.executionId !== 'string' || input.executionId === '') {
    throw new InvalidCaseInputError('Send Email input must carry executionId');
  }
  let employee: RosterEmployee;
  try {
    employee = validateEmployee(c.employee, 'case.employee');
  } catch (e) {
    throw new InvalidCaseInputError((e as Error).message, { cause: e });
  }
  return {
    executionId: input.executionId,
    case: {
      caseId: validateCaseId(c.caseId, 'case.caseId'),
      openedAt: validateTimestamp(c.openedAt, 'case.openedAt'),
      assignedAt: validateTimestamp(c.assignedAt, 'case.assignedAt'),
      employee,
      ...withDetails(validateCaseDetails(c.details, 'case.details')),
    },
  };
}


/**
 * Checks the fixed roster the construct put in the function's configuration file (`roster`).
 * @throws ConfigurationError when it is missing, empty or malformed
 */
export function parseRoster(raw: unknown): RosterEmployee[] {
  if (raw === undefined) throw new ConfigurationError('the employee roster is not configured');
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigurationError('the employee roster is empty');
  try {
    return raw.map((e, i) => validateEmployee(e, `roster[${i}]`));
  } catch (e) {
    throw new ConfigurationError((e as Error).message, { cause: e });
  }
}

/** A roster table item, as far as the roster reads it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RosterItem = Record<string, any>;

/**
 * Whether a roster item is active: `active` must be a DynamoDB boolean or absent (absent means
 * active). Anything else (`"false"`, `0`...) is refused rather than guessed: a departed employee
 * marked in the wrong type must not keep receiving cases.
 */
function isActive(item: RosterItem, where: string): boolean {
  const active = item.active as Record<string, unknown> | undefined;
  if (active === undefined) return true;
  if (Object.keys(active).length === 1 && typeof active.BOOL === 'boolean') return active.BOOL;
  throw new RosterUnavailableError(`${where}: active must be a boolean (BOOL) or absent, got ${JSON.stringify(active)}`);
}

/**
 * Reads the employees from the items of a roster table (inactive ones left out).
 * @throws RosterUnavailableError when no active employee remains or an item is malformed
 */
export function rosterFromItems(items: readonly RosterItem[]): RosterEmployee[] {
  const employees: RosterEmployee[] = [];
  for (const item of items) {
    const id = item[ROSTER_TABLE_PARTITION_KEY]?.S as string | undefined;
    const where = `roster item ${JSON.stringify(id ?? '?')}`;
    if (!isActive(item, where)) continue;
    try {
      employees.push(validateEmployee({ id, name: item.name?.S, email: item.email?.S }, where));
    } catch (e) {
      throw new RosterUnavailableError((e as Error).message, e);
    }
  }
  if (employees.length === 0) throw new RosterUnavailableError('the roster table holds no active employee');
  // Same order whatever order the scan returned (the choice does not depend on it, logs do).
  return employees.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function score(caseId: string, employeeId: string): bigint {
  return createHash('sha256').update(caseId).update('\u0000').update(employeeId).digest().readBigUInt64BE(0);
}

/**
 * Chooses the employee for a case by rendezvous (highest-random-weight) hashing: every
 * employee gets a pseudo-random score for the case and the highest wins. So the choice is
 * a pure function of the case id and the roster (a retry picks the same person), cases
 * spread evenly over the roster, and adding or removing someone moves only that person's share.
 */
export function chooseEmployee(roster: readonly RosterEmployee[], caseId: string): RosterEmployee {
  if (roster.length === 0) throw new ConfigurationError('the employee roster is empty');
  let best = roster[0];
  let bestScore = score(caseId, best.id);
  for (const candidate of roster.slice(1)) {
    const s = score(caseId, candidate.id);
    if (s > bestScore || (s === bestScore && candidate.id < best.id)) {
      best = candidate;
      bestScore = s;
    }
  }
  return best;
}

/** Assign Case's decision: the assignment for an opened case. */
export function assignCase(opened: OpenedCase, roster: readonly RosterEmployee[], now: Date): AssignedCase {
  return { ...opened, employee: chooseEmployee(roster, opened.caseId), assignedAt: now.toISOString() };
}

/**
 * The record Assign Case writes for a new assignment; with `expiresAfterSeconds`, it expires
 * (DynamoDB TTL, epoch seconds) that long after the assignment.
 */
export function newCaseRecord(assigned: AssignedCase, expiresAfterSeconds?: number): CaseRecord {
  return {
    ...(expiresAfterSeconds === undefined ? {} : { expiresAt: Math.floor(Date.parse(assigned.assignedAt) / 1000) + expiresAfterSeconds }),
    caseId: assigned.caseId,
    status: CaseStatus.ASSIGNED,
    employeeId: assigned.employee.id,
    employeeName: assigned.employee.name,
    employeeEmail: assigned.employee.email,
    openedAt: assigned.openedAt,
    assignedAt: assigned.assignedAt,
    updatedAt: assigned.assignedAt,
    emailStatus: EmailStatus.PENDING,
    ...withDetails(assigned.details),
  };
}

/** The assignment a stored record stands for (returned when a retry finds the record). */
export function assignmentFromRecord(record: CaseRecord): AssignedCase {
  return {
    caseId: record.caseId,
    openedAt: record.openedAt,
    assignedAt: record.assignedAt,
    employee: { id: record.employeeId, name: record.employeeName, email: record.employeeEmail },
    ...withDetails(record.details),
  };
}

/** What Send Email returns for a record whose email is recorded as sent (or for `sent`, the email just sent). */
export function resultFromRecord(record: CaseRecord, sent?: { readonly messageId: string; readonly emailedAt: string }): CaseResult {
  return {
    caseId: record.caseId,
    employee: { id: record.employeeId, name: record.employeeName, email: record.employeeEmail },
    messageId: sent?.messageId ?? record.messageId!,
    assignedAt: record.assignedAt,
    emailedAt: sent?.emailedAt ?? record.emailedAt!,
    ...(record.details ? { details: record.details } : {}),
  };
}

/**
 * Where a step's input disagrees with the case's stored record: the names of the fields that
 * differ (`employee`, `openedAt`, `assignedAt`, `details.title`...), empty when it agrees. Only
 * what the input carries is compared: Open Case's output has no employee or assignment yet.
 */
export function caseConflicts(input: OpenedCase | AssignedCase, record: CaseRecord): string[] {
  const fields: string[] = [];
  if ('employee' in input) {
    const e = input.employee;
    if (e.id !== record.employeeId || e.name !== record.employeeName || e.email !== record.employeeEmail) fields.push('employee');
    if (input.assignedAt !== record.assignedAt) fields.push('assignedAt');
    if (input.openedAt !== record.openedAt) fields.push('openedAt');
  }
  for (const key of DETAIL_FIELDS) {
    if (input.details?.[key] !== record.details?.[key]) fields.push(`details.${key}`);
  }
  return fields;
}

/**
 * The email claim of a case record, as an attempt must see it before it may send:
 * - `free`: PENDING or UNCERTAIN, anyone may claim it;
 * - `sent`: SENT, nothing more to send;
 * - `ours`: SENDING by this very attempt (a retried write of our own claim);
 * - `held`: SENDING by another live attempt: wait;
 * - `abandoned`: SENDING by an attempt whose lease is over (its function was killed): take it over.
 *   A claim of this same execution (`own.owner`) is over sooner: its attempts run one after the
 *   other, and an earlier attempt's function has surely stopped `own.leaseSeconds` after its
 *   claim (the function's timeout plus a margin for clocks).
 */
export type EmailClaimState =
  | { readonly kind: 'free' | 'sent' | 'ours' | 'abandoned' }
  | { readonly kind: 'held'; readonly owner?: string };

export function emailClaimState(
  record: CaseRecord, attemptId: string, now: Date, leaseSeconds: number, own?: { readonly owner: string; readonly leaseSeconds: number },
): EmailClaimState {
  switch (record.emailStatus) {
    case EmailStatus.PENDING:
    case EmailStatus.UNCERTAIN:
      return { kind: 'free' };
    case EmailStatus.SENT:
      return { kind: 'sent' };
    default: // SENDING (parseCaseRecord admits no other value)
      if (record.emailAttemptId === attemptId) return { kind: 'ours' };
      if (leaseExpired(record.emailClaimedAt, now, leaseSeconds)) return { kind: 'abandoned' };
      if (own && record.emailOwner === own.owner && leaseExpired(record.emailClaimedAt, now, own.leaseSeconds)) return { kind: 'abandoned' };
      return { kind: 'held', owner: record.emailOwner };
  }
}

/** A claim older than the lease belongs to an attempt that is over. A claim with no time is treated as over. */
export function leaseExpired(claimedAt: string | undefined, now: Date, leaseSeconds: number): boolean {
  const at = claimedAt === undefined ? NaN : Date.parse(claimedAt);
  return Number.isNaN(at) || now.getTime() - at >= leaseSeconds * 1000;
}

/**
 * The status a claim replaced, as the protocol knows it: PENDING means no email can have gone
 * out yet; anything else (UNCERTAIN, or a value from before this field was normalized) is
 * treated as "one may have".
 */
export function claimedFromOf(record: Pick<CaseRecord, 'emailClaimedFrom'>): EmailStatusValue {
  return record.emailClaimedFrom === EmailStatus.PENDING ? EmailStatus.PENDING : EmailStatus.UNCERTAIN;
}

/**
 * Counted resends once an attempt holds a claim that replaced `claimedFrom`: the email it may send
 * is counted when the claim is taken, before it is sent, so that the count is right even if the
 * attempt (or its execution) dies after sending. The first possible email is not a resend, every
 * later one is (after UNCERTAIN, or after a takeover). With this count, emails sent <=
 * 1 + emailAmbiguousResends holds at every moment; a claim that surely sent nothing gives its
 * count back when it is released.
 */
export function resendsOnClaim(claimedFrom: EmailStatusValue, resendsBefore: number): number {
  return resendsBefore + (claimedFrom === EmailStatus.UNCERTAIN ? 1 : 0);
}

const CASE_STATUSES = new Set<string>(Object.values(CaseStatus));
const EMAIL_STATUSES = new Set<string>(Object.values(EmailStatus));

/**
 * DynamoDB item -> case record, checking that the workflow wrote it (a case table may be brought
 * and hold rows of other writers).
 * @throws UnrecognizedCaseRecordError when the row lacks what the workflow always writes
 */
export function parseCaseRecord(caseId: string, item: Record<string, { S?: string; N?: string } | undefined>): CaseRecord {
  const record = fromItem(item);
  const missing = (['employeeId', 'employeeName', 'employeeEmail', 'openedAt', 'assignedAt'] as const).filter((k) => typeof record[k] !== 'string');
  if (!EMAIL_STATUSES.has(record.emailStatus)) {
    throw new UnrecognizedCaseRecordError(caseId, record.emailStatus === undefined ? 'it has no emailStatus' : `emailStatus is ${JSON.stringify(record.emailStatus)}`);
  }
  if (!CASE_STATUSES.has(record.status)) throw new UnrecognizedCaseRecordError(caseId, `status is ${JSON.stringify(record.status ?? null)}`);
  if (missing.length > 0) throw new UnrecognizedCaseRecordError(caseId, `it has no ${missing.join(', ')}`);
  return record;
}

/** A DynamoDB attribute value, as far as case records use them. */
export type ItemValue = { S: string } | { N: string } | { M: Record<string, { S: string }> };
export type Item = Record<string, ItemValue>;

function stringMap(value: Record<string, unknown>): Record<string, { S: string }> {
  const map: Record<string, { S: string }> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') map[k] = { S: v };
  return map;
}

/** Case record → DynamoDB item. */
export function toItem(record: CaseRecord): Item {
  const item: Item = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string') item[key] = { S: value };
    else if (typeof value === 'number') item[key] = { N: String(value) };
    else if (isPlainObject(value)) item[key] = { M: stringMap(value) }; // the details
  }
  return item;
}

/** DynamoDB item → case record. */
export function fromItem(item: Record<string, { S?: string; N?: string; M?: Record<string, { S?: string }> } | undefined>): CaseRecord {
  const s = (key: string) => item[key]?.S;
  const n = (key: string) => (item[key]?.N === undefined ? undefined : Number(item[key]!.N));
  return {
    caseId: s('caseId')!,
    status: s('status') as CaseStatusValue,
    employeeId: s('employeeId')!,
    employeeName: s('employeeName')!,
    employeeEmail: s('employeeEmail')!,
    openedAt: s('openedAt')!,
    assignedAt: s('assignedAt')!,
    updatedAt: s('updatedAt')!,
    emailStatus: s('emailStatus') as EmailStatusValue,
    messageId: s('messageId'),
    emailedAt: s('emailedAt'),
    emailOwner: s('emailOwner'),
    emailAttemptId: s('emailAttemptId'),
    emailClaimedAt: s('emailClaimedAt'),
    emailClaimedFrom: s('emailClaimedFrom'),
    emailAmbiguousResends: n('emailAmbiguousResends'),
    failureError: s('failureError'),
    expiresAt: n('expiresAt'),
    ...withDetails(detailsFromMap(item.details?.M)),
  };
}

function detailsFromMap(map: Record<string, { S?: string }> | undefined): CaseDetails | undefined {
  if (!map) return undefined;
  const details: Record<string, string> = {};
  for (const key of DETAIL_FIELDS) {
    const v = map[key]?.S;
    if (v !== undefined) details[key] = v;
  }
  return Object.keys(details).length > 0 ? details : undefined;
}

const DEFAULT_TEMPLATES = compileEmailTemplates();

/** Composes the notification to the assigned employee from the templates (default: today's wording). */
export function composeCaseEmail(assigned: AssignedCase, templates: EmailTemplates = DEFAULT_TEMPLATES): CaseEmail {
  return { to: assigned.employee.email, ...renderEmail(templates, caseTemplateValues(assigned)) };
}
