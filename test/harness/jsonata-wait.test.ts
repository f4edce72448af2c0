/**
 * JSONata Pass states are played as Step Functions plays them (the runner plays JSONPath only):
 * their Output is evaluated against `$states.input`, and a missing field is left out. Without
 * this, the runner passed a JSONata Pass's input through unchanged (seen: the acknowledged
 * execution's output had no acknowledgedBy at the top).
 */
import { emulateJsonataWaits } from '../../harness/jsonata-wait';

test('a JSONata Pass becomes a Task whose result is its Output, evaluated; missing fields are left out', async () => {
  const definition = {
    StartAt: 'Shape',
    States: {
      Shape: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% {"caseId": $states.input.caseId, "details": $states.input.details, "by": $states.input.ack.by} %}', End: true },
      Plain: { Type: 'Pass', End: true },
    },
  };
  const { definition: rewritten, handlers } = emulateJsonataWaits(definition, 20);
  expect(rewritten.States.Shape).toMatchObject({ Type: 'Task', End: true });
  expect(rewritten.States.Plain).toEqual({ Type: 'Pass', End: true });
  await expect(handlers.Shape({ caseId: 'c1', ack: { by: 'emp-1' }, extra: 1 })).resolves.toEqual({ caseId: 'c1', by: 'emp-1' });
});

test('a JSONata Pass with Assign is refused (variables are not played locally)', () => {
  expect(() => emulateJsonataWaits({ StartAt: 'A', States: { A: { Type: 'Pass', QueryLanguage: 'JSONata', Assign: { x: 1 }, End: true } } }, 1)).toThrow(/Assign/);
});
