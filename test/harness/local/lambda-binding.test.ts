/**
 * The Lambda binding runs invocations as Lambda does: each at once in an instance of its own up to
 * the account's concurrency (one more is throttled, none queued), stopped at the function's
 * (scaled) timeout, with the cold start outside the timeout. Checked on the worker template
 * (worker-workflow.ts).
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { definition, workerWorkflows } from './worker-workflow';

const { create } = workerWorkflows();

test('concurrency as on Lambda: every invocation runs at once in its own instance, up to the account concurrency; one more is throttled, none queued', async () => {
  const workflow = await create(definition(), 20, undefined, 1000, { accountConcurrency: 30 });
  // 40 executions at once, each invocation 2 s of AWS time (100 ms real).
  const outcomes = await Promise.all(Array.from({ length: 40 }, () => workflow.run({ sleepSeconds: 2 })));
  expect(outcomes.map((o) => o.error ?? o.status).sort()).toEqual([...Array(10).fill('WorkFailed'), ...Array(30).fill('SUCCEEDED')].sort());
  const records = await workflow.records();
  expect(records).toEqual([expect.objectContaining({ failed: { S: 'Lambda.TooManyRequestsException' } })]);
  expect(outcomes.filter((o) => o.status === 'FAILED')).toHaveLength(10);
});

test("the function's Timeout is enforced, scaled: a handler running past it fails with Sandbox.Timedout", async () => {
  const F = 20;
  const workflow = await create(definition(), F);
  // 2 s of AWS time is within the 3 s Timeout; 5 s is not (250 ms real against 150 ms).
  expect((await workflow.run({ sleepSeconds: 2 })).status).toBe('SUCCEEDED');
  expect(workflow.boundsFired.functionTimeouts).toBe(0);
  const late = await workflow.run({ sleepSeconds: 5 });
  expect(late).toMatchObject({ status: 'FAILED', error: 'WorkFailed', statesEntered: ['Work', 'Record Failure', 'Failed'] });
  expect(workflow.boundsFired).toEqual({ requestTimeouts: 0, functionTimeouts: 1, taskTimeouts: 0 }); // reported by the demo
  const [record] = await workflow.records();
  expect(record.failed).toEqual({ S: 'Sandbox.Timedout' });
});

test('a timed-out function is stopped: a request it starts afterwards never reaches a server', async () => {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const workflow = await create(definition(), 20);
    expect((await workflow.run({ url })).status).toBe('SUCCEEDED');
    expect(hits).toBe(1);
    expect((await workflow.run({ url, sleepSeconds: 5 })).status).toBe('FAILED');
    await new Promise((resolve) => setTimeout(resolve, 5000 / 20 + 100)); // the handler wakes up, and is refused
    expect(hits).toBe(1);
  } finally {
    server.close();
  }
});

test("a cold start is not counted against the function's timeout (Lambda's init phase)", async () => {
  // Two invocations at once: the second loads a new environment, whose initialization computes
  // for 400 ms of real time, past the 3 s Timeout (150 ms at scale 20); its handler then pauses 25 ms.
  const workflow = await create(definition(), 20, undefined, 0, { initBusyMs: 400 });
  const outcomes = await Promise.all([workflow.run({ sleepSeconds: 0.5 }), workflow.run({ sleepSeconds: 0.5 })]);
  expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
});
