/**
 * A burst: many cases started at once against an SES that accepts at most R emails per second
 * (the harness's token bucket, in scaled time), as when an outage opens hundreds of cases.
 *
 *  burstDrainRatio   emails accepted per second of AWS time over the burst (from the start to
 *                    the last accepted email) ÷ R; 1.0 is SES's limit
 *  burstFailed       executions that did not succeed
 *  burstExtraTransitionsPerCase  billed state transitions per case beyond the happy path's 3:
 *                    entered states + retries (each retry is a transition on Standard), minus 3
 *  burstCostPer1M    USD per million cases on Standard (Lambda + Step Functions) at the burst's
 *                    transitions and invocations per case; cost.ts
 *
 * The run is compared with the burst model (burst-model.ts) fed the run's own arrivals (each
 * case's first entry into Send Email, in AWS time): Send Email attempts per case and drain.
 */
import { STATE_NAMES } from '../../src/shared/contract';
import type { SynthesizedExample } from '../example-app';
import { startLocalRun } from '../local-run';
import { modelPacedBurst, ModelResult } from './burst-model';
import { Step, STEP_STATE, STEPS } from './cold-start';
import { functionConfigs, standardCostPer1M } from './cost';

/** The happy path: Open Case -> Assign Case -> Send Email. */
const HAPPY_PATH_TRANSITIONS = 3;

export interface BurstResult {
  readonly cases: number;
  readonly sesRate: number;
  readonly timeScale: number;
  readonly realSeconds: number;
  /** AWS time from the start to the last accepted email. */
  readonly drainAwsSeconds: number;
  readonly emailed: number;
  readonly failed: number;
  readonly failedByError: Record<string, number>;
  readonly sesRefusedForRate: number;
  readonly drainRatio: number;
  readonly extraTransitionsPerCase: number;
  readonly invocationsPerCase: Record<Step, number>;
  readonly costPer1M: number;
  readonly peakRssMb: number;
  /** Send Email invocations per case (1 on the happy path; 2 for a case that waited for a send slot). */
  readonly sendEmailAttemptsPerCase: number;
  /** Cases that entered Wait For Send Slot at least once. */
  readonly casesPaced: number;
  /** Seconds of AWS time from the start to the last case's first entry into Send Email. */
  readonly arrivalAwsSeconds: number;
  /** The model, fed this run's arrivals. */
  readonly model: ModelResult;
}

export async function measureBurst(
  synthesized: SynthesizedExample,
  cases: number,
  sesRate: number,
  timeScale: number,
  warmMs: Record<Step, number>,
  arrivalRate?: number,
): Promise<BurstResult> {
  const run = await startLocalRun({ synthesized, sesRate, timeScale });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  try {
    const ids = Array.from({ length: cases }, (_, i) => `burst-${i + 1}`);
    const started = performance.now();
    const startedEpochMs = Date.now();
    // All at once, or started at `arrivalRate` executions per second of AWS time (as Step
    // Functions' StartExecution quota admits a burst, and as this machine can take it).
    const outcomes = arrivalRate === undefined
      ? await run.runMany(ids.map((inputCaseID) => ({ inputCaseID })), cases)
      : await Promise.all(ids.map(async (inputCaseID, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i / arrivalRate / timeScale) * 1000));
        return run.workflow.run({ inputCaseID }, `case-${i + 1}`);
      }));
    const realSeconds = (performance.now() - started) / 1000;
    const limiter = run.sesLimiter!;
    const last = limiter.lastAcceptedAt();
    const drainAwsSeconds = last === undefined ? 0 : ((last - started) / 1000) * timeScale;
    const summary = await run.summarize(ids, outcomes);
    const emailed = summary.cases - summary.unemailed;
    const failedByError: Record<string, number> = {};
    for (const o of outcomes) if (o.status !== 'SUCCEEDED') failedByError[o.error ?? '?'] = (failedByError[o.error ?? '?'] ?? 0) + 1;
    const transitions = outcomes.reduce((n, o) => n + o.statesEntered.length + o.retries, 0);
    const invocationsPerCase = Object.fromEntries(STEPS.map((step) => {
      const state = STEP_STATE[step];
      const invocations = outcomes.reduce((n, o) => n + o.statesEntered.filter((s) => s === state).length + (o.retriesByState[state] ?? 0), 0);
      return [step, invocations / cases];
    })) as Record<Step, number>;
    const transitionsPerCase = transitions / cases;
    // Each case's first entry into Send Email, in seconds of AWS time from the start: the model's arrivals.
    const arrivals = outcomes.flatMap((o) => {
      const i = o.statesEntered.indexOf(STEP_STATE.sendEmail);
      return i >= 0 && o.stateEnteredAtMs ? [((o.stateEnteredAtMs[i] - startedEpochMs) / 1000) * timeScale] : [];
    });
    const model = modelPacedBurst(arrivals.length, sesRate, { arrivalTimes: arrivals });
    return {
      cases,
      sesRate,
      timeScale,
      realSeconds,
      drainAwsSeconds,
      emailed,
      failed: summary.failed,
      failedByError,
      sesRefusedForRate: limiter.counts.rateRefused,
      drainRatio: drainAwsSeconds > 0 ? limiter.counts.accepted / drainAwsSeconds / sesRate : 0,
      extraTransitionsPerCase: transitionsPerCase - HAPPY_PATH_TRANSITIONS,
      invocationsPerCase,
      costPer1M: standardCostPer1M(functionConfigs(synthesized.template), warmMs, invocationsPerCase, transitionsPerCase),
      peakRssMb: peakRss / 2 ** 20,
      sendEmailAttemptsPerCase: invocationsPerCase.sendEmail,
      casesPaced: outcomes.filter((o) => o.statesEntered.includes(STATE_NAMES.WAIT_FOR_SEND_SLOT)).length,
      arrivalAwsSeconds: arrivals.reduce((m, t) => Math.max(m, t), 0),
      model,
    };
  } finally {
    clearInterval(sampler);
    await run.stop();
  }
}

/**
 * One burst alone, with the model beside it:
 *   ts-node --project tsconfig.dev.json --transpile-only harness/bench/burst.ts [--cases N] [--rate R] [--time-scale F] [--arrival-rate A]
 * (Lambda durations for the cost are nominal here; `npx projen bench` measures them.)
 */
if (require.main === module) {
  void (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parseArgs } = require('node:util') as typeof import('node:util');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthExample } = require('../example-app') as typeof import('../example-app');
    const { values } = parseArgs({ options: { 'cases': { type: 'string' }, 'rate': { type: 'string' }, 'time-scale': { type: 'string' }, 'arrival-rate': { type: 'string' } } });
    const synthesized = synthExample();
    const r = await measureBurst(synthesized, Number(values.cases ?? 2000), Number(values.rate ?? 14), Number(values['time-scale'] ?? 1),
      { openCase: 1, assignCase: 4, sendEmail: 15 }, values['arrival-rate'] === undefined ? undefined : Number(values['arrival-rate']));
    const { model, ...run } = r;
    process.stdout.write(JSON.stringify({ run, model: { ...model, peakPerSecondWithArrivals: undefined } }, null, 1) + '\n');
  })();
}
