/**
 * Model-based test of the email protocol: random sequences of per-request faults —
 * lost SES answers, SES throttles, 5xx and rejections, DynamoDB 5xx, throttles, resets and lost
 * write answers, requests carried out but never answered (the handler's request timeout ends
 * them), answers cut mid-body (a request carried out, or refused, whose answer breaks off), Lambda
 * faults before or after a handler ran (lost answer of a succeeded or failed invocation, killed function) and
 * a second execution of the same case starting at any point — run through the synthesized
 * workflow and the bundled handlers against the local servers, in scaled (not zeroed) time.
 *
 * The model is what must hold for every case, whatever happened:
 *  - emails sent <= 1 + emailAmbiguousResends (every possible resend is counted);
 *  - resends are counted only where an outcome was unknown: at most the possible emails (SendEmail
 *    requests SES did not surely refuse) minus one, plus the claims taken over after their
 *    attempt died;
 *  - the record tells the truth: PENDING means no email, SENT means EMAILED with the message id of
 *    an email that was sent, an EMAILED record carries no failureError;
 *  - a succeeded execution returns the recorded message id.
 *
 * Paced sending (docs/design/burst-pacing.md) runs under the same faults: SES at a small sending
 * rate makes real backlogs (throttled cases take send slots and wait in Wait For Send Slot; new
 * cases find the backlog at the gate), and faults are aimed at the send-slot counter's own
 * requests too (shared by every case). The run must make some cases wait, or it did not test
 * that path.
 *
 * Scenarios come from fast-check arbitraries drawn with one seed; they run many at a time (one
 * case each, faults aimed at their case). A failure prints the seed and the scenario's index:
 * `MODEL_SEED=<seed> MODEL_ONLY=<index> npx jest test/e2e/email-protocol.model.test.ts` replays it
 * alone. `MODEL_RUNS` changes how many scenarios run (default 500 Standard + 100 Express).
 */
import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { captureTakeovers, dynamodbFault, injectRequestFaults, LambdaFault, lambdaFaultOf, RequestFault, sesFault } from './model-faults';
import { synthExample } from '../../harness/example-app';
import type { PlannedFault } from '../../harness/fault-proxy';
import type { LambdaInvocation } from '../../harness/lambda-faults';
import type { ExecutionOutcome } from '../../harness/local/workflow';
import { startLocalRun } from '../../harness/local-run';
import { caseIdOfEmail } from '../../harness/summary';
import { SEND_SLOT_COUNTER_KEY } from '../../src/shared/send-pacing';

interface Scenario {
  readonly requests: readonly RequestFault[];
  readonly lambda: readonly LambdaFault[];
  /** A second execution of the case starts this many (real) milliseconds after the first. */
  readonly second: number | null;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  requests: fc.array(fc.oneof(dynamodbFault, sesFault, sesFault), { maxLength: 5 }),
  lambda: fc.array(lambdaFaultOf(['Open Case', 'Assign Case', 'Send Email', 'Send Email']), { maxLength: 3 }),
  second: fc.option(fc.integer({ min: 0, max: 2500 }), { freq: 3 }),
});

/** Faults on the send-slot counter's requests (the gate's GetItem, the reservations' UpdateItem). */
const counterFault = fc.record({
  operation: fc.constantFrom('GetItem', 'UpdateItem'),
  skip: fc.nat(30),
  kind: fc.constantFrom('server-error', 'throttle', 'reset', 'lost-answer', 'no-answer'),
  count: fc.integer({ min: 1, max: 3 }),
});
/** SES's sending rate in the model runs (emails per second of AWS time): small, so that backlogs form. */
const SES_RATE = 4;

const SEED = Number(process.env.MODEL_SEED ?? Date.now() % 1_000_000);
const ONLY = process.env.MODEL_ONLY === undefined ? undefined : Number(process.env.MODEL_ONLY);
const RUNS = Number(process.env.MODEL_RUNS ?? 500);
const CONCURRENCY = 25;

async function runModel(workflowType: sfn.StateMachineType, runs: number, seed: number): Promise<void> {
  const scenarios = fc.sample(scenarioArb, { seed, numRuns: runs });
  const chosen = ONLY === undefined ? scenarios.map((s, i) => [i, s] as const) : [[ONLY, scenarios[ONLY]] as const];
  const tag = workflowType === sfn.StateMachineType.EXPRESS ? 'x' : 's';
  const caseOf = (i: number) => `m${tag}-${i}`;
  const lambdaPlan = new Map<string, string>();
  const capture = captureTakeovers();
  const run = await startLocalRun({
    synthesized: synthExample({ workflowType }),
    dynamodbPlan: [],
    sesPlan: [],
    sesRate: SES_RATE,
    seed,
    logLevel: 'WARN',
    lambdaFaults: (state: string, invocation: LambdaInvocation) => lambdaPlan.get(`${invocation.execution}|${state}|${invocation.attempt}`),
  });
  try {
    for (const [i, s] of chosen) {
      injectRequestFaults(run, caseOf(i), s.requests);
      // the same faults for both executions of the case (each counts its own attempts)
      for (const l of s.lambda) for (const e of ['a', 'b']) lambdaPlan.set(`${caseOf(i)}-${e}|${l.state}|${l.attempt}`, l.fault);
    }
    // The counter is every case's: its faults hit whichever cases reach it (one per ten scenarios).
    for (const f of fc.sample(counterFault, { seed: seed + 7, numRuns: Math.ceil(chosen.length / 10) })) {
      const at = { operation: f.operation, caseId: SEND_SLOT_COUNTER_KEY };
      if (f.skip > 0) run.proxies.dynamodb!.inject({ ...at, kind: 'pass', count: f.skip } as PlannedFault);
      run.proxies.dynamodb!.inject({ ...at, kind: f.kind, count: f.count } as PlannedFault);
    }
    const outcomes = new Map<number, ExecutionOutcome[]>();
    let next = 0;
    const worker = async () => {
      while (next < chosen.length) {
        const [i, s] = chosen[next++];
        const input = { inputCaseID: caseOf(i) };
        const first = run.workflow.run(input, `${caseOf(i)}-a`);
        const second = s.second === null ? undefined
          : new Promise<ExecutionOutcome>((resolve) => setTimeout(() => resolve(run.workflow.run(input, `${caseOf(i)}-b`)), s.second!));
        outcomes.set(i, await Promise.all([first, ...(second ? [second] : [])]));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const emails = new Map<string, { messageId: string }[]>();
    for (const e of await run.aws.emails()) {
      const id = caseIdOfEmail(e);
      if (id) emails.set(id, [...(emails.get(id) ?? []), e]);
    }
    const records = new Map((await run.workflow.records()).map((r) => [r.caseId.S as string, r]));
    const failures: string[] = [];
    let resent = 0;
    for (const [i, s] of chosen) {
      const caseId = caseOf(i);
      const sent = emails.get(caseId) ?? [];
      const record = records.get(caseId);
      const counted = Number(record?.emailAmbiguousResends?.N ?? 0);
      const execs = outcomes.get(i)!;
      const problems: string[] = [];
      if (sent.length > 1 + counted) problems.push(`${sent.length} emails but ${counted} counted resends`);
      // Possible emails: SendEmail requests SES did not surely refuse (sent, or no definite answer:
      // whether injected or a request timeout of a loaded machine); or, as the handler saw them,
      // the emails sent and the sends given up with no answer (possibly before SES had all of the
      // request: SES never saw it, the handler cannot know). Only a takeover of a claim whose attempt died before sending can
      // count one more (the README's one over-count).
      const ses = run.proxies.ses!.perCase(caseId).SendEmail ?? { requests: 0, refused: 0 };
      const possible = Math.max(ses.requests - ses.refused, sent.length + (capture.unknownSends.get(caseId) ?? 0));
      // A claim counts its possible resend when it is taken; one whose execution ended before it
      // sent or was released (the record stays SENDING) may have counted an email never sent.
      const unended = record?.emailStatus?.S === 'SENDING' && record?.emailClaimedFrom?.S === 'UNCERTAIN' ? 1 : 0;
      const allowed = Math.max(0, possible - 1) + (capture.takeovers.get(caseId) ?? 0) + unended;
      if (counted > allowed) problems.push(`${counted} counted resends, but ${possible} possible emails and ${capture.takeovers.get(caseId) ?? 0} takeovers`);
      if (record) {
        const status = record.status?.S;
        const emailStatus = record.emailStatus?.S;
        if (emailStatus === 'PENDING' && sent.length > 0) problems.push(`emailStatus PENDING after ${sent.length} email(s)`);
        if (emailStatus === 'SENT' && status !== 'EMAILED') problems.push(`emailStatus SENT but status ${status}`);
        if (status === 'EMAILED' && record.failureError) problems.push(`EMAILED with failureError ${record.failureError.S}`);
        if (emailStatus === 'SENT' && !sent.some((e) => e.messageId === record.messageId?.S)) problems.push('the recorded message id was never sent');
      } else if (sent.length > 0) {
        problems.push('emails without a record');
      }
      for (const o of execs) {
        if (o.status === 'SUCCEEDED' && o.output?.messageId !== record?.messageId?.S) {
          problems.push(`${o.name} succeeded with message id ${o.output?.messageId}, the record says ${record?.messageId?.S}`);
        }
      }
      if (counted > 0) resent++;
      if (problems.length > 0) {
        failures.push(`scenario ${i} (replay: MODEL_SEED=${seed} MODEL_ONLY=${i}, ${workflowType}): ${problems.join('; ')}\n`
          + `  scenario: ${JSON.stringify(s)}\n  executions: ${JSON.stringify(execs.map((o) => [o.name, o.status, o.error, o.statesEntered.length, o.retries]))}\n`
          + `  record: ${JSON.stringify(record)}\n  emails: ${sent.length}`);
      }
    }
    const succeeded = [...outcomes.values()].filter((list) => list.some((o) => o.status === 'SUCCEEDED')).length;
    const waited = [...outcomes.values()].filter((list) => list.some((o) => o.statesEntered.includes('Wait For Send Slot'))).length;
    const counter = (await run.workflow.items()).find((item) => item.caseId?.S === SEND_SLOT_COUNTER_KEY);
    // eslint-disable-next-line no-console
    console.log(`model (${workflowType}, seed ${seed}): ${chosen.length} scenarios, ${succeeded} with a succeeded execution, ${resent} with counted resends, `
      + `${waited} waited for a send slot, ${failures.length} broke the model`);
    expect(failures).toEqual([]);
    // the paced path was exercised (Standard's 500 scenarios throttle enough): cases waited for slots, and the counter exists
    if (ONLY === undefined && workflowType === sfn.StateMachineType.STANDARD) {
      expect(waited).toBeGreaterThan(0);
      expect(counter?.nextSlotAt?.N).toBeDefined();
    }
  } finally {
    capture.stop();
    await run.stop();
  }
}

test(`Standard, ${RUNS} random fault sequences (seed ${SEED}): emails sent <= 1 + counted resends, resends counted only where unknown, the record true`, () => runModel(sfn.StateMachineType.STANDARD, RUNS, SEED), 900_000);

test(`Express, ${Math.ceil(RUNS / 5)} random fault sequences (seed ${SEED + 1}): emails sent <= 1 + counted resends, resends counted only where unknown, the record true`,
  () => runModel(sfn.StateMachineType.EXPRESS, Math.ceil(RUNS / 5), SEED + 1), 900_000);
