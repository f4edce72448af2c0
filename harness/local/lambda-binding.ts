/**
 * The Lambda binding: what Lambda does around each invocation of a Task's function. It injects
 * the run's Lambda service faults, throttles past the account's concurrency (never queues), runs
 * the handler in a sandbox of its own with Lambda's context, stops it at the function's timeout
 * (and at the Task's) and answers as Lambda answers Step Functions.
 */
import { randomUUID } from 'node:crypto';
import { BoundsFired, Sandbox, SandboxPool, sandboxes } from './sandbox';
import type { LambdaFaultInjector, LambdaInvocation } from '../lambda-faults';
import type { LambdaLogs } from '../lambda-logs';

type Json = any;
/** A bound Task: its input, and which execution and which attempt of the state this is. */
export type BoundTask = (input: Json, invocation: LambdaInvocation) => Promise<Json>;

/**
 * Lambda's default account concurrency (per Region): invocations beyond it are throttled
 * (`Lambda.TooManyRequestsException`, which the state machine retries), never queued
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).
 */
export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;

/**
 * Share of the real-time allowance kept out of the time a handler is told it has left (see
 * `getRemainingTimeInMillis` below): real time for the work a handler does after its deadline.
 */
export const DEADLINE_RESERVE_SHARE = 0.25;

/** Lambda's answer for an invocation that ran past the function's timeout. */
function sandboxTimedOut(timeoutSeconds: number): Error {
  const e = new Error(JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds` }));
  e.name = 'Sandbox.Timedout';
  return e;
}

/** Lambda's view of a thrown error: `Error` is the error's name, `Cause` a JSON document. */
function lambdaError(err: unknown): Error {
  // The bundles' errors come from Node's realm, which may not be this module's: no `instanceof`.
  const e = err && typeof err === 'object' && 'name' in err && 'message' in err ? err as Error : new Error(String(err));
  const out = new Error(JSON.stringify({ errorType: e.name, errorMessage: e.message }));
  out.name = e.name;
  return out;
}

/** What every Lambda Task of a run shares: the account's concurrency, the run's clock, faults and logs. */
export interface LambdaAccount {
  readonly timeScale: number;
  readonly allowanceMs: number;
  readonly accountConcurrency: number;
  /** Invocations running now: each holds one unit of the account's concurrency. */
  invocationsRunning: number;
  /**
   * Each function's reserved concurrency (`ReservedConcurrentExecutions`), by logical id: its
   * invocations beyond it are throttled too
   * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
   */
  readonly reservedConcurrency?: ReadonlyMap<string, number>;
  /** Invocations running now per function (logical id), for the reserved concurrency. */
  readonly runningByFunction?: Map<string, number>;
  /** Invocations still running, including stopped ones finishing their requests in flight. */
  readonly running: Set<Promise<unknown>>;
  /** Where the bounds that fire are counted. */
  readonly fired: BoundsFired;
  readonly lambdaFaults?: LambdaFaultInjector;
  /** Lambda's log pipeline, when the run emulates it. */
  readonly lambdaLogs?: LambdaLogs;
  /** Each function's application log level (Lambda's filter), when the run emulates Lambda's logging. */
  readonly appLogLevels: ReadonlyMap<string, string>;
}

/** A Lambda Task: its state, and the function it invokes with that function's timeout. */
export interface LambdaTask {
  readonly stateName: string;
  /** The function's logical id. */
  readonly fnId: string;
  /** The function's execution environments. */
  readonly fn: SandboxPool;
  /** The function's `Timeout`, in seconds of AWS time. */
  readonly timeoutSeconds: number;
  /** The Task's own timeout, enforced here with the function's (real ms; undefined: none to enforce). */
  readonly taskTimeoutMs: number | undefined;
}

/** The handler of a Lambda Task, as Lambda runs its function for Step Functions. */
export function bindLambdaTask(account: LambdaAccount, task: LambdaTask): BoundTask {
  const { timeScale, allowanceMs, accountConcurrency, fired, running, appLogLevels } = account;
  const { stateName, fnId, fn, timeoutSeconds, taskTimeoutMs } = task;
  return async (input, invocation) => {
    const fault = account.lambdaFaults?.(stateName, invocation);
    const serviceFault = (name: string, when: string) => Object.assign(new Error(`injected Lambda service fault ${when}: ${name}`), { name });
    if (fault && !fault.startsWith('after:')) throw serviceFault(fault, 'before the handler ran');
    let out: unknown;
    // Lambda stops waiting for the handler at the function's (scaled) timeout: the
    // invocation fails with Sandbox.Timedout and a late result is discarded. (Locally the
    // handler cannot be frozen, so its remaining requests still go out; on AWS the ones
    // already in flight would.)
    if (account.invocationsRunning >= accountConcurrency) {
      throw serviceFault('Lambda.TooManyRequestsException', `(account concurrency ${accountConcurrency} in use)`);
    }
    const reserved = account.reservedConcurrency?.get(fnId);
    const byFunction = account.runningByFunction;
    if (reserved !== undefined && (byFunction?.get(fnId) ?? 0) >= reserved) {
      throw serviceFault('Lambda.TooManyRequestsException', `(reserved concurrency ${reserved} of ${fnId} in use)`);
    }
    account.invocationsRunning++;
    byFunction?.set(fnId, (byFunction.get(fnId) ?? 0) + 1);
    // A cold start, if there is one, happens before the timeout's clock starts (see sandboxPool in sandbox.ts).
    const handler = fn.take();
    let released = false;
    const release = () => {
      if (!released) {
        account.invocationsRunning--;
        byFunction?.set(fnId, byFunction.get(fnId)! - 1);
      }
      released = true;
    };
    let timer: NodeJS.Timeout | undefined;
    let taskTimer: NodeJS.Timeout | undefined;
    const timeoutError = sandboxTimedOut(timeoutSeconds);
    const taskTimeoutError = Object.assign(new Error('States.Timeout'), { name: 'States.Timeout' });
    const lambdaLogs = account.lambdaLogs;
    const sandbox: Sandbox = {
      stopped: false,
      key: [invocation?.execution ?? '', stateName, invocation?.attempt ?? 0],
      draws: 0,
      // Text format: no filter (Lambda filters only JSON-format logs).
      log: lambdaLogs && ((line) => lambdaLogs.write(fnId, appLogLevels.get(fnId) ?? 'TRACE', line)),
    };
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        sandbox.stopped = true;
        fired.functionTimeouts++;
        reject(timeoutError);
      }, (timeoutSeconds * 1000) / timeScale + allowanceMs);
      if (taskTimeoutMs !== undefined) {
        taskTimer = setTimeout(() => {
          sandbox.stopped = true;
          fired.taskTimeouts++;
          reject(taskTimeoutError);
        }, taskTimeoutMs);
      }
    });
    try {
      // Lambda hands the handler a JSON copy and returns a JSON copy.
      // Lambda's context: the time left, in AWS time, before this invocation is stopped. A
      // handler keeps a margin of it to end its work and say what it did; that work is real
      // work (unscalable), so a share of the allowance is reserved for it in real time.
      const stopsAt = Date.now() + (timeoutSeconds * 1000) / timeScale + allowanceMs;
      const remaining = () => Math.max(0, (stopsAt - allowanceMs * DEADLINE_RESERVE_SHARE - Date.now()) * timeScale);
      const context = { awsRequestId: randomUUID(), getRemainingTimeInMillis: remaining };
      const invoked = sandboxes.run(sandbox, () => handler(JSON.parse(JSON.stringify(input ?? null)), context));
      running.add(invoked);
      // The environment is free again once its handler is over (a stopped one finishes its requests in flight first).
      const forget = () => {
        running.delete(invoked);
        fn.give(handler);
      };
      invoked.then(forget, forget);
      out = await Promise.race([invoked, timedOut]);
    } catch (err) {
      if (err === timeoutError || err === taskTimeoutError) throw err;
      // Lambda can lose the answer of a failed invocation as well as a succeeded one's.
      if (fault) throw serviceFault(fault.slice('after:'.length), 'after the handler failed');
      throw lambdaError(err);
    } finally {
      clearTimeout(timer);
      clearTimeout(taskTimer);
      release();
    }
    if (fault) throw serviceFault(fault.slice('after:'.length), 'after the handler ran');
    return JSON.parse(JSON.stringify(out ?? null));
  };
}
