/**
 * Synthesis time of the example app, as a consumer sees it: `cdk synth` (the CLI from
 * node_modules) in a fresh process, with one SupportCaseWorkflow versus an empty stack
 * (`harness/example-app.ts --empty`). Both apps import the library, so the difference is the
 * construct's own work (building the constructs, the state machine definition, the three
 * asset copies) rather than TypeScript or aws-cdk-lib loading.
 *
 * The app runs as `node -r ts-node/register/transpile-only harness/example-app.ts`: the same as
 * `npx ts-node --project tsconfig.dev.json --transpile-only ...` without npx's own start-up.
 * The CLI's version check and telemetry are switched off (no network, less noise).
 * If the CLI cannot run here, the app itself is timed instead (same apps, no CLI around them).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXAMPLE_STACK_NAME } from '../example-app';
import { msSince } from './stats';

const ROOT = resolve(__dirname, '..', '..');
const CDK_CLI = join(ROOT, 'node_modules', '.bin', 'cdk');
const APP = 'harness/example-app.ts';

export type SynthMode = 'cdk-cli' | 'app-only';

interface Exec {
  readonly code: number | null;
  readonly ms: number;
  readonly output: string;
}

function exec(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Exec> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, ms: msSince(started), output }));
  });
}

/** Resource types in the synthesized stack template. */
function resourceTypes(outdir: string): string[] {
  const template = JSON.parse(readFileSync(join(outdir, `${EXAMPLE_STACK_NAME}.template.json`), 'utf8'));
  return Object.values<{ Type: string }>(template.Resources ?? {}).map((r) => r.Type);
}

/** One synthesis in a fresh process; returns its wall time in ms. */
async function synthOnce(mode: SynthMode, empty: boolean): Promise<number> {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TS_NODE_PROJECT: 'tsconfig.dev.json',
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
  const appArgs = ['-r', 'ts-node/register/transpile-only', APP, ...(empty ? ['--empty'] : [])];
  try {
    const r = mode === 'cdk-cli'
      ? await exec(CDK_CLI, ['synth', '--app', [JSON.stringify(process.execPath), ...appArgs].join(' '), '-o', outdir, '--quiet', '--no-notices'], env)
      : await exec(process.execPath, appArgs, { ...env, CDK_OUTDIR: outdir });
    if (r.code !== 0) throw new Error(`synth (${mode}${empty ? ', empty' : ''}) exited ${r.code}: ${r.output.slice(-2000)}`);
    // Guard against timing the wrong thing: the full app has the workflow, the empty one nothing.
    const hasWorkflow = resourceTypes(outdir).includes('AWS::StepFunctions::StateMachine');
    if (hasWorkflow === empty) throw new Error(`synth (${mode}${empty ? ', empty' : ''}) produced the wrong stack`);
    return r.ms;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface SynthResult {
  readonly mode: SynthMode;
  readonly workflowMs: number[];
  readonly emptyMs: number[];
  /** Why the CLI was not used, when it was not. */
  readonly fallbackReason?: string;
}

/** `runs` syntheses of each app, alternating (and alternating which goes first). */
export async function measureSynth(runs: number): Promise<SynthResult> {
  let mode: SynthMode = 'cdk-cli';
  let fallbackReason: string | undefined;
  // A first, untimed synthesis warms the file cache; it also tells whether the CLI works here.
  try {
    await synthOnce(mode, false);
  } catch (err) {
    fallbackReason = (err as Error).message.split('\n')[0];
    mode = 'app-only';
    await synthOnce(mode, false);
  }
  const workflowMs: number[] = [];
  const emptyMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const empty of i % 2 === 0 ? [false, true] : [true, false]) {
      (empty ? emptyMs : workflowMs).push(await synthOnce(mode, empty));
    }
  }
  return { mode, workflowMs, emptyMs, fallbackReason };
}
