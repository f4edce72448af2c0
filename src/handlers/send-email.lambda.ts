/**
 * Step 3, Send Email: tells the assigned employee through SES that the case is theirs.
 *
 * At most one email per case, except after an SES outcome that nobody can know, and then every
 * resend is counted: the email claim (`email-claim.lambda-shared.ts`) holds the protocol. This
 * handler runs it: the pacing gate, acquire the claim, send once through SES (the state machine
 * retries, never the SDK behind our back), then record the email, or end the claim as SES's
 * answer tells and throw the error the state machine acts on.
 */
import { randomUUID } from 'node:crypto';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { acknowledgementTemplateValues, claimLink, sendEmailAckSettings } from './acknowledge-link.lambda-shared';
import { assignmentFromRecord } from './case-assignment.lambda-shared';
import { parseSendEmailInput } from './case-input.lambda-shared';
import { CaseTable, caseTableName } from './case-table.lambda-shared';
import { Deadline } from './deadline.lambda-shared';
import { acquireEmailClaim, Claim, EmailClaims, emailClaims, endEmailClaim, Held, recordSentEmail, resultFromRecord } from './email-claim.lambda-shared';
import { composeCaseEmail, loadEmailTemplates, senderSettings, sendEmailRequest } from './email-composition.lambda-shared';
import { DailyQuotaExceededError, DependencyUnavailableError, EmailRejectedError, isTransientAwsError, mayHaveBeenSent, rethrowAwsError, sesQuotaRefusal } from './errors.lambda-shared';
import { beginInvocation, caseLogger, InvocationContext } from './log.lambda-shared';
import { emailQueued, emailResent, emailSent, emailThrottled, MetricContext } from './metrics.lambda-shared';
import { REQUEST_TIMEOUTS } from './request-timeouts.lambda-shared';
import { pacingOf, readSlotCounter, SlotRequest, startedAtOf, waitForSendSlot } from './send-slots.lambda-shared';
import { CaseResult, EmailStatus, STATE_NAMES } from '../shared/contract';
import { hasBacklog } from '../shared/send-pacing';

// One try only: an SDK retry after a lost response would send a second email unseen.
const ses = new SESClient({ maxAttempts: 1, requestHandler: REQUEST_TIMEOUTS });

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
  const log = caseLogger(STATE_NAMES.SEND_EMAIL, c.caseId, invocation);
  const metricContext = { caseId: c.caseId, requestId: invocation.requestId };
  const sender = senderSettings();
  const claims = emailClaims(new CaseTable(caseTableName(), deadline.signal), deadline, log);
  const emailTemplates = loadEmailTemplates();
  const now = new Date();
  // Acknowledgement on: this claim's own link; only its hash goes into the claim's write.
  const ack = sendEmailAckSettings();
  const link = ack && claimLink(ack, c.caseId, now);
  const claim: Claim = { owner: executionId, attemptId: randomUUID(), now, ...(link ? { extra: link.extra } : {}) };
  const slots: SlotRequest = {
    tableName: caseTableName(), caseId: c.caseId, startedAt: startedAtOf(event), pacing: pacingOf(event), ses, log, abortSignal: deadline.signal,
  };
  // The gate: while paced emails wait for their slots, a new case joins them rather than ask SES
  // (it would take the token a paced case was promised). A case woken for its slot goes ahead.
  if (slots.pacing.round === 0 && hasBacklog(await readSlotCounter(slots), Date.now())) {
    emailQueued(metricContext);
    await waitForSendSlot(slots, 'paced emails are waiting for SES');
  }

  const acquired = await acquireEmailClaim(claims, c, claim);
  if (acquired.kind === 'alreadySent') {
    log.info('email already sent; nothing to do', { messageId: acquired.record.messageId });
    return resultFromRecord(acquired.record);
  }
  if (acquired.claimedFrom === EmailStatus.UNCERTAIN) {
    log.warn('an earlier attempt ended without a known outcome; sending again (at-least-once, counted)');
  }

  if (!deadline.allows(REQUEST_TIMEOUTS.requestTimeout)) {
    // Too late to send and still say what happened: nothing is sent, the state machine retries.
    await endEmailClaim(claims, c.caseId, claim.attemptId, { notSent: true, claimedFrom: acquired.claimedFrom });
    throw new DependencyUnavailableError(`no time left in this invocation to send the email of case ${c.caseId}`, undefined);
  }
  // The stored case, to its stored assignee: the input only named it (and matched it).
  const more = ack && link ? acknowledgementTemplateValues(acquired.record, link.url, ack.escalateAfterSeconds) : {};
  const email = composeCaseEmail(assignmentFromRecord(acquired.record), emailTemplates, more);
  let messageId: string;
  try {
    const out = await ses.send(new SendEmailCommand(sendEmailRequest(c.caseId, email, sender)), { abortSignal: deadline.signal });
    if (!out.MessageId) throw new Error('SES returned no MessageId');
    messageId = out.MessageId;
  } catch (err) {
    return sendFailed(claims, claim.attemptId, acquired, err, metricContext, slots);
  }
  emailSent(metricContext);
  if (acquired.claimedFrom === EmailStatus.UNCERTAIN) emailResent(metricContext);
  return recordSentEmail(claims, acquired, claim.attemptId, messageId);
}

/** SES did not give a message id: end the claim as the answer tells, and throw the error the state machine acts on. */
async function sendFailed(
  claims: EmailClaims, attemptId: string, held: Held, err: unknown, metric: MetricContext, slots: SlotRequest,
): Promise<never> {
  const { log } = claims;
  const caseId = held.record.caseId;
  const quota = sesQuotaRefusal(err);
  if (!quota && mayHaveBeenSent(err)) {
    log.warn('SES gave no definite answer: the email may have been sent; the next attempt sends again', { err });
    await endEmailClaim(claims, caseId, attemptId, { unknown: true });
    return rethrowAwsError(err, 'sending the email');
  }
  // A 4xx answer: SES sent nothing.
  await endEmailClaim(claims, caseId, attemptId, { notSent: true, claimedFrom: held.claimedFrom });
  const message = `SES refused the email of case ${caseId}: ${(err as Error)?.message ?? String(err)}`;
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
