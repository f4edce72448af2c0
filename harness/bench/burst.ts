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
 */
import type { SynthesizedExample } from '../example-app';
import { startLocalRun } from '../local-run';
import { Step, STEPS } from './cold-start';
import { functionConfigs, standardCostPer1M } from './cost';

/** The happy path: Open Case -> Assign Case -> Send Email. */
const HAPPY_PATH_TRANSITIONS = 3;
const STATE_OF_STEP: Record<Step, string> = { openCase: 'Open Case', assignCase: 'Assign Case', sendEmail: 'Send Email' };

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
}

export async function measureBurst(
  synthesized: SynthesizedExample,
  cases: number,
  sesRate: number,
  timeScale: number,
  warmMs: Record<Step, number>,
): Promise<BurstResult> {
  const run = await startLocalRun({ synthesized, sesRate, timeScale });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  try {
    const ids = Array.from({ length: cases }, (_, i) => `burst-${i + 1}`);
    const started = performance.now();
    const outcomes = await run.runMany(ids.map((inputCaseID) => ({ inputCaseID })), cases);
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
      const state = STATE_OF_STEP[step];
      const invocations = outcomes.reduce((n, o) => n + o.statesEntered.filter((s) => s === state).length + (o.retriesByState[state] ?? 0), 0);
      return [step, invocations / cases];
    })) as Record<Step, number>;
    const transitionsPerCase = transitions / cases;
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
    };
  } finally {
    clearInterval(sampler);
    await run.stop();
  }
}
