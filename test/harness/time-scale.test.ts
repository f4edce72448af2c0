/**
 * The local runner keeps AWS time, scaled by one factor: retry waits (with backoff), function
 * timeouts, the execution timeout and the durations passed to functions all run `timeScale`
 * times faster, none zeroed. Checked on a small hand-written template (a generic binding: the
 * harness does not know this workflow), so the figures do not depend on the construct's policy.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SynthesizedExample } from '../../harness/example-app';
import type { LambdaFaultInjector } from '../../harness/lambda-faults';
import { scaleDefinition } from '../../harness/local/time-scale';
import { LocalWorkflow } from '../../harness/local/workflow';
import { LocalAws, startLocalAws } from '../../harness/local-aws';

const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Worker';

/** A handler that pauses `sleepSeconds` of AWS time (its setTimeout is scaled), may call a URL, and reports its environment. */
const WORKER_SOURCE = `// A cold start that takes INIT_BUSY_MS of real compute (every load after the first).
globalThis.__timeScaleWorkerLoads = (globalThis.__timeScaleWorkerLoads ?? 0) + 1;
if (globalThis.__timeScaleWorkerLoads > 1) {
  const until = Date.now() + Number(process.env.INIT_BUSY_MS ?? 0);
  while (Date.now() < until) { /* busy */ }
}
exports.handler = async (event) => {
  // Pauses of half a second (the I/O-bound timers, 1000 and 3000 ms, get the allowance).
  for (let left = (event.sleepSeconds ?? 0) * 1000; left > 0; left -= 500) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, left)));
  }
  // One pause of pauseMs (AWS time), as an SDK backoff would take.
  if (event.pauseMs) await new Promise((resolve) => setTimeout(resolve, event.pauseMs));
  if (event.draws) return { draws: Array.from({ length: event.draws }, () => Math.random()) };
  if (event.url) {
    await new Promise((resolve, reject) => {
      const req = require('node:http').request(event.url, { method: 'POST' }, (res) => { res.resume(); res.on('end', resolve); });
      req.on('error', reject);
      req.end('hello');
    });
  }
  return { pause: process.env.PAUSE_SECONDS, lease: process.env.EMAIL_LEASE_SECONDS, name: process.env.NAME };
};
`;

function example(def: object, dir: string, initBusyMs = 0): SynthesizedExample {
  mkdirSync(join(dir, 'asset.worker'), { recursive: true });
  writeFileSync(join(dir, 'asset.worker', 'index.js'), WORKER_SOURCE);
  return {
    assemblyDir: dir,
    template: {
      Resources: {
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: 'cases',
            KeySchema: [{ AttributeName: 'caseId', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'caseId', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
          },
        },
        Worker: {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'aws:asset:path': 'asset.worker' },
          Properties: {
            Handler: 'index.handler',
            Timeout: 3,
            Environment: { Variables: { PAUSE_SECONDS: '10', EMAIL_LEASE_SECONDS: '15', NAME: 'not-a-duration', INIT_BUSY_MS: String(initBusyMs) } },
          },
        },
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: JSON.stringify(def) } },
      },
    },
  };
}

/** Work (a Lambda task) then a Wait; Record Failure (a DynamoDB service integration) on failure. */
function definition(extra: { retry?: object[]; waitSeconds?: number; timeoutSeconds?: number } = {}) {
  return {
    StartAt: 'Work',
    ...(extra.timeoutSeconds ? { TimeoutSeconds: extra.timeoutSeconds } : {}),
    States: {
      'Work': {
        Type: 'Task',
        Resource: FN_ARN,
        TimeoutSeconds: 30,
        Next: 'Pause',
        Retry: extra.retry ?? [],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Record Failure' }],
      },
      'Pause': { Type: 'Wait', Seconds: extra.waitSeconds ?? 0, End: true },
      'Record Failure': {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Next: 'Failed',
        Parameters: { TableName: 'cases', Key: { caseId: { S: 'x' } }, UpdateExpression: 'SET failed = :e', ExpressionAttributeValues: { ':e': { 'S.$': '$.caught.Error' } } },
      },
      'Failed': { Type: 'Fail', Error: 'WorkFailed' },
    },
  };
}

let aws: LocalAws;
let dir: string;
beforeEach(async () => {
  aws = await startLocalAws();
  dir = mkdtempSync(join(tmpdir(), 'time-scale-'));
});
/** Workflows created by a test: their environment is given back after it (see restoreEnvironment). */
const created: LocalWorkflow[] = [];
afterEach(async () => {
  // Newest first: each workflow gives back what was there before it, an older one's values included.
  created.splice(0).reverse().forEach((w) => w.restoreEnvironment());
  await aws.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface MoreOptions {
  readonly jitterSeed?: number;
  readonly initBusyMs?: number;
  readonly accountConcurrency?: number;
}
const create = async (def: object, timeScale: number, lambdaFaults?: LambdaFaultInjector, realTimeAllowanceMs = 0, more: MoreOptions = {}) => {
  const workflow = await LocalWorkflow.create({
    synthesized: example(def, dir, more.initBusyMs),
    aws,
    timeScale,
    lambdaFaults,
    realTimeAllowanceMs,
    jitterSeed: more.jitterSeed,
    accountConcurrency: more.accountConcurrency,
  });
  created.push(workflow);
  return workflow;
};

test('concurrency as on Lambda: every invocation runs at once in its own instance, up to the account concurrency; one more is throttled, none queued', async () => {
  const workflow = await create(definition(), 20, undefined, 1000, { accountConcurrency: 30 });
  // 40 executions at once, each invocation 2 s of AWS time (100 ms real).
  const outcomes = await Promise.all(Array.from({ length: 40 }, () => workflow.run({ sleepSeconds: 2 })));
  expect(outcomes.map((o) => o.error ?? o.status).sort()).toEqual([...Array(10).fill('WorkFailed'), ...Array(30).fill('SUCCEEDED')].sort());
  const records = await workflow.records();
  expect(records).toEqual([expect.objectContaining({ failed: { S: 'Lambda.TooManyRequestsException' } })]);
  expect(outcomes.filter((o) => o.status === 'FAILED')).toHaveLength(10);
});

test('scaleDefinition divides every duration, keeps backoff rates and jitter, fills AWS defaults', () => {
  const def = {
    StartAt: 'A',
    TimeoutSeconds: 900,
    States: {
      A: { Type: 'Task', Resource: FN_ARN, HeartbeatSeconds: 10, Retry: [{ ErrorEquals: ['X'], IntervalSeconds: 2, BackoffRate: 2, MaxDelaySeconds: 20, JitterStrategy: 'FULL' }, { ErrorEquals: ['Y'] }], Next: 'P' },
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [{ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 40, End: true } } }],
      },
    },
  };
  const scaled = scaleDefinition(def, 20);
  expect(scaled.TimeoutSeconds).toBe(45);
  // No TimeoutSeconds: AWS's 99999999 s, scaled (within what a Node timer can wait).
  expect(scaled.States.A).toMatchObject({ TimeoutSeconds: 2147483, HeartbeatSeconds: 0.5 });
  expect(scaled.States.A.Retry).toEqual([
    { ErrorEquals: ['X'], IntervalSeconds: 0.1, BackoffRate: 2, MaxDelaySeconds: 1, JitterStrategy: 'FULL' },
    { ErrorEquals: ['Y'], IntervalSeconds: 0.05 },
  ]);
  expect(scaled.States.P.Branches[0].States.W.Seconds).toBe(2);
  expect(def.States.A.Retry[0].IntervalSeconds).toBe(2); // the input is left alone
});

test('a retry with IntervalSeconds 2 and BackoffRate 2 waits 2000/F ms, then 4000/F ms', async () => {
  const F = 10;
  const calls: number[] = [];
  const workflow = await create(definition({ retry: [{ ErrorEquals: ['Lambda.Unknown'], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 2 }] }), F, (state) => {
    calls.push(performance.now());
    return state === 'Work' && calls.length <= 2 ? 'Lambda.Unknown' : undefined;
  });
  const outcome = await workflow.run({});
  expect(outcome.status).toBe('SUCCEEDED');
  expect(outcome.retries).toBe(2);
  const [first, second] = [calls[1] - calls[0], calls[2] - calls[1]];
  expect(first).toBeGreaterThanOrEqual(2000 / F - 5);
  expect(first).toBeLessThan(2000 / F + 250);
  expect(second).toBeGreaterThanOrEqual(4000 / F - 5);
  expect(second).toBeLessThan(4000 / F + 250);
  expect(second - first).toBeGreaterThan(2000 / F / 2);
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

test('the real-time allowance is added to the bounds on work (timeouts, leases), not to waits', async () => {
  const def = scaleDefinition(definition({ retry: [{ ErrorEquals: ['X'], IntervalSeconds: 2 }], waitSeconds: 10, timeoutSeconds: 60 }), 20, 0.5);
  expect(def.TimeoutSeconds).toBe(3.5);
  expect(def.States.Work.TimeoutSeconds).toBe(2);
  expect(def.States.Work.Retry[0].IntervalSeconds).toBe(0.1);
  expect(def.States.Pause.Seconds).toBe(0.5);
  const workflow = await create(definition(), 20, undefined, 500);
  expect((await workflow.run({})).output).toEqual({ pause: '0.5', lease: '1.25', name: 'not-a-duration' });
  // 5 s of AWS time (250 ms) is past the 3 s Timeout (150 ms) but within it plus the allowance.
  expect((await workflow.run({ sleepSeconds: 5 })).status).toBe('SUCCEEDED');
});

test('a long pause in a handler (an SDK backoff of seconds) is scaled with no allowance; only the I/O-bound timers get it', async () => {
  const workflow = await create(definition(), 20, undefined, 1000);
  const started = performance.now();
  // 1.5 s of AWS time: 75 ms. Were it taken for a bound on I/O, it would wait 1075 ms.
  expect((await workflow.run({ pauseMs: 1500 })).status).toBe('SUCCEEDED');
  expect(performance.now() - started).toBeLessThan(700);
  const bounded = performance.now();
  expect((await workflow.run({ pauseMs: 1000 })).status).toBe('SUCCEEDED'); // the connection timeout's delay
  expect(performance.now() - bounded).toBeGreaterThanOrEqual(1000 / 20 + 1000 - 5);
  // A timer of an I/O bound's delay that fires is counted (the demo reports them: on AWS's paths none fires).
  expect(workflow.boundsFired.requestTimeouts).toBe(1);
});

test("with a seed, a handler's Math.random is a hash of (seed, execution, state, attempt, draw): the same in every run", async () => {
  // Each run on servers of its own (a workflow creates its table).
  const draws = async (seed: number | undefined) => {
    const own = await startLocalAws();
    try {
      const synthesized = example(definition(), mkdtempSync(join(dir, 'run-')));
      const workflow = await LocalWorkflow.create({ synthesized, aws: own, timeScale: 20, realTimeAllowanceMs: 0, jitterSeed: seed });
      created.push(workflow);
      return [(await workflow.run({ draws: 3 }, 'case-1')).output, (await workflow.run({ draws: 3 }, 'case-2')).output];
    } finally {
      await own.stop();
    }
  };
  const [a, b] = await draws(7);
  expect(a).toEqual((await draws(7))[0]);
  expect(a).not.toEqual(b); // another execution draws other numbers
  expect(a).not.toEqual((await draws(8))[0]);
  const [unseeded] = await draws(undefined);
  expect(unseeded).not.toEqual((await draws(undefined))[0]);
});

test("a cold start is not counted against the function's timeout (Lambda's init phase)", async () => {
  // Two invocations at once: the second loads a new environment, whose initialization computes
  // for 400 ms of real time, past the 3 s Timeout (150 ms at scale 20); its handler then pauses 25 ms.
  const workflow = await create(definition(), 20, undefined, 0, { initBusyMs: 400 });
  const outcomes = await Promise.all([workflow.run({ sleepSeconds: 0.5 }), workflow.run({ sleepSeconds: 0.5 })]);
  expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
});

test('a Wait runs in scaled time', async () => {
  const F = 20;
  const workflow = await create(definition({ waitSeconds: 10, timeoutSeconds: 30 }), F);
  const started = performance.now();
  expect((await workflow.run({})).status).toBe('SUCCEEDED');
  const waited = performance.now() - started;
  expect(waited).toBeGreaterThanOrEqual(10000 / F - 5);
  expect(waited).toBeLessThan(10000 / F + 300);
});

test('the execution timeout runs in scaled time', async () => {
  const F = 20;
  const short = await create(definition({ waitSeconds: 100, timeoutSeconds: 20 }), F);
  const started = performance.now();
  const timedOut = await short.run({});
  expect(timedOut).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
  expect(performance.now() - started).toBeLessThan(100000 / F / 2);
});

test('durations passed to the functions (*_SECONDS) are scaled; other variables are not', async () => {
  const workflow = await create(definition(), 20);
  const outcome = await workflow.run({});
  expect(outcome.output).toEqual({ pause: '0.5', lease: '0.75', name: 'not-a-duration' });
});
