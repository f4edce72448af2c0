/**
 * Record Failure's retrier against the errors Step Functions' DynamoDB integration raises: their
 * names are `DynamoDB.` + the API's error code (what the SDK v3 names its errors, and what the
 * harness's binding of the integration raises), so a 5xx is `DynamoDB.InternalServerError`.
 */
import { synthExample } from '../../harness/example-app';
import { withLocalRun } from '../../harness/local-run';

test('DynamoDB failing (5xx) on Record Failure\'s write is retried: the record still ends FAILED', () => withLocalRun({
  synthesized: synthExample(),
  sesPlan: [{ operation: 'SendEmail', kind: 'reject' }],
  // Send Email's own writes (claim, release) pass; then Record Failure's write meets 5xx answers,
  // more than the integration's SDK client tries, so the error reaches the state machine.
  dynamodbPlan: [{ operation: 'UpdateItem', kind: 'pass', count: 2 }, { operation: 'UpdateItem', kind: 'server-error', count: 10 }],
}, async (run) => {
  const outcome = await run.workflow.run({ inputCaseID: 'rf-001' });
  expect(outcome).toMatchObject({ status: 'FAILED', error: 'EmailRejected' });
  expect(run.proxies.dynamodb!.injected['server-error']).toBe(10);
  expect(outcome.retriesByState['Record Failure']).toBeGreaterThanOrEqual(1);
  expect(outcome.statesEntered).toEqual(['Open Case', 'Assign Case', 'Send Email', 'Record Failure', 'Case Failed']);
  const [record] = await run.workflow.records();
  expect(record).toMatchObject({ status: { S: 'FAILED' }, failureError: { S: 'EmailRejected' } });
}));
