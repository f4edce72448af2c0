/**
 * Interleavings of the acknowledge page with Send Email's fault paths that the other tests do not
 * draw: an email whose outcome SES left unknown (UNCERTAIN: it was delivered, the answer lost) and
 * whose link is pressed before the round's email is recorded. A round can be acknowledged only
 * once its email is recorded (emailStatus SENT): until then the execution may still fail (SES
 * refusing every resend, the record never written), and nobody would wait for the answer. Once
 * acknowledged, nothing of the round's email writes moves the record back (status EMAILED).
 */
import { emailedCase, emailsFor, escalateInputOf, getEvent, h, linksIn, MAX_ROUNDS, nextCaseId, postFor, record, recordSentEmail, useAcknowledgementHandlers, waitFor } from './acknowledgement-handlers';
import { rejection } from './local-handlers';
import { EscalationOutcome } from '../../src/shared/acknowledgement';
import { CaseErrorName, ENV, METRIC_NAMES, SentEmail } from '../../src/shared/contract';

useAcknowledgementHandlers({ faults: true, sesFaults: true });

afterEach(() => {
  expect(h.ddbProxy!.pending()).toBe(0);
  expect(h.sesProxy!.pending()).toBe(0);
});

/** What must hold of a record at every moment: an acknowledgement is on a recorded email, and the status says it. */
function expectConsistent(item: Record<string, any>): void {
  if (item.acknowledgedAt) {
    expect(item.status.S).toBe('ACKNOWLEDGED');
    expect(item.emailStatus.S).toBe('SENT');
  }
}

test('a link of an email whose SES answer was lost acknowledges nothing until the round\'s email is recorded; then it does, and the status stays ACKNOWLEDGED', async () => {
  const caseId = nextCaseId('uncertain');
  const assigned = await h.assignCase(await h.openCase({ inputCaseID: caseId }));
  // SES accepts (and delivers) the email, but its answer is lost: the claim ends UNCERTAIN.
  h.sesProxy!.inject({ operation: 'SendEmail', kind: 'lost-answer' });
  expect((await rejection(h.sendEmail({ case: assigned, executionId: 'x' }))).name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
  expect((await record(caseId))!.emailStatus.S).toBe('UNCERTAIN');
  const [first] = await emailsFor(caseId);
  const link = linksIn(first.body.text)[0];

  // The employee presses it at once: the round's email is not recorded (the execution retries Send Email).
  const early = await h.page(postFor(link));
  expectConsistent((await record(caseId))!);
  expect(early.statusCode).toBe(404);
  expect((await h.page(getEvent(link.search.slice(1)))).statusCode).toBe(404);

  // Send Email's retry resends (counted) and records the email: now both links work.
  const sent = await h.sendEmail({ case: assigned, executionId: 'x' });
  expectConsistent((await record(caseId))!);
  const wait = await waitFor(sent);
  const answer = await h.page(postFor(link));
  expect(answer.body).toContain('<h1>Acknowledged</h1>');
  expect((await wait.outcome).kind).toBe('success');
  const item = (await record(caseId))!;
  expectConsistent(item);
  expect(item).toMatchObject({ status: { S: 'ACKNOWLEDGED' }, emailStatus: { S: 'SENT' }, emailAmbiguousResends: { N: '1' } });
});

test('an email SES accepted but Send Email could not record: its link acknowledges once Record Sent Email has written it, and that write leaves the status alone', async () => {
  const caseId = nextCaseId('unrecorded');
  const assigned = await h.assignCase(await h.openCase({ inputCaseID: caseId }));
  // The claim passes; every try of the recording write fails (5xx): EmailSentNotRecorded.
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'pass', count: 1, caseId });
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'server-error', count: 10, caseId });
  const error = await rejection(h.sendEmail({ case: assigned, executionId: 'x' }));
  h.ddbProxy!.clearPlan();
  expect(error.name).toBe(CaseErrorName.EMAIL_SENT_NOT_RECORDED);
  const link = linksIn((await emailsFor(caseId))[0].body.text)[0];

  // Pressed while the state machine's Record Sent Email step retries: nothing acknowledged yet.
  expect((await h.page(postFor(link))).statusCode).toBe(404);
  expectConsistent((await record(caseId))!);

  // Record Sent Email's write (the same as the handler's), then the wait, then the press.
  const sent = JSON.parse(error.message) as SentEmail;
  await recordSentEmail(sent);
  const wait = await waitFor({ caseId, assignedAt: assigned.assignedAt });
  expect((await h.page(postFor(link))).body).toContain('<h1>Acknowledged</h1>');
  expect((await wait.outcome).kind).toBe('success');
  expectConsistent((await record(caseId))!);
});

/** The metric names the handlers wrote (EMF lines on stdout) while `run` ran. */
async function metricsWritten(run: () => Promise<unknown>): Promise<string[]> {
  const names: string[] = [];
  const saved = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'ERROR'; // metrics, no log lines
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      const parsed = JSON.parse(line);
      if (parsed._aws) names.push(parsed._aws.CloudWatchMetrics[0].Metrics[0].Name);
    }
    return true;
  }) as any);
  try {
    await run();
  } finally {
    spy.mockRestore();
    process.env.LOG_LEVEL = saved;
  }
  return names;
}

// Regression: both invocations read the open round; the one whose write failed took the winner's
// escalation for its own lost answer and counted it again (CasesEscalated 2 for one escalation).
test('two Escalate Case invocations for one round (an attempt the state machine gave up on, and its retry): one escalation, counted once', async () => {
  for (const outcome of [EscalationOutcome.ESCALATED, EscalationOutcome.UNACKNOWLEDGED]) {
    const { sent } = await emailedCase();
    if (outcome === EscalationOutcome.UNACKNOWLEDGED) process.env[ENV.ACK_MAX_ROUNDS] = '1';
    let results: unknown[] = [];
    const names = await metricsWritten(async () => {
      results = await Promise.all([h.escalate(escalateInputOf(sent)), h.escalate(escalateInputOf(sent))]);
    }).finally(() => { process.env[ENV.ACK_MAX_ROUNDS] = String(MAX_ROUNDS); });
    expect(results).toEqual([results[0], results[0]]);
    expect(results[0]).toMatchObject({ outcome });
    const counted = outcome === EscalationOutcome.ESCALATED ? METRIC_NAMES.CASES_ESCALATED : METRIC_NAMES.CASES_UNACKNOWLEDGED;
    expect(names.filter((n) => n === counted)).toHaveLength(1);
    expect((await record(sent.caseId))!.escalations?.L ?? []).toHaveLength(outcome === EscalationOutcome.ESCALATED ? 1 : 0);
  }
});

test('Escalate Case\'s write applied but its answer lost: its own escalation, counted once', async () => {
  const { sent } = await emailedCase();
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'lost-answer', caseId: sent.caseId });
  const names = await metricsWritten(() => h.escalate(escalateInputOf(sent)));
  expect(names.filter((n) => n === METRIC_NAMES.CASES_ESCALATED)).toHaveLength(1);
});

/** Whether a wait has ended, without waiting for it. */
function settledYet(outcome: Promise<unknown>): Promise<boolean> {
  return Promise.race([outcome.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200))]);
}

// Regression: the acknowledging write applied, its answer was lost, and DynamoDB failed the SDK's
// retries: the page answered 503 "Nothing was changed" although the case was acknowledged, and the
// wait was not ended (its token had left the record with the write): it ran out its escalateAfter.
test('the POST\'s write applied, its answer lost and the retries failed: the page finds its own write and ends the wait', async () => {
  const { sent, link } = await emailedCase();
  const wait = await waitFor(sent);
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'lost-answer', caseId: sent.caseId });
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'server-error', count: 10, caseId: sent.caseId });
  const answer = await h.page(postFor(link));
  h.ddbProxy!.clearPlan();
  expect((await record(sent.caseId))!.status.S).toBe('ACKNOWLEDGED');
  expect(answer.body).toContain('<h1>Acknowledged</h1>');
  expect(await settledYet(wait.outcome)).toBe(true);
  expect((await wait.outcome).kind).toBe('success');
});

// Regression: the write applied, its answer was lost and DynamoDB failed the SDK's retries: Escalate
// Case failed (DependencyUnavailable), and the state machine's retry found the outcome on the
// record and returned it uncounted: the escalation was never counted.
test('Escalate Case\'s write applied, its answer lost and the retries failed: its own escalation, returned and counted once', async () => {
  const { sent } = await emailedCase();
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'lost-answer', caseId: sent.caseId });
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'server-error', count: 10, caseId: sent.caseId });
  let result: unknown;
  const names = await metricsWritten(async () => { result = await h.escalate(escalateInputOf(sent)); }).finally(() => h.ddbProxy!.clearPlan());
  expect(result).toMatchObject({ outcome: EscalationOutcome.ESCALATED, round: 2 });
  expect(names.filter((n) => n === METRIC_NAMES.CASES_ESCALATED)).toHaveLength(1);
  // The state machine's retry (had there been one) finds it on the record and counts nothing more.
  const again = await metricsWritten(() => h.escalate(escalateInputOf(sent)));
  expect(again.filter((n) => n === METRIC_NAMES.CASES_ESCALATED)).toHaveLength(0);
});
