/**
 * The synth-time history check (src/workflow-limits.ts) counts the pacing loop: Send Email is
 * entered again after each wait for a send slot, with its retriers starting over each time.
 */
import { PACING_LOOP_ENTRIES } from '../../src/paced-sending';
import { MAX_SEND_SLOT_ROUNDS } from '../../src/shared/send-pacing';
import { worstCaseHistoryEvents } from '../../src/workflow-limits';
import { workflowStack, stateMachineDefinition } from '../template-helpers';

test('entries multiply a state\'s events, its Task attempts included', () => {
  const states = { Work: { Type: 'Task', Retry: [{ MaxAttempts: 2 }] }, Pause: { Type: 'Wait' } };
  const once = worstCaseHistoryEvents(states);
  expect(worstCaseHistoryEvents(states, { Work: 3, Pause: 2 }) - once).toBe(2 * (2 + 3 * 3) + 1 * 2);
});

test('the loop\'s states are the synthesized definition\'s, so the check counts every round of the pacing loop', () => {
  const states = stateMachineDefinition(workflowStack().template).States;
  for (const name of Object.keys(PACING_LOOP_ENTRIES)) expect(Object.keys(states)).toContain(name);
  const sendEmail = states['Send Email'];
  const attempts = 1 + sendEmail.Retry.reduce((n: number, r: any) => n + (r.MaxAttempts ?? 3), 0);
  const looped = worstCaseHistoryEvents(states, PACING_LOOP_ENTRIES) - worstCaseHistoryEvents(states);
  // Send Email entered MAX_SEND_SLOT_ROUNDS more times (2 state events and 3 per attempt each), the Wait
  // MAX_SEND_SLOT_ROUNDS times in all (once is counted without the loop).
  expect(looped).toBe(MAX_SEND_SLOT_ROUNDS * (2 + 3 * attempts) + (MAX_SEND_SLOT_ROUNDS - 1) * 2);
  expect(worstCaseHistoryEvents(states, PACING_LOOP_ENTRIES)).toBeLessThan(20_000);
});
