/**
 * Step 2, Assign Case: chooses the employee for the case and writes the case record.
 *
 * The roster is either fixed (in a configuration file shipped with the function) or kept in a DynamoDB table
 * (roster.lambda-shared.ts). An empty or unreadable roster fails with `RosterUnavailable`; there is no silent default.
 *
 * Idempotent: the record is written only if the case has none (conditional PutItem). A
 * retry, a response lost after the write, or a second execution for the same case finds
 * the record and returns the assignment stored there; nothing is reassigned or overwritten.
 * A second opening with other details is refused (`CaseConflict`), not given the stored case.
 */
import { assignCase, assignmentFromRecord, caseConflicts, parseExpiresAfter, newCaseRecord } from './case-assignment.lambda-shared';
import { parseLinkHosts } from './case-details.lambda-shared';
import { parseOpenedCase } from './case-input.lambda-shared';
import { CaseTable, caseTableName } from './case-table.lambda-shared';
import { Deadline } from './deadline.lambda-shared';
import { CaseConflictError, CaseNotFoundError } from './errors.lambda-shared';
import { beginInvocation, caseLogger, CaseLogger, InvocationContext } from './log.lambda-shared';
import { caseAssigned } from './metrics.lambda-shared';
import { loadRoster } from './roster.lambda-shared';
import { AssignedCase, CaseRecord, ENV, OpenedCase, RosterEmployee, STATE_NAMES } from '../shared/contract';

export async function handler(event: unknown, context?: InvocationContext): Promise<AssignedCase> {
  const invocation = beginInvocation(context);
  const opened = parseOpenedCase(event, { linkHosts: parseLinkHosts(process.env[ENV.LINK_HOSTS]) });
  const log = caseLogger(STATE_NAMES.ASSIGN_CASE, opened.caseId, invocation);
  const deadline = new Deadline(context);
  try {
    return await assign(opened, deadline, log, invocation.requestId);
  } finally {
    deadline.end();
  }
}

async function assign(opened: OpenedCase, deadline: Deadline, log: CaseLogger, requestId?: string): Promise<AssignedCase> {
  const table = new CaseTable(caseTableName(), deadline.signal);
  const now = new Date();
  let roster: RosterEmployee[];
  try {
    roster = await loadRoster(now.getTime(), deadline.signal);
  } catch (err) {
    // A case assigned earlier keeps its assignment even if the roster cannot be read now.
    const existing = await table.get(opened.caseId).catch(() => undefined);
    if (existing) return storedAssignment(opened, existing);
    throw err;
  }
  const assigned = assignCase(opened, roster, now);
  const expiresAfter = parseExpiresAfter(process.env[ENV.CASE_EXPIRES_AFTER_SECONDS]);
  const outcome = await table.create(newCaseRecord(assigned, expiresAfter)).catch((err) => {
    log.error('could not write the case record', { err });
    throw err;
  });
  if (outcome.applied) {
    log.info('case assigned', { employeeId: assigned.employee.id });
    caseAssigned(assigned.employee.id, { caseId: opened.caseId, requestId });
    return assigned;
  }
  if (!outcome.current) throw new CaseNotFoundError(opened.caseId); // deleted between the write and the read
  log.info('case already assigned; returning the stored assignment', { employeeId: outcome.current.employeeId });
  return storedAssignment(opened, outcome.current);
}

/**
 * The assignment a case already has, for a retry or a second opening with the same details.
 * Other details are a conflict: a caller cannot give someone else's case its own content.
 */
function storedAssignment(opened: OpenedCase, record: CaseRecord): AssignedCase {
  const fields = caseConflicts(opened, record);
  if (fields.length > 0) throw new CaseConflictError(opened.caseId, fields, 'a case keeps the details it was first opened with');
  return assignmentFromRecord(record);
}
