/**
 * Step 3, Send Email: tells the assigned employee through SES that the case is theirs.
 *
 * Exactly one email per case, as far as SES allows. The case record carries the email's
 * state, changed only by conditional writes (the usual DynamoDB optimistic-locking pattern):
 *  1. claim: PENDING (or UNCERTAIN) -> SENDING, owned by this one attempt;
 *  2. send through SES (one try: the state machine retries, never the SDK behind our back);
 *  3. record: SENDING -> SENT with the SES message id.
 * An attempt that finds SENT returns the recorded message id and sends nothing. One that finds
 * another attempt's claim (of any execution, this one included) fails with
 * `EmailSendInProgress`, retried until that claim ends or its lease (longer than the function
 * timeout) runs out: a claim can outlive its attempt only if the function was killed.
 *
 * SES has no idempotency key. When SES answered with a client error, nothing was sent and the
 * claim is released (PENDING). When the outcome is unknown (no answer, timeout, 5xx), the
 * claim is marked UNCERTAIN and the next attempt sends again: at-least-once. Such resends are
 * counted on the record (`emailAmbiguousResends`).
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { composeCaseEmail, fromItem, isValidEmailAddress, parseSendEmailInput } from './case-logic';
import { AssignedCase, CASE_TABLE_PARTITION_KEY, CaseRecord, CaseResult, CaseStatus, EmailStatus, EmailStatusValue, ENV } from './case-types';
import { EmailTemplates, formatSender, parseEmailTemplatesJson } from './email-template';
import {
  CaseNotFoundError,
  ConfigurationError,
  EmailRejectedError,
  EmailSendInProgressError,
  isTransientAwsError,
  mayHaveBeenSent,
  rethrowAwsError,
} from './errors';
import { caseLogger, CaseLogger } from './log';

/** No SDK call may hang until the function times out: it fails and the state machine retries. */
const REQUEST_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 3_000 };
const dynamodb = new DynamoDBClient({ requestHandler: REQUEST_TIMEOUTS });
// One try only: an SDK retry after a lost response would send a second email unseen.
const ses = new SESClient({ maxAttempts: 1, requestHandler: REQUEST_TIMEOUTS });

/** Extra rounds (beyond the SDK's own retries) for recording a sent email: losing that write means a resend. */
const RECORD_SENT_ROUNDS = 5;
const DEFAULT_LEASE_SECONDS = 60;

interface Config {
  readonly tableName: string;
  readonly sender: string;
  readonly leaseSeconds: number;
}

function config(): Config {
  const tableName = process.env[ENV.TABLE_NAME];
  const sender = process.env[ENV.SENDER_EMAIL];
  if (!tableName) throw new ConfigurationError(`${ENV.TABLE_NAME} is not set`);
  if (!isValidEmailAddress(sender)) throw new ConfigurationError(`${ENV.SENDER_EMAIL} is not a valid email address`);
  const lease = Number(process.env[ENV.EMAIL_LEASE_SECONDS] ?? DEFAULT_LEASE_SECONDS);
  return { tableName, sender, leaseSeconds: Number.isFinite(lease) && lease > 0 ? lease : DEFAULT_LEASE_SECONDS };
}

/**
 * The email templates, read once per cold start. The one place that knows where they come
 * from (today: the `EMAIL_TEMPLATES` environment variable, JSON `{subject?, text?, html?}`).
 */
let templates: EmailTemplates | undefined;
function loadEmailTemplates(): EmailTemplates {
  try {
    templates ??= parseEmailTemplatesJson(process.env[ENV.EMAIL_TEMPLATES]);
  } catch (err) {
    throw new ConfigurationError(`${ENV.EMAIL_TEMPLATES} is malformed: ${(err as Error).message}`);
  }
  return templates;
}

/** Sender display name and reply-to addresses (both optional). */
function senderSettings(sender: string): { source: string; replyTo?: string[] } {
  const replyToJson = process.env[ENV.REPLY_TO_ADDRESSES];
  let replyTo: unknown;
  try {
    replyTo = replyToJson ? JSON.parse(replyToJson) : undefined;
  } catch {
    throw new ConfigurationError(`${ENV.REPLY_TO_ADDRESSES} is not valid JSON`);
  }
  if (replyTo !== undefined && (!Array.isArray(replyTo) || !replyTo.every(isValidEmailAddress))) {
    throw new ConfigurationError(`${ENV.REPLY_TO_ADDRESSES} must be a JSON array of email addresses`);
  }
  return { source: formatSender(sender, process.env[ENV.SENDER_NAME]), replyTo: replyTo?.length ? replyTo : undefined };
}

function key(caseId: string) {
  return { [CASE_TABLE_PARTITION_KEY]: { S: caseId } };
}

async function readRecord(tableName: string, caseId: string): Promise<CaseRecord> {
  try {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: key(caseId), ConsistentRead: true }));
    if (!Item) throw new CaseNotFoundError(caseId);
    return fromItem(Item);
  } catch (err) {
    return rethrowAwsError(err, 'reading the case record');
  }
}

function resultFromRecord(record: CaseRecord): CaseResult {
  return {
    caseId: record.caseId,
    employee: { id: record.employeeId, name: record.employeeName, email: record.employeeEmail },
    messageId: record.messageId!,
    assignedAt: record.assignedAt,
    emailedAt: record.emailedAt!,
    ...(record.details ? { details: record.details } : {}),
  };
}

/** Outcome of a claim: either we may send (and whether it is a resend of an unknown outcome), or it was already sent. */
type Claim = { readonly kind: 'claimed'; readonly ambiguousResend: boolean } | { readonly kind: 'alreadySent'; readonly record: CaseRecord };

/** A claim taken over from UNCERTAIN or from an abandoned SENDING may resend an email that went out. */
function isAmbiguous(claimedFrom: string | undefined): boolean {
  return claimedFrom === EmailStatus.UNCERTAIN || claimedFrom === EmailStatus.SENDING;
}

async function claimEmail(cfg: Config, c: AssignedCase, owner: string, attemptId: string, now: Date): Promise<Claim> {
  const expired = new Date(now.getTime() - cfg.leaseSeconds * 1000).toISOString();
  try {
    const { Attributes } = await dynamodb.send(
      new UpdateItemCommand({
        TableName: cfg.tableName,
        Key: key(c.caseId),
        // emailClaimedFrom keeps the status this claim replaced, for a retry of this write.
        UpdateExpression: 'SET emailClaimedFrom = emailStatus, emailStatus = :sending, emailOwner = :owner, emailAttemptId = :attempt,'
          + ' emailClaimedAt = :now, updatedAt = :now',
        // Free (PENDING, UNCERTAIN) or abandoned by an attempt whose function was killed (lease over).
        ConditionExpression: 'attribute_exists(#pk) AND (emailStatus IN (:pending, :uncertain) OR (emailStatus = :sending AND emailClaimedAt < :expired))',
        ExpressionAttributeNames: { '#pk': CASE_TABLE_PARTITION_KEY },
        ExpressionAttributeValues: {
          ':sending': { S: EmailStatus.SENDING },
          ':pending': { S: EmailStatus.PENDING },
          ':uncertain': { S: EmailStatus.UNCERTAIN },
          ':owner': { S: owner },
          ':attempt': { S: attemptId },
          ':now': { S: now.toISOString() },
          ':expired': { S: expired },
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return { kind: 'claimed', ambiguousResend: isAmbiguous(Attributes?.emailStatus?.S) };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) return rethrowAwsError(err, 'claiming the email');
  }
  const record = await readRecord(cfg.tableName, c.caseId);
  if (record.emailStatus === EmailStatus.SENT) return { kind: 'alreadySent', record };
  // Our own claim, whose response was lost and which the SDK sent again.
  if (record.emailStatus === EmailStatus.SENDING && record.emailAttemptId === attemptId) {
    return { kind: 'claimed', ambiguousResend: isAmbiguous(record.emailClaimedFrom) };
  }
  throw new EmailSendInProgressError(c.caseId, record.emailOwner);
}

/**
 * Ends this attempt's claim without a sent email: PENDING when SES surely did not send it,
 * UNCERTAIN when it may have. Best effort: if this write fails too, the claim stays SENDING
 * and is taken over once its lease runs out.
 */
async function endClaim(cfg: Config, caseId: string, attemptId: string, status: EmailStatusValue, log: CaseLogger): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: cfg.tableName,
        Key: key(caseId),
        UpdateExpression: 'SET emailStatus = :status REMOVE emailAttemptId, emailClaimedAt',
        ConditionExpression: 'emailAttemptId = :attempt AND emailStatus = :sending',
        ExpressionAttributeValues: { ':status': { S: status }, ':attempt': { S: attemptId }, ':sending': { S: EmailStatus.SENDING } },
      }),
    );
  } catch (err) {
    log.warn('could not end the email claim; it will be taken over when its lease runs out', { err });
  }
}

async function recordSent(cfg: Config, update: UpdateItemCommandInput, caseId: string, log: CaseLogger): Promise<CaseRecord | undefined> {
  for (let round = 1; ; round++) {
    try {
      await dynamodb.send(new UpdateItemCommand(update));
      return undefined;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        // Our claim is gone: a lost response of our own write (then SENT is ours), or an
        // execution that took the claim over after the lease ran out.
        return readRecord(cfg.tableName, caseId);
      }
      if (!isTransientAwsError(err) || round >= RECORD_SENT_ROUNDS) {
        log.error('email sent but not recorded; a retry will send it again', { err });
        return rethrowAwsError(err, 'recording the sent email');
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
    }
  }
}

export async function handler(event: unknown): Promise<CaseResult> {
  const { case: c, executionId } = parseSendEmailInput(event);
  const log = caseLogger('Send Email', c.caseId);
  const cfg = config();
  const emailTemplates = loadEmailTemplates();
  const sender = senderSettings(cfg.sender);
  const attemptId = randomUUID();

  const claim = await claimEmail(cfg, c, executionId, attemptId, new Date());
  if (claim.kind === 'alreadySent') {
    log.info('email already sent; nothing to do', { messageId: claim.record.messageId });
    return resultFromRecord(claim.record);
  }
  if (claim.ambiguousResend) log.warn('a previous attempt ended without a known outcome; sending again (at-least-once)');

  const email = composeCaseEmail(c, emailTemplates);
  let messageId: string;
  try {
    const out = await ses.send(
      new SendEmailCommand({
        // "Display Name" <address>: IAM's ses:FromAddress condition still sees the bare address.
        Source: sender.source,
        ReplyToAddresses: sender.replyTo,
        Destination: { ToAddresses: [email.to] },
        Message: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
        },
      }),
    );
    if (!out.MessageId) throw new Error('SES returned no MessageId');
    messageId = out.MessageId;
  } catch (err) {
    if (mayHaveBeenSent(err)) {
      log.warn('SES gave no definite answer: the email may have been sent; the next attempt sends again', { err });
      await endClaim(cfg, c.caseId, attemptId, EmailStatus.UNCERTAIN, log);
    } else {
      await endClaim(cfg, c.caseId, attemptId, EmailStatus.PENDING, log);
    }
    if (isTransientAwsError(err)) return rethrowAwsError(err, 'sending the email');
    log.error('SES rejected the email', { err });
    throw new EmailRejectedError(`SES rejected the email of case ${c.caseId}: ${(err as Error).message}`, err);
  }

  const emailedAt = new Date().toISOString();
  const taken = await recordSent(
    cfg,
    {
      TableName: cfg.tableName,
      Key: key(c.caseId),
      UpdateExpression:
        'SET emailStatus = :sent, messageId = :mid, emailedAt = :at, updatedAt = :at, #status = :emailed' +
        (claim.ambiguousResend ? ', emailAmbiguousResends = if_not_exists(emailAmbiguousResends, :zero) + :one' : ''),
      // emailStatus too: once applied, a retry of this write (lost response) no longer matches.
      ConditionExpression: 'emailAttemptId = :attempt AND emailStatus = :sending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':sent': { S: EmailStatus.SENT },
        ':mid': { S: messageId },
        ':at': { S: emailedAt },
        ':emailed': { S: CaseStatus.EMAILED },
        ':attempt': { S: attemptId },
        ':sending': { S: EmailStatus.SENDING },
        ...(claim.ambiguousResend ? { ':zero': { N: '0' }, ':one': { N: '1' } } : {}),
      },
    },
    c.caseId,
    log,
  );
  if (taken?.emailStatus === EmailStatus.SENT) {
    if (taken.messageId !== messageId) {
      log.warn('another attempt recorded its email first; this one was a duplicate', { messageId, recorded: taken.messageId });
    }
    return resultFromRecord(taken);
  }
  log.info('email sent', { messageId });
  return { caseId: c.caseId, employee: c.employee, messageId, assignedAt: c.assignedAt, emailedAt, ...(c.details ? { details: c.details } : {}) };
}
