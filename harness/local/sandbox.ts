/**
 * The sandbox a function's invocation runs in, and the loading of its bundle: each bundle is a
 * fresh module instance in Node's realm (see node-realm.ts), with scaled timers (time-scale.ts)
 * and a seeded `Math`; an invocation's code knows its sandbox (through every await and I/O
 * callback), so that a stopped sandbox's requests fail and its output goes to Lambda's logs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { dirname } from 'node:path';
import { constants, Script } from 'node:vm';
import { createNodeRequire, nodeProcess } from './node-realm';
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

let loaderWarningQuiet = false;
/** Node 20 calls the main context's loader for `vm` experimental, once, at the first import: not the demo's news. */
function quietMainContextLoaderWarning(): void {
  if (loaderWarningQuiet) return;
  loaderWarningQuiet = true;
  const emitWarning = nodeProcess.emitWarning;
  nodeProcess.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
    (emitWarning as (...a: unknown[]) => void).call(nodeProcess, warning, ...rest);
  }) as typeof emitWarning;
}

/** A bundle's module code, compiled once: each call runs it as a new module instance. */
type CompiledBundle = (own: { setTimeout: typeof setTimeout; Math: Math; require: NodeRequire; filename: string; dirname: string }) => unknown;

/**
 * Compiles a bundled asset once, in Node's main context (the realm Node's own modules create
 * their errors in, see node-realm.ts), as a function that runs the bundle's module code with its
 * own `module`, `setTimeout`, `Math` and `require`. Every call is a new module instance (a cold
 * start: its own SDK clients, its own module state) that reuses the compiled code, as every
 * instance of a Lambda function runs the same code: a cold start costs ~5 ms of this machine's
 * CPU instead of ~55 ms for parsing and compiling the bundle again, which a burst's thousands of
 * cold starts (each on its own machine on AWS) would otherwise spend on this one's event loop.
 */
function compileBundle(file: string): CompiledBundle {
  // A "use strict" directive stays first (of the function's body).
  const code = readFileSync(file, 'utf8');
  const directive = /^(["'])use strict\1;?/.exec(code)?.[0] ?? '';
  const source = `(function (__own) {${directive}var setTimeout = __own.setTimeout, Math = __own.Math, require = __own.require,`
    + ' __filename = __own.filename, __dirname = __own.dirname, module = { exports: {} }, exports = module.exports;\n'
    + `${code.slice(directive.length)}\nreturn module.exports;\n})`;
  // The SDK imports `node:http` dynamically: Node's own loader answers, as it does for a module.
  quietMainContextLoaderWarning();
  const script = new Script(source, { filename: file, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  return script.runInThisContext() as CompiledBundle;
}

/**
 * A new module instance of a compiled bundle: each LocalWorkflow gets its own cold start and its
 * own SDK clients. Its `setTimeout` is scaled: the handlers' own pauses, their SDK's retry
 * backoff and request timeouts run in the same scaled time as the rest (else a throttled
 * request's real backoff would outlast a scaled function timeout, which never happens on AWS).
 * Its `Math.random` is seeded (see seededMath). Its `require` is Node's own, from the bundle's
 * folder, not a test runner's.
 */
function loadFresh(file: string, bundle: CompiledBundle, clock: BundleClock): unknown {
  const onBoundFired = () => {
    clock.fired.requestTimeouts++;
  };
  return bundle({
    setTimeout: scaledSetTimeout(clock.timeScale, clock.allowanceMs, clock.ioBoundMs, onBoundFired),
    Math: seededMath(clock.randomSeed),
    require: createNodeRequire(file),
    filename: file,
    dirname: dirname(file),
  });
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
  const bundle = compileBundle(file);
  const load = () => (loadFresh(file, bundle, clock) as { handler: TaskHandler }).handler;
  const idle: TaskHandler[] = [load()];
  return {
    take: () => idle.pop() ?? load(),
    give: (handler) => {
      idle.push(handler);
    },
  };
}
