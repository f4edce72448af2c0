/**
 * Runs the synthesized workflow locally: the state machine definition from the CloudFormation
 * template, executed by aws-local-stepfunctions, with each Task bound to what it invokes on
 * AWS — the bundled Lambda asset of its function (with the function's environment from the
 * template), or the DynamoDB call of a service integration — and the AWS SDK pointed at the
 * local servers.
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
 *
 * With a seed (`jitterSeed`), nothing random decides timing: the runner's retry jitter and the
 * handlers' `Math.random` (their SDK's backoff) are hashes of what draws them, so a run of a
 * seed takes the same paths whatever the interleaving — as long as the machine's real work fits
 * in the allowances.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { CfnTemplate, SynthesizedExample } from './example-app';
import { EVENTS_PER_TASK_ATTEMPT, ExecutionHistory, HISTORY_LIMIT_ERROR, STANDARD_HISTORY_EVENT_LIMIT } from './execution-history';
import { hashedRandom, LambdaInvocation } from './fault-proxy';
import { emulateJsonataWaits } from './jsonata-wait';
import { LambdaLogs } from './lambda-logs';
import { LocalAws } from './local-aws';
import { nodeProcess, nodeRequire } from './node-realm';
import { ACCOUNT, REGION, TemplateResolver } from './template-resolver';
import { REQUEST_TIMEOUTS } from '../src/handlers/request-timeouts.lambda-shared';
import { SEND_SLOT_COUNTER_KEY } from '../src/shared/send-pacing';

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
const { StateMachine } = require('aws-local-stepfunctions') as {
  StateMachine: new (definition: unknown, options?: unknown) => { run(input: unknown, options?: unknown): LocalExecution };
};

/** The part of aws-local-stepfunctions' execution handle the runner uses. */
interface LocalExecution {
  readonly abort: () => void;
  readonly result: Promise<unknown>;
  readonly eventLogs: AsyncIterable<{ type: string; state?: { name: string } }>;
}

const DYNAMODB_UPDATE_ITEM = 'arn:aws:states:::dynamodb:updateItem';

type Json = any;
type TaskHandler = (input: Json, context?: { awsRequestId: string; getRemainingTimeInMillis(): number }) => Promise<Json>;
/** A bound Task: its input, and which execution and which attempt of the state this is. */
type BoundTask = (input: Json, invocation: LambdaInvocation) => Promise<Json>;

/**
 * Decides whether the Lambda service fails an invocation: returns the error name, or nothing.
 * A name prefixed `after:` fails it after the handler ran to completion, whether it returned or
 * threw (its answer, result or error, is lost).
 * `invocation` says which execution and which attempt of the state it is (for seeded decisions
 * that do not depend on arrival order).
 */
export type LambdaFaultInjector = (stateName: string, invocation: LambdaInvocation) => string | undefined;

/** The default time scale of local runs: AWS time runs 20 times faster. */
export const DEFAULT_TIME_SCALE = 20;
/** Default real time added to each scaled bound on a handler's work (see the module's doc). */
export const DEFAULT_REAL_TIME_ALLOWANCE_MS = 1000;
/**
 * Lambda's default account concurrency (per Region): invocations beyond it are throttled
 * (`Lambda.TooManyRequestsException`, which the state machine retries), never queued
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).
 */
export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;

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

/** An invocation of a function: whether Lambda has stopped it, and what it is (for seeded draws). */
interface Sandbox {
  stopped: boolean;
  /** (execution, state, attempt): the key of this invocation's seeded `Math.random` draws. */
  readonly key: readonly (string | number)[];
  /** `Math.random` draws made so far by this invocation. */
  draws: number;
  /** Where the invocation's output lines go (Lambda's log pipeline), when the run emulates it. */
  readonly log?: (line: string) => void;
}
/** The invocation a piece of handler code runs for (through every await and I/O callback). */
const sandboxes = new AsyncLocalStorage<Sandbox>();
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
function guardRequestsOfStoppedSandboxes(): void {
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
function routeOutputOfSandboxes(): void {
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
 * Share of the real-time allowance kept out of the time a handler is told it has left (see
 * `getRemainingTimeInMillis` below): real time for the work a handler does after its deadline.
 */
export const DEADLINE_RESERVE_SHARE = 0.25;

/** Lambda's default function timeout, when the template gives none. */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
/** Step Functions' Task timeout when the definition gives none (99999999 s). */
const TASK_DEFAULT_TIMEOUT_SECONDS = 99999999;
/** The longest delay Node's timers take (2^31 - 1 ms); a longer one fires at once. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

export interface LocalWorkflowOptions {
  readonly synthesized: SynthesizedExample;
  readonly aws: LocalAws;
  /** Endpoints the handlers use (for example a fault proxy); default: the local servers. */
  readonly endpoints?: { readonly dynamodb?: string; readonly ses?: string };
  /** Handler log level (`LOG_LEVEL`). Default `OFF`, so runs of many cases stay readable. Ignored with `lambdaLogs`. */
  readonly logLevel?: string;
  /**
   * Emulate Lambda's logging: each function gets `AWS_LAMBDA_LOG_LEVEL` from its template's
   * `LoggingConfig` (and no `LOG_LEVEL`), and what its invocations write goes through Lambda's
   * log-level filter into this collector (not to the process's stdout), where the metrics are
   * extracted from the lines that passed.
   */
  readonly lambdaLogs?: LambdaLogs;
  /**
   * Events a Standard execution's history may hold before the execution fails (see
   * harness/execution-history.ts). Default STANDARD_HISTORY_EVENT_LIMIT, AWS's quota; none for
   * Express. A test may lower it to reach it in a few steps (the counting is the same).
   */
  readonly historyEventLimit?: number;
  readonly lambdaFaults?: LambdaFaultInjector;
  /**
   * How much faster than AWS time the run goes (see the module's doc). Default
   * DEFAULT_TIME_SCALE; 1 keeps AWS's own timing.
   */
  readonly timeScale?: number;
  /**
   * Real time added to each scaled bound on a handler's work (function Timeout, Task and
   * execution TimeoutSeconds, leases), for the handlers' unscalable compute and I/O.
   * Default DEFAULT_REAL_TIME_ALLOWANCE_MS.
   */
  readonly realTimeAllowanceMs?: number;
  /**
   * Function invocations that may run at once, as the account's concurrency on Lambda: each runs
   * at once in an instance of its own; one more is throttled (`Lambda.TooManyRequestsException`).
   * Default DEFAULT_ACCOUNT_CONCURRENCY. (A machine that cannot keep up is given a slower
   * `timeScale`, not a queue.)
   */
  readonly accountConcurrency?: number;
  /**
   * Seed of the randomness that decides timing: the runner's retry jitter (JitterStrategy FULL),
   * each jittered wait then a hash of (seed, execution, state, retrier, n-th use), and the
   * handlers' `Math.random` (their SDK's retry backoff), a hash of (seed, execution, state,
   * attempt, n-th draw); so whatever the interleaving. Default: the real `Math.random`.
   */
  readonly jitterSeed?: number;
  /**
   * The handlers' timers that bound real I/O (they get the real-time allowance; other timers
   * are pauses). Default IO_BOUND_TIMERS_MS: the handlers' SDK connection and request timeouts.
   */
  readonly ioBoundTimersMs?: readonly number[];
}

/** Outcome of one local execution. */
export interface ExecutionOutcome {
  readonly name: string;
  /** `TIMED_OUT`: the execution ran past the state machine's (scaled) `TimeoutSeconds`. */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  /** States entered, in order (retries of a state are not new entries). */
  readonly statesEntered: string[];
  /** When each of `statesEntered` was entered (real epoch milliseconds). */
  readonly stateEnteredAtMs?: number[];
  readonly retries: number;
  /** Retries per state (each one a billed state transition on Standard). */
  readonly retriesByState: Record<string, number>;
  readonly durationMs: number;
  /** Events the execution's history holds, counted as Step Functions would (see harness/execution-history.ts). */
  readonly historyEvents?: number;
}


function resourcesOfType(template: CfnTemplate, type: string): string[] {
  return Object.keys(template.Resources).filter((id) => template.Resources[id].Type === type);
}

/**
 * Lambda unpacks a function's layers into /opt. Locally, the layers of every function of the
 * template are copied into one folder of the assembly (their files do not collide: one
 * configuration file per function), and environment values under /opt are made to point there.
 */
function localLayers(template: CfnTemplate, assemblyDir: string): (value: string) => string {
  const layerIds = resourcesOfType(template, 'AWS::Lambda::LayerVersion');
  if (layerIds.length === 0) return (value) => value;
  const opt = mkdtempSync(join(assemblyDir, 'local-opt-'));
  for (const id of layerIds) {
    const assetPath = template.Resources[id].Metadata?.['aws:asset:path'];
    if (!assetPath) throw new Error(`layer ${id} has no aws:asset:path metadata`);
    cpSync(join(assemblyDir, assetPath), opt, { recursive: true });
  }
  return (value) => (value === '/opt' || value.startsWith('/opt/') ? opt + value.slice('/opt'.length) : value);
}

let loads = 0;

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
interface BundleClock {
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
interface SandboxPool {
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
function sandboxPool(file: string, clock: BundleClock): SandboxPool {
  const load = () => (loadFresh(file, clock) as { handler: TaskHandler }).handler;
  const idle: TaskHandler[] = [load()];
  return {
    take: () => idle.pop() ?? load(),
    give: (handler) => {
      idle.push(handler);
    },
  };
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

/**
 * Seeds the runner's retry jitter without touching its code. For each retrier it reads
 * `retryIntervalOverrides[state][i]` and, with no override and JitterStrategy FULL, at once
 * draws `Math.random()` (synchronously, in the same call). The per-execution override object
 * returned here answers "no override" and, for a FULL retrier, puts in place a one-shot
 * `Math.random` that returns a hash of (seed, execution, state, retrier, n-th read) and then
 * restores the real one. The runner's arithmetic (backoff, MaxDelaySeconds, jitter) is its own.
 */
function seededJitterOverrides(seed: number, execution: string, fullJitter: ReadonlyMap<string, readonly boolean[]>): Record<string, unknown> {
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

export class LocalWorkflow {
  /** Synthesizes nothing: takes a synthesized example, creates its table and binds its tasks. */
  static async create(options: LocalWorkflowOptions): Promise<LocalWorkflow> {
    const { template, assemblyDir } = options.synthesized;
    const resolver = new TemplateResolver(template);
    const [smId] = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
    if (!smId) throw new Error('the template has no state machine');
    const definition = JSON.parse(resolver.resolve(template.Resources[smId].Properties.DefinitionString));
    const express = template.Resources[smId].Properties.StateMachineType === 'EXPRESS';
    const historyEventLimit = express ? undefined : options.historyEventLimit ?? STANDARD_HISTORY_EVENT_LIMIT;
    const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
    if (!(timeScale > 0)) throw new Error(`timeScale must be positive, got ${timeScale}`);
    // The runner plays JSONPath only: JSONata Wait states run as harness Tasks (jsonata-wait.ts).
    const jsonataWaits = emulateJsonataWaits(definition, timeScale);
    const runnable = jsonataWaits.definition;
    const allowanceMs = options.realTimeAllowanceMs ?? DEFAULT_REAL_TIME_ALLOWANCE_MS;
    if (!(allowanceMs >= 0)) throw new Error(`realTimeAllowanceMs must be 0 or more, got ${allowanceMs}`);
    guardRequestsOfStoppedSandboxes();

    const sdkEnv = options.aws.sdkEnv(options.endpoints);
    // The harness itself (table set-up, counting) always talks to the servers directly.
    const directClient = new DynamoDBClient({ endpoint: options.aws.dynamodbEndpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

    // Tables, as the template declares them.
    const tableIds = resourcesOfType(template, 'AWS::DynamoDB::Table');
    for (const id of tableIds) {
      const p = template.Resources[id].Properties;
      await directClient.send(new CreateTableCommand({
        TableName: resolver.physicalName(id),
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        BillingMode: p.BillingMode,
        ProvisionedThroughput: p.ProvisionedThroughput,
      }));
    }

    // One process plays every function: their environments are merged (they must agree).
    const env: Record<string, string> = { ...sdkEnv, ...(options.lambdaLogs ? {} : { LOG_LEVEL: options.logLevel ?? 'OFF' }) };
    // Only one of the two settings of the level may be left by an earlier run in this process.
    const staleLevel = options.lambdaLogs ? 'LOG_LEVEL' : 'AWS_LAMBDA_LOG_LEVEL';
    const previousLevel = nodeProcess.env[staleLevel];
    delete process.env[staleLevel];
    delete nodeProcess.env[staleLevel];
    if (options.lambdaLogs) routeOutputOfSandboxes();
    /** Each function's application log level (Lambda's filter), when the run emulates Lambda's logging. */
    const appLogLevels = new Map<string, string>();
    const assetFiles = new Map<string, string>();
    /** Each function's `Timeout`, in seconds of AWS time. */
    const timeouts = new Map<string, number>();
    const inLocalLayers = localLayers(template, assemblyDir);
    for (const id of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const resource = template.Resources[id];
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (!assetPath) continue;
      const vars = resolver.resolve(resource.Properties.Environment?.Variables ?? {}) as Record<string, string>;
      const logging = resource.Properties.LoggingConfig;
      if (options.lambdaLogs && logging?.LogFormat === 'JSON') {
        // Lambda sets AWS_LAMBDA_LOG_LEVEL from the application log level (JSON format only).
        appLogLevels.set(id, logging.ApplicationLogLevel ?? 'INFO');
        vars.AWS_LAMBDA_LOG_LEVEL = logging.ApplicationLogLevel ?? 'INFO';
      }
      for (const [k, value] of Object.entries(vars)) {
        // Durations the functions get from the construct run in scaled time too.
        const seconds = isSecondsEnvVar(k) && value !== '' && Number.isFinite(Number(value)) ? Number(value) / timeScale : undefined;
        const v = seconds === undefined ? inLocalLayers(value) : String(isLeaseEnvVar(k) ? seconds + allowanceMs / 1000 : seconds);
        if (k in env && env[k] !== v && !(k in sdkEnv)) throw new Error(`functions disagree on ${k}`);
        env[k] = v;
      }
      assetFiles.set(id, require.resolve(join(assemblyDir, assetPath, resource.Properties.Handler.split('.')[0])));
      timeouts.set(id, Number(resource.Properties.Timeout ?? LAMBDA_DEFAULT_TIMEOUT_SECONDS));
    }
    // The bundles run in Node's realm (see node-realm.ts), and read its environment (under a
    // test runner, not the test's copy): `restoreEnvironment` gives it back as it was.
    Object.assign(process.env, env);
    const previousEnv = { [staleLevel]: previousLevel, ...Object.fromEntries(Object.keys(env).map((k) => [k, nodeProcess.env[k]])) };
    Object.assign(nodeProcess.env, env);
    // Load each asset now, with the environment in place: a fresh module (and fresh SDK
    // clients, built with this run's endpoints) per LocalWorkflow, like a cold start.
    const functions = new Map<string, SandboxPool>();
    const fired: BoundsFired = { requestTimeouts: 0, functionTimeouts: 0, taskTimeouts: 0 };
    const ioBoundMs = options.ioBoundTimersMs ?? IO_BOUND_TIMERS_MS;
    const clock: BundleClock = { timeScale, allowanceMs, ioBoundMs, randomSeed: options.jitterSeed, fired };
    for (const [id, file] of assetFiles) functions.set(id, sandboxPool(file, clock));

    const handlers: Record<string, BoundTask> = {};
    /** Lambda Tasks whose timeout the binding enforces (see below). */
    const slotTimedTasks = new Set<string>();
    const accountConcurrency = options.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY;
    let invocationsRunning = 0;
    /** Invocations still running, including stopped ones finishing their requests in flight. */
    const running = new Set<Promise<unknown>>();
    /** Per state, which retriers jitter (JitterStrategy FULL): the ones whose jitter can be seeded. */
    const fullJitter = new Map<string, boolean[]>();
    for (const [stateName, state] of Object.entries<any>(runnable.States)) {
      if (jsonataWaits.handlers[stateName]) {
        handlers[stateName] = jsonataWaits.handlers[stateName];
        continue;
      }
      if (state.Retry?.some((r: { JitterStrategy?: string }) => r.JitterStrategy === 'FULL')) {
        fullJitter.set(stateName, state.Retry.map((r: { JitterStrategy?: string }) => r.JitterStrategy === 'FULL'));
      }
      if (state.Type !== 'Task') continue;
      if (state.Resource === DYNAMODB_UPDATE_ITEM) {
        const client = new DynamoDBClient({ endpoint: sdkEnv.AWS_ENDPOINT_URL_DYNAMODB, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
        handlers[stateName] = async (input) => {
          try {
            return await client.send(new UpdateItemCommand(input as UpdateItemCommandInput));
          } catch (err) {
            // Step Functions names service-integration errors `<Service>.<ErrorName>`.
            const e = new Error((err as Error).message);
            e.name = `DynamoDB.${(err as Error).name}`;
            throw e;
          }
        };
        continue;
      }
      const fnId = resolver.functionOfArn(state.Resource);
      const fn = fnId && functions.get(fnId);
      if (!fn) throw new Error(`state ${stateName}: no local binding for ${state.Resource}`);
      const timeoutSeconds = timeouts.get(fnId)!;
      // The Task's own timeout, enforced here with the function's (the runner is given none for this Task).
      const taskTimeoutMs = state.TimeoutSecondsPath === undefined
        ? Math.min(((state.TimeoutSeconds ?? TASK_DEFAULT_TIMEOUT_SECONDS) * 1000) / timeScale + allowanceMs, MAX_TIMER_SECONDS * 1000)
        : undefined;
      if (taskTimeoutMs !== undefined) slotTimedTasks.add(stateName);
      handlers[stateName] = async (input, invocation) => {
        const fault = options.lambdaFaults?.(stateName, invocation);
        const serviceFault = (name: string, when: string) => Object.assign(new Error(`injected Lambda service fault ${when}: ${name}`), { name });
        if (fault && !fault.startsWith('after:')) throw serviceFault(fault, 'before the handler ran');
        let out: unknown;
        // Lambda stops waiting for the handler at the function's (scaled) timeout: the
        // invocation fails with Sandbox.Timedout and a late result is discarded. (Locally the
        // handler cannot be frozen, so its remaining requests still go out; on AWS the ones
        // already in flight would.)
        if (invocationsRunning >= accountConcurrency) {
          throw serviceFault('Lambda.TooManyRequestsException', `(account concurrency ${accountConcurrency} in use)`);
        }
        invocationsRunning++;
        // A cold start, if there is one, happens before the timeout's clock starts (see sandboxPool).
        const handler = fn.take();
        let released = false;
        const release = () => {
          if (!released) invocationsRunning--;
          released = true;
        };
        let timer: NodeJS.Timeout | undefined;
        let taskTimer: NodeJS.Timeout | undefined;
        const timeoutError = sandboxTimedOut(timeoutSeconds);
        const taskTimeoutError = Object.assign(new Error('States.Timeout'), { name: 'States.Timeout' });
        const lambdaLogs = options.lambdaLogs;
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

    // The case table is the one the state machine's Record Failure task writes to.
    const tables = Object.fromEntries(tableIds.map((id) => [id, resolver.physicalName(id)]));
    const caseTable = Object.values<any>(definition.States).find((st) => st.Resource === DYNAMODB_UPDATE_ITEM)?.Parameters?.TableName;
    if (!caseTable) throw new Error('cannot tell the case table from the definition');
    // The real definition is validated (as AWS would; its JSONata Waits as the Tasks that play
    // them, which the validator of aws-local-stepfunctions can read); the scaled copy runs (see scaleDefinition).
    new StateMachine(runnable, { validationOptions: { checkArn: false } });
    const scaled = scaleDefinition(runnable, timeScale, allowanceMs / 1000);
    for (const stateName of slotTimedTasks) scaled.States[stateName].TimeoutSeconds = MAX_TIMER_SECONDS;
    const machine = new StateMachine(scaled, { validationOptions: { noValidate: true } });
    return new LocalWorkflow(
      definition, machine, handlers, fullJitter, options.jitterSeed, timeScale, directClient, caseTable, tables, resolver.physicalName(smId),
      running, fired, historyEventLimit, previousEnv,
    );
  }

  private counter = 0;

  private constructor(
    /** The resolved Amazon States Language definition (in AWS time: not scaled). */
    public readonly definition: Json,
    /** Validating a definition takes ~0.2 s, so one StateMachine serves every execution. */
    private readonly machine: InstanceType<typeof StateMachine>,
    private readonly handlers: Record<string, BoundTask>,
    private readonly fullJitter: ReadonlyMap<string, readonly boolean[]>,
    private readonly jitterSeed: number | undefined,
    /** How much faster than AWS time this workflow runs. */
    public readonly timeScale: number,
    private readonly dynamodb: DynamoDBClient,
    /** Physical name of the case table. */
    public readonly tableName: string,
    /** Physical names of every table in the template, by logical id. */
    public readonly tables: Record<string, string>,
    private readonly stateMachineName: string,
    private readonly running: ReadonlySet<Promise<unknown>>,
    /** Bounds on real work that fired so far (see BoundsFired). */
    public readonly boundsFired: Readonly<BoundsFired>,
    /** Events an execution's history may hold (undefined: no limit, Express). */
    private readonly historyEventLimit: number | undefined,
    /** The values the run's environment replaced in Node's own `process.env`. */
    private readonly previousEnv: Record<string, string | undefined>,
  ) {}

  /**
   * Waits (at most `maxMs`) until no invocation is running — stopped ones may still finish
   * requests in flight — so that the servers are not closed under them.
   */
  async settle(maxMs = 5000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  }

  /**
   * Gives Node's own environment back as it was before this workflow (the bundles read it):
   * under a test runner, later test files of the same worker would otherwise inherit it.
   */
  restoreEnvironment(): void {
    for (const [k, v] of Object.entries(this.previousEnv)) {
      if (v === undefined) delete nodeProcess.env[k];
      else nodeProcess.env[k] = v;
    }
  }

  /** Writes an item into one of the template's tables (seeding a roster, say). */
  async putItem(tableName: string, item: Record<string, any>): Promise<void> {
    await this.dynamodb.send(new PutItemCommand({ TableName: tableName, Item: item }));
  }

  /** Runs one execution to its end; never throws for a failed execution. */
  async run(input: Json, name = `exec-${++this.counter}`): Promise<ExecutionOutcome> {
    const started = Date.now();
    const executionId = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${this.stateMachineName}:${name}`;
    // Each Task learns its execution and attempt (for seeded Lambda faults).
    const attempts: Record<string, number> = {};
    // Past the history's limit the execution fails as a whole: it is aborted here, so its outcome
    // is decided; the runner then unwinds what is left of its path at once (its waits end on
    // abort) with every Task refused, so that no Retry or Catch reaches AWS-like work.
    const history = new ExecutionHistory(this.historyEventLimit, () => execution.abort());
    const refused = () => Promise.reject(Object.assign(new Error(history.cause()), { name: HISTORY_LIMIT_ERROR }));
    const taskResourceLocalHandlers = Object.fromEntries(Object.entries(this.handlers).map(([stateName, bound]) => [
      stateName,
      (taskInput: Json) => (history.add(EVENTS_PER_TASK_ATTEMPT)
        ? bound(taskInput, { execution: name, attempt: (attempts[stateName] = (attempts[stateName] ?? 0) + 1) })
        : refused()),
    ]));
    const retryIntervalOverrides = this.jitterSeed === undefined ? {} : seededJitterOverrides(this.jitterSeed, name, this.fullJitter);
    const execution: LocalExecution = this.machine.run(input, {
      overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
      context: {
        Execution: { Id: executionId, Name: name, Input: input, StartTime: new Date(started).toISOString() },
        StateMachine: { Id: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${this.stateMachineName}`, Name: this.stateMachineName },
        // aws-local-stepfunctions does not fill $$.State; a getter gives the time it is read.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
      },
    });
    const statesEntered: string[] = [];
    const stateEnteredAtMs: number[] = [];
    let retries = 0;
    const retriesByState: Record<string, number> = {};
    const events = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered' || event.type === 'StateExited') history.add(1);
        if (event.type === 'StateEntered') {
          statesEntered.push(event.state!.name);
          stateEnteredAtMs.push(Date.now());
        }
        if (event.type === 'StateRetried') {
          retries++;
          retriesByState[event.state!.name] = (retriesByState[event.state!.name] ?? 0) + 1;
        }
      }
    })();
    try {
      const output = await execution.result;
      await events;
      history.add(1);
      return { name, status: 'SUCCEEDED', output, statesEntered, stateEnteredAtMs, retries, retriesByState, durationMs: Date.now() - started, historyEvents: history.events };
    } catch (err) {
      await events.catch(() => undefined);
      history.add(1);
      const counted = { statesEntered, stateEnteredAtMs, retries, retriesByState, durationMs: Date.now() - started, historyEvents: history.events };
      if (history.limitReached) return { name, status: 'FAILED', error: HISTORY_LIMIT_ERROR, cause: history.cause(), ...counted };
      if ((err as Error).name === 'ExecutionTimeoutError') {
        return { name, status: 'TIMED_OUT', error: 'States.Timeout', cause: 'the execution ran past its TimeoutSeconds', ...counted };
      }
      const cause = (err as any)?.cause;
      return {
        name,
        status: 'FAILED',
        error: cause?.name ?? (err as Error).name,
        cause: cause?.message ?? (err as Error).message,
        ...counted,
      };
    }
  }

  /**
   * Every case record of the case table (its send-slot counter, whose key no case id can take, left
   * out), or every item of another table of the template.
   */
  async records(tableName = this.tableName): Promise<Record<string, any>[]> {
    const items = await this.items(tableName);
    return tableName === this.tableName ? items.filter((item) => item.caseId?.S !== SEND_SLOT_COUNTER_KEY) : items;
  }

  /** Every item of a table. */
  async items(tableName = this.tableName): Promise<Record<string, any>[]> {
    const items: Record<string, any>[] = [];
    let ExclusiveStartKey: Record<string, any> | undefined;
    do {
      const page = await this.dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey, ConsistentRead: true }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}
