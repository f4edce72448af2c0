/**
 * The local runner's test bed: a small hand-written template (a generic binding: the harness does
 * not know this workflow), so that the figures do not depend on the construct's policy. One
 * function (Worker) pauses, calls a URL, draws random numbers or reports its environment;
 * a Wait follows it, and a DynamoDB service integration records a failure.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SynthesizedExample } from '../../../harness/example-app';
import type { LambdaFaultInjector } from '../../../harness/lambda-faults';
import { LocalWorkflow } from '../../../harness/local/workflow';
import { LocalAws, startLocalAws } from '../../../harness/local-aws';

export const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Worker';

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

/** The case table of the test templates. */
export const CASES_TABLE = {
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    TableName: 'cases',
    KeySchema: [{ AttributeName: 'caseId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'caseId', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  },
};

export function example(def: object, dir: string, initBusyMs = 0): SynthesizedExample {
  mkdirSync(join(dir, 'asset.worker'), { recursive: true });
  writeFileSync(join(dir, 'asset.worker', 'index.js'), WORKER_SOURCE);
  return {
    assemblyDir: dir,
    template: {
      Resources: {
        Table: CASES_TABLE,
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
export function definition(extra: { retry?: object[]; waitSeconds?: number; timeoutSeconds?: number } = {}) {
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

export interface MoreOptions {
  readonly jitterSeed?: number;
  readonly initBusyMs?: number;
  readonly accountConcurrency?: number;
}

/** Servers, a folder and a `create` for each test; what a test created is given back after it. */
export interface WorkerWorkflows {
  readonly aws: LocalAws;
  readonly dir: string;
  /** Workflows created by a test: their environment is given back after it (see restoreEnvironment). */
  readonly created: LocalWorkflow[];
  create(
    def: object, timeScale: number, lambdaFaults?: LambdaFaultInjector, realTimeAllowanceMs?: number, more?: MoreOptions,
  ): Promise<LocalWorkflow>;
}

/** Registers the hooks that start and stop each test's servers (call at a test file's top level). */
export function workerWorkflows(): WorkerWorkflows {
  let aws: LocalAws;
  let dir: string;
  beforeEach(async () => {
    aws = await startLocalAws();
    dir = mkdtempSync(join(tmpdir(), 'time-scale-'));
  });
  const created: LocalWorkflow[] = [];
  afterEach(async () => {
    // Newest first: each workflow gives back what was there before it, an older one's values included.
    created.splice(0).reverse().forEach((w) => w.restoreEnvironment());
    await aws.stop();
    rmSync(dir, { recursive: true, force: true });
  });

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
  return {
    get aws() {
      return aws;
    },
    get dir() {
      return dir;
    },
    created,
    create,
  };
}
