/**
 * Step 2, Assign Case: chooses the employee for the case and writes the case record.
 *
 * Idempotent: the record is written only if the case has none (conditional PutItem). A
 * retry, a response lost after the write, or a second execution for the same case finds
 * the record and returns the assignment stored there; nothing is reassigned or overwritten.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { assignCase, assignmentFromRecord, fromItem, newCaseRecord, parseOpenedCase, parseRoster, toItem } from './case-logic';
import { AssignedCase, CASE_TABLE_PARTITION_KEY, ENV, RosterEmployee } from './case-types';
import { CaseNotFoundError, ConfigurationError, rethrowAwsError } from './errors';
import { caseLogger } from './log';

const dynamodb = new DynamoDBClient({});

let roster: RosterEmployee[] | undefined;
function config(): { tableName: string; roster: RosterEmployee[] } {
  const tableName = process.env[ENV.TABLE_NAME];
  if (!tableName) throw new ConfigurationError(`${ENV.TABLE_NAME} is not set`);
  roster ??= parseRoster(process.env[ENV.ROSTER]);
  return { tableName, roster };
}

async function readAssignment(tableName: string, caseId: string): Promise<AssignedCase> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: tableName, Key: { [CASE_TABLE_PARTITION_KEY]: { S: caseId } }, ConsistentRead: true }),
  );
  if (!Item) throw new CaseNotFoundError(caseId);
  return assignmentFromRecord(fromItem(Item));
}

export async function handler(event: unknown): Promise<AssignedCase> {
  const opened = parseOpenedCase(event);
  const log = caseLogger('Assign Case', opened.caseId);
  const { tableName, roster: employees } = config();
  const assigned = assignCase(opened, employees, new Date());
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
