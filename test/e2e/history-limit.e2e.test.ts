/**
 * Step Functions' limit on a Standard execution's history (25,000 events): past it the execution
 * fails as a whole, and no Catch runs (harness/execution-history.ts). A burst's throttled
 * retries are what could take an execution there: here SES throttles every send.
 */
import { synthExample, SynthesizedExample } from '../../harness/example-app';
import { EVENTS_PER_TASK_ATTEMPT, ExecutionHistory, STANDARD_HISTORY_EVENT_LIMIT } from '../../harness/execution-history';
import { withLocalRun } from '../../harness/local-run';

let synthesized: SynthesizedExample;
beforeAll(() => {
  synthesized = synthExample();
});

test('a case\'s history is counted as Step Functions writes it: 2 + 2 per state + 3 per Task attempt', () => withLocalRun({ synthesized }, async (run) => {
  const outcome = await run.workflow.run({ inputCaseID: 'h-001' });
  expect(outcome.status).toBe('SUCCEEDED');
  // ExecutionStarted, three Task states entered and exited, one attempt each, ExecutionSucceeded.
  expect(outcome.historyEvents).toBe(2 + 3 * 2 + 3 * EVENTS_PER_TASK_ATTEMPT);
}));

test('an execution past the history limit fails with States.Runtime; Record Failure (the Catch) never runs', () => withLocalRun({
  synthesized,
  // Every send throttled: Send Email waits for send slots (Wait For Send Slot, up to 8 rounds)
  // until the history is full. The limit is lowered so that a few rounds fill it; the counting is AWS's.
  sesPlan: [{ operation: 'SendEmail', kind: 'throttle', count: 10_000 }],
  historyEventLimit: 60,
  timeScale: 200,
}, async (run) => {
  const outcome = await run.workflow.run({ inputCaseID: 'h-002' });
  expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  expect(outcome.cause).toMatch(/history reached 60 events/);
  expect(outcome.historyEvents).toBeGreaterThan(60);
  expect(outcome.statesEntered.slice(0, 4)).toEqual(['Open Case', 'Assign Case', 'Send Email', 'Wait For Send Slot']);
  expect(outcome.statesEntered.filter((s) => s === 'Wait For Send Slot').length).toBeGreaterThan(3);
  // The record was not marked FAILED (no Catch ran) and no email went out.
  const [record] = await run.workflow.records();
  expect(record.status.S).toBe('ASSIGNED');
  expect(await run.aws.emails()).toHaveLength(0);
}));

test('the counter: AWS\'s limit by default, none for Express, and it fires once', () => {
  expect(STANDARD_HISTORY_EVENT_LIMIT).toBe(25_000);
  let fired = 0;
  const history = new ExecutionHistory(10, () => fired++);
  expect(history.add(EVENTS_PER_TASK_ATTEMPT * 3)).toBe(true); // 1 + 9 = 10
  expect(history.add(1)).toBe(false);
  expect(history.add(1)).toBe(false);
  expect(fired).toBe(1);
  const express = new ExecutionHistory(undefined, () => fired++);
  expect(express.add(1_000_000)).toBe(true);
});
