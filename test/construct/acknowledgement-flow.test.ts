/**
 * Acknowledge or escalate, the synthesized definition run locally (aws-local-stepfunctions) with stub
 * tasks: the acknowledged output, the escalation loop, the unacknowledged end, and an acknowledgement
 * that raced the time-out. What the handlers decide is theirs (test/handlers, the e2e tests); here
 * only the states' wiring.
 */
import { aws_sns as sns } from 'aws-cdk-lib';
import { StateMachine } from '../../harness/local/state-machine';
import { EscalationOutcome } from '../../src/shared/acknowledgement';
import { CaseErrorName, STATE_NAMES } from '../../src/shared/contract';
import { stateMachineDefinition, workflowStack } from '../template-helpers';

/** The definition with its CloudFormation tokens replaced by plausible ARNs. */
const definition = JSON.parse(JSON.stringify(stateMachineDefinition(workflowStack((stack) => ({
  acknowledgement: { unacknowledgedTopic: new sns.Topic(stack, 'Unacknowledged') },
})).template))
  .replace(/TOKEN\(\{'Ref':'AWS::Partition'\}\)/g, 'aws')
  .replace(/TOKEN\(\{'Ref':'Unacknowledged[^)]*\)/g, 'arn:aws:sns:eu-west-1:111111111111:unacknowledged')
  .replace(/TOKEN\([^)]*\)/g, 'arn:aws:lambda:eu-west-1:111111111111:function:step'));

const employee = (id: string) => ({ id, name: `Name ${id}`, email: `${id}@example.com` });
const assigned = (id: string, details?: object) => ({
  caseId: '001', openedAt: '2026-12-03T10:00:00Z', employee: employee(id), assignedAt: `at-${id}`, ...(details ? { details } : {}),
});
const named = (name: string) => Object.assign(new Error(name), { name });

interface Script {
  /** What each round's wait does: acknowledge (returns), time out, or find the case acknowledged. */
  readonly waits: Array<'ack' | 'timeout' | 'acknowledged'>;
  /** What each escalation decides. */
  readonly escalations?: Array<(typeof EscalationOutcome)[keyof typeof EscalationOutcome]>;
  readonly details?: object;
}

async function run(script: Script) {
  const calls: Record<string, any[]> = {};
  const record = (state: string, input: any) => (calls[state] ??= []).push(input);
  let round = 0;
  const handlers = {
    [STATE_NAMES.OPEN_CASE]: async (input: any) => ({ caseId: input.inputCaseID, openedAt: '2026-12-03T10:00:00Z' }),
    [STATE_NAMES.ASSIGN_CASE]: async () => assigned('e1', script.details),
    [STATE_NAMES.SEND_EMAIL]: async (input: any) => {
      record(STATE_NAMES.SEND_EMAIL, input);
      const c = input.case;
      return { caseId: c.caseId, employee: c.employee, messageId: `m-${c.employee.id}`, assignedAt: c.assignedAt, emailedAt: 'e', ...(c.details ? { details: c.details } : {}) };
    },
    // lambda:invoke.waitForTaskToken: the task's Parameters, the function's event in Payload.
    [STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT]: async ({ Payload: input }: any) => {
      record(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT, input);
      const action = script.waits[round++];
      if (action === 'timeout') throw named('States.Timeout');
      if (action === 'acknowledged') throw named(CaseErrorName.CASE_ACKNOWLEDGED);
      return { caseId: input.caseId, acknowledgedBy: 'e-ack', acknowledgedAt: 'ack-time', round };
    },
    [STATE_NAMES.ESCALATE_CASE]: async (input: any) => {
      record(STATE_NAMES.ESCALATE_CASE, input);
      const outcome = script.escalations![(calls[STATE_NAMES.ESCALATE_CASE].length) - 1];
      if (outcome === EscalationOutcome.ESCALATED) return { outcome, caseId: '001', round: round + 1, case: assigned(`e${round + 1}`, script.details) };
      if (outcome === EscalationOutcome.ACKNOWLEDGED) {
        return { outcome, caseId: '001', round, acknowledgement: { caseId: '001', acknowledgedBy: 'e-late', acknowledgedAt: 'late', round } };
      }
      return { outcome, caseId: '001', round };
    },
    [STATE_NAMES.NOTIFY_UNACKNOWLEDGED]: async (input: any) => {
      record(STATE_NAMES.NOTIFY_UNACKNOWLEDGED, input);
      return {};
    },
  };
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run({ inputCaseID: '001' }, {
    overrides: { taskResourceLocalHandlers: handlers },
    context: { Execution: { Id: 'arn:aws:states:eu-west-1:111111111111:execution:sm:x', Name: 'x', Input: {}, StartTime: '2026-12-03T10:00:00Z' }, Task: { Token: 'token-1' } },
  });
  try {
    return { output: await execution.result, calls };
  } catch (e) {
    return { error: (e as any).cause?.name ?? (e as Error).name, calls };
  }
}

test('the definition is valid ASL (the runner validates it with asl-validator)', () => {
  expect(() => new StateMachine(definition, { validationOptions: { checkArn: false } })).not.toThrow();
  const broken = { ...definition, States: { ...definition.States, [STATE_NAMES.NEXT_ROUND]: { Type: 'Pass', Next: 'Nowhere' } } };
  expect(() => new StateMachine(broken, { validationOptions: { checkArn: false } })).toThrow();
});

test('acknowledged in the first round: Send Email\'s result plus acknowledgedBy and acknowledgedAt; the wait got the case, its round and the token', async () => {
  const { output, calls } = await run({ waits: ['ack'] });
  expect(output).toEqual({
    caseId: '001', employee: employee('e1'), messageId: 'm-e1', assignedAt: 'at-e1', emailedAt: 'e', acknowledgedBy: 'e-ack', acknowledgedAt: 'ack-time',
  });
  expect(calls[STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT]).toEqual([{ caseId: '001', assignedAt: 'at-e1', taskToken: 'token-1' }]);
});

test('with details, the output keeps them', async () => {
  const { output } = await run({ waits: ['ack'], details: { title: 'Printer' } });
  expect(output).toMatchObject({ details: { title: 'Printer' }, acknowledgedBy: 'e-ack' });
});

test('a time-out escalates; the next round emails the next employee and waits again (the loop)', async () => {
  const { output, calls } = await run({ waits: ['timeout', 'ack'], escalations: [EscalationOutcome.ESCALATED] });
  expect(calls[STATE_NAMES.ESCALATE_CASE]).toEqual([{ caseId: '001', employeeId: 'e1', assignedAt: 'at-e1' }]);
  expect(calls[STATE_NAMES.SEND_EMAIL].map((i) => i.case.employee.id)).toEqual(['e1', 'e2']);
  expect(calls[STATE_NAMES.SEND_EMAIL][1].case).toEqual(assigned('e2'));
  expect(calls[STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT].map((i) => i.assignedAt)).toEqual(['at-e1', 'at-e2']);
  expect(output).toMatchObject({ employee: employee('e2'), messageId: 'm-e2', acknowledgedBy: 'e-ack' });
});

test('every round out: the topic gets the case id and the rounds (ids only), and the execution fails with CaseUnacknowledged', async () => {
  const { error, calls } = await run({ waits: ['timeout', 'timeout'], escalations: [EscalationOutcome.ESCALATED, EscalationOutcome.UNACKNOWLEDGED] });
  expect(error).toBe(CaseErrorName.CASE_UNACKNOWLEDGED);
  expect(calls[STATE_NAMES.NOTIFY_UNACKNOWLEDGED]).toHaveLength(1);
  const message = JSON.parse(calls[STATE_NAMES.NOTIFY_UNACKNOWLEDGED][0].Message);
  expect(message).toEqual({ outcome: EscalationOutcome.UNACKNOWLEDGED, caseId: '001', round: 2 });
  expect(calls[STATE_NAMES.SEND_EMAIL]).toHaveLength(2);
});

test('acknowledged before the wait stored its token (CaseAcknowledged), or while it timed out: Escalate Case\'s acknowledgement is the output', async () => {
  for (const first of ['acknowledged', 'timeout'] as const) {
    const { output } = await run({ waits: [first], escalations: [EscalationOutcome.ACKNOWLEDGED] });
    expect(output).toMatchObject({ caseId: '001', employee: employee('e1'), acknowledgedBy: 'e-late', acknowledgedAt: 'late' });
    expect(Object.keys(output as object)).not.toContain('escalation');
  }
});
