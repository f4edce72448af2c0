/**
 * Step 2, Assign Case: chooses the employee for the case and writes the case record.
 *
 * The roster is either fixed (in the environment) or kept in a DynamoDB table, read with a
 * short cache so that people can be added or removed without a deployment. An empty or
 * unreadable roster fails with `RosterUnavailable`; there is no silent default.
 *
 * Idempotent: the record is written only if the case has none (conditional PutItem). A
 * retry, a response lost after the write, or a second execution for the same case finds
 * the record and returns the assignment stored there; nothing is reassigned or overwritten.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { assignCase, assignmentFromRecord, fromItem, newCaseRecord, parseOpenedCase, parseRoster, rosterFromItems, toItem } from './case-logic';
import { AssignedCase, CASE_TABLE_PARTITION_KEY, ENV, RosterEmployee } from './case-types';
import { CaseNotFoundError, ConfigurationError, isTransientAwsError, rethrowAwsError, RosterUnavailableError } from './errors';
import { beginInvocation, caseLogger, InvocationContext } from './log';
import { caseAssigned } from './metrics';

/** No SDK call may hang until the function times out: it fails and the state machine retries. */
const dynamodb = new DynamoDBClient({ requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } });

const DEFAULT_ROSTER_CACHE_SECONDS = 60;
let cached: { employees: RosterEmployee[]; until: number } | undefined;

async function scanRoster(tableName: string): Promise<RosterEmployee[]> {
  const items = [];
  let ExclusiveStartKey: Record<string, any> | undefined;
  try {
    do {
      const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
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
async function loadRoster(now: number): Promise<RosterEmployee[]> {
  if (cached && now < cached.until) return cached.employees;
  const rosterTable = process.env[ENV.ROSTER_TABLE_NAME];
  if (!rosterTable) {
    cached = { employees: parseRoster(process.env[ENV.ROSTER]), until: Infinity };
    return cached.employees;
  }
  const ttl = Number(process.env[ENV.ROSTER_CACHE_SECONDS] ?? DEFAULT_ROSTER_CACHE_SECONDS);
  const employees = await scanRoster(rosterTable);
  cached = { employees, until: now + (Number.isFinite(ttl) && ttl >= 0 ? ttl : DEFAULT_ROSTER_CACHE_SECONDS) * 1000 };
  return employees;
}

async function readAssignment(tableName: string, caseId: string): Promise<AssignedCase> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: tableName, Key: { [CASE_TABLE_PARTITION_KEY]: { S: caseId } }, ConsistentRead: true }),
  );
  if (!Item) throw new CaseNotFoundError(caseId);
  return assignmentFromRecord(fromItem(Item));
}

export async function handler(event: unknown, context?: InvocationContext): Promise<AssignedCase> {
  const invocation = beginInvocation(context);
  const opened = parseOpenedCase(event);
  const log = caseLogger('Assign Case', opened.caseId, invocation);
  const tableName = process.env[ENV.TABLE_NAME];
  if (!tableName) throw new ConfigurationError(`${ENV.TABLE_NAME} is not set`);
  const now = new Date();
  let roster: RosterEmployee[];
  try {
    roster = await loadRoster(now.getTime());
  } catch (err) {
    // A case assigned earlier keeps its assignment even if the roster cannot be read now.
    const existing = await readAssignment(tableName, opened.caseId).catch(() => undefined);
    if (existing) return existing;
    throw err;
  }
  const assigned = assignCase(opened, roster, now);
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: toItem(newCaseRecord(assigned)),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': CASE_TABLE_PARTITION_KEY },
      }),
    );
    log.info('case assigned', { employeeId: assigned.employee.id });
    caseAssigned(assigned.employee.id, { caseId: opened.caseId, requestId: invocation.requestId });
    return assigned;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) {
      const existing = await readAssignment(tableName, opened.caseId).catch((e) => rethrowAwsError(e, 'reading the case record'));
      log.info('case already assigned; returning the stored assignment', { employeeId: existing.employee.id });
      return existing;
    }
    log.error('could not write the case record', { err });
    return rethrowAwsError(err, 'writing the case record');
  }
}
