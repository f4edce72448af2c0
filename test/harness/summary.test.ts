/**
 * The summary counts resends from the records and flags emails beyond them (uncounted).
 */
import type { ExecutionOutcome, LocalWorkflow } from '../../harness/local/workflow';
import type { LocalAws, StoredEmail } from '../../harness/local-aws';
import { summarize, summaryLine } from '../../harness/summary';
import { caseIdMessageTags } from '../../src/shared/message-tags';

const email = (caseId: string, to = 'a@example.com'): StoredEmail => ({
  messageId: `m-${Math.random()}`, from: 's@example.com', destination: { to: [to] }, subject: 'Any wording', body: {}, at: 0, tags: caseIdMessageTags(caseId),
});
const record = (caseId: string, resends?: number) => ({
  caseId: { S: caseId },
  employeeId: { S: 'e1' },
  employeeEmail: { S: 'a@example.com' },
  ...(resends === undefined ? {} : { emailAmbiguousResends: { N: String(resends) } }),
});
const outcome = (name: string, status: ExecutionOutcome['status'] = 'SUCCEEDED'): ExecutionOutcome => ({
  name, status, statesEntered: [], retries: 0, retriesByState: {}, durationMs: 1,
});

async function summary(emails: StoredEmail[], records: Record<string, any>[], caseIds: string[], outcomes = caseIds.map((id) => outcome(id))) {
  const aws = { emails: async () => emails } as unknown as LocalAws;
  const workflow = { records: async () => records } as unknown as LocalWorkflow;
  return summarize(caseIds, outcomes, workflow, aws);
}

test('resends are summed from the records; more emails than 1 + resends are uncounted', async () => {
  const s = await summary(
    [email('1'), email('2'), email('2'), email('3'), email('3'), email('3'), email('4'), email('4')],
    [record('1'), record('2', 1), record('3', 1), record('4', 2), record('5')],
    ['1', '2', '3', '4', '5'],
  );
  expect(s).toMatchObject({ resends: 4, uncounted: 1, unemailed: 1, duplicates: 3, ambiguous: 3, emails: 8, records: 5 });
  expect(summaryLine(s)).toMatch(/ resends=4 uncounted=1$/);
});

test('a timed-out execution counts as failed', async () => {
  const s = await summary([email('1')], [record('1')], ['1'], [outcome('1', 'TIMED_OUT')]);
  expect(s).toMatchObject({ failed: 1, succeeded: 0, uncounted: 0, unemailed: 0 });
});

test('with acknowledgement on: each round is checked against its own counted resends, and the outcomes are counted', async () => {
  const roster = [{ id: 'e1', email: 'a@example.com' }, { id: 'e2', email: 'b@example.com' }, { id: 'e3', email: 'c@example.com' }];
  const escalated = (id: string, resends: number) => ({ M: { round: { N: '1' }, employeeId: { S: id }, emailAmbiguousResends: { N: String(resends) } } });
  const s = await summarize(['1', '2', '3'], ['1', '2', '3'].map((id) => outcome(id)), {
    records: async () => [
      { ...record('1'), status: { S: 'ACKNOWLEDGED' } },
      // round 1 (e1, one counted resend: two emails), round 2 (e2, one email)
      { ...record('2'), employeeId: { S: 'e2' }, employeeEmail: { S: 'b@example.com' }, status: { S: 'ACKNOWLEDGED' }, escalations: { L: [escalated('e1', 1)] } },
      // rounds e1, e2, e3; e2's round got two emails and counted none
      { ...record('3'), employeeId: { S: 'e3' }, employeeEmail: { S: 'c@example.com' }, status: { S: 'UNACKNOWLEDGED' }, escalations: { L: [escalated('e1', 0), escalated('e2', 0)] } },
    ],
  } as unknown as LocalWorkflow, {
    emails: async () => [
      email('1'), email('2'), email('2'), email('2', 'b@example.com'),
      email('3'), email('3', 'b@example.com'), email('3', 'b@example.com'), email('3', 'c@example.com'),
    ],
  } as unknown as LocalAws, { acknowledgement: true, roster });
  expect(s).toMatchObject({ uncounted: 1, misaddressed: 0, resends: 1, ambiguous: 1 });
  expect(s.acknowledgement).toEqual({
    acknowledged: 2, escalated: 2, unacknowledged: 1, rounds: 6, roundsHistogram: { 1: 1, 2: 1, 3: 1 }, maxEmailsPerRound: 2,
  });
  expect(summaryLine(s)).toMatch(/ uncounted=1 acknowledged=2 escalated=2 unacknowledged=1 emailsPerCase=2\.67 emailsPerRound=1\.33 maxEmailsPerRound=2 rounds=1:1,2:1,3:1$/);
});
