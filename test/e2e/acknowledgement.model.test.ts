/**
 * Model-based test of acknowledge-or-escalate: random scenarios, each one case through the
 * synthesized workflow with acknowledgement on (3 rounds, a 60 s wait: 3 s real), on the local
 * servers behind the fault proxies, in scaled time. In each round the emailed employee does one of:
 * nothing; opens the link and presses Acknowledge at a random time of the wait (racing the
 * time-out when late); presses twice; presses in two tabs at once; posts a forged id; and, once
 * escalated, posts the previous round's link again. DynamoDB, SES and Lambda faults are drawn as in
 * the email model (model-faults.ts), aimed at the case (the page's requests included); one
 * scenario in four starts a second execution of the case (a client's retried StartExecution).
 *
 * What must hold for every case:
 *  - exactly one outcome: the record is ACKNOWLEDGED or UNACKNOWLEDGED, never both, and the
 *    execution agrees (SUCCEEDED with the record's acknowledgedBy and acknowledgedAt, or FAILED
 *    with CaseUnacknowledged; every execution of the case alike) — or the execution failed for an
 *    injected fault (or was the second of its case);
 *  - acknowledged only by the round's assignee, with a link of that round's email: never by a
 *    forged id or an escalated round's link, and at most one press is told "acknowledged";
 *  - per round, emails <= 1 + that round's counted resends; at most maxRounds rounds; an
 *    UNACKNOWLEDGED case had all its rounds.
 *
 * A failure prints the seed and the scenario's index: `ACK_MODEL_SEED=<seed> ACK_MODEL_ONLY=<index>
 * npx jest test/e2e/acknowledgement.model.test.ts` replays it alone. `ACK_MODEL_RUNS` changes how
 * many scenarios run (default 80).
 */
import { randomBytes } from 'node:crypto';
import * as fc from 'fast-check';
import { ESCALATE_AFTER_SECONDS, MAX_ROUNDS, startAcknowledgementRun } from './acknowledgement-helpers';
import { captureTakeovers, dynamodbFault, injectRequestFaults, LambdaFault, lambdaFaultOf, RequestFault, sesFault } from './model-faults';
import { acknowledgeLinks, openPage, Page, pageText, PageForm, submitForm } from '../../harness/acknowledge-client';
import { EXAMPLE_ROSTER } from '../../harness/example-app';
import type { LambdaInvocation } from '../../harness/lambda-faults';
import type { ExecutionOutcome } from '../../harness/local/workflow';
import type { StoredEmail } from '../../harness/local-aws';
import { caseIdOfEmail, roundsOf } from '../../harness/summary';
import { LINK_PARAMS } from '../../src/shared/acknowledgement';
import { CaseErrorName, CaseStatus, STATE_NAMES } from '../../src/shared/contract';

type Behaviour = 'none' | 'press' | 'double' | 'tabs' | 'late' | 'forged';
interface RoundAction {
  readonly behaviour: Behaviour;
  /** When, as a share of the round's wait after the email arrived. */
  readonly at: number;
  /** Once this round's email arrives, the previous round's link is posted again. */
  readonly stale: boolean;
}
interface Scenario {
  readonly requests: readonly RequestFault[];
  readonly lambda: readonly LambdaFault[];
  readonly rounds: readonly RoundAction[];
  /** A second execution of the case (a client's retried StartExecution) starts this many real ms after the first. */
  readonly second: number | null;
}
/** What the page answered one press. */
interface Press {
  readonly round: number;
  readonly recipient: string;
  readonly link: 'own' | 'stale' | 'forged';
  readonly verdict: 'acknowledged' | 'already' | 'refused' | 'error';
}

const roundAction: fc.Arbitrary<RoundAction> = fc.record({
  behaviour: fc.constantFrom<Behaviour>('none', 'none', 'press', 'press', 'double', 'tabs', 'late', 'forged'),
  // Uniform over the wait (fast-check's doubles favour extremes such as 1e-25).
  at: fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
  stale: fc.boolean(),
});
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  requests: fc.array(fc.oneof(dynamodbFault, sesFault), { maxLength: 3 }),
  lambda: fc.array(lambdaFaultOf(['Send Email', STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT, STATE_NAMES.ESCALATE_CASE, 'Assign Case']), { maxLength: 2 }),
  rounds: fc.array(roundAction, { minLength: MAX_ROUNDS, maxLength: MAX_ROUNDS }),
  // One scenario in four runs the case twice.
  second: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 4000 }), weight: 1 }),
});

const SEED = Number(process.env.ACK_MODEL_SEED ?? Date.now() % 1_000_000);
const ONLY = process.env.ACK_MODEL_ONLY === undefined ? undefined : Number(process.env.ACK_MODEL_ONLY);
const RUNS = Number(process.env.ACK_MODEL_RUNS ?? 80);
const CONCURRENCY = 20;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function verdictOf(page: Page | undefined): Press['verdict'] {
  if (!page || page.status === 429 || page.status >= 500) return 'error';
  if (page.status === 404) return 'refused';
  return /already acknowledged/i.test(pageText(page.html)) ? 'already' : 'acknowledged';
}

/** Presses (POSTs) a form, pressing again (a few times) when the answer is an error, as a person would. */
async function press(form: PageForm): Promise<Press['verdict']> {
  let verdict: Press['verdict'] = 'error';
  for (let attempt = 1; attempt <= 3 && verdict === 'error'; attempt++) {
    verdict = verdictOf(await submitForm(form).catch(() => undefined));
    if (verdict === 'error') await pause(100 * attempt);
  }
  return verdict;
}

/** The form a link's page would hold (what a browser replays): its case and id, posted to the page. */
function formOfLink(link: string, id?: string): PageForm {
  const url = new URL(link);
  return {
    method: 'post',
    action: `${url.origin}/`,
    fields: { [LINK_PARAMS.CASE_ID]: url.searchParams.get(LINK_PARAMS.CASE_ID) ?? '', [LINK_PARAMS.LINK_ID]: id ?? url.searchParams.get(LINK_PARAMS.LINK_ID) ?? '' },
  };
}

/** One round's employee, acting on the round's email as the scenario says. */
async function act(action: RoundAction, link: string, round: number, recipient: string, presses: Press[]): Promise<void> {
  const waitMs = (ESCALATE_AFTER_SECONDS * 1000) / 20;
  const record = (linkKind: Press['link'], verdict: Press['verdict']) => presses.push({ round, recipient, link: linkKind, verdict });
  if (action.behaviour === 'none') return;
  // Late: from the end of the wait to past the time-out (the wait's real bound is the scaled wait plus the allowance).
  await pause((action.behaviour === 'late' ? 1 + 0.7 * action.at : action.at) * waitMs);
  if (action.behaviour === 'forged') {
    record('forged', await press(formOfLink(link, randomBytes(16).toString('base64url'))));
    return;
  }
  const tabs = action.behaviour === 'tabs' ? 2 : 1;
  const pages = await Promise.all(Array.from({ length: tabs }, () => openPage(link).catch(() => undefined)));
  const forms = pages.map((p) => p?.forms.find((f) => f.method === 'post')).filter((f): f is PageForm => !!f);
  if (forms.length === 0) {
    record('own', verdictOf(pages[0]));
    return;
  }
  if (action.behaviour === 'tabs') {
    for (const verdict of await Promise.all(forms.map((f) => press(f)))) record('own', verdict);
    return;
  }
  record('own', await press(forms[0]));
  if (action.behaviour === 'double') record('own', await press(forms[0]));
}

test(`acknowledgement, ${RUNS} random scenarios (seed ${SEED}): one outcome per case, acknowledged only by the round's assignee with its link, per round emails <= 1 + its counted resends`, async () => {
  const scenarios = fc.sample(scenarioArb, { seed: SEED, numRuns: RUNS });
  const chosen = ONLY === undefined ? scenarios.map((s, i) => [i, s] as const) : [[ONLY, scenarios[ONLY]] as const];
  const caseOf = (i: number) => `ack-m-${i}`;
  const lambdaPlan = new Map<string, string>();
  const capture = captureTakeovers();
  const run = await startAcknowledgementRun({
    dynamodbPlan: [],
    sesPlan: [],
    seed: SEED,
    logLevel: 'WARN',
    lambdaFaults: (state: string, invocation: LambdaInvocation) => lambdaPlan.get(`${invocation.execution}|${state}|${invocation.attempt}`),
  });
  try {
    const byCase = new Map(chosen.map(([i, s]) => [caseOf(i), s]));
    for (const [i, s] of chosen) {
      injectRequestFaults(run, caseOf(i), s.requests);
      // the same faults for both executions of the case (each counts its own attempts)
      for (const l of s.lambda) for (const e of ['a', 'b']) lambdaPlan.set(`${caseOf(i)}-${e}|${l.state}|${l.attempt}`, l.fault);
    }
    // One reader of the inbox for every case: each round's first email starts its employee.
    const presses = new Map<string, Press[]>();
    const recipients = new Map<string, string[]>();
    const links = new Map<string, string[]>();
    const acting: Promise<void>[] = [];
    const seen = new Set<string>();
    let reading = true;
    const onEmail = (email: StoredEmail) => {
      const caseId = caseIdOfEmail(email);
      const scenario = caseId === undefined ? undefined : byCase.get(caseId);
      if (!caseId || !scenario) return;
      const to = email.destination.to[0];
      const rounds = recipients.get(caseId) ?? [];
      if (rounds.includes(to)) return; // a counted resend of the round: the same person's second copy
      rounds.push(to);
      recipients.set(caseId, rounds);
      const [link] = acknowledgeLinks(email, run.workflow.functionUrl!);
      links.set(caseId, [...(links.get(caseId) ?? []), link]);
      const list = presses.get(caseId) ?? [];
      presses.set(caseId, list);
      const round = rounds.length;
      const action = scenario.rounds[round - 1];
      if (!action || !link) return;
      acting.push(act(action, link, round, to, list));
      const previous = links.get(caseId)![round - 2];
      if (action.stale && previous) {
        acting.push(press(formOfLink(previous)).then((verdict) => { list.push({ round: round - 1, recipient: rounds[round - 2], link: 'stale', verdict }); }));
      }
    };
    const reader = (async () => {
      while (reading) {
        for (const email of await run.aws.emails()) {
          if (!seen.has(email.messageId)) {
            seen.add(email.messageId);
            onEmail(email);
          }
        }
        await pause(100);
      }
    })();
    const outcomes = new Map<string, ExecutionOutcome[]>();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < chosen.length) {
        const [i, s] = chosen[next++];
        const input = { inputCaseID: caseOf(i) };
        const first = run.workflow.run(input, `${caseOf(i)}-a`);
        const second = s.second === null ? undefined
          : pause(s.second).then(() => run.workflow.run(input, `${caseOf(i)}-b`));
        outcomes.set(caseOf(i), await Promise.all([first, ...(second ? [second] : [])]));
      }
    }));
    reading = false;
    await reader;
    await Promise.all(acting);

    const emails = await run.aws.emails();
    const records = new Map((await run.workflow.records()).map((r) => [r.caseId.S as string, r]));
    const emailOf = (id: string) => EXAMPLE_ROSTER.find((e) => e.id === id)?.email;
    const failures: string[] = [];
    const tally = { acknowledged: 0, unacknowledged: 0, faultFailed: 0, raced: 0, doubles: 0, twice: 0 };
    for (const [i, s] of chosen) {
      const caseId = caseOf(i);
      const execs = outcomes.get(caseId)!;
      const r = records.get(caseId);
      const ps = presses.get(caseId) ?? [];
      const problems: string[] = [];
      const status = r?.status?.S;
      if (r?.acknowledgedAt && r?.unacknowledgedAt) problems.push('both acknowledged and unacknowledged');
      // Every execution of the case tells the record's one outcome.
      for (const o of execs) {
        if (o.status === 'SUCCEEDED') {
          if (status !== CaseStatus.ACKNOWLEDGED) problems.push(`${o.name} succeeded, but the record is ${status}`);
          if (o.output?.acknowledgedBy !== r?.acknowledgedBy?.S || o.output?.acknowledgedAt !== r?.acknowledgedAt?.S) {
            problems.push(`${o.name}: output ${o.output?.acknowledgedBy}@${o.output?.acknowledgedAt}, record ${r?.acknowledgedBy?.S}@${r?.acknowledgedAt?.S}`);
          }
        } else if (o.error === CaseErrorName.CASE_UNACKNOWLEDGED) {
          if (status !== CaseStatus.UNACKNOWLEDGED) problems.push(`${o.name}: CaseUnacknowledged, but the record is ${status}`);
        } else if (s.lambda.length + s.requests.length === 0 && execs.length === 1) {
          problems.push(`${o.name} failed (${o.error}) with no fault injected`);
        } else {
          tally.faultFailed++;
        }
      }
      if (execs.length > 1) tally.twice++;
      const rounds = r ? roundsOf(r, emailOf) : [];
      if (rounds.length > MAX_ROUNDS) problems.push(`${rounds.length} rounds`);
      if (status === CaseStatus.UNACKNOWLEDGED && rounds.length !== MAX_ROUNDS) problems.push(`UNACKNOWLEDGED after ${rounds.length} rounds`);
      const ours = emails.filter((e) => caseIdOfEmail(e) === caseId);
      for (const [k, round] of rounds.entries()) {
        const sent = ours.filter((e) => round.email !== undefined && e.destination.to.includes(round.email)).length;
        if (sent > 1 + round.resends) problems.push(`round ${k + 1}: ${sent} emails, ${round.resends} counted resends`);
      }
      const told = ps.filter((p) => p.verdict === 'acknowledged');
      if (told.length > 1) problems.push(`${told.length} presses told "acknowledged"`);
      if (ps.some((p) => p.link !== 'own' && p.verdict === 'acknowledged')) problems.push('a forged or stale link acknowledged');
      if (told.length === 1 && r?.acknowledgedBy?.S !== EXAMPLE_ROSTER.find((e) => e.email === told[0].recipient)?.id) {
        problems.push(`${told[0].recipient} was told "acknowledged", the record says ${r?.acknowledgedBy?.S}`);
      }
      if (status === CaseStatus.ACKNOWLEDGED) {
        tally.acknowledged++;
        const by = r!.acknowledgedBy?.S;
        if (by !== r!.employeeId?.S) problems.push(`acknowledged by ${by}, the round's assignee is ${r!.employeeId?.S}`);
        if (!ps.some((p) => p.link === 'own' && p.recipient === emailOf(by!))) problems.push(`acknowledged by ${by}, who pressed no link of theirs`);
      }
      if (status === CaseStatus.UNACKNOWLEDGED) tally.unacknowledged++;
      if (ps.some((p) => p.verdict === 'refused' && p.link === 'own')) tally.raced++;
      if (ps.filter((p) => p.link === 'own' && p.verdict === 'already').length > 0) tally.doubles++;
      if (problems.length > 0) {
        failures.push(`scenario ${i} (replay: ACK_MODEL_SEED=${SEED} ACK_MODEL_ONLY=${i}): ${problems.join('; ')}\n`
          + `  scenario: ${JSON.stringify(s)}\n  executions: ${JSON.stringify(execs.map((o) => [o.name, o.status, o.error, o.statesEntered]))}\n`
          + `  presses: ${JSON.stringify(ps)}\n  record: ${JSON.stringify(r)}`);
      }
    }
    // eslint-disable-next-line no-console
    console.log(`acknowledgement model (seed ${SEED}): ${chosen.length} scenarios, ${tally.acknowledged} acknowledged, ${tally.unacknowledged} unacknowledged, `
      + `${tally.twice} run twice, ${tally.faultFailed} executions failed by injected faults, ${tally.raced} with an own press refused (lost the race or escalated), ${tally.doubles} told "already acknowledged", `
      + `${failures.length} broke the model`);
    expect(failures).toEqual([]);
    if (ONLY === undefined) expect(tally.acknowledged).toBeGreaterThan(0);
  } finally {
    capture.stop();
    await run.stop();
  }
}, 900_000);
