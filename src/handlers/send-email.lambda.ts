/**
 * Step 3, Send Email: tells the assigned employee through SES that the case is theirs.
 *
 * At most one email per case, except after an SES outcome that nobody can know, and then every
 * resend is counted: `emails sent <= 1 + emailAmbiguousResends` on the record, always. The record
 * carries the email's state, changed only by conditional writes (`case-table.lambda-shared.ts`):
 *  1. claim it for this one attempt: PENDING or UNCERTAIN -> SENDING (or take over a claim whose
 *     lease ran out: its attempt is over, and may have sent);
 *  2. send through SES, once (the state machine retries, never the SDK behind our back);
 *  3. record it: SENDING -> SENT with the message id. If that write fails, the message id goes to
 *     the state machine (`EmailSentNotRecorded`), whose Record Sent Email step writes it: an email
 *     SES acknowledged is never sent again.
 * If SES refused the email (4xx), nothing was sent: the claim goes back to what it replaced, so an
 * UNCERTAIN stays UNCERTAIN. If the outcome is unknown (no answer, timeout, 5xx), the email
 * becomes UNCERTAIN and the next attempt sends again (at-least-once, counted).
 */
import { randomUUID } from 'node:crypto';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { assignmentFromRecord, caseConflicts, claimedFromOf, composeCaseEmail, emailClaimState, parseSendEmailInput, resendsOnClaim, resultFromRecord } from './case-logic.lambda-shared';
import { CaseTable, caseTableName, Claim, WriteOutcome } from './case-table.lambda-shared';
import { readConfigFile } from './config-file.lambda-shared';
import { Deadline } from './deadline.lambda-shared';
import { CaseConflictError, CaseNotFoundError, ConfigurationError, DailyQuotaExceededError, DependencyUnavailableError, EmailRejectedError, EmailSendInProgressError, EmailSentNotRecordedError, isTransientAwsError, mayHaveBeenSent, rethrowAwsError, sesQuotaRefusal } from './errors.lambda-shared';
import { beginInvocation, caseLogger, CaseLogger, InvocationContext } from './log.lambda-shared';
import { emailQueued, emailResent, emailSent, emailThrottled, MetricContext } from './metrics.lambda-shared';
import { REQUEST_TIMEOUTS } from './request-timeouts.lambda-shared';
import { pacingOf, readSlotCounter, SlotRequest, startedAtOf, waitForSendSlot } from './send-slots.lambda-shared';
import { AssignedCase, CaseRecord, CaseResult, EmailStatus, EmailStatusValue, ENV, SentEmail, isValidEmailAddress } from '../shared/contract';
import { EmailTemplates, formatSender, parseEmailTemplates } from '../shared/email-template';
import { caseIdMessageTags } from '../shared/message-tags';
import { hasBacklog } from '../shared/send-pacing';

// One try only: an SDK retry after a lost response would send a second email unseen.
const ses = new SESClient({ maxAttempts: 1, requestHandler: REQUEST_TIMEOUTS });

const DEFAULT_LEASE_SECONDS = 60;

interface Config {
  readonly table: CaseTable;
  readonly deadline: Deadline;
  readonly sender: string;
  readonly leaseSeconds: number;
  /** After this, a claim of an earlier attempt of the same execution is over (unset: only the lease counts). */
  readonly ownLeaseSeconds?: number;
  readonly configurationSetName?: string;
}

function config(deadline: Deadline): Config {
  const sender = process.env[ENV.SENDER_EMAIL];
  if (!isValidEmailAddress(sender)) throw new ConfigurationError(`${ENV.SENDER_EMAIL} is not a valid email address`);
  const lease = Number(process.env[ENV.EMAIL_LEASE_SECONDS] ?? DEFAULT_LEASE_SECONDS);
  const ownLease = Number(process.env[ENV.EMAIL_OWN_LEASE_SECONDS]);
  return {
    table: new CaseTable(caseTableName(), deadline.signal),
    deadline,
    sender,
    leaseSeconds: Number.isFinite(lease) && lease > 0 ? lease : DEFAULT_LEASE_SECONDS,
    ownLeaseSeconds: Number.isFinite(ownLease) && ownLease > 0 ? ownLease : undefined,
    configurationSetName: process.env[ENV.CONFIGURATION_SET] || undefined,
  };
}

/**
 * The email templates, read once per cold start: the team's, from the function's configuration
 * file (templates can be large: not in the environment), or the default wording.
 */
let templates: EmailTemplates | undefined;
function loadEmailTemplates(): EmailTemplates {
  if (templates) return templates;
  const file = process.env[ENV.EMAIL_TEMPLATES_FILE];
  try {
    templates = parseEmailTemplates(file ? readConfigFile(file).templates : undefined);
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    throw new ConfigurationError(`the email templates in ${file} are malformed: ${(err as Error).message}`, { cause: err });
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

/**
 * This attempt holds the claim. `resends` are the counted resends on the record with this claim:
 * they already count the email this attempt may send (see `resendsOnClaim`). `record` is the case
 * as stored: the email is built from it, never from the input.
 */
interface Held {
  readonly kind: 'held';
  readonly record: CaseRecord;
  readonly claimedFrom: EmailStatusValue;
  readonly resends: number;
}
type Acquired = Held | { readonly kind: 'alreadySent'; readonly record: CaseRecord };

/** `record` as it was before this attempt's claim applied. */
function heldAfterClaim(record: CaseRecord, claimedFrom: EmailStatusValue): Held {
  return { kind: 'held', record, claimedFrom, resends: resendsOnClaim(claimedFrom, record.emailAmbiguousResends ?? 0) };
}

/** Refuses an input that disagrees with the stored record (another recipient, other content). */
function checkAgainstRecord(c: AssignedCase, record: CaseRecord): void {
  const fields = caseConflicts(c, record);
  if (fields.length > 0) throw new CaseConflictError(c.caseId, fields, 'Send Email sends only the stored case to its assignee');
}

/**
 * Claims the email for this attempt, or finds it sent; throws while another live attempt holds
 * it. The claim applies only to the record of the case the input names, as stored.
 */
async function acquire(cfg: Config, c: AssignedCase, claim: Claim, log: CaseLogger): Promise<Acquired> {
  const caseId = c.caseId;
  // What the claim in flight replaces (a failed write may still have applied: see the catch).
  let claiming: EmailStatusValue = EmailStatus.PENDING;
  try {
    let outcome = await cfg.table.claimEmail(caseId, claim, c, claiming);
    // A few rounds: between our read and our write another attempt may move the record on.
    for (let round = 1; ; round++) {
      if (outcome.applied) {
        // The status the claim replaced: PENDING, or UNCERTAIN (an earlier attempt's outcome is unknown).
        return heldAfterClaim(outcome.old!, claiming);
      }
      const record = outcome.current;
      if (!record) throw new CaseNotFoundError(caseId);
      checkAgainstRecord(c, record);
      const own = cfg.ownLeaseSeconds === undefined ? undefined : { owner: claim.owner, leaseSeconds: cfg.ownLeaseSeconds };
      const state = emailClaimState(record, claim.attemptId, claim.now, cfg.leaseSeconds, own);
      if (state.kind === 'sent') return { kind: 'alreadySent', record };
      // Our own claim: the first answer was lost and the SDK wrote it again (the record counts it).
      if (state.kind === 'ours') return { kind: 'held', record, claimedFrom: claimedFromOf(record), resends: record.emailAmbiguousResends ?? 0 };
      if (state.kind === 'held' || round >= 3) throw new EmailSendInProgressError(caseId, state.kind === 'held' ? state.owner : record.emailOwner);
      if (state.kind === 'free') {
        claiming = record.emailStatus === EmailStatus.UNCERTAIN ? EmailStatus.UNCERTAIN : EmailStatus.PENDING;
        outcome = await cfg.table.claimEmail(caseId, claim, c, claiming);
        continue;
      }
      // Abandoned: its attempt may have sent the email, so this claim's email counts as a resend;
      // unless that attempt ran in this instance and surely sent nothing (its release failed):
      // then this claim takes its place, and its count.
      const before = record.emailAmbiguousResends ?? 0;
      const sentNothing = record.emailAttemptId !== undefined && attemptsThatSentNothing.has(record.emailAttemptId);
      claiming = sentNothing ? claimedFromOf(record) : EmailStatus.UNCERTAIN;
      const resends = sentNothing ? before : resendsOnClaim(EmailStatus.UNCERTAIN, before);
      log.warn(sentNothing ? 'reclaiming the email claim of an earlier attempt in this instance, which sent nothing'
        : 'taking over an email claim whose lease ran out; its attempt may have sent the email', { abandonedOwner: record.emailOwner });
      outcome = await cfg.table.takeOverEmail(caseId, record.emailAttemptId!, claim, resends, claiming);
      if (outcome.applied) return { kind: 'held', record, claimedFrom: claiming, resends };
    }
  } catch (err) {
    // A failed write may still have written our claim (lost answers): give it back now rather
    // than leave it for a lease takeover, which would have to count a possible email.
    if (!(err instanceof EmailSendInProgressError || err instanceof CaseNotFoundError || err instanceof CaseConflictError)) {
      await endClaim(cfg, caseId, claim.attemptId, { notSent: true, claimedFrom: claiming }, log);
    }
    throw err;
  }
}

/**
 * Attempts of this instance that surely sent nothing but could not release their claim: the
 * next attempt, if it runs here, takes such a claim over without counting a possible email.
 * (Memory of this instance only: elsewhere, a takeover counts one, to be safe.) Bounded.
 */
const attemptsThatSentNothing = new Set<string>();
const SENT_NOTHING_MEMORY = 1000;

/** Rounds of a claim's release (each one the SDK's attempts), while the deadline leaves time for one more. */
const END_CLAIM_ROUNDS = 3;

/**
 * Ends this attempt's claim, retried while the deadline allows. If it still fails, the next
 * attempt of this execution takes the claim over once this attempt is surely over (see
 * `EMAIL_OWN_LEASE_SECONDS`), and another execution once its lease runs out.
 */
async function endClaim(cfg: Config, caseId: string, attemptId: string, outcome: Parameters<CaseTable['endClaim']>[2], log: CaseLogger): Promise<void> {
  for (let round = 1; ; round++) {
    try {
      await cfg.table.endClaim(caseId, attemptId, outcome);
      return;
    } catch (err) {
      if (round < END_CLAIM_ROUNDS && cfg.deadline.allows(REQUEST_TIMEOUTS.requestTimeout)) continue;
      if ('notSent' in outcome) {
        if (attemptsThatSentNothing.size >= SENT_NOTHING_MEMORY) attemptsThatSentNothing.clear();
        attemptsThatSentNothing.add(attemptId);
      }
      log.warn('could not end the email claim; it is taken over once this attempt is surely over', { err });
      return;
    }
  }
}

/** SES did not give a message id: end the claim as the answer tells, and throw the error the state machine acts on. */
async function sendFailed(
  cfg: Config, c: AssignedCase, attemptId: string, held: Held, err: unknown, log: CaseLogger, metric: MetricContext, slots: SlotRequest,
): Promise<never> {
  const quota = sesQuotaRefusal(err);
  if (!quota && mayHaveBeenSent(err)) {
    log.warn('SES gave no definite answer: the email may have been sent; the next attempt sends again', { err });
    await endClaim(cfg, c.caseId, attemptId, { unknown: true }, log);
    return rethrowAwsError(err, 'sending the email');
  }
  // A 4xx answer: SES sent nothing.
  await endClaim(cfg, c.caseId, attemptId, { notSent: true, claimedFrom: held.claimedFrom }, log);
  const message = `SES refused the email of case ${c.caseId}: ${(err as Error)?.message ?? String(err)}`;
  if (quota === 'daily') {
    emailThrottled(metric);
    log.error('SES daily sending quota exceeded: re-run the case once the quota resets', { err });
    throw new DailyQuotaExceededError(message, err);
  }
  if (quota === 'rate') {
    emailThrottled(metric);
    // Paced sending (docs/design/burst-pacing.md): a send slot, waited for by the state machine.
    return waitForSendSlot(slots, 'SES refused the email for its maximum sending rate', err);
  }
  if (isTransientAwsError(err)) return rethrowAwsError(err, 'sending the email');
  log.error('SES rejected the email', { err });
  throw new EmailRejectedError(message, err);
}

/** Records the sent email; if that is not possible now, hands it to the state machine to record. */
async function recordSent(cfg: Config, sent: SentEmail, result: CaseResult, log: CaseLogger): Promise<CaseResult> {
  const caseId = sent.caseId;
  let outcome: WriteOutcome;
  try {
    outcome = await cfg.table.recordSent(caseId, { ...sent, resends: Number(sent.emailAmbiguousResends) });
  } catch (err) {
    log.error('email sent but not recorded; the state machine records it', { err, messageId: sent.messageId });
    throw new EmailSentNotRecordedError(sent, err);
  }
  if (outcome.applied) {
    log.info('email sent', { messageId: sent.messageId });
    return result;
  }
  const current = outcome.current;
  if (current?.emailStatus === EmailStatus.SENT) {
    // Our own write whose answer was lost, or an attempt that took our claim over and recorded first.
    if (current.messageId !== sent.messageId) {
      log.warn('another attempt recorded its email first; this one was a resend', { messageId: sent.messageId, recorded: current.messageId });
    }
    return resultFromRecord(current);
  }
  // Our claim was taken over (our lease ran out) and its new holder has not finished yet.
  log.error('email sent but the claim was taken over before it was recorded', { messageId: sent.messageId });
  throw new EmailSentNotRecordedError(sent, new Error('the email claim was taken over before the sent email was recorded'));
}

export async function handler(event: unknown, context?: InvocationContext): Promise<CaseResult> {
  const deadline = new Deadline(context);
  try {
    return await sendEmail(event, deadline, context);
  } finally {
    deadline.end();
  }
}

async function sendEmail(event: unknown, deadline: Deadline, context?: InvocationContext): Promise<CaseResult> {
  const invocation = beginInvocation(context);
  const { case: c, executionId } = parseSendEmailInput(event);
  const log = caseLogger('Send Email', c.caseId, invocation);
  const metricContext = { caseId: c.caseId, requestId: invocation.requestId };
  const cfg = config(deadline);
  const emailTemplates = loadEmailTemplates();
  const sender = senderSettings(cfg.sender);
  const claim: Claim = { owner: executionId, attemptId: randomUUID(), now: new Date() };
  const slots: SlotRequest = { tableName: caseTableName(), caseId: c.caseId, startedAt: startedAtOf(event), pacing: pacingOf(event), ses, log };
  // The gate: while paced emails wait for their slots, a new case joins them rather than ask SES
  // (it would take the token a paced case was promised). A case woken for its slot goes ahead.
  if (slots.pacing.round === 0 && hasBacklog(await readSlotCounter(slots.tableName, log), Date.now())) {
    emailQueued(metricContext);
    await waitForSendSlot(slots, 'paced emails are waiting for SES');
  }

  const acquired = await acquire(cfg, c, claim, log);
  if (acquired.kind === 'alreadySent') {
    log.info('email already sent; nothing to do', { messageId: acquired.record.messageId });
    return resultFromRecord(acquired.record);
  }
  if (acquired.claimedFrom === EmailStatus.UNCERTAIN) {
    log.warn('an earlier attempt ended without a known outcome; sending again (at-least-once, counted)');
  }

  if (!deadline.allows(REQUEST_TIMEOUTS.requestTimeout)) {
    // Too late to send and still say what happened: nothing is sent, the state machine retries.
    await endClaim(cfg, c.caseId, claim.attemptId, { notSent: true, claimedFrom: acquired.claimedFrom }, log);
    throw new DependencyUnavailableError(`no time left in this invocation to send the email of case ${c.caseId}`, undefined);
  }
  // The stored case, to its stored assignee: the input only named it (and matched it).
  const email = composeCaseEmail(assignmentFromRecord(acquired.record), emailTemplates);
  let messageId: string;
  try {
    const out = await ses.send(
      new SendEmailCommand({
        // "Display Name" <address>: IAM's ses:FromAddress condition still sees the bare address.
        Source: sender.source,
        ReplyToAddresses: sender.replyTo,
        ConfigurationSetName: cfg.configurationSetName,
        // Names the case in SES's sending events (bounces, complaints) and for the local harness.
        Tags: caseIdMessageTags(c.caseId),
        Destination: { ToAddresses: [email.to] },
        Message: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
        },
      }),
      { abortSignal: deadline.signal },
    );
    if (!out.MessageId) throw new Error('SES returned no MessageId');
    messageId = out.MessageId;
  } catch (err) {
    return sendFailed(cfg, c, claim.attemptId, acquired, err, log, metricContext, slots);
  }
  emailSent(metricContext);
  if (acquired.claimedFrom === EmailStatus.UNCERTAIN) emailResent(metricContext);

  const emailedAt = new Date().toISOString();
  return recordSent(cfg, {
    caseId: c.caseId,
    messageId,
    attemptId: claim.attemptId,
    emailedAt,
    emailAmbiguousResends: String(acquired.resends),
  }, resultFromRecord(acquired.record, { messageId, emailedAt }), log);
}
