/**
 * The sandbox a function's invocation runs in, and the loading of its bundle: each bundle is a
 * fresh module instance in Node's realm (see node-realm.ts), with scaled timers (time-scale.ts)
 * and a seeded `Math`; an invocation's code knows its sandbox (through every await and I/O
 * callback), so that a stopped sandbox's requests fail and its output goes to Lambda's logs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, join } from 'node:path';
import { nodeRequire } from './node-realm';
import { scaledSetTimeout } from './time-scale';
import { hashedRandom } from '../seeded-random';

type Json = any;
/** A bundle's handler, as Lambda calls it. */
export type TaskHandler = (input: Json, context?: { awsRequestId: string; getRemainingTimeInMillis(): number }) => Promise<Json>;

/** An invocation of a function: whether Lambda has stopped it, and what it is (for seeded draws). */
export interface Sandbox {
  stopped: boolean;
  /** (execution, state, attempt): the key of this invocation's seeded `Math.random` draws. */
  readonly key: readonly (string | number)[];
  /** `Math.random` draws made so far by this invocation. */
  draws: number;
  /** Where the invocation's output lines go (Lambda's log pipeline), when the run emulates it. */
  readonly log?: (line: string) => void;
}
/** The invocation a piece of handler code runs for (through every await and I/O callback). */
export const sandboxes = new AsyncLocalStorage<Sandbox>();
let requestsGuarded = false;
/**
 * Makes `http.request` / `https.request` fail at once inside an invocation that Lambda has
 * stopped (timed out). Patched in the module objects and in their ES module views (the SDK
 * imports `node:http` dynamically); outside an invocation nothing changes.
 *
 * Also lifts the socket limit of the agents invocations use: on AWS each concurrent invocation
 * has a sandbox, and connections, of its own; here they share one module instance, whose SDK
 * client's agent (50 sockets) would queue a burst's requests behind each other — a queue that
 * does not exist on AWS, and whose wait would count against the scaled connection timeouts.
 */
export function guardRequestsOfStoppedSandboxes(): void {
  if (requestsGuarded) return;
  requestsGuarded = true;
  for (const mod of [http, https] as Array<{ request: (...args: any[]) => http.ClientRequest }>) {
    const original = mod.request;
    mod.request = function guardedRequest(this: unknown, ...args: any[]) {
      const sandbox = sandboxes.getStore();
      if (sandbox?.stopped) {
        throw Object.assign(new Error('the function was stopped at its timeout: no new requests'), { code: 'ECONNREFUSED' });
      }
      if (sandbox) {
        const agent = args.find((a) => a && typeof a === 'object' && 'agent' in a)?.agent;
        if (agent instanceof http.Agent && agent.maxSockets !== Infinity) agent.maxSockets = Infinity;
      }
      return original.apply(this, args);
    };
  }
  syncBuiltinESMExports();
}

let outputRouted = false;
/**
 * Sends what an invocation writes to stdout/stderr to its sandbox's `log` (Lambda's log
 * pipeline, see LambdaLogs) instead of the process's own streams; outside such an invocation
 * nothing changes.
 */
export function routeOutputOfSandboxes(): void {
  if (outputRouted) return;
  outputRouted = true;
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: any[]) => {
      const log = sandboxes.getStore()?.log;
      if (!log) return (original as any)(chunk, ...rest);
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      for (const line of text.split('\n')) if (line !== '') log(line);
      return true;
    }) as typeof stream.write;
  }
}

let loads = 0;

/**
 * `Math` for the handlers' bundles: the real one, except that with a seed `random()` is a hash
 * of (seed, execution, state, attempt, n-th draw of the invocation), so that the SDK's retry
 * backoff (full jitter) is the same in every run of a seed, whatever the interleaving. Outside
 * an invocation (module initialization), or with no seed, it is the real `Math.random`.
 */
function seededMath(seed: number | undefined): Math {
  if (seed === undefined) return Math;
  const real = Math.random;
  return Object.create(Math, {
    random: {
      value: () => {
        const sandbox = sandboxes.getStore();
        return sandbox ? hashedRandom(seed, ['handler', ...sandbox.key, sandbox.draws++]) : real();
      },
    },
  });
}

/** How a bundle's time and randomness are replaced (see loadFresh). */
export interface BundleClock {
  readonly timeScale: number;
  readonly allowanceMs: number;
  readonly ioBoundMs: readonly number[];
  readonly randomSeed: number | undefined;
  /** Where the bounds that fire are counted. */
  readonly fired: BoundsFired;
}

/**
 * Bounds on real work that fired during a run: the handlers' SDK connection and request
 * timeouts, function timeouts (`Sandbox.Timedout`) and Task timeouts. Each is either a fault the
 * run asked for (a request that is never answered, a handler that overruns on purpose) or the
 * machine's real work outlasting its scaled bound plus the allowance, a path AWS would not take
 * and that another run of the seed may not take either.
 */
export interface BoundsFired {
  requestTimeouts: number;
  functionTimeouts: number;
  taskTimeouts: number;
}

/**
 * Loads a bundled asset as a new module instance: each LocalWorkflow gets its own cold start
 * and its own SDK clients. Module caches (Node's, or a test runner's) key modules by path, so
 * the asset is loaded from a copy with a path of its own, in the same folder. The copy's
 * `setTimeout` is scaled: the handlers' own pauses, their SDK's retry backoff and request
 * timeouts run in the same scaled time as the rest (else a throttled request's real backoff
 * would outlast a scaled function timeout, which never happens on AWS). Its `Math.random` is
 * seeded (see seededMath).
 */
function loadFresh(file: string, clock: BundleClock): unknown {
  const copy = join(dirname(file), `index.load-${process.pid}-${++loads}.js`);
  const onBoundFired = () => {
    clock.fired.requestTimeouts++;
  };
  const own = {
    setTimeout: scaledSetTimeout(clock.timeScale, clock.allowanceMs, clock.ioBoundMs, onBoundFired),
    Math: seededMath(clock.randomSeed),
  };
  // The copy exports a function that runs the bundle with its own `setTimeout`, `Math` and
  // `module`; a "use strict" directive stays first (of the function's body).
  const code = readFileSync(file, 'utf8');
  const directive = /^(["'])use strict\1;?/.exec(code)?.[0] ?? '';
  writeFileSync(copy, `module.exports = function (__own) {${directive}var setTimeout = __own.setTimeout, Math = __own.Math;`
    + `var module = { exports: {} }, exports = module.exports;\n${code.slice(directive.length)}\nreturn module.exports;\n};\n`);
  try {
    // Node's own loader, not a test runner's: the bundle runs in Node's realm (see node-realm.ts).
    return (nodeRequire(copy) as (own: unknown) => unknown)(own);
  } finally {
    unlinkSync(copy);
    if (nodeRequire.cache) delete nodeRequire.cache[copy];
  }
}

/** A function's execution environments (see sandboxPool). */
export interface SandboxPool {
  /** A free environment's handler, after a cold start if none is free. */
  take(): TaskHandler;
  /** Gives an environment back once its invocation is over. */
  give(handler: TaskHandler): void;
}

/**
 * A function's execution environments: Lambda runs one invocation at a time in each, so
 * concurrent invocations get their own module instance (their own SDK clients, with their own
 * retry quotas and connections), loaded on demand (a cold start) and reused when free. One
 * instance is loaded at once, with this run's environment in place. Lambda does not count a
 * cold start (the init phase) against the function's timeout: the binding takes an
 * environment before it starts the timeout's clock.
 */
export function sandboxPool(file: string, clock: BundleClock): SandboxPool {
  const load = () => (loadFresh(file, clock) as { handler: TaskHandler }).handler;
  const idle: TaskHandler[] = [load()];
  return {
    take: () => idle.pop() ?? load(),
    give: (handler) => {
      idle.push(handler);
    },
  };
}
