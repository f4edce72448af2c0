/**
 * Runs the synthesized workflow locally: the state machine definition from the CloudFormation
 * template, executed by aws-local-stepfunctions, with each Task bound to what it invokes on
 * AWS — the bundled Lambda asset of its function (with the function's environment from the
 * template), or the DynamoDB call of a service integration — and the AWS SDK pointed at the
 * local servers.
 *
 * Time runs scaled as a whole (see time-scale.ts), each function's invocations run in sandboxes of
 * their own (sandbox.ts, functions.ts), each Task is bound to what it invokes (task-bindings.ts),
 * Lambda's handling of each invocation (faults, timeouts, concurrency) is the Lambda binding's
 * (lambda-binding.ts), and the runner is loaded and fed in state-machine.ts.
 *
 * With a seed (`jitterSeed`), nothing random decides timing: the runner's retry jitter and the
 * handlers' `Math.random` (their SDK's backoff) are hashes of what draws them, so a run of a
 * seed takes the same paths whatever the interleaving — as long as the machine's real work fits
 * in the allowances.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { OutstandingTokens, TASK_TOKEN_PLACEHOLDER } from './callback-task';
import { LocalFunctionUrl } from './function-url';
import { loadFunctions } from './functions';
import { bindLambdaTask, BoundTask, DEFAULT_ACCOUNT_CONCURRENCY, LambdaAccount } from './lambda-binding';
import { nodeProcess } from './node-realm';
import { BoundsFired, BundleClock, guardRequestsOfStoppedSandboxes } from './sandbox';
import type { PublishedMessage } from './sns-publish';
import { LocalExecution, scaledMachine, seededJitterOverrides, StateMachine } from './state-machine';
import { DYNAMODB_UPDATE_ITEM, bindTasks } from './task-bindings';
import type { TaskTokens } from './task-tokens';
import { DEFAULT_REAL_TIME_ALLOWANCE_MS, DEFAULT_TIME_SCALE, IO_BOUND_TIMERS_MS } from './time-scale';
import { SEND_SLOT_COUNTER_KEY } from '../../src/shared/send-pacing';
import type { SynthesizedExample } from '../example-app';
import { EVENTS_PER_TASK_ATTEMPT, ExecutionHistory, HISTORY_LIMIT_ERROR, STANDARD_HISTORY_EVENT_LIMIT } from '../execution-history';
import { emulateJsonataWaits } from '../jsonata-wait';
import type { LambdaFaultInjector } from '../lambda-faults';
import type { LambdaLogs } from '../lambda-logs';
import type { LocalAws } from '../local-aws';
import { ACCOUNT, REGION, resourcesOfType, TemplateResolver } from '../template-resolver';

type Json = any;

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
   * How much faster than AWS time the run goes (see time-scale.ts). Default
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

/** The template's state machine: its logical id, its resolved definition, and whether it is Express. */
function stateMachineOf(template: SynthesizedExample['template'], resolver: TemplateResolver): { smId: string; definition: Json; express: boolean } {
  const [smId] = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
  if (!smId) throw new Error('the template has no state machine');
  const definition = JSON.parse(resolver.resolve(template.Resources[smId].Properties.DefinitionString));
  const express = template.Resources[smId].Properties.StateMachineType === 'EXPRESS';
  return { smId, definition, express };
}

/** Creates the template's tables on the local DynamoDB; returns their physical names by logical id. */
async function createTables(client: DynamoDBClient, template: SynthesizedExample['template'], resolver: TemplateResolver): Promise<Record<string, string>> {
  const tableIds = resourcesOfType(template, 'AWS::DynamoDB::Table');
  for (const id of tableIds) {
    const p = template.Resources[id].Properties;
    await client.send(new CreateTableCommand({
      TableName: resolver.physicalName(id),
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: p.BillingMode,
      ProvisionedThroughput: p.ProvisionedThroughput,
    }));
  }
  return Object.fromEntries(tableIds.map((id) => [id, resolver.physicalName(id)]));
}

export class LocalWorkflow {
  /** Synthesizes nothing: takes a synthesized example, creates its table and binds its tasks. */
  static async create(options: LocalWorkflowOptions): Promise<LocalWorkflow> {
    const { template, assemblyDir } = options.synthesized;
    const resolver = new TemplateResolver(template);
    const { smId, definition, express } = stateMachineOf(template, resolver);
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
    // Function URLs listen before the functions load: their URLs are in the functions' environment.
    const functionUrls = await Promise.all(resourcesOfType(template, 'AWS::Lambda::Url').map((id) => LocalFunctionUrl.start(id)));
    for (const url of functionUrls) resolver.functionUrls.set(url.logicalId, url.url);
    // The harness itself (table set-up, counting) always talks to the servers directly.
    const directClient = new DynamoDBClient({ endpoint: options.aws.dynamodbEndpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const tables = await createTables(directClient, template, resolver);

    const fired: BoundsFired = { requestTimeouts: 0, functionTimeouts: 0, taskTimeouts: 0 };
    const ioBoundMs = options.ioBoundTimersMs ?? IO_BOUND_TIMERS_MS;
    const clock: BundleClock = { timeScale, allowanceMs, ioBoundMs, randomSeed: options.jitterSeed, fired };
    const local = loadFunctions({
      template, assemblyDir, resolver, sdkEnv, logLevel: options.logLevel, lambdaLogs: options.lambdaLogs, clock,
    });
    const account: LambdaAccount = {
      timeScale,
      allowanceMs,
      accountConcurrency: options.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY,
      invocationsRunning: 0,
      reservedConcurrency: local.reservedConcurrency,
      runningByFunction: new Map(),
      running: new Set(),
      fired,
      lambdaFaults: options.lambdaFaults,
      lambdaLogs: options.lambdaLogs,
      appLogLevels: local.appLogLevels,
    };
    const services = {
      tokens: options.aws.taskTokens,
      outstanding: new OutstandingTokens(options.aws.taskTokens),
      published: [] as PublishedMessage[],
      topics: new Set(resourcesOfType(template, 'AWS::SNS::Topic').map((id) => resolver.arn(id))),
    };
    const { handlers, slotTimedTasks, fullJitter } = bindTasks(runnable, jsonataWaits, resolver, local, sdkEnv, account, services);
    for (const url of functionUrls) {
      const target = resolver.resolve(template.Resources[url.logicalId].Properties.TargetFunctionArn);
      const fnId = resolver.functionOfArn(target);
      const fn = fnId && local.functions.get(fnId);
      if (!fn) throw new Error(`function URL ${url.logicalId}: no local function ${target}`);
      url.bind(bindLambdaTask(account, { stateName: `FunctionUrl ${url.logicalId}`, fnId, fn, timeoutSeconds: local.timeouts.get(fnId)!, taskTimeoutMs: undefined }));
    }

    // The case table is the one the state machine's Record Failure task writes to.
    const caseTable = Object.values<any>(definition.States).find((st) => st.Resource === DYNAMODB_UPDATE_ITEM)?.Parameters?.TableName
      ?? (Object.keys(tables).length === 1 ? Object.values(tables)[0] : undefined);
    if (!caseTable) throw new Error('cannot tell the case table from the definition');
    const machine = scaledMachine(runnable, slotTimedTasks, timeScale, allowanceMs);
    return new LocalWorkflow(
      definition, machine, handlers, fullJitter, options.jitterSeed, timeScale, directClient, caseTable, tables, resolver.physicalName(smId),
      account.running, fired, historyEventLimit, local.previousEnv, services, functionUrls,
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
    private readonly services: { readonly tokens: TaskTokens; readonly outstanding: OutstandingTokens; readonly published: PublishedMessage[] },
    /** The template's function URLs, served on loopback (see function-url.ts). */
    public readonly functionUrls: readonly LocalFunctionUrl[],
  ) {}

  /** Messages the state machine published to SNS topics, in order. */
  get published(): readonly PublishedMessage[] {
    return this.services.published;
  }

  /** The task tokens of callback Tasks, and the SendTaskSuccess / SendTaskFailure calls they got. */
  get taskTokens(): TaskTokens {
    return this.services.tokens;
  }

  /** The URL of the template's function URL (the acknowledge page's), if it has one. */
  get functionUrl(): string | undefined {
    return this.functionUrls[0]?.url;
  }

  /** Stops serving the function URLs. */
  async close(): Promise<void> {
    await Promise.all(this.functionUrls.map((url) => url.close()));
  }

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
        // Nor $$.Task.Token: a callback Task's binding puts its attempt's token where this is.
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
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
    // Whatever ends the execution, the tokens it still waits on time out.
    const ended = execution.result.then(() => undefined, () => undefined).then(() => this.services.outstanding.endExecution(name));
    try {
      const output = await execution.result;
      await ended;
      await events;
      history.add(1);
      return { name, status: 'SUCCEEDED', output, statesEntered, stateEnteredAtMs, retries, retriesByState, durationMs: Date.now() - started, historyEvents: history.events };
    } catch (err) {
      await ended;
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
