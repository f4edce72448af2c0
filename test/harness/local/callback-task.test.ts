/**
 * The local callback Task (`lambda:invoke.waitForTaskToken`) behaves as Step Functions': the
 * function gets a token of its own per attempt in place of `$$.Task.Token`, SendTaskSuccess's
 * output is the Task's result, SendTaskFailure fails it with its error, the Task's scaled
 * TimeoutSeconds ends the wait with States.Timeout (a late SendTaskSuccess then answers
 * TaskTimedOut), a function error fails the Task with its name, and an execution that ends leaves
 * no token waiting. And the SNS publish integration records what it publishes.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { callbackDefinition, callbackWorkflows } from './callback-workflow';

const bed = callbackWorkflows();

/** A server the Waiter reports its event to: resolves each reported event in turn. */
async function reports(): Promise<{ url: string; next: () => Promise<any>; close: () => Promise<void> }> {
  const queue: any[] = [];
  const waiting: ((e: any) => void)[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const event = JSON.parse(body);
      const w = waiting.shift();
      if (w) w(event);
      else queue.push(event);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const sfnClient = () => new SFNClient({ endpoint: bed.aws.taskTokens.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });

test("the function gets the attempt's token; SendTaskSuccess's output is the Task's result (the function's own result is not)", async () => {
  const workflow = await bed.create(callbackDefinition({ timeoutSeconds: 60 }));
  const reported = await reports();
  const sfn = sfnClient();
  try {
    const running = workflow.run({ mode: 'report', url: reported.url });
    const event = await reported.next();
    expect(event.taskToken).toMatch(/^local-/);
    expect(bed.aws.taskTokens.waiting).toBe(1);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: event.taskToken, output: JSON.stringify({ acknowledgedBy: 'emp-1' }) }));
    const outcome = await running;
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', statesEntered: ['Wait', 'Done'] });
    expect(outcome.output.callback).toEqual({ acknowledgedBy: 'emp-1' });
    // Answered once: a repeat finds the task closed.
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: event.taskToken, output: '{}' }))).rejects.toMatchObject({ name: expect.stringMatching(/InvalidToken|TaskTimedOut/) });
  } finally {
    sfn.destroy();
    await reported.close();
  }
});

test('the function may answer its own task through AWS_ENDPOINT_URL_SFN', async () => {
  const workflow = await bed.create(callbackDefinition({ timeoutSeconds: 60 }));
  const outcome = await workflow.run({ mode: 'self', url: null });
  expect(outcome.status).toBe('SUCCEEDED');
  expect(outcome.output.callback).toEqual({ by: 'self' });
  expect(bed.aws.taskTokens.calls.map((c) => [c.action, c.answer])).toEqual([['SendTaskSuccess', 'ok']]);
});

test("the Task's TimeoutSeconds, scaled, ends the wait with States.Timeout; a late SendTaskSuccess answers TaskTimedOut", async () => {
  // 10 s of AWS time at scale 20: 500 ms.
  const workflow = await bed.create(callbackDefinition({ timeoutSeconds: 10 }));
  const reported = await reports();
  const sfn = sfnClient();
  try {
    const started = Date.now();
    const running = workflow.run({ mode: 'report', url: reported.url });
    const { taskToken } = await reported.next();
    const outcome = await running;
    const ms = Date.now() - started;
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', statesEntered: ['Wait', 'Notify', 'Done'] });
    expect(outcome.output.caught.Error).toBe('States.Timeout');
    expect(ms).toBeGreaterThanOrEqual(490);
    expect(ms).toBeLessThan(5000);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
    expect(bed.aws.taskTokens.waiting).toBe(0);
  } finally {
    sfn.destroy();
    await reported.close();
  }
});

test('SendTaskFailure fails the Task with its error and cause', async () => {
  const workflow = await bed.create(callbackDefinition({ timeoutSeconds: 60 }));
  const reported = await reports();
  const sfn = sfnClient();
  try {
    const running = workflow.run({ mode: 'report', url: reported.url });
    const { taskToken } = await reported.next();
    await sfn.send(new SendTaskFailureCommand({ taskToken, error: 'Nope', cause: 'not mine' }));
    const outcome = await running;
    expect(outcome.output.caught).toEqual({ Error: 'Nope', Cause: 'not mine' });
  } finally {
    sfn.destroy();
    await reported.close();
  }
});

test("the function's error fails the Task with its name at once, and its token is closed", async () => {
  const workflow = await bed.create(callbackDefinition({ timeoutSeconds: 60 }));
  const started = Date.now();
  const outcome = await workflow.run({ mode: 'throw', url: null });
  expect(Date.now() - started).toBeLessThan(2000);
  expect(outcome.output.caught.Error).toBe('CaseAcknowledged');
  expect(bed.aws.taskTokens.waiting).toBe(0);
});

test('an execution that ends (its own TimeoutSeconds) leaves no token waiting: a late answer is TaskTimedOut', async () => {
  const workflow = await bed.create(callbackDefinition({ executionTimeoutSeconds: 10 }));
  const reported = await reports();
  const sfn = sfnClient();
  try {
    const running = workflow.run({ mode: 'report', url: reported.url });
    const { taskToken } = await reported.next();
    expect((await running).status).toBe('TIMED_OUT');
    expect(bed.aws.taskTokens.waiting).toBe(0);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  } finally {
    sfn.destroy();
    await reported.close();
  }
});

test('SNS publish: the message is recorded (a JSON Message serialized), with a MessageId as the Task result', async () => {
  const workflow = await bed.create(callbackDefinition({ timeoutSeconds: 1 }));
  const outcome = await workflow.run({ mode: 'report', url: null }, 'exec-a');
  expect(outcome.output.published.MessageId).toBe(workflow.published[0].messageId);
  expect(workflow.published).toEqual([expect.objectContaining({
    stateName: 'Notify', execution: 'exec-a', topicArn: 'arn:aws:sns:us-east-1:123456789012:Topic', message: '{"error":"States.Timeout"}',
  })]);
});

test('SNS publish to a topic that does not exist fails with SNS.NotFoundException', async () => {
  const other = await bed.create(callbackDefinition({ timeoutSeconds: 1, topic: 'arn:aws:sns:us-east-1:123456789012:Nope' }));
  const refused = await other.run({ mode: 'report', url: null });
  expect(refused).toMatchObject({ status: 'FAILED', error: 'SNS.NotFoundException' });
});
