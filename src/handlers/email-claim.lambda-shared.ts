/**
 * The email claim: the protocol that sends a case's email at most once, except after an SES
 * outcome that nobody can know, and then counts every resend: `emails sent <= 1 +
 * emailAmbiguousResends` on the record, always. All of it is here, as Powertools keeps its
 * idempotency protocol in its persistence layer: the claim states and their decisions, the
 * conditional writes that move the record between them, and the protocol's steps. The handler
 * (`send-email.lambda.ts`) only calls them in order:
 *  1. acquire: PENDING or UNCERTAIN -> SENDING for this one attempt (or take over a claim whose
 *     lease ran out: its attempt is over, and may have sent); a claim after a possible email
 *     counts its own email as a resend at once, so the record is right even if the attempt dies;
 *  2. (the handler sends through SES, once: the state machine retries, never the SDK behind our back);
 *  3. record: SENDING -> SENT with the message id. If that write fails, the message id goes to
 *     the state machine (`EmailSentNotRecorded`), whose Record Sent Email step makes the same
 *     write (`RECORD_SENT` in the contract): an email SES acknowledged is never sent again.
 * Or end: if SES refused the email (4xx), nothing was sent: the claim goes back to what it
 * replaced (an UNCERTAIN stays UNCERTAIN) and gives its count back. If the outcome is unknown (no answer, timeout, 5xx),
 * the email becomes UNCERTAIN and the next attempt sends again (at-least-once, counted).
 * The leases come from the construct (`EMAIL_LEASE_SECONDS`, `EMAIL_OWN_LEASE_SECONDS`).
 */
import { caseConflicts } from './case-assignment.lambda-shared';
import { CaseTable, Item, matchesStoredCase, WriteOutcome } from './case-table.lambda-shared';
import { Deadline } from './deadline.lambda-shared';
import { CaseConflictError, CaseNotFoundError, EmailSendInProgressError, EmailSentNotRecordedError } from './errors.lambda-shared';
import type { CaseLogger } from './log.lambda-shared';
import { REQUEST_TIMEOUTS } from './request-timeouts.lambda-shared';
import { AssignedCase, CASE_TABLE_PARTITION_KEY, CaseRecord, CaseResult, CaseStatus, EmailStatus, EmailStatusValue, ENV, RECORD_SENT, SentEmail } from '../shared/contract';

// ---- The claim states and their decisions (plain functions) ----

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

// ---- The conditional writes: each moves the record from one claim state to another ----

/** Who claims the email: the execution (for people reading the record) and the one attempt that owns the claim. */
export interface Claim {
  readonly owner: string;
  readonly attemptId: string;
  readonly now: Date;
  /** Written with the claim, in the same conditional write (the acknowledge link's hash): absent, the writes are as always. */
  readonly extra?: ClaimExtra;
}

/** More for a claim's write: SET clauses, an ADD clause, their values (names the claim's own do not use); same conditions. */
export interface ClaimExtra {
  readonly set: string;
  readonly add?: string;
  readonly values: Item;
}

/** The claim's update expression with the claim's extra clauses, and its extra values. */
function withExtra(update: string, values: Item, extra: ClaimExtra | undefined): { UpdateExpression: string; ExpressionAttributeValues: Item } {
  if (!extra) return { UpdateExpression: update, ExpressionAttributeValues: values };
  return { UpdateExpression: `${update}, ${extra.set}${extra.add ? ` ADD ${extra.add}` : ''}`, ExpressionAttributeValues: { ...values, ...extra.values } };
}

function claimValues(claim: Claim): Item {
  return {
    ':sending': { S: EmailStatus.SENDING },
    ':owner': { S: claim.owner },
    ':attempt': { S: claim.attemptId },
    ':now': { S: claim.now.toISOString() },
  };
}

/**
 * Claims a free email (PENDING or UNCERTAIN) for one attempt. `emailClaimedFrom` keeps the
 * status the claim replaced: it decides whether a possible email of this attempt is a resend.
 */
function writeClaim(table: CaseTable, caseId: string, claim: Claim, expected: AssignedCase, from: EmailStatusValue): Promise<WriteOutcome> {
  const match = matchesStoredCase(expected);
  // A claim from UNCERTAIN counts the email it may send as a resend now, in the claim itself:
  // if this attempt or its execution dies after sending, the record already tells the truth.
  const count = from === EmailStatus.UNCERTAIN ? ', emailAmbiguousResends = if_not_exists(emailAmbiguousResends, :zero) + :one' : '';
  return table.update(caseId, 'claiming the email', {
    ...withExtra(
      'SET emailClaimedFrom = emailStatus, emailStatus = :sending, emailOwner = :owner, emailAttemptId = :attempt,'
        + ` emailClaimedAt = :now, updatedAt = :now${count}`,
      { ...claimValues(claim), ':from': { S: from }, ...(count ? { ':zero': { N: '0' }, ':one': { N: '1' } } : {}), ...match.values },
      claim.extra,
    ),
    // Only the case the input names, as stored: an input naming another recipient or other
    // content changes nothing (the caller tells the conflict from the record returned).
    ConditionExpression: `attribute_exists(#pk) AND emailStatus = :from AND ${match.condition}`,
    ExpressionAttributeNames: { '#pk': CASE_TABLE_PARTITION_KEY, ...match.names },
    ReturnValues: 'ALL_OLD',
  });
}

/**
 * Takes over the claim of an attempt that is over (lease run out). That attempt may have sent
 * the email, so the new claim replaces UNCERTAIN (or `claimedFrom`, when it surely did not
 * send), and the counted resends become `resends` (which count the email this claim may send).
 */
function writeTakeOver(
  table: CaseTable, caseId: string, abandonedAttemptId: string, claim: Claim, resends: number, claimedFrom: EmailStatusValue,
): Promise<WriteOutcome> {
  return table.update(caseId, 'taking over the email claim', {
    ...withExtra(
      'SET emailClaimedFrom = :claimedFrom, emailStatus = :sending, emailOwner = :owner, emailAttemptId = :attempt,'
        + ' emailClaimedAt = :now, updatedAt = :now, emailAmbiguousResends = :resends,'
        // How often the case's claim was taken over (for people and for the demo's summary).
        + ' emailTakeovers = if_not_exists(emailTakeovers, :zero) + :one',
      {
        ...claimValues(claim),
        ':claimedFrom': { S: claimedFrom },
        ':abandoned': { S: abandonedAttemptId },
        ':resends': { N: String(resends) },
        ':zero': { N: '0' },
        ':one': { N: '1' },
      },
      claim.extra,
    ),
    ConditionExpression: 'emailStatus = :sending AND emailAttemptId = :abandoned',
  });
}

/**
 * How an attempt's claim ends without a sent email:
 * - `notSent`: SES surely sent nothing (or was never called): the email goes back to the
 *   status the claim replaced (PENDING stays PENDING, UNCERTAIN stays UNCERTAIN), and a claim
 *   from UNCERTAIN gives back the resend it counted (`claimedFrom`);
 * - `unknown`: SES may have sent it: UNCERTAIN, keeping the resend the claim counted.
 */
export type ClaimEnd = { readonly notSent: true; readonly claimedFrom: EmailStatusValue } | { readonly unknown: true };

function writeEndClaim(table: CaseTable, caseId: string, attemptId: string, outcome: ClaimEnd): Promise<WriteOutcome> {
  const common = {
    ConditionExpression: 'emailAttemptId = :attempt AND emailStatus = :sending',
    ExpressionAttributeValues: { ':attempt': { S: attemptId }, ':sending': { S: EmailStatus.SENDING } } as Item,
  };
  if ('notSent' in outcome) {
    const fromUncertain = outcome.claimedFrom === EmailStatus.UNCERTAIN;
    return table.update(caseId, 'releasing the email claim', {
      ConditionExpression: `${common.ConditionExpression} AND emailClaimedFrom = :from`,
      UpdateExpression: `SET emailStatus = emailClaimedFrom${fromUncertain ? ', emailAmbiguousResends = emailAmbiguousResends - :one' : ''}`
        + ' REMOVE emailAttemptId, emailClaimedAt',
      ExpressionAttributeValues: {
        ...common.ExpressionAttributeValues,
        ':from': { S: outcome.claimedFrom },
        ...(fromUncertain ? { ':one': { N: '1' } } : {}),
      },
    });
  }
  return table.update(caseId, 'marking the email uncertain', {
    ...common,
    UpdateExpression: 'SET emailStatus = :uncertain REMOVE emailAttemptId, emailClaimedAt',
    ExpressionAttributeValues: { ...common.ExpressionAttributeValues, ':uncertain': { S: EmailStatus.UNCERTAIN } },
  });
}

/**
 * Records the email SES accepted, if this attempt still holds the claim. Also clears a failure
 * another execution may have recorded meanwhile: a case whose email went out is EMAILED. The
 * state machine's Record Sent Email step makes the same write (`RECORD_SENT`: same expression and
 * condition) when the handler could not: see the construct.
 */
function writeRecordSent(
  table: CaseTable, caseId: string, sent: { attemptId: string; messageId: string; emailedAt: string; resends: number },
): Promise<WriteOutcome> {
  return table.update(caseId, 'recording the sent email', {
    UpdateExpression: RECORD_SENT.updateExpression,
    ConditionExpression: RECORD_SENT.conditionExpression,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':sent': { S: EmailStatus.SENT },
      ':emailed': { S: CaseStatus.EMAILED },
      ':sending': { S: EmailStatus.SENDING },
      ':attempt': { S: sent.attemptId },
      ':mid': { S: sent.messageId },
      ':at': { S: sent.emailedAt },
      ':resends': { N: String(sent.resends) },
    } as Item,
  });
}

// ---- The protocol ----

const DEFAULT_LEASE_SECONDS = 60;

/** What the protocol works with in one invocation. */
export interface EmailClaims {
  readonly table: CaseTable;
  readonly deadline: Deadline;
  readonly leaseSeconds: number;
  /** After this, a claim of an earlier attempt of the same execution is over (unset: only the lease counts). */
  readonly ownLeaseSeconds?: number;
  readonly log: CaseLogger;
}

/** The claims of one invocation, with the leases from the function's configuration. */
export function emailClaims(table: CaseTable, deadline: Deadline, log: CaseLogger): EmailClaims {
  const lease = Number(process.env[ENV.EMAIL_LEASE_SECONDS] ?? DEFAULT_LEASE_SECONDS);
  const ownLease = Number(process.env[ENV.EMAIL_OWN_LEASE_SECONDS]);
  return {
    table,
    deadline,
    leaseSeconds: Number.isFinite(lease) && lease > 0 ? lease : DEFAULT_LEASE_SECONDS,
    ownLeaseSeconds: Number.isFinite(ownLease) && ownLease > 0 ? ownLease : undefined,
    log,
  };
}

/**
 * This attempt holds the claim. `resends` are the counted resends on the record with this claim:
 * they already count the email this attempt may send (see `resendsOnClaim`). `record` is the case
 * as stored: the email is built from it, never from the input.
 */
export interface Held {
  readonly kind: 'held';
  readonly record: CaseRecord;
  readonly claimedFrom: EmailStatusValue;
  readonly resends: number;
}
export type Acquired = Held | { readonly kind: 'alreadySent'; readonly record: CaseRecord };

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
export async function acquireEmailClaim(claims: EmailClaims, c: AssignedCase, claim: Claim): Promise<Acquired> {
  const { table, log } = claims;
  const caseId = c.caseId;
  // What the claim in flight replaces (a failed write may still have applied: see the catch).
  let claiming: EmailStatusValue = EmailStatus.PENDING;
  try {
    let outcome = await writeClaim(table, caseId, claim, c, claiming);
    // A few rounds: between our read and our write another attempt may move the record on.
    for (let round = 1; ; round++) {
      if (outcome.applied) {
        // The status the claim replaced: PENDING, or UNCERTAIN (an earlier attempt's outcome is unknown).
        return heldAfterClaim(outcome.old!, claiming);
      }
      const record = outcome.current;
      if (!record) throw new CaseNotFoundError(caseId);
      checkAgainstRecord(c, record);
      const own = claims.ownLeaseSeconds === undefined ? undefined : { owner: claim.owner, leaseSeconds: claims.ownLeaseSeconds };
      const state = emailClaimState(record, claim.attemptId, claim.now, claims.leaseSeconds, own);
      if (state.kind === 'sent') return { kind: 'alreadySent', record };
      // Our own claim: the first answer was lost and the SDK wrote it again (the record counts it).
      if (state.kind === 'ours') return { kind: 'held', record, claimedFrom: claimedFromOf(record), resends: record.emailAmbiguousResends ?? 0 };
      if (state.kind === 'held' || round >= 3) throw new EmailSendInProgressError(caseId, state.kind === 'held' ? state.owner : record.emailOwner);
      if (state.kind === 'free') {
        claiming = record.emailStatus === EmailStatus.UNCERTAIN ? EmailStatus.UNCERTAIN : EmailStatus.PENDING;
        outcome = await writeClaim(table, caseId, claim, c, claiming);
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
      outcome = await writeTakeOver(table, caseId, record.emailAttemptId!, claim, resends, claiming);
      if (outcome.applied) return { kind: 'held', record, claimedFrom: claiming, resends };
    }
  } catch (err) {
    // A failed write may still have written our claim (lost answers): give it back now rather
    // than leave it for a lease takeover, which would have to count a possible email.
    if (!(err instanceof EmailSendInProgressError || err instanceof CaseNotFoundError || err instanceof CaseConflictError)) {
      await endEmailClaim(claims, caseId, claim.attemptId, { notSent: true, claimedFrom: claiming });
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
export async function endEmailClaim(claims: EmailClaims, caseId: string, attemptId: string, outcome: ClaimEnd): Promise<void> {
  for (let round = 1; ; round++) {
    try {
      await writeEndClaim(claims.table, caseId, attemptId, outcome);
      return;
    } catch (err) {
      if (round < END_CLAIM_ROUNDS && claims.deadline.allows(REQUEST_TIMEOUTS.requestTimeout)) continue;
      if ('notSent' in outcome) {
        if (attemptsThatSentNothing.size >= SENT_NOTHING_MEMORY) attemptsThatSentNothing.clear();
        attemptsThatSentNothing.add(attemptId);
      }
      claims.log.warn('could not end the email claim; it is taken over once this attempt is surely over', { err });
      return;
    }
  }
}

/**
 * Records the email SES accepted (`messageId`) for the claim `held` by attempt `attemptId`; if
 * that is not possible now, hands it to the state machine to record (`EmailSentNotRecorded`).
 */
export async function recordSentEmail(claims: EmailClaims, held: Held, attemptId: string, messageId: string): Promise<CaseResult> {
  const { log } = claims;
  const caseId = held.record.caseId;
  const emailedAt = new Date().toISOString();
  const sent: SentEmail = { caseId, messageId, attemptId, emailedAt, emailAmbiguousResends: String(held.resends) };
  let outcome: WriteOutcome;
  try {
    outcome = await writeRecordSent(claims.table, caseId, { ...sent, resends: Number(sent.emailAmbiguousResends) });
  } catch (err) {
    log.error('email sent but not recorded; the state machine records it', { err, messageId: sent.messageId });
    throw new EmailSentNotRecordedError(sent, err);
  }
  if (outcome.applied) {
    log.info('email sent', { messageId: sent.messageId });
    return resultFromRecord(held.record, { messageId, emailedAt });
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
