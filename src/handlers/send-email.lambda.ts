/**
 * Step 3, Send Email: tells the assigned employee through SES that the case is theirs.
 *
 * Exactly one email per case, as far as SES allows. The case record carries the email's
 * state, changed only by conditional writes (the usual DynamoDB optimistic-locking pattern):
 *  1. claim: PENDING -> SENDING, owned by this execution and this attempt;
 *  2. send through SES;
 *  3. record: SENDING -> SENT with the SES message id.
 * A retry, or a second execution for the same case, that finds SENT returns the recorded
 * message id and sends nothing. One that finds another execution's fresh claim fails with
 * `EmailSendInProgress` (retried later).
 *
 * SES has no idempotency key: when an attempt ends without knowing whether SES accepted the
 * email (no answer, or the function died after sending), the next attempt of the same
 * execution sends it again: at-least-once. Such resends are counted on the record
 * (`emailAmbiguousResends`). When SES answered with an error, nothing was sent and the claim
 * is released.
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
import { AssignedCase, CASE_TABLE_PARTITION_KEY, CaseRecord, CaseResult, CaseStatus, EmailStatus, ENV } from './case-types';
import {
  CaseNotFoundError,
  ConfigurationError,
  EmailRejectedError,
  EmailSendInProgressError,
  isTransientAwsError,
  isUnansweredRequest,
  rethrowAwsError,
} from './errors';
import { caseLogger, CaseLogger } from './log';

const dynamodb = new DynamoDBClient({});
const ses = new SESClient({});

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
  };
}

/** Outcome of a claim: either we may send (and whether it is a resend of an unknown outcome), or it was already sent. */
type Claim = { readonly kind: 'claimed'; readonly ambiguousResend: boolean } | { readonly kind: 'alreadySent'; readonly record: CaseRecord };

async function claimEmail(cfg: Config, c: AssignedCase, owner: string, attemptId: string, now: Date): Promise<Claim> {
  const expired = new Date(now.getTime() - cfg.leaseSeconds * 1000).toISOString();
  try {
    const { Attributes } = await dynamodb.send(
      new UpdateItemCommand({
        TableName: cfg.tableName,
        Key: key(c.caseId),
        UpdateExpression: 'SET emailStatus = :sending, emailOwner = :owner, emailAttemptId = :attempt, emailClaimedAt = :now, updatedAt = :now',
        ConditionExpression:
          'attribute_exists(#pk) AND (emailStatus = :pending OR (emailStatus = :sending AND (emailOwner = :owner OR emailClaimedAt < :expired)))',
        ExpressionAttributeNames: { '#pk': CASE_TABLE_PARTITION_KEY },
        ExpressionAttributeValues: {
          ':sending': { S: EmailStatus.SENDING },
          ':pending': { S: EmailStatus.PENDING },
          ':owner': { S: owner },
          ':attempt': { S: attemptId },
          ':now': { S: now.toISOString() },
          ':expired': { S: expired },
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    // SENDING left by an attempt other than this one: that attempt may have sent the email.
    const ambiguousResend = Attributes?.emailStatus?.S === EmailStatus.SENDING && Attributes?.emailAttemptId?.S !== attemptId;
    return { kind: 'claimed', ambiguousResend };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) return rethrowAwsError(err, 'claiming the email');
  }
  const record = await readRecord(cfg.tableName, c.caseId);
  if (record.emailStatus === EmailStatus.SENT) return { kind: 'alreadySent', record };
  throw new EmailSendInProgressError(c.caseId, record.emailOwner);
}

async function releaseClaim(cfg: Config, caseId: string, attemptId: string, log: CaseLogger): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: cfg.tableName,
        Key: key(caseId),
        UpdateExpression: 'SET emailStatus = :pending REMOVE emailAttemptId, emailOwner, emailClaimedAt',
        ConditionExpression: 'emailAttemptId = :attempt',
        ExpressionAttributeValues: { ':pending': { S: EmailStatus.PENDING }, ':attempt': { S: attemptId } },
      }),
    );
  } catch (err) {
    // Harmless: the next attempt of this execution takes the claim over (counted as a resend).
    log.warn('could not release the email claim', { err });
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
  const attemptId = randomUUID();

  const claim = await claimEmail(cfg, c, executionId, attemptId, new Date());
  if (claim.kind === 'alreadySent') {
    log.info('email already sent; nothing to do', { messageId: claim.record.messageId });
    return resultFromRecord(claim.record);
  }
  if (claim.ambiguousResend) log.warn('a previous attempt ended without a known outcome; sending again (at-least-once)');

  const email = composeCaseEmail(c);
  let messageId: string;
  try {
    const out = await ses.send(
      new SendEmailCommand({
        Source: cfg.sender,
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
    if (isUnansweredRequest(err)) {
      log.warn('SES did not answer; the outcome is unknown and the claim is kept', { err });
    } else {
      await releaseClaim(cfg, c.caseId, attemptId, log);
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
      ConditionExpression: 'emailAttemptId = :attempt',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':sent': { S: EmailStatus.SENT },
        ':mid': { S: messageId },
        ':at': { S: emailedAt },
        ':emailed': { S: CaseStatus.EMAILED },
        ':attempt': { S: attemptId },
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
  return { caseId: c.caseId, employee: c.employee, messageId, assignedAt: c.assignedAt, emailedAt };
}
