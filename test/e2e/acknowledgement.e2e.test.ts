/**
 * Acknowledge or escalate, end to end on the local servers (synthesized workflow, bundled
 * handlers, the acknowledge page behind its local function URL, scaled time): an acknowledgement
 * in round 1; a case nobody acknowledges, emailed to three employees in rank order and ended
 * UNACKNOWLEDGED with an SNS message of ids only; an acknowledgement in round 2 after one
 * escalation; and, with acknowledgement off, none of it in the template.
 */
import { employeeByEmail, linkOf, MAX_ROUNDS, nthEmail, recordOf, startAcknowledgementRun, waiting } from './acknowledgement-helpers';
import { openPage, pageText, submitForm } from '../../harness/acknowledge-client';
import { synthExample, EXAMPLE_ROSTER } from '../../harness/example-app';
import type { LocalRun } from '../../harness/local-run';
import { resourcesOfType } from '../../harness/template-resolver';
import { rankEmployees } from '../../src/handlers/case-assignment.lambda-shared';
import { CaseErrorName, CaseStatus, STATE_NAMES } from '../../src/shared/contract';

let run: LocalRun;
beforeAll(async () => {
  run = await startAcknowledgementRun();
}, 120_000);
afterAll(async () => {
  await run?.stop();
});

test('acknowledged in round 1: the GET changes nothing, the POST ends the execution with acknowledgedBy and acknowledgedAt, the record says ACKNOWLEDGED', async () => {
  const execution = run.workflow.run({ inputCaseID: 'ack-1', details: { title: 'Printer on fire' } }, 'ack-1');
  const email = await nthEmail(run, 'ack-1', 1);
  const before = await waiting(run, 'ack-1');
  const page = await openPage(linkOf(run, email));
  expect(page.status).toBe(200);
  expect(pageText(page.html)).toContain('Printer on fire');
  expect(await recordOf(run, 'ack-1')).toEqual(before);
  const answer = await submitForm(page.forms[0]);
  expect(answer.status).toBe(200);
  const outcome = await execution;
  expect(outcome.status).toBe('SUCCEEDED');
  const wait = outcome.statesEntered.indexOf(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT);
  expect(outcome.statesEntered[wait + 1]).toBe(STATE_NAMES.CASE_ACKNOWLEDGED);
  expect(outcome.statesEntered).not.toContain(STATE_NAMES.ESCALATE_CASE);
  const employee = employeeByEmail(email.destination.to[0])!;
  expect(outcome.output).toMatchObject({ caseId: 'ack-1', employee: { id: employee.id }, acknowledgedBy: employee.id, acknowledgedAt: expect.any(String) });
  expect(Number.isNaN(Date.parse(outcome.output.acknowledgedAt))).toBe(false);
  const record = await recordOf(run, 'ack-1');
  expect(record).toMatchObject({
    status: { S: CaseStatus.ACKNOWLEDGED }, acknowledgedBy: { S: employee.id }, acknowledgedAt: { S: outcome.output.acknowledgedAt },
  });
  expect(record?.ackTaskToken).toBeUndefined();
  expect(run.workflow.taskTokens.calls.filter((c) => c.action === 'SendTaskSuccess')).toEqual([expect.objectContaining({ answer: 'ok' })]);
}, 60_000);

test(`nobody acknowledges: ${MAX_ROUNDS} employees emailed in rank order, then UNACKNOWLEDGED (CaseUnacknowledged), an SNS message with ids only`, async () => {
  const outcome = await run.workflow.run({ inputCaseID: 'ack-none' }, 'ack-none');
  expect(outcome).toMatchObject({ status: 'FAILED', error: CaseErrorName.CASE_UNACKNOWLEDGED });
  const expected = rankEmployees(EXAMPLE_ROSTER, 'ack-none').slice(0, MAX_ROUNDS);
  const emails = await Promise.all([1, 2, 3].map((n) => nthEmail(run, 'ack-none', n)));
  expect(emails.map((e) => e.destination.to[0])).toEqual(expected.map((e) => e.email));
  // From round 2, the email says who had it before.
  expect(emails[1].body.text).toContain(`Escalated from ${expected[0].name}`);
  expect(emails[2].body.text).toContain(`Escalated from ${expected[1].name}`);
  const record = await recordOf(run, 'ack-none');
  expect(record).toMatchObject({ status: { S: CaseStatus.UNACKNOWLEDGED }, unacknowledgedAt: { S: expect.any(String) } });
  expect(record?.escalations?.L).toHaveLength(MAX_ROUNDS - 1);
  expect(record?.acknowledgedAt).toBeUndefined();
  const published = run.workflow.published.filter((m) => m.execution === 'ack-none');
  expect(published).toHaveLength(1);
  const message = JSON.parse(published[0].message);
  expect(message.caseId).toBe('ack-none');
  // Ids only: nothing about the customer or the employees.
  expect(Object.keys(message).every((k) => ['outcome', 'caseId', 'round', 'rounds'].includes(k))).toBe(true);
}, 90_000);

test('acknowledged in round 2: the escalated email says from whom; the round-1 link no longer works; the second employee acknowledges', async () => {
  const execution = run.workflow.run({ inputCaseID: 'ack-2' }, 'ack-2');
  const first = await nthEmail(run, 'ack-2', 1);
  const second = await nthEmail(run, 'ack-2', 2);
  const previous = employeeByEmail(first.destination.to[0])!;
  expect(second.body.text).toContain(`Escalated from ${previous.name}`);
  await waiting(run, 'ack-2');
  // The escalated round's link gets the generic page, and its form is gone.
  const stale = await openPage(linkOf(run, first));
  expect(stale.status).toBe(404);
  expect(stale.forms).toEqual([]);
  const page = await openPage(linkOf(run, second));
  await submitForm(page.forms[0]);
  const outcome = await execution;
  const employee = employeeByEmail(second.destination.to[0])!;
  expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { acknowledgedBy: employee.id, employee: { id: employee.id } } });
  const record = await recordOf(run, 'ack-2');
  expect(record).toMatchObject({ status: { S: CaseStatus.ACKNOWLEDGED }, acknowledgedBy: { S: employee.id }, ackRound: { N: '2' } });
  expect(record?.escalations?.L).toEqual([expect.objectContaining({ M: expect.objectContaining({ employeeId: { S: previous.id } }) })]);
}, 90_000);

test('with acknowledgement off, the template has none of it: no function URL, no acknowledgement state', () => {
  const { template } = synthExample();
  expect(resourcesOfType(template, 'AWS::Lambda::Url')).toEqual([]);
  const [sm] = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
  const definition = JSON.stringify(template.Resources[sm].Properties.DefinitionString);
  for (const name of [STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT, STATE_NAMES.ESCALATE_CASE, STATE_NAMES.CASE_UNACKNOWLEDGED]) {
    expect(definition).not.toContain(name);
  }
}, 60_000);
