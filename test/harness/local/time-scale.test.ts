/**
 * The local runner keeps AWS time, scaled by one factor: retry waits (with backoff), the
 * execution timeout, Waits and the durations passed to functions all run `timeScale` times
 * faster, none zeroed; the real-time allowance goes to the bounds on work only. Checked on the
 * worker template (worker-workflow.ts).
 */
import { definition, FN_ARN, workerWorkflows } from './worker-workflow';
import { scaleDefinition } from '../../../harness/local/time-scale';

const { create } = workerWorkflows();

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
