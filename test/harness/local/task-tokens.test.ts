/**
 * The local task-token service answers the real SDK client as Step Functions does: a success is
 * accepted once, a repeat or an unknown token is InvalidToken, a timed-out task is TaskTimedOut.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { TaskTokens } from '../../../harness/local/task-tokens';

let tokens: TaskTokens;
let sfn: SFNClient;
beforeAll(async () => {
  tokens = await TaskTokens.start();
  sfn = new SFNClient({ endpoint: tokens.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  sfn.destroy();
  await tokens.close();
});

test('a success ends the task once; a repeat finds it closed (InvalidToken)', async () => {
  const { token, outcome } = tokens.issue('Wait');
  await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"a":1}' }));
  await expect(outcome).resolves.toEqual({ kind: 'success', output: { a: 1 } });
  await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'InvalidToken' });
});

test('a token whose task timed out answers TaskTimedOut; an unknown one InvalidToken', async () => {
  const { token } = tokens.issue('Wait');
  tokens.timedOut(token);
  await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: 'nope', output: '{}' }))).rejects.toMatchObject({ name: 'InvalidToken' });
});

test('a failure ends the task with its error and cause', async () => {
  const { token, outcome } = tokens.issue('Wait');
  await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'E', cause: 'C' }));
  await expect(outcome).resolves.toEqual({ kind: 'failure', error: 'E', cause: 'C' });
  expect(tokens.waiting).toBe(0);
});
