/**
 * In-process measurements on the local servers: warm handler durations (for the cost model)
 * and the orchestration overhead of the local workflow.
 *
 * "Direct" means the three bundled assets loaded in this process and called one after the
 * other for each case (Open Case -> Assign Case -> Send Email), the way the state machine
 * chains them, but with no state machine in between.
 */
import type { LocalRun } from '../local-run';
import { assetFile, Step, STEPS } from './cold-start';
import { median, msSince, pool } from './stats';

type Handler = (event: unknown) => Promise<any>;
export type Handlers = Record<Step, Handler>;

/**
 * Loads the bundled assets in this process. Call it after `startLocalRun()`, which puts the
 * functions' environment (table, roster, sender, SDK endpoints) into `process.env`: the
 * handlers build their SDK clients when loaded. (The local workflow loads its own copies of
 * the assets from the cloud assembly, so these are separate module instances.)
 */
export function loadHandlers(): Handlers {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return Object.fromEntries(STEPS.map((s) => [s, (require(assetFile(s)) as { handler: Handler }).handler])) as Handlers;
}

/** One case through the three handlers; returns each step's duration in ms. */
async function directCase(h: Handlers, caseId: string): Promise<Record<Step, number>> {
  let t = process.hrtime.bigint();
  const opened = await h.openCase({ inputCaseID: caseId });
  const openCase = msSince(t);
  t = process.hrtime.bigint();
  const assigned = await h.assignCase(opened);
  const assignCase = msSince(t);
  t = process.hrtime.bigint();
  const result = await h.sendEmail({ case: assigned, executionId: `arn:aws:states:us-east-1:123456789012:execution:direct:${caseId}` });
  const sendEmail = msSince(t);
  if (!result?.messageId) throw new Error(`direct case ${caseId}: Send Email returned no messageId`);
  return { openCase, assignCase, sendEmail };
}

/**
 * Warm duration of each handler: cases run one at a time (no queueing behind other cases),
 * after `warmup` cases that are not kept. Median per handler, in ms.
 */
export async function measureWarmDurations(h: Handlers, warmup: number, cases: number): Promise<Record<Step, number>> {
  const samples: Record<Step, number[]> = { openCase: [], assignCase: [], sendEmail: [] };
  for (let i = 0; i < warmup + cases; i++) {
    const d = await directCase(h, `warm-${i}`);
    if (i >= warmup) for (const s of STEPS) samples[s].push(d[s]);
  }
  return { openCase: median(samples.openCase), assignCase: median(samples.assignCase), sendEmail: median(samples.sendEmail) };
}

export interface ThroughputResult {
  readonly cases: number;
  readonly concurrency: number;
  /** Cases per second through the local state machine (aws-local-stepfunctions + the handlers). */
  readonly workflowCasesPerSecond: number;
  /** Cases per second calling the handlers directly. */
  readonly directCasesPerSecond: number;
  readonly workflowSeconds: number;
  readonly directSeconds: number;
}

/**
 * `cases` cases each way, `concurrency` at a time, in `rounds` alternating chunks (direct
 * first in even rounds, workflow first in odd ones) so both ways see the same machine noise
 * and the same growing table. Every case must succeed.
 */
export async function measureThroughput(run: LocalRun, h: Handlers, cases: number, concurrency: number, rounds: number): Promise<ThroughputResult> {
  let workflowMs = 0;
  let directMs = 0;
  const chunk = Math.ceil(cases / rounds);
  for (let r = 0; r < rounds; r++) {
    const ids = Array.from({ length: Math.min(chunk, cases - r * chunk) }, (_, i) => `${r}-${i}`);
    if (ids.length === 0) break;
    const workflow = async () => {
      const t = process.hrtime.bigint();
      const outcomes = await run.runMany(ids.map((id) => ({ inputCaseID: `e2e-wf-${id}` })), concurrency);
      workflowMs += msSince(t);
      const failed = outcomes.filter((o) => o.status !== 'SUCCEEDED');
      if (failed.length) throw new Error(`${failed.length} workflow executions failed, e.g. ${failed[0].error}: ${failed[0].cause}`);
    };
    const direct = async () => {
      const t = process.hrtime.bigint();
      await pool(ids, concurrency, (id) => directCase(h, `e2e-direct-${id}`));
      directMs += msSince(t);
    };
    if (r % 2 === 0) {
      await direct();
      await workflow();
    } else {
      await workflow();
      await direct();
    }
  }
  return {
    cases,
    concurrency,
    workflowCasesPerSecond: cases / (workflowMs / 1000),
    directCasesPerSecond: cases / (directMs / 1000),
    workflowSeconds: workflowMs / 1000,
    directSeconds: directMs / 1000,
  };
}
