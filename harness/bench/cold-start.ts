/**
 * Cold starts: each sample is a FRESH Node process (`child.js`) that loads one handler module
 * and invokes it once against the local DynamoDB and SES servers, then exits.
 *
 * Three variants of each step are measured the same way, interleaved round by round (and in a
 * rotating order within a round) so that they share the machine's noise:
 *  - ours:     the bundled asset `assets/handlers/<step>.lambda/index.js` (esbuild, minified, SDK inside)
 *  - tutorial: `tutorial/<step>.js`, CommonJS requiring `@aws-sdk/client-*` from node_modules
 *  - floor:    `floor/<step>.js`, the least the step must do (see the files)
 *
 * The figure compared is `totalMs`: time from the start of the child process
 * (`performance.timeOrigin`) until its first invocation has completed, read inside the child, so
 * the parent's spawn and exit bookkeeping is left out. The parent's wall time of the whole
 * process (spawn to exit) is kept alongside as a cross-check.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { StepKey, WORKFLOW_STEPS, WorkflowStep } from '../../src/workflow/steps';
import { EXAMPLE_ROSTER } from '../example-app';
import type { LocalRun } from '../local-run';
import { msSince } from './stats';

/** The workflow's steps, in order, by key: the construct's step table (src/workflow/steps.ts). */
export const STEPS: readonly StepKey[] = WORKFLOW_STEPS.map((s) => s.key);
export type Step = StepKey;
export const VARIANTS = ['ours', 'tutorial', 'floor'] as const;
export type Variant = (typeof VARIANTS)[number];

function perStep<T>(pick: (step: WorkflowStep) => T): Record<Step, T> {
  return Object.fromEntries(WORKFLOW_STEPS.map((s) => [s.key, pick(s)])) as Record<Step, T>;
}

/** Each step's state name. */
export const STEP_STATE = perStep((s) => s.stateName);

/** The construct id of each step's function (its logical id contains it). */
export const STEP_FUNCTION_ID = perStep((s) => `${s.id}Function`);

/**
 * File-name stem of each step (handler sources, assets, baselines): its construct id in kebab
 * case, as projen names the generated function class after the handler (open-case -> OpenCaseFunction).
 */
export const STEP_FILE = perStep((s) => s.id.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase());

const ROOT = resolve(__dirname, '..', '..');
const CHILD = join(__dirname, 'child.js');

/** The bundled asset of a step, as `npx projen bundle` writes it. */
export function assetFile(step: Step): string {
  return join(ROOT, 'assets', 'handlers', `${STEP_FILE[step]}.lambda`, 'index.js');
}

function moduleFile(step: Step, variant: Variant): string {
  switch (variant) {
    case 'ours':
      return assetFile(step);
    case 'tutorial':
      return join(__dirname, 'tutorial', `${STEP_FILE[step]}.js`);
    case 'floor':
      return join(__dirname, 'floor', `${STEP_FILE[step]}.js`);
  }
}

/** One cold start, in ms. */
export interface ColdSample {
  /** Process start -> first invocation done (in-child clock): the compared figure. */
  readonly totalMs: number;
  /** Process start -> child.js runs (Node's own start-up). */
  readonly bootMs: number;
  /** require() of the handler module. */
  readonly loadMs: number;
  /** The first invocation. */
  readonly invokeMs: number;
  /** Parent's view: spawn -> process closed. */
  readonly wallMs: number;
}

export type ColdResults = Record<Step, Record<Variant, ColdSample[]>>;

export interface ColdStartContext {
  /** The whole environment of each child (SDK endpoints, fake credentials, function variables). */
  readonly env: Record<string, string>;
  readonly tableName: string;
  /** The parent's own client, to write the record that Send Email expects. */
  readonly dynamodb: DynamoDBClient;
  /** An employee of the roster, for Send Email's input. */
  readonly employee: { readonly id: string; readonly name: string; readonly email: string };
}

/** The function environment variables the handlers read (put in process.env by startLocalRun). */
const FUNCTION_ENV = ['CASE_TABLE_NAME', 'SUPPORT_CASE_CONFIG_DIR', 'SENDER_EMAIL', 'EMAIL_LEASE_SECONDS'];

/**
 * The context of cold starts against a local run's servers and table. Each child gets a clean
 * environment (nothing inherited, such as NODE_OPTIONS, may slow one variant down): the SDK
 * endpoints and fake credentials, the functions' variables, `LOG_LEVEL=OFF`.
 * Call `destroy()` on the returned client when done.
 */
export function coldStartContext(run: LocalRun): ColdStartContext {
  const functionEnv = Object.fromEntries(FUNCTION_ENV.map((k) => {
    const v = process.env[k];
    if (v === undefined) throw new Error(`${k} was not set by the local run`);
    return [k, v];
  }));
  return {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...run.aws.sdkEnv(),
      ...functionEnv,
      // The tutorial's Assign Case reads the same roster from its environment (ours, from its
      // configuration file in SUPPORT_CASE_CONFIG_DIR).
      EMPLOYEE_ROSTER: JSON.stringify(EXAMPLE_ROSTER),
      LOG_LEVEL: 'OFF',
    },
    tableName: run.workflow.tableName,
    dynamodb: new DynamoDBClient({
      endpoint: run.aws.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    employee: EXAMPLE_ROSTER[0],
  };
}

/** Spawns `node child.js <module> <event>` and returns its report. */
function runChild(file: string, event: unknown, env: Record<string, string>): Promise<ColdSample> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CHILD, file, JSON.stringify(event)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = msSince(started);
      const line = stdout.trim().split('\n').pop() ?? '';
      let report: { ok: boolean; bootMs: number; loadMs: number; invokeMs: number; totalMs: number; detail: unknown };
      try {
        report = JSON.parse(line);
      } catch {
        reject(new Error(`cold-start child for ${file} exited ${code} without a report: ${stderr || stdout}`));
        return;
      }
      if (!report.ok || code !== 0) {
        reject(new Error(`cold-start child for ${file} failed: ${JSON.stringify(report.detail)} ${stderr}`));
        return;
      }
      resolvePromise({ totalMs: report.totalMs, bootMs: report.bootMs, loadMs: report.loadMs, invokeMs: report.invokeMs, wallMs });
    });
  });
}

/**
 * The input of one step for a new case. Send Email's needs the case record in the table with
 * its email PENDING (what Assign Case leaves): it is written here, by the parent, for every
 * variant alike, so all three find the same table state.
 */
async function prepareInput(ctx: ColdStartContext, step: Step, caseId: string): Promise<unknown> {
  const openedAt = new Date().toISOString();
  switch (step) {
    case 'openCase':
      return { inputCaseID: caseId };
    case 'assignCase':
      return { caseId, openedAt };
    case 'sendEmail': {
      const e = ctx.employee;
      await ctx.dynamodb.send(new PutItemCommand({
        TableName: ctx.tableName,
        Item: {
          caseId: { S: caseId },
          status: { S: 'ASSIGNED' },
          employeeId: { S: e.id },
          employeeName: { S: e.name },
          employeeEmail: { S: e.email },
          openedAt: { S: openedAt },
          assignedAt: { S: openedAt },
          updatedAt: { S: openedAt },
          emailStatus: { S: 'PENDING' },
        },
      }));
      return {
        case: { caseId, openedAt, assignedAt: openedAt, employee: e },
        executionId: `arn:aws:states:us-east-1:123456789012:execution:bench:${caseId}`,
      };
    }
  }
}

/** A way of building a step's handler: its module file for each step it has. */
export interface Contender {
  readonly name: string;
  file(step: Step): string;
}

/** Our assets, the tutorial-style baseline and the floor. */
export const STANDARD_CONTENDERS: readonly Contender[] = VARIANTS.map((v) => ({ name: v, file: (step: Step) => moduleFile(step, v) }));

/**
 * `runs` rounds; each round measures every (step, contender) once, the contenders of a step in
 * a rotating order. Round 0 is a warm-up (file cache, the servers' first requests) and is not
 * kept. Case ids are unique per sample. Results: step -> contender name -> samples.
 */
export async function measureInterleaved(
  ctx: ColdStartContext,
  runs: number,
  steps: readonly Step[],
  contenders: readonly Contender[],
): Promise<Record<Step, Record<string, ColdSample[]>>> {
  const results = {} as Record<Step, Record<string, ColdSample[]>>;
  for (const step of steps) results[step] = Object.fromEntries(contenders.map((c) => [c.name, [] as ColdSample[]]));
  for (let round = 0; round <= runs; round++) {
    for (const [si, step] of steps.entries()) {
      for (let k = 0; k < contenders.length; k++) {
        const contender = contenders[(round + si + k) % contenders.length];
        const caseId = `cold-${round}-${STEP_FILE[step]}-${contender.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
        const input = await prepareInput(ctx, step, caseId);
        const sample = await runChild(contender.file(step), input, ctx.env);
        if (round > 0) results[step][contender.name].push(sample);
      }
    }
  }
  return results;
}

/** Ours, tutorial and floor for the three steps. */
export async function measureColdStarts(ctx: ColdStartContext, runs: number): Promise<ColdResults> {
  return measureInterleaved(ctx, runs, STEPS, STANDARD_CONTENDERS) as Promise<ColdResults>;
}
