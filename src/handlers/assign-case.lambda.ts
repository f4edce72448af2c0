/**
 * Step 2, Assign Case: chooses the employee for the case and writes the case record.
 *
 * The roster is either fixed (in a configuration file shipped with the function) or kept in a DynamoDB table, read with a
 * short cache so that people can be added or removed without a deployment. An empty or
 * unreadable roster fails with `RosterUnavailable`; there is no silent default.
 *
 * Idempotent: the record is written only if the case has none (conditional PutItem). A
 * retry, a response lost after the write, or a second execution for the same case finds
 * the record and returns the assignment stored there; nothing is reassigned or overwritten.
 * A second opening with other details is refused (`CaseConflict`), not given the stored case.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { assignCase, assignmentFromRecord, caseConflicts, parseExpiresAfter, newCaseRecord, parseRoster, rosterFromItems } from './case-assignment.lambda-shared';
import { parseLinkHosts } from './case-details.lambda-shared';
import { parseOpenedCase } from './case-input.lambda-shared';
import { CaseTable, caseTableName } from './case-table.lambda-shared';
import { readConfigFile } from './config-file.lambda-shared';
import { Deadline } from './deadline.lambda-shared';
import { CaseConflictError, CaseNotFoundError, isTransientAwsError, rethrowAwsError, RosterUnavailableError } from './errors.lambda-shared';
import { beginInvocation, caseLogger, CaseLogger, InvocationContext } from './log.lambda-shared';
import { caseAssigned } from './metrics.lambda-shared';
import { REQUEST_TIMEOUTS } from './request-timeouts.lambda-shared';
import { AssignedCase, CaseRecord, CONFIG_FILES, ENV, OpenedCase, RosterEmployee, STATE_NAMES } from '../shared/contract';

/** The roster table's client (the case table's lives in the case-table module). */
const rosterClient = new DynamoDBClient({ requestHandler: REQUEST_TIMEOUTS });

const DEFAULT_ROSTER_CACHE_SECONDS = 60;
let cached: { employees: RosterEmployee[]; until: number } | undefined;

async function scanRoster(tableName: string, abortSignal: AbortSignal): Promise<RosterEmployee[]> {
  const items = [];
  let ExclusiveStartKey: Record<string, any> | undefined;
  try {
    do {
      const page = await rosterClient.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }), { abortSignal });
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  } catch (err) {
    if (isTransientAwsError(err)) return rethrowAwsError(err, 'reading the roster table');
    throw new RosterUnavailableError(`the roster table ${tableName} cannot be read: ${(err as Error).name}`, err);
  }
  return rosterFromItems(items);
}

/** The roster: fixed (parsed once) or read from its table (cached for ROSTER_CACHE_SECONDS). */
async function loadRoster(now: number, abortSignal: AbortSignal): Promise<RosterEmployee[]> {
  if (cached && now < cached.until) return cached.employees;
  const rosterTable = process.env[ENV.ROSTER_TABLE_NAME];
  if (!rosterTable) {
    cached = { employees: parseRoster(readConfigFile(CONFIG_FILES.ASSIGN_CASE).roster), until: Infinity };
    return cached.employees;
  }
  const ttl = Number(process.env[ENV.ROSTER_CACHE_SECONDS] ?? DEFAULT_ROSTER_CACHE_SECONDS);
  const employees = await scanRoster(rosterTable, abortSignal);
  cached = { employees, until: now + (Number.isFinite(ttl) && ttl >= 0 ? ttl : DEFAULT_ROSTER_CACHE_SECONDS) * 1000 };
  return employees;
}

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
