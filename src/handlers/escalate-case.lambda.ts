/**
 * Escalate Case (acknowledgement on): a round's wait for an acknowledgement ran out (or the wait
 * found the case acknowledged). One conditional write decides (escalation.lambda-shared.ts): the
 * next employee and round (ESCALATED: `case` is Send Email's input for the new round), or
 * UNACKNOWLEDGED; a case the acknowledge page got first ends ACKNOWLEDGED.
 *
 * Idempotent: a retried invocation whose first write applied finds its outcome on the record and
 * returns it; nothing is written twice. An input naming a round the record does not explain is a
 * `CaseConflict`; nothing is written.
 */
import { maxRoundsSetting } from './acknowledge-link.lambda-shared';
import { parseEscalateCaseInput } from './acknowledgement-input.lambda-shared';
import { assignmentFromRecord } from './case-assignment.lambda-shared';
import { CaseTable, caseTableName, WriteOutcome } from './case-table.lambda-shared';
import { Deadline } from './deadline.lambda-shared';
import { CaseConflictError, CaseNotFoundError, DependencyUnavailableError } from './errors.lambda-shared';
import {
  decidedAt, decideEscalation, EscalationDecision, isOpenRound, needsAcknowledgedStatus, recordedOutcome, writeAcknowledgedStatus, writeDecision,
} from './escalation.lambda-shared';
import { beginInvocation, caseLogger, CaseLogger, InvocationContext } from './log.lambda-shared';
import { caseEscalated, caseUnacknowledged, MetricContext } from './metrics.lambda-shared';
import { loadRoster } from './roster.lambda-shared';
import type { EscalateCaseInput, EscalationResult } from '../shared/acknowledgement';
import { EscalationOutcome } from '../shared/acknowledgement';
import { CaseRecord, STATE_NAMES } from '../shared/contract';

export async function handler(event: unknown, context?: InvocationContext): Promise<EscalationResult> {
  const invocation = beginInvocation(context);
  const input = parseEscalateCaseInput(event);
  const log = caseLogger(STATE_NAMES.ESCALATE_CASE, input.caseId, invocation);
  const deadline = new Deadline(context);
  try {
    return await escalate(input, deadline, log, { caseId: input.caseId, requestId: invocation.requestId });
  } finally {
    deadline.end();
  }
}

async function escalate(input: EscalateCaseInput, deadline: Deadline, log: CaseLogger, metric: MetricContext): Promise<EscalationResult> {
  const maxRounds = maxRoundsSetting();
  const table = new CaseTable(caseTableName(), deadline.signal);
  const record = await table.get(input.caseId);
  if (!record) throw new CaseNotFoundError(input.caseId);
  const known = recordedOutcome(record, input);
  if (known) {
    log.info('the record tells the outcome already', { outcome: known.outcome, round: known.round });
    await restoreAcknowledgedStatus(table, record, log);
    return known;
  }
  if (!isOpenRound(record, input)) throw conflict(input);
  const now = new Date();
  // Nobody active left on the roster is nobody left to ask (UNACKNOWLEDGED), not a failure.
  const roster = await loadRoster(now.getTime(), deadline.signal, { allowEmpty: true });
  const decision = decideEscalation(record, roster, now, maxRounds);
  if (decision.kind === 'acknowledged') return recordedOutcome(record, input)!; // not reached: recordedOutcome saw it
  const outcome = await writeDecision(table, input, decision, now).catch((err) => ownDecisionAfterFailure(table, input.caseId, now, err));
  if (outcome.applied) return decided(decision, record, now, log, metric);
  if (!outcome.current) throw new CaseNotFoundError(input.caseId);
  const after = recordedOutcome(outcome.current, input);
  if (!after) throw conflict(input);
  // Our own write whose answer was lost (the SDK wrote it again): counted here, once. Or another
  // invocation's decision (counted by it), or the acknowledge page first.
  log.info('the record moved on meanwhile', { outcome: after.outcome, round: after.round });
  await restoreAcknowledgedStatus(table, outcome.current, log);
  if (decidedAt(outcome.current, now.toISOString())) {
    if (after.outcome === EscalationOutcome.ESCALATED) caseEscalated(metric);
    if (after.outcome === EscalationOutcome.UNACKNOWLEDGED) caseUnacknowledged(metric);
  }
  return after;
}

/** The result of a decision whose write applied (`record`: as it was before). */
function decided(
  decision: Exclude<EscalationDecision, { kind: 'acknowledged' }>, record: CaseRecord, now: Date, log: CaseLogger, metric: MetricContext,
): EscalationResult {
  if (decision.kind === 'unacknowledged') {
    log.warn('no acknowledgement in any round: the case is unacknowledged', { round: decision.round });
    caseUnacknowledged(metric);
    return { outcome: EscalationOutcome.UNACKNOWLEDGED, caseId: record.caseId, round: decision.round };
  }
  log.info('case escalated', { round: decision.round, from: record.employeeId, employeeId: decision.next.id });
  caseEscalated(metric);
  return {
    outcome: EscalationOutcome.ESCALATED,
    caseId: record.caseId,
    round: decision.round,
    // Send Email's input for the new round: the record as the write left it.
    case: assignmentFromRecord({
      ...record, employeeId: decision.next.id, employeeName: decision.next.name, employeeEmail: decision.next.email, assignedAt: now.toISOString(),
    }),
  };
}

/**
 * The write failed (DynamoDB did not answer the SDK's tries), but one try may have applied before
 * its answer was lost: a read tells (the decision's time on the record), and then the decision is
 * this invocation's, returned and counted here (a retry of the state machine would find it on the
 * record and count nothing). Otherwise the failure stands (the state machine retries).
 */
async function ownDecisionAfterFailure(table: CaseTable, caseId: string, now: Date, err: unknown): Promise<WriteOutcome> {
  if (!(err instanceof DependencyUnavailableError)) throw err;
  const after = await table.get(caseId).catch(() => undefined);
  if (after && decidedAt(after, now.toISOString())) return { applied: true };
  throw err;
}

/** An acknowledged record whose status a late Send Email write changed gets ACKNOWLEDGED back. */
async function restoreAcknowledgedStatus(table: CaseTable, record: CaseRecord, log: CaseLogger): Promise<void> {
  if (!needsAcknowledgedStatus(record)) return;
  log.warn('acknowledged, but the status says otherwise (Send Email recorded its email after the press): restoring it', { status: record.status });
  await writeAcknowledgedStatus(table, record.caseId, new Date());
}

function conflict(input: EscalateCaseInput): CaseConflictError {
  return new CaseConflictError(input.caseId, ['employee', 'assignedAt'], 'Escalate Case ends only the round the record is in');
}
