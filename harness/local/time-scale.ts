/**
 * How a local run scales time: the definition's durations, the functions' duration variables
 * and the handlers' timers.
 *
 * Time is scaled as a whole, never zeroed: with `timeScale` F, every duration that AWS would
 * measure runs F times faster — retry intervals and `MaxDelaySeconds` (backoff rate and jitter
 * are kept, so the runner computes backoff and full jitter itself), Task `TimeoutSeconds` /
 * `HeartbeatSeconds`, Wait `Seconds`, the execution's `TimeoutSeconds`, each function's
 * `Timeout`, the durations the construct passes to the functions in environment variables
 * (`*_SECONDS`), and the timers inside the handlers' bundles (their SDK retry backoff, request
 * timeouts and own pauses), so that a lease outlasts a function's timeout locally as it does on
 * AWS.
 *
 * What cannot be scaled is the handlers' own work: their compute and their requests to the local
 * servers take real milliseconds (hundreds on a loaded machine). So every scaled bound on that
 * work — a function's Timeout, a Task's TimeoutSeconds, the execution's TimeoutSeconds and a
 * lease (`*_LEASE_SECONDS`) — gets `realTimeAllowanceMs` of real time added: the same amount to
 * each, which keeps their order (lease > function timeout, task timeout > function timeout).
 * Pure waits (retry intervals, Wait states, caches) are scaled with no allowance. A function
 * still running at its local timeout fails with `Sandbox.Timedout` and is stopped as Lambda
 * stops a sandbox: its late result is discarded and any request it starts afterwards fails
 * before reaching a server (requests already in flight complete, as they would on AWS).
 * A cold start (loading a function's bundle) happens before its timeout's clock starts, as
 * Lambda's init phase does not count against the timeout.
 */
import { promisify } from 'node:util';
import { REQUEST_TIMEOUTS } from '../../src/handlers/request-timeouts.lambda-shared';

type Json = any;

/** The default time scale of local runs: AWS time runs 20 times faster. */
export const DEFAULT_TIME_SCALE = 20;
/** Default real time added to each scaled bound on a handler's work (see the module's doc). */
export const DEFAULT_REAL_TIME_ALLOWANCE_MS = 1000;

/**
 * Environment variables holding durations in seconds that the construct passes to its
 * functions. Any other variable whose name ends in `_SECONDS` is scaled too.
 */
export const SECONDS_ENV_VARS: readonly string[] = ['EMAIL_LEASE_SECONDS', 'ROSTER_CACHE_SECONDS'];

/** Whether an environment variable holds a duration in seconds (scaled with time). */
export function isSecondsEnvVar(name: string): boolean {
  return SECONDS_ENV_VARS.includes(name) || name.endsWith('_SECONDS');
}

/** Whether a duration variable is a lease: a bound on a live attempt's work (gets the real-time allowance). */
export function isLeaseEnvVar(name: string): boolean {
  return name.endsWith('_LEASE_SECONDS');
}

/** Step Functions' Task timeout when the definition gives none (99999999 s). */
export const TASK_DEFAULT_TIMEOUT_SECONDS = 99999999;
/** The longest delay Node's timers take (2^31 - 1 ms); a longer one fires at once. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The handlers' timers that bound real I/O: their SDK clients' connection and request timeouts
 * (the SDK arms a timer of exactly these delays per request).
 */
export const IO_BOUND_TIMERS_MS: readonly number[] = [REQUEST_TIMEOUTS.connectionTimeout, REQUEST_TIMEOUTS.requestTimeout];

/**
 * `setTimeout` for the handlers' bundles: every delay divided by `scale`. The handlers' timers
 * are of two kinds: pauses (SDK retry backoff, their own waits between rounds) and bounds on
 * real I/O (their connection and request timeouts, `ioBoundMs`). A bound on real I/O also gets
 * `allowanceMs` (see the module's doc); a pause never does, however long (an SDK throttling
 * backoff can reach seconds: with an allowance it would eat a scaled function timeout).
 */
export function scaledSetTimeout(
  scale: number, allowanceMs = 0, ioBoundMs: readonly number[] = IO_BOUND_TIMERS_MS, onBoundFired?: () => void,
): typeof setTimeout {
  const native = globalThis.setTimeout;
  const delay = (ms?: number) => {
    const d = Number(ms) || 0;
    return d / scale + (ioBoundMs.includes(d) ? allowanceMs : 0);
  };
  const scaledTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (!onBoundFired || !ioBoundMs.includes(Number(ms) || 0)) return native(fn, delay(ms), ...args);
    return native((...a: unknown[]) => {
      onBoundFired();
      fn(...a);
    }, delay(ms), ...args);
  };
  const scaled = scaledTimeout as unknown as typeof setTimeout;
  Object.defineProperty(scaled, promisify.custom, {
    value: (ms?: number, value?: unknown) => new Promise((resolve) => native(() => resolve(value), delay(ms))),
  });
  return scaled;
}

/**
 * The definition as it runs in scaled time: every duration divided by `scale`.
 *
 * aws-local-stepfunctions 3.0.0 computes in floating point — a retry waits
 * `min(IntervalSeconds × BackoffRate^attempt, MaxDelaySeconds) × 1000` ms (a uniform share of it
 * with JitterStrategy FULL), a Task times out after `TimeoutSeconds × 1000` ms, a Wait sleeps
 * `Seconds × 1000` ms, the execution after `TimeoutSeconds × 1000` ms — so fractional values run
 * exactly. Its validator (asl-validator) however requires whole seconds for Task and execution
 * `TimeoutSeconds`, as AWS does. Rounding would distort the scaled times (a 30 s timeout at
 * scale 20 is 1.5 s, not 1 or 2), so the real definition is validated as AWS would and the
 * scaled copy runs unvalidated.
 *
 * Not scalable statically, and left as they are: `TimeoutSecondsPath`, `HeartbeatSecondsPath`,
 * `SecondsPath` and `Timestamp` (the runner does not enforce `HeartbeatSeconds` either).
 */
export function scaleDefinition(definition: Json, scale: number, allowanceSeconds = 0): Json {
  const scaled = JSON.parse(JSON.stringify(definition));
  const by = (seconds: number) => seconds / scale;
  /** A bound on real work: scaled, plus the real-time allowance. */
  const bound = (seconds: number) => seconds / scale + allowanceSeconds;
  const scaleMachine = (machine: Json) => {
    if (typeof machine.TimeoutSeconds === 'number') machine.TimeoutSeconds = bound(machine.TimeoutSeconds);
    for (const state of Object.values<Json>(machine.States ?? {})) {
      for (const retrier of state.Retry ?? []) {
        // The runner's default interval is AWS's (1 s): write it out, scaled.
        retrier.IntervalSeconds = by(retrier.IntervalSeconds ?? 1);
        if (typeof retrier.MaxDelaySeconds === 'number') retrier.MaxDelaySeconds = by(retrier.MaxDelaySeconds);
      }
      if (state.Type === 'Task') {
        // Without TimeoutSeconds AWS waits 99999999 s; the runner's own default is 60 s.
        if (state.TimeoutSecondsPath === undefined) {
          state.TimeoutSeconds = Math.min(bound(state.TimeoutSeconds ?? TASK_DEFAULT_TIMEOUT_SECONDS), MAX_TIMER_SECONDS);
        }
        if (typeof state.HeartbeatSeconds === 'number') state.HeartbeatSeconds = bound(state.HeartbeatSeconds);
      }
      if (state.Type === 'Wait' && typeof state.Seconds === 'number') state.Seconds = by(state.Seconds);
      for (const branch of state.Branches ?? []) scaleMachine(branch);
      if (state.Iterator) scaleMachine(state.Iterator);
      if (state.ItemProcessor) scaleMachine(state.ItemProcessor);
    }
  };
  scaleMachine(scaled);
  return scaled;
}
