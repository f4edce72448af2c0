/**
 * Runs the synthesized workflow locally: the state machine definition from the CloudFormation
 * template, executed by aws-local-stepfunctions, with each Task bound to what it invokes on
 * AWS — the bundled Lambda asset of its function (with the function's environment from the
 * template), or the DynamoDB call of a service integration — and the AWS SDK pointed at the
 * local servers.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { CfnTemplate, SynthesizedExample } from './example-app';
import { LocalAws } from './local-aws';

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
  readonly result: Promise<unknown>;
  readonly eventLogs: AsyncIterable<{ type: string; state?: { name: string } }>;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DYNAMODB_UPDATE_ITEM = 'arn:aws:states:::dynamodb:updateItem';

type Json = any;
type TaskHandler = (input: Json, context?: { awsRequestId: string }) => Promise<Json>;

/** Decides whether the Lambda service fails an invocation before the handler runs. */
/**
 * Decides whether the Lambda service fails an invocation: returns the error name, or nothing.
 * A name prefixed `after:` fails it after the handler ran to completion (its answer is lost).
 */
export type LambdaFaultInjector = (stateName: string) => string | undefined;

export interface LocalWorkflowOptions {
  readonly synthesized: SynthesizedExample;
  readonly aws: LocalAws;
  /** Endpoints the handlers use (for example a fault proxy); default: the local servers. */
  readonly endpoints?: { readonly dynamodb?: string; readonly ses?: string };
  /** Handler log level (`LOG_LEVEL`). Default `OFF`, so runs of many cases stay readable. */
  readonly logLevel?: string;
  readonly lambdaFaults?: LambdaFaultInjector;
}

/** Outcome of one local execution. */
export interface ExecutionOutcome {
  readonly name: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  /** States entered, in order (retries of a state are not new entries). */
  readonly statesEntered: string[];
  readonly retries: number;
  readonly durationMs: number;
}

/** Resolves the CloudFormation intrinsics that a synthesized definition and environment use. */
export class TemplateResolver {
  constructor(private readonly template: CfnTemplate) {}

  physicalName(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`template has no resource ${logicalId}`);
    return resource.Properties?.TableName ?? resource.Properties?.FunctionName ?? logicalId;
  }

  arn(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    switch (resource?.Type) {
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${this.physicalName(logicalId)}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${this.physicalName(logicalId)}`;
      default:
        throw new Error(`cannot make an ARN for ${logicalId} (${resource?.Type})`);
    }
  }

  /** Logical id of a Lambda function, from the ARN this resolver made for it. */
  functionOfArn(arn: string): string | undefined {
    return Object.keys(this.template.Resources).find(
      (id) => this.template.Resources[id].Type === 'AWS::Lambda::Function' && this.arn(id) === arn,
    );
  }

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [k] = keys;
      const arg = value[k];
      switch (k) {
        case 'Ref':
          return this.ref(arg);
        case 'Fn::GetAtt':
          if (arg[1] !== 'Arn') throw new Error(`unsupported Fn::GetAtt ${arg.join('.')}`);
          return this.arn(arg[0]);
        case 'Fn::Join':
          return (this.resolve(arg[1]) as string[]).join(arg[0]);
        case 'Fn::Select':
          return this.resolve(arg[1])[arg[0]];
        case 'Fn::Split':
          return (this.resolve(arg[1]) as string).split(arg[0]);
        default:
          if (k.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${k}`);
      }
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(value[k])]));
  }

  private ref(name: string): string {
    switch (name) {
      case 'AWS::Region':
        return REGION;
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      default:
        return this.physicalName(name);
    }
  }
}

function resourcesOfType(template: CfnTemplate, type: string): string[] {
  return Object.keys(template.Resources).filter((id) => template.Resources[id].Type === type);
}

let loads = 0;
/**
 * Loads a bundled asset as a new module instance: each LocalWorkflow gets its own cold start
 * and its own SDK clients. Module caches (Node's, or a test runner's) key modules by path, so
 * the asset is loaded from a copy with a path of its own, in the same folder.
 */
function loadFresh(file: string): unknown {
  const copy = join(dirname(file), `index.load-${process.pid}-${++loads}.js`);
  copyFileSync(file, copy);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(copy);
}

/** Lambda's view of a thrown error: `Error` is the error's name, `Cause` a JSON document. */
function lambdaError(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
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
    const env: Record<string, string> = { ...sdkEnv, LOG_LEVEL: options.logLevel ?? 'OFF' };
    const assetFiles = new Map<string, string>();
    for (const id of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const resource = template.Resources[id];
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (!assetPath) continue;
      const vars = resolver.resolve(resource.Properties.Environment?.Variables ?? {}) as Record<string, string>;
      for (const [k, v] of Object.entries(vars)) {
        if (k in env && env[k] !== v && !(k in sdkEnv)) throw new Error(`functions disagree on ${k}`);
        env[k] = v;
      }
      assetFiles.set(id, require.resolve(join(assemblyDir, assetPath, resource.Properties.Handler.split('.')[0])));
    }
    Object.assign(process.env, env);
    // Load each asset now, with the environment in place: a fresh module (and fresh SDK
    // clients, built with this run's endpoints) per LocalWorkflow, like a cold start.
    const functions = new Map<string, TaskHandler>();
    for (const [id, file] of assetFiles) functions.set(id, (loadFresh(file) as { handler: TaskHandler }).handler);

    const handlers: Record<string, TaskHandler> = {};
    // Retries run at once, except waiting for another attempt's email claim: a short real pause.
    const retryStates: Record<string, number[]> = {};
    for (const [stateName, state] of Object.entries<any>(definition.States)) {
      if (state.Type !== 'Task') continue;
      if (state.Retry) {
        retryStates[stateName] = state.Retry.map((r: { ErrorEquals: string[] }) => (r.ErrorEquals.includes('EmailSendInProgress') ? 100 : 0));
      }
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
      handlers[stateName] = async (input) => {
        const fault = options.lambdaFaults?.(stateName);
        const serviceFault = (name: string, when: string) => Object.assign(new Error(`injected Lambda service fault ${when}: ${name}`), { name });
        if (fault && !fault.startsWith('after:')) throw serviceFault(fault, 'before the handler ran');
        let out: unknown;
        try {
          // Lambda hands the handler a JSON copy and returns a JSON copy.
          out = await fn(JSON.parse(JSON.stringify(input ?? null)), { awsRequestId: randomUUID() });
        } catch (err) {
          throw lambdaError(err);
        }
        if (fault) throw serviceFault(fault.slice('after:'.length), 'after the handler ran');
        return JSON.parse(JSON.stringify(out ?? null));
      };
    }

    // The case table is the one the state machine's Record Failure task writes to.
    const tables = Object.fromEntries(tableIds.map((id) => [id, resolver.physicalName(id)]));
    const caseTable = Object.values<any>(definition.States).find((st) => st.Resource === DYNAMODB_UPDATE_ITEM)?.Parameters?.TableName;
    if (!caseTable) throw new Error('cannot tell the case table from the definition');
    return new LocalWorkflow(definition, handlers, retryStates, directClient, caseTable, tables, resolver.physicalName(smId));
  }

  private counter = 0;
  /** Validating a definition takes ~0.2 s, so one StateMachine serves every execution. */
  private readonly machine: InstanceType<typeof StateMachine>;

  private constructor(
    /** The resolved Amazon States Language definition. */
    public readonly definition: Json,
    private readonly handlers: Record<string, TaskHandler>,
    private readonly retryStates: Record<string, number[]>,
    private readonly dynamodb: DynamoDBClient,
    /** Physical name of the case table. */
    public readonly tableName: string,
    /** Physical names of every table in the template, by logical id. */
    public readonly tables: Record<string, string>,
    private readonly stateMachineName: string,
  ) {
    this.machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  }

  /** Writes an item into one of the template's tables (seeding a roster, say). */
  async putItem(tableName: string, item: Record<string, any>): Promise<void> {
    await this.dynamodb.send(new PutItemCommand({ TableName: tableName, Item: item }));
  }

  /** Runs one execution to its end; never throws for a failed execution. */
  async run(input: Json, name = `exec-${++this.counter}`): Promise<ExecutionOutcome> {
    const started = Date.now();
    const executionId = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${this.stateMachineName}:${name}`;
    const execution = this.machine.run(input, {
      overrides: { taskResourceLocalHandlers: this.handlers, retryIntervalOverrides: this.retryStates },
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
    let retries = 0;
    const events = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered') statesEntered.push(event.state!.name);
        if (event.type === 'StateRetried') retries++;
      }
    })();
    try {
      const output = await execution.result;
      await events;
      return { name, status: 'SUCCEEDED', output, statesEntered, retries, durationMs: Date.now() - started };
    } catch (err) {
      await events.catch(() => undefined);
      const cause = (err as any)?.cause;
      return {
        name,
        status: 'FAILED',
        error: cause?.name ?? (err as Error).name,
        cause: cause?.message ?? (err as Error).message,
        statesEntered,
        retries,
        durationMs: Date.now() - started,
      };
    }
  }

  /** Every item of the case table (or of another table of the template). */
  async records(tableName = this.tableName): Promise<Record<string, any>[]> {
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
