/**
 * The failure paths with acknowledgement on. Wait For Acknowledgement's function killed (timeout,
 * out of memory) is tried again like every step's, or the execution failed while the round's
 * links still worked. Record Failure, its synthesized write run against dynalite: it marks a
 * case FAILED only while the case's email has not gone out. An acknowledged or unacknowledged case
 * had its emails, as an EMAILED one had: a failing execution for the same case id (a re-run whose
 * Assign Case meets DynamoDB failing, say) must not mark it FAILED. A case escalated to a round
 * whose email then fails is marked, as any case whose email failed.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { LocalAws, startLocalAws } from '../../harness/local-aws';
import { toItem } from '../../src/handlers/case-table.lambda-shared';
import { CaseRecord, STATE_NAMES } from '../../src/shared/contract';
import { createCaseTable } from '../handlers/local-handlers';
import { stateMachineDefinition, workflowStack } from '../template-helpers';

const TABLE = 'record-failure-cases';
let aws: LocalAws;
let direct: DynamoDBClient;

beforeAll(async () => {
  aws = await startLocalAws();
  direct = new DynamoDBClient({ endpoint: aws.dynamodbEndpoint, region: 'eu-west-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  await createCaseTable(direct, TABLE);
});

afterAll(async () => {
  direct?.destroy();
  await aws?.stop();
});

/** Record Failure's Parameters as Step Functions would send them for case `caseId` failing with `error`. */
function recordFailureWrite(definition: any, caseId: string, error: string) {
  const p = definition.States[STATE_NAMES.RECORD_FAILURE].Parameters;
  const values = Object.fromEntries(Object.entries<any>(p.ExpressionAttributeValues).map(([k, v]) => {
    if (v['S.$'] === '$.error.Error') return [k, { S: error }];
    if (v['S.$'] === '$$.State.EnteredTime') return [k, { S: new Date().toISOString() }];
    return [k, v];
  }));
  return new UpdateItemCommand({
    TableName: TABLE,
    Key: { caseId: { S: caseId } },
    UpdateExpression: p.UpdateExpression,
    ConditionExpression: p.ConditionExpression,
    ExpressionAttributeNames: p.ExpressionAttributeNames,
    ExpressionAttributeValues: values,
  });
}

const at = '2026-12-03T10:00:00.000Z';
const base = (caseId: string): CaseRecord => ({
  caseId,
  status: 'EMAILED',
  employeeId: 'e1',
  employeeName: 'Ana',
  employeeEmail: 'ana@example.com',
  openedAt: at,
  assignedAt: at,
  updatedAt: at,
  emailStatus: 'SENT',
  messageId: 'm1',
  emailedAt: at,
  ackRound: 1,
});
const escalated = {
  employeeId: 'e2',
  employeeName: 'Bo',
  employeeEmail: 'bo@example.com',
  assignedAt: '2026-12-03T10:15:00.000Z',
  ackRound: 2,
  escalations: [{ round: 1, employeeId: 'e1', employeeName: 'Ana', assignedAt: at, messageId: 'm1', emailedAt: at, emailAmbiguousResends: 0, escalatedAt: '2026-12-03T10:15:00.000Z' }],
};

/** The status Record Failure leaves on a record of each kind. */
async function statusAfterRecordFailure(definition: any, kind: string, record: CaseRecord): Promise<string> {
  const caseId = `${kind}-${Date.now()}`;
  await direct.send(new PutItemCommand({ TableName: TABLE, Item: toItem({ ...record, caseId }) }));
  await direct.send(recordFailureWrite(definition, caseId, 'DependencyUnavailable')).catch((err) => {
    if (err.name !== 'ConditionalCheckFailedException') throw err;
  });
  const { Item } = await direct.send(new GetItemCommand({ TableName: TABLE, Key: { caseId: { S: caseId } }, ConsistentRead: true }));
  return Item!.status.S!;
}

test('acknowledgement on: an acknowledged or unacknowledged case is never marked FAILED; a round whose email failed is', async () => {
  const definition = stateMachineDefinition(workflowStack({ acknowledgement: {} }).template);
  const c = base('x');
  expect(await statusAfterRecordFailure(definition, 'acknowledged', {
    ...c, status: 'ACKNOWLEDGED', acknowledgedAt: at, acknowledgedBy: 'e1', acknowledgedIdHash: 'h',
  })).toBe('ACKNOWLEDGED');
  expect(await statusAfterRecordFailure(definition, 'unacknowledged', {
    ...c, ...escalated, status: 'UNACKNOWLEDGED', unacknowledgedAt: at,
  })).toBe('UNACKNOWLEDGED');
  expect(await statusAfterRecordFailure(definition, 'emailed', c)).toBe('EMAILED');
  // Escalated: round 2's email not sent yet (PENDING), and it fails.
  const { messageId, emailedAt, ...round2 } = { ...c, ...escalated, status: 'ASSIGNED' as const, emailStatus: 'PENDING' as const };
  expect([messageId, emailedAt]).toBeDefined();
  expect(await statusAfterRecordFailure(definition, 'escalated', round2)).toBe('FAILED');
});

test('acknowledgement off: Record Failure\'s condition is today\'s (the snapshot is unchanged)', () => {
  const definition = stateMachineDefinition(workflowStack().template);
  expect(definition.States[STATE_NAMES.RECORD_FAILURE].Parameters.ConditionExpression).toBe('attribute_exists(emailStatus) AND #status <> :emailed');
});

// Regression: the wait's retriers left out the killed function (the whole functionKilled retrier
// was dropped with States.Timeout, which here is the wait running out): one killed invocation
// failed the execution, and the round's links kept acknowledging a case nobody waited for.
test('Wait For Acknowledgement\'s function killed is tried again; the wait running out (States.Timeout) is not retried but escalates', () => {
  const wait = stateMachineDefinition(workflowStack({ acknowledgement: {} }).template).States[STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT];
  const retried = wait.Retry.flatMap((r: any) => r.ErrorEquals);
  expect(retried).toEqual(expect.arrayContaining(['Lambda.Unknown', 'Sandbox.Timedout']));
  expect(retried).not.toContain('States.Timeout');
  expect(wait.Catch[0]).toMatchObject({ ErrorEquals: ['States.Timeout', 'CaseAcknowledged'], Next: STATE_NAMES.ESCALATE_CASE });
});
