/**
 * Test bed of the callback Task, the SNS publish integration and the function URL: a hand-written
 * template (the harness does not know this workflow). `Waiter` is invoked with `.waitForTaskToken`
 * and, as its event says, reports the token to a URL, answers its own task (SendTaskSuccess
 * through the local Step Functions endpoint) or throws; `Page` is behind a function URL and echoes
 * its event (or answers what the event's query asks for).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CASES_TABLE } from './worker-workflow';
import type { SynthesizedExample } from '../../../harness/example-app';
import { LocalWorkflow, LocalWorkflowOptions } from '../../../harness/local/workflow';
import { LocalAws, startLocalAws } from '../../../harness/local-aws';

export const WAITER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Waiter';

const WAITER_SOURCE = `exports.handler = async (event) => {
  if (event.mode === 'throw') throw Object.assign(new Error('already'), { name: 'CaseAcknowledged' });
  if (event.mode === 'self') {
    const res = await fetch(process.env.AWS_ENDPOINT_URL_SFN, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.SendTaskSuccess' },
      body: JSON.stringify({ taskToken: event.taskToken, output: JSON.stringify({ by: 'self' }) }),
    });
    if (!res.ok) throw new Error('SendTaskSuccess answered ' + res.status);
  }
  if (event.url) await fetch(event.url, { method: 'POST', body: JSON.stringify(event) });
  return { ignored: true };
};
`;

const PAGE_SOURCE = `exports.handler = async (event) => {
  const q = event.queryStringParameters ?? {};
  if (q.throw) throw new Error('page failed');
  if (q.sleep) await new Promise((r) => setTimeout(r, Number(q.sleep)));
  if (q.bare) return q.bare === 'string' ? 'Hello, world!' : { message: 'hi' };
  return {
    statusCode: 201,
    headers: { 'Content-Type': 'application/json', 'X-Custom': 'yes' },
    cookies: ['a=1; Max-Age=60', 'b=2'],
    body: JSON.stringify({ event, pageUrl: process.env.PAGE_URL }),
  };
};
`;

/** Wait (a callback Task) -> Done; its time-out, CaseAcknowledged and Nope are caught; Notify publishes. */
export function callbackDefinition(options: { timeoutSeconds?: number; executionTimeoutSeconds?: number; topic?: string } = {}) {
  return {
    StartAt: 'Wait',
    ...(options.executionTimeoutSeconds ? { TimeoutSeconds: options.executionTimeoutSeconds } : {}),
    States: {
      Wait: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: WAITER_ARN, Payload: { 'mode.$': '$.mode', 'url.$': '$.url', 'taskToken.$': '$$.Task.Token' } },
        ...(options.timeoutSeconds ? { TimeoutSeconds: options.timeoutSeconds } : {}),
        ResultPath: '$.callback',
        Catch: [{ ErrorEquals: ['States.Timeout', 'CaseAcknowledged', 'Nope'], ResultPath: '$.caught', Next: 'Notify' }],
        Next: 'Done',
      },
      Notify: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: { TopicArn: options.topic ?? 'arn:aws:sns:us-east-1:123456789012:Topic', Message: { 'error.$': '$.caught.Error' } },
        ResultPath: '$.published',
        Next: 'Done',
      },
      Done: { Type: 'Pass', End: true },
    },
  };
}

function fn(asset: string, env: Record<string, unknown> = {}, more: Record<string, unknown> = {}) {
  return {
    Type: 'AWS::Lambda::Function',
    Metadata: { 'aws:asset:path': asset },
    Properties: { Handler: 'index.handler', Timeout: 3, Environment: { Variables: env }, ...more },
  };
}

export function callbackExample(def: object, dir: string, reservedConcurrency = 2): SynthesizedExample {
  for (const [asset, source] of [['asset.waiter', WAITER_SOURCE], ['asset.page', PAGE_SOURCE]]) {
    mkdirSync(join(dir, asset), { recursive: true });
    writeFileSync(join(dir, asset, 'index.js'), source);
  }
  return {
    assemblyDir: dir,
    template: {
      Resources: {
        Table: CASES_TABLE,
        Topic: { Type: 'AWS::SNS::Topic' },
        Waiter: fn('asset.waiter', { PAGE_URL: { 'Fn::GetAtt': ['PageUrl', 'FunctionUrl'] } }),
        Page: fn('asset.page', { PAGE_URL: { 'Fn::GetAtt': ['PageUrl', 'FunctionUrl'] } }, { ReservedConcurrentExecutions: reservedConcurrency }),
        PageUrl: { Type: 'AWS::Lambda::Url', Properties: { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': ['Page', 'Arn'] } } },
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: JSON.stringify(def) } },
      },
    },
  };
}

/** Servers and a folder per test; `create` builds a workflow of the test bed. */
export function callbackWorkflows(): {
  readonly aws: LocalAws;
  create(def: object, options?: Partial<LocalWorkflowOptions> & { reservedConcurrency?: number }): Promise<LocalWorkflow>;
} {
  let aws: LocalAws;
  let dir: string;
  const created: LocalWorkflow[] = [];
  beforeEach(async () => {
    aws = await startLocalAws();
    dir = mkdtempSync(join(tmpdir(), 'callback-'));
  });
  afterEach(async () => {
    for (const w of created.splice(0).reverse()) {
      await w.settle();
      await w.close();
      w.restoreEnvironment();
    }
    await aws.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get aws() {
      return aws;
    },
    create: async (def, options = {}) => {
      const workflow = await LocalWorkflow.create({
        synthesized: callbackExample(def, dir, options.reservedConcurrency),
        aws,
        timeScale: 20,
        realTimeAllowanceMs: 0,
        ...options,
      });
      created.push(workflow);
      return workflow;
    },
  };
}
