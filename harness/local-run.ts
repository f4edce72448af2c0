/**
 * One local environment for the synthesized workflow: the example app synthesized, the local
 * DynamoDB and SES servers started (behind fault proxies when faults are asked for), and the
 * state machine ready to run. Shared by the demo, the end-to-end tests and the benchmarks.
 */
import { rmSync } from 'node:fs';
import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { synthExample, SynthesizedExample } from './example-app';
import { FaultProxy, lambdaFaultInjector, PlannedFault, startFaultProxy } from './fault-proxy';
import { LocalAws, startLocalAws } from './local-aws';
import { ExecutionOutcome, LambdaFaultInjector, LocalWorkflow } from './local-workflow';
import { BatchSummary, summarize } from './summary';

export interface LocalRunOptions {
  /** Share of DynamoDB, SES and Lambda requests to fail (0..1). Default 0. */
  readonly faultRate?: number;
  /** Seed of the fault choices. Default 1. */
  readonly seed?: number;
  /** Deterministic faults: the first matching requests fail. */
  readonly dynamodbPlan?: readonly PlannedFault[];
  readonly sesPlan?: readonly PlannedFault[];
  /** Deterministic Lambda service faults (default: seeded, at faultRate). */
  readonly lambdaFaults?: LambdaFaultInjector;
  readonly workflowType?: sfn.StateMachineType;
  readonly logLevel?: string;
  /** Reuse a synthesized example instead of synthesizing again. */
  readonly synthesized?: SynthesizedExample;
}

export interface LocalRun {
  readonly aws: LocalAws;
  readonly workflow: LocalWorkflow;
  readonly synthesized: SynthesizedExample;
  readonly proxies: { readonly dynamodb?: FaultProxy; readonly ses?: FaultProxy };
  /** Runs every input with at most `concurrency` executions at once. */
  runMany(inputs: readonly unknown[], concurrency: number, onDone?: (o: ExecutionOutcome) => void): Promise<ExecutionOutcome[]>;
  summarize(caseIds: readonly string[], outcomes: readonly ExecutionOutcome[]): Promise<BatchSummary>;
  stop(): Promise<void>;
}

export async function startLocalRun(options: LocalRunOptions = {}): Promise<LocalRun> {
  const ownSynth = !options.synthesized;
  const synthesized = options.synthesized ?? synthExample({ workflowType: options.workflowType });
  const aws = await startLocalAws();
  const seed = options.seed ?? 1;
  const rate = options.faultRate ?? 0;
  const faulty = rate > 0 || options.dynamodbPlan || options.sesPlan;
  const dynamodb = faulty
    ? await startFaultProxy({ service: 'dynamodb', target: aws.dynamodbEndpoint, rate, seed, plan: options.dynamodbPlan })
    : undefined;
  const ses = faulty
    ? await startFaultProxy({ service: 'ses', target: aws.sesEndpoint, rate, seed: seed + 1, plan: options.sesPlan })
    : undefined;
  const workflow = await LocalWorkflow.create({
    synthesized,
    aws,
    endpoints: { dynamodb: dynamodb?.endpoint, ses: ses?.endpoint },
    logLevel: options.logLevel,
    lambdaFaults: options.lambdaFaults ?? (rate > 0 ? lambdaFaultInjector(rate, seed + 2) : undefined),
  });

  return {
    aws,
    workflow,
    synthesized,
    proxies: { dynamodb, ses },
    runMany: async (inputs, concurrency, onDone) => {
      const outcomes: ExecutionOutcome[] = new Array(inputs.length);
      let next = 0;
      const worker = async () => {
        while (next < inputs.length) {
          const i = next++;
          outcomes[i] = await workflow.run(inputs[i], `case-${i + 1}`);
          onDone?.(outcomes[i]);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, inputs.length)) }, worker));
      return outcomes;
    },
    summarize: (caseIds, outcomes) => summarize(caseIds, outcomes, workflow, aws),
    stop: async () => {
      await Promise.all([dynamodb?.stop(), ses?.stop()]);
      await aws.stop();
      // A cloud assembly this run synthesized itself is a temporary folder: remove it.
      if (ownSynth) rmSync(synthesized.assemblyDir, { recursive: true, force: true });
    },
  };
}
