/**
 * The state machine runner, aws-local-stepfunctions, as the local workflow uses it: loaded with
 * the polyfill it needs on Node 20, given the definition in scaled time, and its retry jitter
 * seeded from outside.
 */
import { MAX_TIMER_SECONDS, scaleDefinition } from './time-scale';
import { hashedRandom } from '../seeded-random';

type Json = any;

// aws-local-stepfunctions uses Promise.withResolvers (Node 22+). This module is the one place
// that loads it, so the polyfill for Node 20 lives here.
type Resolvers<T> = { promise: Promise<T>; resolve: (v: T | PromiseLike<T>) => void; reject: (e?: unknown) => void };
const PromiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof PromiseCtor.withResolvers !== 'function') {
  PromiseCtor.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports, import/order
export const { StateMachine } = require('aws-local-stepfunctions') as {
  StateMachine: new (definition: unknown, options?: unknown) => { run(input: unknown, options?: unknown): LocalExecution };
};

/** The part of aws-local-stepfunctions' execution handle the runner uses. */
export interface LocalExecution {
  readonly abort: () => void;
  readonly result: Promise<unknown>;
  readonly eventLogs: AsyncIterable<{ type: string; state?: { name: string } }>;
}

/**
 * The machine that runs `runnable` in scaled time. The real definition is validated (as AWS would;
 * its JSONata Waits as the Tasks that play them, which the validator of aws-local-stepfunctions
 * can read); the scaled copy runs (see scaleDefinition in time-scale.ts), with no timeout of its
 * own for the Tasks whose timeout the Lambda binding enforces.
 */
export function scaledMachine(
  runnable: Json, slotTimedTasks: ReadonlySet<string>, timeScale: number, allowanceMs: number,
): InstanceType<typeof StateMachine> {
  new StateMachine(runnable, { validationOptions: { checkArn: false } });
  const scaled = scaleDefinition(runnable, timeScale, allowanceMs / 1000);
  for (const stateName of slotTimedTasks) scaled.States[stateName].TimeoutSeconds = MAX_TIMER_SECONDS;
  return new StateMachine(scaled, { validationOptions: { noValidate: true } });
}

/**
 * Seeds the runner's retry jitter without touching its code. For each retrier it reads
 * `retryIntervalOverrides[state][i]` and, with no override and JitterStrategy FULL, at once
 * draws `Math.random()` (synchronously, in the same call). The per-execution override object
 * returned here answers "no override" and, for a FULL retrier, puts in place a one-shot
 * `Math.random` that returns a hash of (seed, execution, state, retrier, n-th read) and then
 * restores the real one. The runner's arithmetic (backoff, MaxDelaySeconds, jitter) is its own.
 */
export function seededJitterOverrides(seed: number, execution: string, fullJitter: ReadonlyMap<string, readonly boolean[]>): Record<string, unknown> {
  const reads = new Map<string, number>();
  const overrides: Record<string, unknown> = {};
  for (const [stateName, jittered] of fullJitter) {
    overrides[stateName] = new Proxy([], {
      get: (target, prop) => {
        if (typeof prop !== 'string' || !/^\d+$/.test(prop)) return Reflect.get(target, prop);
        const i = Number(prop);
        if (jittered[i]) {
          const readKey = `${stateName}\u0000${i}`;
          const n = (reads.get(readKey) ?? 0) + 1;
          reads.set(readKey, n);
          const value = hashedRandom(seed, ['jitter', execution, stateName, i, n]);
          const real = Math.random;
          Math.random = () => {
            Math.random = real;
            return value;
          };
        }
        return undefined;
      },
    });
  }
  return overrides;
}
