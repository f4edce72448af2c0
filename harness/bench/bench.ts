/**
 * `npx projen bench`: how the construct's handlers and workflow compare with the tutorial they
 * come from, on this machine with local DynamoDB, SES and Step Functions. Needs the bundled
 * assets (`npx projen bundle`). Prints readable tables, writes bench-results/latest.json and
 * ends with ONE line: a JSON object of the headline figures.
 *
 *   --quick           few runs and cases (a smoke test, ~1 minute); figures are rough
 *   --cold-runs N     cold starts per handler and variant (default 21; quick 3)
 *   --cases N         cases through the workflow and directly (default 1000; quick 60)
 *   --concurrency N   cases at once in the throughput runs (default 10)
 *   --synth-runs N    `cdk synth` runs of each app (default 5; quick 1)
 *   --burst-cases N   cases started at once in the burst (default 2000; quick 200)
 *   --burst-rate R    SES's sending rate in the burst, emails/s of AWS time (default 14)
 *   --burst-time-scale F  time scale of the burst (default 0.5, i.e. AWS time at half speed:
 *                    the arrivals of a burst of thousands of executions load this machine for
 *                    tens of seconds, and the model comparison needs Lambda-like latencies)
 *   --burst-arrival-rate A  executions started per second of AWS time in the burst (default 30:
 *                    StartExecution admits a burst at its quota's rate, and this machine takes
 *                    about 15 new executions per real second beside the paced sends)
 *
 * The figures (see each module for how it is measured):
 *  initVsTutorial    worst over the 3 steps of median cold start (ours) / median cold start
 *                    (tutorial-style handler, tutorial/*.js); cold start = ms from the start of a
 *                    fresh Node process to the end of its first invocation; cold-start.ts
 *  initOverFloor     worst over the 3 steps of median cold start (ours) / (floor); cold-start.ts.
 *                    Floor (floor/*.js): Open Case an empty handler; Assign Case the DynamoDB client
 *                    from node_modules + one PutItem; Send Email the SES and DynamoDB clients + one
 *                    SendEmail + one UpdateItem (the least each step must do)
 *  bundleBytes       sizes of the bundled assets
 *  transitionsPerCase states entered by one happy-path local execution
 *  e2eRatio          cases/s through the local state machine / cases/s calling the handlers
 *                    directly; throughput.ts
 *  synthRatio        median `cdk synth` time with one SupportCaseWorkflow / with an empty stack; synth.ts
 *  costPer1M         USD per million cases, Standard and Express; cost.ts, prices.json
 *  burstDrainRatio, burstFailed: a burst of cases started at once against SES's sending rate,
 *                    in scaled time; burst.ts
 *  burstExtraTransitionsPerCase  { model10000, harness }: billed transitions per case beyond 3,
 *                    from the burst model at 10,000 cases and from the harness's burst
 *  burstPeakCallsPerSecond  per service, the model at 10,000 cases once every case has arrived
 *  burstCostPer1M    { model10000, harness }: USD per million cases (Standard + Lambda) at a burst's
 *                    invocations and transitions per case
 *  burstModelAgreement  harness ÷ model (fed the harness's arrivals): Send Email attempts per case, drain
 * Targets are printed beside the figures for information only; the exit code does not depend on them.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalRun } from '../local-run';
import { measureBurst } from './burst';
import { modelPacedBurst } from './burst-model';
import { assetFile, ColdResults, ColdSample, coldStartContext, measureColdStarts, Step, STEP_STATE, STEPS, Variant, VARIANTS } from './cold-start';
import { costModel, functionConfigs, standardCostPer1M } from './cost';
import { formatTable, median, msSince, removeTempAssembly, round } from './stats';
import { measureSynth } from './synth';
import { loadHandlers, measureThroughput, measureWarmDurations } from './throughput';

const ROOT = resolve(__dirname, '..', '..');
const RESULTS_FILE = join(ROOT, 'bench-results', 'latest.json');

/** Targets, reported only. */
const TARGETS = {
  initVsTutorial: { max: 0.8 },
  initOverFloor: { max: 1.3 },
  transitionsPerCase: { equals: 3 },
  e2eRatio: { min: 0.3 },
  synthRatio: { max: 2 },
} as const;

interface Settings {
  readonly quick: boolean;
  readonly coldRuns: number;
  readonly cases: number;
  readonly concurrency: number;
  readonly synthRuns: number;
  readonly warmup: number;
  readonly warmCases: number;
  readonly throughputRounds: number;
  readonly burstCases: number;
  readonly burstRate: number;
  readonly burstTimeScale: number;
  readonly burstArrivalRate: number;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      'quick': { type: 'boolean', default: false },
      'cold-runs': { type: 'string' },
      'cases': { type: 'string' },
      'concurrency': { type: 'string' },
      'synth-runs': { type: 'string' },
      'burst-cases': { type: 'string' },
      'burst-rate': { type: 'string' },
      'burst-time-scale': { type: 'string' },
      'burst-arrival-rate': { type: 'string' },
    },
  });
  const quick = values.quick!;
  const int = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
    return n;
  };
  const positive = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${value}`);
    return n;
  };
  return {
    quick,
    coldRuns: int('cold-runs', values['cold-runs'], quick ? 3 : 21),
    cases: int('cases', values.cases, quick ? 60 : 1000),
    concurrency: int('concurrency', values.concurrency, 10),
    synthRuns: int('synth-runs', values['synth-runs'], quick ? 1 : 5),
    warmup: quick ? 5 : 20,
    warmCases: quick ? 20 : 100,
    throughputRounds: quick ? 2 : 4,
    burstCases: int('burst-cases', values['burst-cases'], quick ? 200 : 2000),
    burstRate: int('burst-rate', values['burst-rate'], 14),
    burstTimeScale: positive('burst-time-scale', values['burst-time-scale'], 0.5),
    burstArrivalRate: positive('burst-arrival-rate', values['burst-arrival-rate'], 30),
  };
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

/** "0.72 <= 0.8 ok" / "1.10 <= 0.8 MISSED" */
function verdict(value: number, target: { max?: number; min?: number; equals?: number }): string {
  if (target.max !== undefined) return `<= ${target.max} ${value <= target.max ? 'ok' : 'MISSED'}`;
  if (target.min !== undefined) return `>= ${target.min} ${value >= target.min ? 'ok' : 'MISSED'}`;
  return `== ${target.equals} ${value === target.equals ? 'ok' : 'MISSED'}`;
}

function med(samples: readonly ColdSample[], pick: (s: ColdSample) => number): number {
  return median(samples.map(pick));
}

/** Per step: median cold start of ours / median cold start of `baseline` (the headline ratio). */
function coldRatios(cold: ColdResults, baseline: Variant): Record<Step, number> {
  const ratio = (s: Step) => med(cold[s].ours, (x) => x.totalMs) / med(cold[s][baseline], (x) => x.totalMs);
  return Object.fromEntries(STEPS.map((s) => [s, ratio(s)])) as Record<Step, number>;
}

/**
 * Cross-check of `coldRatios`, less sensitive to slow drifts of the machine's load: the median
 * over rounds of ours / baseline measured in the same round (they run back to back).
 */
function pairedRatios(cold: ColdResults, baseline: Variant): Record<Step, number> {
  const ratio = (s: Step) => median(cold[s].ours.map((x, i) => x.totalMs / cold[s][baseline][i].totalMs));
  return Object.fromEntries(STEPS.map((s) => [s, ratio(s)])) as Record<Step, number>;
}

async function main(): Promise<void> {
  const cfg = settings();
  const started = process.hrtime.bigint();
  log(`Benchmark${cfg.quick ? ' (--quick: rough figures)' : ''}: Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}`);

  // Bundle sizes (and a clear message when the assets are missing).
  const bundleBytes = Object.fromEntries(STEPS.map((s) => {
    try {
      return [s, statSync(assetFile(s)).size];
    } catch {
      throw new Error(`${assetFile(s)} is missing: run "npx projen bundle" first`);
    }
  })) as Record<Step, number>;

  log('Synthesizing the example app (Standard) and starting local DynamoDB and SES...');
  const run = await startLocalRun();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await run.stop();
    removeTempAssembly(run.synthesized.assemblyDir);
  };
  try {
    // --- State transitions of one happy-path case -------------------------------------------
    const first = await run.workflow.run({ inputCaseID: '001' });
    if (first.status !== 'SUCCEEDED') throw new Error(`the happy-path execution failed: ${first.error}: ${first.cause}`);
    const transitionsPerCase = first.statesEntered.length;
    log(`Happy path entered ${transitionsPerCase} states: ${first.statesEntered.join(' -> ')}`);

    // --- Cold starts ---------------------------------------------------------------------------
    const coldCtx = coldStartContext(run);
    const total = (cfg.coldRuns + 1) * STEPS.length * VARIANTS.length;
    log(`Cold starts: ${cfg.coldRuns} runs x 3 steps x 3 variants (+1 warm-up round), one fresh Node process each (${total} processes)...`);
    let t = process.hrtime.bigint();
    const cold = await measureColdStarts(coldCtx, cfg.coldRuns);
    coldCtx.dynamodb.destroy();
    log(`  done in ${(msSince(t) / 1000).toFixed(1)} s`);

    // --- Warm durations and throughput -------------------------------------------------------
    const handlers = loadHandlers();
    log(`Warm handler durations: ${cfg.warmCases} cases one at a time (after ${cfg.warmup} warm-up cases)...`);
    const warmMs = await measureWarmDurations(handlers, cfg.warmup, cfg.warmCases);
    log(`Throughput: ${cfg.cases} cases through the local workflow and ${cfg.cases} directly, ${cfg.concurrency} at a time, in ${cfg.throughputRounds} alternating rounds...`);
    t = process.hrtime.bigint();
    // A few executions first, so the state machine's first-run costs are not timed.
    await run.runMany(Array.from({ length: cfg.concurrency }, (_, i) => ({ inputCaseID: `e2e-warm-${i}` })), cfg.concurrency);
    const throughput = await measureThroughput(run, handlers, cfg.cases, cfg.concurrency, cfg.throughputRounds);
    log(`  done in ${(msSince(t) / 1000).toFixed(1)} s`);

    // --- A burst against SES's sending rate ------------------------------------------------------
    log(`Burst: ${cfg.burstCases} cases started at ${cfg.burstArrivalRate}/s, SES at ${cfg.burstRate} emails/s, time scale ${cfg.burstTimeScale}...`);
    t = process.hrtime.bigint();
    const burst = await measureBurst(run.synthesized, cfg.burstCases, cfg.burstRate, cfg.burstTimeScale, warmMs, cfg.burstArrivalRate);
    log(`  done in ${(msSince(t) / 1000).toFixed(1)} s: emailed ${burst.emailed}, failed ${burst.failed} ${JSON.stringify(burst.failedByError)}, `
      + `drained in ${burst.drainAwsSeconds.toFixed(0)} s of AWS time, peak RSS ${burst.peakRssMb.toFixed(0)} MB`);
    log(`  Send Email attempts per case ${burst.sendEmailAttemptsPerCase.toFixed(2)} (model, fed the run's arrivals: ${burst.model.attemptsPerCase.toFixed(2)}), `
      + `drain ${burst.drainRatio.toFixed(3)} (model ${burst.model.drainRatio.toFixed(3)}), extra transitions ${burst.extraTransitionsPerCase.toFixed(2)} `
      + `(model ${burst.model.extraTransitionsPerCase.toFixed(2)}), SES refusals ${burst.sesRefusedForRate}`);
    await stop();

    // --- Synthesis -----------------------------------------------------------------------------
    log(`Synthesis: ${cfg.synthRuns} runs each of cdk synth with and without the workflow (+1 warm-up)...`);
    t = process.hrtime.bigint();
    const synth = await measureSynth(cfg.synthRuns);
    log(`  done in ${(msSince(t) / 1000).toFixed(1)} s${synth.fallbackReason ? ` (CDK CLI unusable, timed the app alone: ${synth.fallbackReason})` : ''}`);

    // --- Figures -------------------------------------------------------------------------------
    const vsTutorial = coldRatios(cold, 'tutorial');
    const overFloor = coldRatios(cold, 'floor');
    const pairedVsTutorial = pairedRatios(cold, 'tutorial');
    const pairedOverFloor = pairedRatios(cold, 'floor');
    const initVsTutorial = Math.max(...STEPS.map((s) => vsTutorial[s]));
    const initOverFloor = Math.max(...STEPS.map((s) => overFloor[s]));
    const e2eRatio = throughput.workflowCasesPerSecond / throughput.directCasesPerSecond;
    const synthRatio = median(synth.workflowMs) / median(synth.emptyMs);
    const functions = functionConfigs(run.synthesized.template);
    const cost = costModel(functions, warmMs, transitionsPerCase);
    const model10k = modelPacedBurst(10000, cfg.burstRate);
    const model10kInvocations = { openCase: 1, assignCase: 1, sendEmail: model10k.attemptsPerCase };
    const model10kCost = standardCostPer1M(functions, warmMs, model10kInvocations, 3 + model10k.extraTransitionsPerCase);

    // --- Tables --------------------------------------------------------------------------------
    log('\nCold start: median ms from process start to the end of the first invocation (in-child clock)');
    log(formatTable([
      ['step', 'ours', 'tutorial', 'floor', 'ours/tutorial', '(paired)', 'ours/floor', '(paired)', 'bundle bytes'],
      ...STEPS.map((s) => [
        STEP_STATE[s],
        med(cold[s].ours, (x) => x.totalMs).toFixed(1),
        med(cold[s].tutorial, (x) => x.totalMs).toFixed(1),
        med(cold[s].floor, (x) => x.totalMs).toFixed(1),
        vsTutorial[s].toFixed(3),
        pairedVsTutorial[s].toFixed(3),
        overFloor[s].toFixed(3),
        pairedOverFloor[s].toFixed(3),
        bundleBytes[s],
      ]),
    ]));
    log('  ratios: of the medians (headline); (paired): median of the per-round ratios, a cross-check.');
    log('  Open Case calls no AWS service: ours and the baselines differ by ~1 ms of module loading, so its ratios are');
    log('  Node start-up noise around 1.0.');
    log('\nCold start breakdown: medians in ms (boot = Node start-up, load = require, invoke = first call; wall = parent\'s spawn-to-exit)');
    log(formatTable([
      ['step / variant', 'boot', 'load', 'invoke', 'load+invoke', 'total', 'wall', 'runs'],
      ...STEPS.flatMap((s) => VARIANTS.map((v) => {
        const xs = cold[s][v];
        return [
          `${STEP_STATE[s]} / ${v}`,
          med(xs, (x) => x.bootMs).toFixed(1),
          med(xs, (x) => x.loadMs).toFixed(1),
          med(xs, (x) => x.invokeMs).toFixed(1),
          med(xs, (x) => x.loadMs + x.invokeMs).toFixed(1),
          med(xs, (x) => x.totalMs).toFixed(1),
          med(xs, (x) => x.wallMs).toFixed(1),
          xs.length,
        ];
      })),
    ]));
    log(`\nThroughput (${throughput.cases} cases each, ${throughput.concurrency} at a time)`);
    log(formatTable([
      ['path', 'cases/s', 'seconds'],
      ['local workflow (aws-local-stepfunctions)', throughput.workflowCasesPerSecond.toFixed(1), throughput.workflowSeconds.toFixed(1)],
      ['handlers called directly', throughput.directCasesPerSecond.toFixed(1), throughput.directSeconds.toFixed(1)],
    ]));
    log(`\nSynthesis (${synth.mode}, ${synth.workflowMs.length} runs each): median ms`);
    log(formatTable([
      ['app', 'median ms', 'runs ms'],
      ['one SupportCaseWorkflow', median(synth.workflowMs).toFixed(0), synth.workflowMs.map((x) => x.toFixed(0)).join(' ')],
      ['empty stack', median(synth.emptyMs).toFixed(0), synth.emptyMs.map((x) => x.toFixed(0)).join(' ')],
    ]));
    log(`\nCost per million cases, USD (prices.json, recorded ${cost.pricesRecorded}, as published: check before relying)`);
    log(formatTable([
      ['item', 'USD / 1M cases', 'basis'],
      ['Lambda (3 functions)', cost.lambda.toFixed(2),
        STEPS.map((s) => `${STEP_STATE[s]} ${functions[s].memoryMb} MB ${functions[s].architecture} ${cost.billedMs[s]} ms`).join('; ')],
      ['Step Functions Standard', cost.standardTransitions.toFixed(2), `${transitionsPerCase} state transitions`],
      ['Step Functions Express', cost.expressRequestsAndDuration.toFixed(2), `1 request + 64 MB x ${cost.expressBilledMs} ms`],
      ['= Standard total', cost.standard.toFixed(2), 'Lambda + Standard'],
      ['= Express total', cost.express.toFixed(2), 'Lambda + Express'],
      ['(not included) DynamoDB', cost.services.dynamodb.toFixed(2), '3 write request units'],
      ['(not included) SES', cost.services.ses.toFixed(2), '1 email'],
    ]));
    log('  warm handler durations (ms, median): ' + STEPS.map((s) => `${STEP_STATE[s]} ${warmMs[s].toFixed(2)}`).join(', '));

    const headline = {
      initVsTutorial: round(initVsTutorial),
      initOverFloor: round(initOverFloor),
      bundleBytes,
      transitionsPerCase,
      e2eRatio: round(e2eRatio),
      synthRatio: round(synthRatio),
      costPer1M: { standard: round(cost.standard, 2), express: round(cost.express, 2) },
      burstDrainRatio: round(burst.drainRatio),
      burstFailed: burst.failed,
      burstExtraTransitionsPerCase: { model10000: round(model10k.extraTransitionsPerCase), harness: round(burst.extraTransitionsPerCase) },
      burstPeakCallsPerSecond: model10k.peakPerSecond,
      burstCostPer1M: { model10000: round(model10kCost, 2), harness: round(burst.costPer1M, 2) },
      burstModelAgreement: {
        attemptsPerCase: round(burst.sendEmailAttemptsPerCase / burst.model.attemptsPerCase),
        drainRatio: round(burst.drainRatio / burst.model.drainRatio),
      },
    };
    log('\nTargets (reported, not enforced)');
    log(formatTable([
      ['figure', 'value', 'target'],
      ['initVsTutorial', headline.initVsTutorial, verdict(initVsTutorial, TARGETS.initVsTutorial)],
      ['initOverFloor', headline.initOverFloor, verdict(initOverFloor, TARGETS.initOverFloor)],
      ['transitionsPerCase', transitionsPerCase, verdict(transitionsPerCase, TARGETS.transitionsPerCase)],
      ['e2eRatio', headline.e2eRatio, verdict(e2eRatio, TARGETS.e2eRatio)],
      ['synthRatio', headline.synthRatio, verdict(synthRatio, TARGETS.synthRatio)],
    ]));
    log(`\nTotal time ${(msSince(started) / 1000).toFixed(0)} s, load average now ${loadavg()[0].toFixed(2)}; details in ${RESULTS_FILE}`);

    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(RESULTS_FILE, JSON.stringify({
      headline,
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      settings: cfg,
      statesEntered: first.statesEntered,
      cold: {
        measure: 'ms from process start (performance.timeOrigin) to the end of the first invocation, in the child; medians',
        // The headline takes the worst of the three steps; Open Case has no SDK, so also the worst of the other two.
        vsTutorialSdkSteps: round(Math.max(vsTutorial.assignCase, vsTutorial.sendEmail)),
        overFloorSdkSteps: round(Math.max(overFloor.assignCase, overFloor.sendEmail)),
        perStep: Object.fromEntries(STEPS.map((s) => [s, {
          vsTutorial: round(vsTutorial[s]),
          vsTutorialPaired: round(pairedVsTutorial[s]),
          overFloor: round(overFloor[s]),
          overFloorPaired: round(pairedOverFloor[s]),
          ...Object.fromEntries(VARIANTS.map((v) => [v, {
            totalMs: round(med(cold[s][v], (x) => x.totalMs), 2),
            bootMs: round(med(cold[s][v], (x) => x.bootMs), 2),
            loadMs: round(med(cold[s][v], (x) => x.loadMs), 2),
            invokeMs: round(med(cold[s][v], (x) => x.invokeMs), 2),
            wallMs: round(med(cold[s][v], (x) => x.wallMs), 2),
          }])),
        }])),
        samples: cold,
      },
      throughput,
      burst,
      warmMs,
      synth,
      functions,
      cost,
      targets: TARGETS,
    }, null, 2) + '\n');

    // The last line: the headline figures, one JSON object.
    log(JSON.stringify(headline));
  } finally {
    await stop();
  }
}

main().then(
  // Handles the servers may leave open are not ours to wait for.
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
