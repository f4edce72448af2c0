/**
 * Send Email ends before Lambda stops it (its deadline), and a claim it could not
 * release does not hold the case for a whole lease. Through the synthesized workflow and the
 * bundled handlers, against the local servers behind fault proxies.
 */
import { synthExample, SynthesizedExample } from '../../harness/example-app';
import { LocalRun, LocalRunOptions, withLocalRun } from '../../harness/local-run';

let synthesized: SynthesizedExample;
beforeAll(() => {
  synthesized = synthExample();
});

function withRun<T>(options: LocalRunOptions, body: (run: LocalRun) => Promise<T>): Promise<T> {
  return withLocalRun({ synthesized, ...options }, body);
}

test('DynamoDB stalls while the sent email is recorded: the handler ends at its deadline and hands the message id on; one email', () => withRun({
  // The claim passes; the SENT write's requests are carried out... never: no answer comes, and
  // two requests at the request timeout outlast what is left of the 10 s function timeout.
  dynamodbPlan: [{ operation: 'UpdateItem', kind: 'pass', count: 1 }, { operation: 'UpdateItem', kind: 'no-answer', count: 2 }],
}, async (run) => {
  const outcome = await run.workflow.run({ inputCaseID: '1711' });
  expect(run.workflow.boundsFired.functionTimeouts).toBe(0);
  expect(outcome.status).toBe('SUCCEEDED');
  expect(outcome.statesEntered).toContain('Record Sent Email');
  const emails = await run.aws.emails();
  expect(emails).toHaveLength(1);
  expect((await run.workflow.records())[0]).toMatchObject({ emailStatus: { S: 'SENT' }, messageId: { S: emails[0].messageId } });
}));

test('the release of a refused send fails through the SDK\'s attempts: retried within the deadline, the case is not stranded', () => withRun({
  sesPlan: [{ operation: 'SendEmail', kind: 'throttle', count: 1 }],
  // The claim passes; the release fails 5 times (the DynamoDB client's 4 attempts, then one more).
  dynamodbPlan: [{ operation: 'UpdateItem', kind: 'pass', count: 1 }, { operation: 'UpdateItem', kind: 'server-error', count: 5 }],
}, async (run) => {
  const outcome = await run.workflow.run({ inputCaseID: '1712' });
  expect(outcome.status).toBe('SUCCEEDED');
  expect(await run.aws.emails()).toHaveLength(1);
  const [record] = await run.workflow.records();
  expect(Number(record.emailAmbiguousResends?.N ?? 0)).toBe(0); // no takeover: nothing counted
}));

test('a release that cannot be made: the same execution\'s next attempt takes its own claim back once that attempt is surely over, not after the lease', () => withRun({
  // Time 5x (a lease of 81 s is 16 s, a function timeout of 10 s is 2 s, plus the 1 s allowance each).
  timeScale: 5,
  sesPlan: [{ operation: 'SendEmail', kind: 'throttle', count: 1 }],
  // The claim passes; every release round fails (3 rounds of the DynamoDB client's 4 attempts).
  dynamodbPlan: [{ operation: 'UpdateItem', kind: 'pass', count: 1 }, { operation: 'UpdateItem', kind: 'server-error', count: 12 }],
}, async (run) => {
  const outcome = await run.workflow.run({ inputCaseID: '1713' });
  expect(outcome.status).toBe('SUCCEEDED');
  // The throttle: a send slot (Wait For Send Slot, then Send Email again); then one
  // EmailSendInProgress retry (21 s > the own lease of 15 s); waiting out the 81 s lease would take three.
  expect(outcome.statesEntered).toContain('Wait For Send Slot');
  expect(outcome.retriesByState['Send Email']).toBe(1);
  expect(await run.aws.emails()).toHaveLength(1);
  // The earlier attempt surely sent nothing (SES throttled it), and the retry ran in the same
  // instance, which remembers that: no possible email is counted.
  expect(Number((await run.workflow.records())[0].emailAmbiguousResends?.N ?? 0)).toBe(0);
}));
