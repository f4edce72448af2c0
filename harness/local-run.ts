/**
 * One local environment for the synthesized workflow: the example app synthesized, the local
 * DynamoDB and SES servers started (behind fault proxies when faults are asked for), and the
 * state machine ready to run. Shared by the demo, the end-to-end tests and the benchmarks.
 */
import { rmSync } from 'node:fs';
import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { ExampleAcknowledgement, synthExample, SynthesizedExample } from './example-app';
import { CaseIdExtractor, FaultProxy, PlannedFault, startFaultProxy } from './fault-proxy';
import { LambdaFaultInjector, lambdaFaultInjector } from './lambda-faults';
import { LambdaLogs } from './lambda-logs';
import type { EmailTemplate } from '../src';
import type { BoundsFired } from './local/sandbox';
import { DEFAULT_TIME_SCALE } from './local/time-scale';
import { ExecutionOutcome, LocalWorkflow } from './local/workflow';
import { LocalAws, startLocalAws } from './local-aws';
import { SesSendingLimiter, sesSendingLimiter } from './ses-limits';
import { pool } from './stats';
import { BatchSummary, caseIdOfEmail, summarize, SummaryOptions } from './summary';

export interface LocalRunOptions {
  /** Share of DynamoDB, SES and Lambda requests to fail (0..1). Default 0. */
  readonly faultRate?: number;
  /** The random faults include stalls (requests carried out, never answered). Default false. */
  readonly stalls?: boolean;
  /**
   * Seed of the fault choices (each a hash of the seed and the request's case, operation and
   * occurrence, so a run's faults do not depend on timing) and of the retry jitter. Default 1.
   */
  readonly seed?: number;
  /** How much faster than AWS time the run goes (see LocalWorkflow). Default DEFAULT_TIME_SCALE. */
  readonly timeScale?: number;
  /** Real time added to the scaled bounds on handler work (see LocalWorkflow). */
  readonly realTimeAllowanceMs?: number;
  /** SES's maximum sending rate, emails per second of AWS time. Default: none. */
  readonly sesRate?: number;
  /** SES's daily sending quota. Default: none. */
  readonly sesDailyQuota?: number;
  /** The case of an SES request (default: from the case's message tag). */
  readonly sesCaseIdOf?: CaseIdExtractor;
  /** Deterministic faults: the first matching requests fail. */
  readonly dynamodbPlan?: readonly PlannedFault[];
  readonly sesPlan?: readonly PlannedFault[];
  /** Deterministic Lambda service faults (default: seeded, at faultRate). */
  readonly lambdaFaults?: LambdaFaultInjector;
  readonly workflowType?: sfn.StateMachineType;
  /** Synthesize the example with acknowledgement on (ignored with `synthesized`). */
  readonly acknowledgement?: ExampleAcknowledgement;
  /** The team's email template to synthesize the example with (default: the example's own). */
  readonly emailTemplate?: EmailTemplate;
  readonly logLevel?: string;
  /** Emulate Lambda's logging (log-level filter, metrics from what passes it): see LocalWorkflowOptions. */
  readonly lambdaLogs?: LambdaLogs;
  /** Events a Standard execution's history may hold (see LocalWorkflowOptions). Default AWS's 25,000. */
  readonly historyEventLimit?: number;
  /** Reuse a synthesized example instead of synthesizing again. */
  readonly synthesized?: SynthesizedExample;
}

export interface LocalRun {
  readonly aws: LocalAws;
  readonly workflow: LocalWorkflow;
  readonly synthesized: SynthesizedExample;
  readonly proxies: { readonly dynamodb?: FaultProxy; readonly ses?: FaultProxy };
  /** SES's sending limits, when asked for. */
  readonly sesLimiter?: SesSendingLimiter;
  readonly timeScale: number;
  /** Lambda faults injected so far, per fault (`after:` ones after the handler ran). */
  readonly lambdaInjected: Record<string, number>;
  /**
   * The bounds on real work that fired only because this machine was slower than a scaled bound
   * plus the real-time allowance (a path AWS would not take): the workflow's `boundsFired`, less
   * the request timeouts that the injected stalls (`no-answer`) call for. (A stall that the
   * invocation's deadline ends first fires no request timeout: this may count a few too few.)
   */
  machineOverruns(): BoundsFired;
  /** Runs every input with at most `concurrency` executions at once. */
  runMany(inputs: readonly unknown[], concurrency: number, onDone?: (o: ExecutionOutcome) => void): Promise<ExecutionOutcome[]>;
  summarize(caseIds: readonly string[], outcomes: readonly ExecutionOutcome[], options?: SummaryOptions): Promise<BatchSummary>;
  /** Per case (in the order of `caseIds`), everything that tells the path it took (see CasePath). */
  casePaths(caseIds: readonly string[], outcomes: readonly ExecutionOutcome[]): Promise<CasePath[]>;
  stop(): Promise<void>;
}

/**
 * The path one case took in a run: what two runs of one seed must agree on. Timing is left out
 * (it is the machine's); every decision it led to is in.
 */
export interface CasePath {
  readonly caseId: string;
  readonly status: string;
  readonly error?: string;
  readonly statesEntered: readonly string[];
  readonly retriesByState: Record<string, number>;
  /** Requests per operation at each proxy, and how many the proxy refused. */
  readonly requests: Record<string, Record<string, { requests: number; refused: number }>>;
  readonly record?: { readonly status?: string; readonly emailStatus?: string; readonly employeeId?: string; readonly resends?: string };
  readonly emails: number;
}

/**
 * What GetSendQuota answers when the run sets no SES limits: the emulated SES has no rate limit,
 * so a rate no burst reaches (a throttle injected as a fault then gets a slot microseconds
 * away), and a daily quota of a production account.
 */
const UNLIMITED_RATE = 1_000_000;
const DEFAULT_QUOTA_DAILY = 50000;

export async function startLocalRun(options: LocalRunOptions = {}): Promise<LocalRun> {
  const ownSynth = !options.synthesized;
  const synthesized = options.synthesized ?? synthExample({
    workflowType: options.workflowType, emailTemplate: options.emailTemplate, acknowledgement: options.acknowledgement,
  });
  const aws = await startLocalAws();
  const seed = options.seed ?? 1;
  const rate = options.faultRate ?? 0;
  const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
  const sesLimiter = options.sesRate !== undefined || options.sesDailyQuota !== undefined
    ? sesSendingLimiter({ ratePerSecond: options.sesRate, dailyQuota: options.sesDailyQuota, timeScale })
    : undefined;
  const faulty = rate > 0 || options.dynamodbPlan || options.sesPlan || sesLimiter;
  const dynamodb = faulty
    ? await startFaultProxy({ service: 'dynamodb', target: aws.dynamodbEndpoint, rate, seed, stalls: options.stalls, plan: options.dynamodbPlan })
    : undefined;
  const ses = faulty
    ? await startFaultProxy({
      service: 'ses',
      target: aws.sesEndpoint,
      rate,
      seed,
      stalls: options.stalls,
      plan: options.sesPlan,
      caseIdOf: options.sesCaseIdOf,
      sesLimiter,
      // SES's limits as GetSendQuota tells them, in scaled time (R emails/s of AWS time are R × timeScale per real second).
      sesSendQuota: { maxSendRate: (options.sesRate ?? UNLIMITED_RATE) * timeScale, max24HourSend: options.sesDailyQuota ?? DEFAULT_QUOTA_DAILY },
    })
    : undefined;
  const lambdaInjected: Record<string, number> = {};
  const counted = (injector: LambdaFaultInjector | undefined): LambdaFaultInjector | undefined => injector && ((stateName, invocation) => {
    const fault = injector(stateName, invocation);
    if (fault) lambdaInjected[fault] = (lambdaInjected[fault] ?? 0) + 1;
    return fault;
  });
  const workflow = await LocalWorkflow.create({
    synthesized,
    aws,
    endpoints: { dynamodb: dynamodb?.endpoint, ses: ses?.endpoint },
    logLevel: options.logLevel,
    lambdaLogs: options.lambdaLogs,
    historyEventLimit: options.historyEventLimit,
    lambdaFaults: counted(options.lambdaFaults ?? (rate > 0 ? lambdaFaultInjector(rate, seed) : undefined)),
    timeScale,
    realTimeAllowanceMs: options.realTimeAllowanceMs,
    jitterSeed: seed,
  });

  return {
    aws,
    workflow,
    synthesized,
    proxies: { dynamodb, ses },
    sesLimiter,
    timeScale,
    lambdaInjected,
    machineOverruns: () => {
      const stalls = (dynamodb?.injected['no-answer'] ?? 0) + (ses?.injected['no-answer'] ?? 0);
      const fired = workflow.boundsFired;
      return { ...fired, requestTimeouts: Math.max(0, fired.requestTimeouts - stalls) };
    },
    runMany: (inputs, concurrency, onDone) => pool(inputs.map((input, i) => ({ input, i })), concurrency, async ({ input, i }) => {
      const outcome = await workflow.run(input, `case-${i + 1}`);
      onDone?.(outcome);
      return outcome;
    }),
    summarize: (caseIds, outcomes, summaryOptions) => summarize(caseIds, outcomes, workflow, aws, summaryOptions),
    casePaths: async (caseIds, outcomes) => {
      const records = new Map((await workflow.records()).map((r) => [r.caseId?.S, r]));
      const emails = new Map<string, number>();
      for (const email of await aws.emails()) {
        const id = caseIdOfEmail(email);
        if (id) emails.set(id, (emails.get(id) ?? 0) + 1);
      }
      return caseIds.map((caseId, i) => {
        const r = records.get(caseId);
        return {
          caseId,
          status: outcomes[i].status,
          error: outcomes[i].error,
          statesEntered: outcomes[i].statesEntered,
          retriesByState: outcomes[i].retriesByState,
          requests: { dynamodb: dynamodb?.perCase(caseId) ?? {}, ses: ses?.perCase(caseId) ?? {} },
          record: r && { status: r.status?.S, emailStatus: r.emailStatus?.S, employeeId: r.employeeId?.S, resends: r.emailAmbiguousResends?.N },
          emails: emails.get(caseId) ?? 0,
        };
      });
    },
    stop: async () => {
      await workflow.settle();
      await workflow.close();
      await Promise.all([dynamodb?.stop(), ses?.stop()]);
      await aws.stop();
      workflow.restoreEnvironment();
      // A cloud assembly this run synthesized itself is a temporary folder: remove it.
      if (ownSynth) rmSync(synthesized.assemblyDir, { recursive: true, force: true });
    },
  };
}

/** Runs `body` against a local run started with `options`, and stops the run whatever happens. */
export async function withLocalRun<T>(options: LocalRunOptions, body: (run: LocalRun) => Promise<T>): Promise<T> {
  const run = await startLocalRun(options);
  try {
    return await body(run);
  } finally {
    await run.stop();
  }
}
