/**
 * Escalate Case's decisions and writes (docs/design/acknowledgement.md): when a round's wait ran
 * out, the case goes to the next employee in the rendezvous order Assign Case uses for it,
 * skipping everyone who already had it and everyone no longer on the roster; or, with no one left
 * or no round left, it ends UNACKNOWLEDGED. ONE conditional write, on the round that ended and on
 * the case being neither acknowledged nor unacknowledged, decides a race with the acknowledge
 * page: whichever applies first wins, and the record tells which.
 */
import { assignmentFromRecord, rankEmployees } from './case-assignment.lambda-shared';
import { CaseTable, escalatedRoundItem, WriteOutcome } from './case-table.lambda-shared';
import type { AcknowledgedCase, EscalateCaseInput, EscalationResult } from '../shared/acknowledgement';
import { EscalationOutcome } from '../shared/acknowledgement';
import { CaseRecord, CaseStatus, EmailStatus, EscalatedRound, RosterEmployee } from '../shared/contract';

/** What Escalate Case does with a round that ran out. */
export type EscalationDecision =
  | { readonly kind: 'acknowledged' }
  | { readonly kind: 'escalate'; readonly next: RosterEmployee; readonly ended: EscalatedRound; readonly round: number }
  | { readonly kind: 'unacknowledged'; readonly round: number };

/** The round a record is in (1 when it has none: the first email). */
export function roundOf(record: Pick<CaseRecord, 'ackRound'>): number {
  return record.ackRound ?? 1;
}

/** Everyone who had the case: the current assignee and every earlier round's. */
export function previousAssignees(record: CaseRecord): Set<string> {
  return new Set([record.employeeId, ...(record.escalations ?? []).map((r) => r.employeeId)]);
}

/**
 * The decision for the current round of `record` at `now`, with `roster` as it is now (inactive
 * or departed employees are not in it) and at most `maxRounds` rounds (emails) per case. Pure.
 */
export function decideEscalation(record: CaseRecord, roster: readonly RosterEmployee[], now: Date, maxRounds: number): EscalationDecision {
  if (record.acknowledgedAt !== undefined) return { kind: 'acknowledged' };
  const round = roundOf(record);
  const had = previousAssignees(record);
  const next = round < maxRounds ? rankEmployees(roster, record.caseId).find((e) => !had.has(e.id)) : undefined;
  if (!next) return { kind: 'unacknowledged', round };
  const ended: EscalatedRound = {
    round,
    employeeId: record.employeeId,
    employeeName: record.employeeName,
    assignedAt: record.assignedAt,
    ...(record.messageId === undefined ? {} : { messageId: record.messageId }),
    ...(record.emailedAt === undefined ? {} : { emailedAt: record.emailedAt }),
    emailAmbiguousResends: record.emailAmbiguousResends ?? 0,
    escalatedAt: now.toISOString(),
  };
  return { kind: 'escalate', next, ended, round: round + 1 };
}

/** The acknowledgement a record holds (acknowledgedAt set). */
export function acknowledgementOf(record: CaseRecord): AcknowledgedCase {
  return { caseId: record.caseId, acknowledgedBy: record.acknowledgedBy!, acknowledgedAt: record.acknowledgedAt!, round: roundOf(record) };
}

/** True when the record is still in the round that `input` names, undecided. */
export function isOpenRound(record: CaseRecord, input: EscalateCaseInput): boolean {
  return record.employeeId === input.employeeId && record.assignedAt === input.assignedAt
    && record.acknowledgedAt === undefined && record.unacknowledgedAt === undefined;
}

/**
 * The outcome a record already tells for the round `input` names, or undefined when it is still
 * open (or moved on in a way no write of this round explains). An acknowledgement wins whenever
 * it came; an UNACKNOWLEDGED end or an escalation counts when it ended this very round (a retry
 * whose first write applied finds its own outcome).
 */
export function recordedOutcome(record: CaseRecord, input: EscalateCaseInput): EscalationResult | undefined {
  const base = { caseId: record.caseId, round: roundOf(record) };
  if (record.acknowledgedAt !== undefined) return { ...base, outcome: EscalationOutcome.ACKNOWLEDGED, acknowledgement: acknowledgementOf(record) };
  const sameRound = record.employeeId === input.employeeId && record.assignedAt === input.assignedAt;
  if (record.unacknowledgedAt !== undefined && sameRound) return { ...base, outcome: EscalationOutcome.UNACKNOWLEDGED };
  const last = record.escalations?.[record.escalations.length - 1];
  if (last && last.employeeId === input.employeeId && last.assignedAt === input.assignedAt && record.unacknowledgedAt === undefined
    && last.round + 1 === base.round) {
    return { ...base, outcome: EscalationOutcome.ESCALATED, case: assignmentFromRecord(record) };
  }
  return undefined;
}

/**
 * True when the outcome `record` tells was written by the decision made at `at` (the time each
 * decision writes: `escalatedAt` of the ended round, or `unacknowledgedAt`): a write whose answer
 * was lost, not another invocation's (an earlier attempt still running, or a second execution).
 */
export function decidedAt(record: CaseRecord, at: string): boolean {
  const last = record.escalations?.[record.escalations.length - 1];
  return record.unacknowledgedAt === at || (record.unacknowledgedAt === undefined && last?.escalatedAt === at);
}

/**
 * An acknowledged record whose status says otherwise: the acknowledge page can take a press while
 * Send Email is still at work (the email went out, its answer was lost, and a resend is under way);
 * Send Email's record-sent write then sets EMAILED over ACKNOWLEDGED (and its resend's claim adds a
 * link hash). Escalate Case, which ends every such execution (Wait For Acknowledgement finds the
 * case acknowledged), puts the status back: conditional, so it never touches anything else.
 * (The page now acknowledges only a round whose email is recorded, SENT, so no write of Send
 * Email follows an acknowledgement: this stays for records acknowledged before that rule.)
 */
export function needsAcknowledgedStatus(record: CaseRecord): boolean {
  return record.acknowledgedAt !== undefined && record.status !== CaseStatus.ACKNOWLEDGED;
}

/** The write that puts an acknowledged record's status back to ACKNOWLEDGED (see needsAcknowledgedStatus). */
export function writeAcknowledgedStatus(table: CaseTable, caseId: string, now: Date): Promise<WriteOutcome> {
  return table.update(caseId, 'restoring the acknowledged status', {
    UpdateExpression: 'SET #status = :ack, updatedAt = :now REMOVE ackIdHashes, ackTaskToken',
    ConditionExpression: 'attribute_exists(acknowledgedAt) AND #status <> :ack',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':ack': { S: CaseStatus.ACKNOWLEDGED }, ':now': { S: now.toISOString() } },
  });
}

/** The one conditional write of a decision (not `acknowledged`: nothing to write then). */
export function writeDecision(
  table: CaseTable, input: EscalateCaseInput, decision: Exclude<EscalationDecision, { kind: 'acknowledged' }>, now: Date,
): Promise<WriteOutcome> {
  const at = now.toISOString();
  const common = {
    // The round that ended, still undecided: the acknowledge page's write has the mirror condition.
    ConditionExpression: 'employeeId = :e AND assignedAt = :a AND attribute_not_exists(acknowledgedAt) AND attribute_not_exists(unacknowledgedAt)',
    ExpressionAttributeNames: { '#status': 'status' },
  };
  const roundValues = { ':e': { S: input.employeeId }, ':a': { S: input.assignedAt }, ':now': { S: at } };
  if (decision.kind === 'unacknowledged') {
    return table.update(input.caseId, 'recording the case unacknowledged', {
      ...common,
      UpdateExpression: 'SET #status = :unack, unacknowledgedAt = :now, updatedAt = :now REMOVE ackIdHashes, ackTaskToken',
      ExpressionAttributeValues: { ...roundValues, ':unack': { S: CaseStatus.UNACKNOWLEDGED } },
    });
  }
  // The next round: the claim protocol starts afresh (PENDING, no claim, no resends), and every
  // write of an attempt of the ended round fails its condition (other assignee, other attempt).
  return table.update(input.caseId, 'escalating the case', {
    ...common,
    UpdateExpression: 'SET escalations = list_append(if_not_exists(escalations, :none), :ended), employeeId = :next_id,'
      + ' employeeName = :next_name, employeeEmail = :next_email, assignedAt = :now, updatedAt = :now, ackRound = :round,'
      + ' #status = :assigned, emailStatus = :pending, emailAmbiguousResends = :zero'
      + ' REMOVE messageId, emailedAt, emailOwner, emailAttemptId, emailClaimedAt, emailClaimedFrom, ackIdHashes, ackTaskToken, ackLinkExpiresAt',
    ExpressionAttributeValues: {
      ...roundValues,
      ':none': { L: [] },
      ':ended': { L: [{ M: escalatedRoundItem(decision.ended) }] },
      ':next_id': { S: decision.next.id },
      ':next_name': { S: decision.next.name },
      ':next_email': { S: decision.next.email },
      ':round': { N: String(decision.round) },
      ':assigned': { S: CaseStatus.ASSIGNED },
      ':pending': { S: EmailStatus.PENDING },
      ':zero': { N: '0' },
    },
  });
}
