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
