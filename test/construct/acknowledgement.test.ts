/** Acknowledge or escalate, the construct: off changes nothing; on adds the wait, the escalation loop and their checks. */
import { Duration, Stack, aws_sns as sns, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AcknowledgementOptions } from '../../src';
import { EscalationOutcome } from '../../src/shared/acknowledgement';
import { CaseErrorName, ENV, STATE_NAMES } from '../../src/shared/contract';
import { acknowledgementLoopEntries } from '../../src/workflow/acknowledgement-props';
import { HISTORY_EVENT_BUDGET, historyEventProblems, worstCaseHistoryEvents } from '../../src/workflow-limits';
import { logicalIdOf, stateMachineDefinition, workflowStack } from '../template-helpers';

const ON: AcknowledgementOptions = {};
const withTopic = (stack: Stack) => new sns.Topic(stack, 'Unacknowledged');

function acknowledged(options: AcknowledgementOptions = ON, extra = {}) {
  return workflowStack({ acknowledgement: options, ...extra });
}

/** The synth error of a workflow with these props. */
function synthError(options: AcknowledgementOptions, extra = {}): string {
  try {
    acknowledged(options, extra);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('synth succeeded');
}

/** Environment variables of the function whose logical id contains `fragment`. */
function envOf(template: Template, fragment: string): Record<string, unknown> {
  const id = logicalIdOf(template, 'AWS::Lambda::Function', fragment);
  return template.toJSON().Resources[id].Properties.Environment.Variables;
}

describe('acknowledgement off', () => {
  test('the template has none of it: no new function, state, URL or variable', () => {
    const { template, workflow } = workflowStack();
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.resourceCountIs('AWS::Lambda::Url', 0);
    const def = stateMachineDefinition(template);
    expect(def.States[STATE_NAMES.SEND_EMAIL].End).toBe(true);
    expect(def.States[STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT]).toBeUndefined();
    expect(Object.keys(envOf(template, 'SendEmailFunction')).filter((k) => k.startsWith('ACK_'))).toEqual([]);
    expect(workflow.acknowledgePageUrl).toBeUndefined();
    expect(workflow.acknowledgePageFunction).toBeUndefined();
  });
});

describe('acknowledgement on: the state machine', () => {
  const { template } = workflowStack({ acknowledgement: {} });
  const def = stateMachineDefinition(template);
  const state = (name: string) => def.States[name];

  test('Send Email goes on to Wait For Acknowledgement, which ends in Case Acknowledged', () => {
    expect(state(STATE_NAMES.SEND_EMAIL).Next).toBe(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT);
    expect(state(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT).Next).toBe(STATE_NAMES.CASE_ACKNOWLEDGED);
    expect(state(STATE_NAMES.CASE_ACKNOWLEDGED)).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.details', IsPresent: true, Next: STATE_NAMES.ACKNOWLEDGED_RESULT_WITH_DETAILS }],
      Default: STATE_NAMES.ACKNOWLEDGED_RESULT,
    });
    expect(state(STATE_NAMES.ACKNOWLEDGED_RESULT).End).toBe(true);
    expect(state(STATE_NAMES.ACKNOWLEDGED_RESULT_WITH_DETAILS).End).toBe(true);
  });

  test('Wait For Acknowledgement is a .waitForTaskToken task with the token in its payload, timing out after escalateAfter (15 min)', () => {
    const wait = state(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT);
    expect(wait.Resource).toMatch(/lambda:invoke\.waitForTaskToken$/);
    expect(wait.TimeoutSeconds).toBe(900);
    expect(wait.Parameters.Payload).toEqual({ 'caseId.$': '$.caseId', 'assignedAt.$': '$.assignedAt', 'taskToken.$': '$$.Task.Token' });
    expect(wait.ResultPath).toBe('$.acknowledgement');
    expect(wait.Parameters.FunctionName).toContain(logicalIdOf(template, 'AWS::Lambda::Function', 'WaitForAcknowledgementFunction'));
  });

  test('Wait For Acknowledgement retries Lambda service errors, throttling and DependencyUnavailable, never its time-out', () => {
    const errors = state(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT).Retry.flatMap((r: any) => r.ErrorEquals);
    expect(errors).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException', CaseErrorName.DEPENDENCY_UNAVAILABLE]));
    expect(errors).not.toContain('States.Timeout');
    expect(errors).not.toContain('States.ALL');
  });

  test('its time-out and CaseAcknowledged go to Escalate Case, keeping the case; any other error fails the execution', () => {
    const [timeout, other] = state(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT).Catch;
    expect(timeout).toEqual({ ErrorEquals: ['States.Timeout', CaseErrorName.CASE_ACKNOWLEDGED], ResultPath: '$.waitError', Next: STATE_NAMES.ESCALATE_CASE });
    expect(other).toEqual({ ErrorEquals: ['States.ALL'], Next: STATE_NAMES.CASE_FAILED });
  });

  test('Escalate Case gets the round that ended, retries as Assign Case does, and fails the execution without marking the record', () => {
    const escalate = state(STATE_NAMES.ESCALATE_CASE);
    expect(escalate.Parameters).toEqual({ 'caseId.$': '$.caseId', 'employeeId.$': '$.employee.id', 'assignedAt.$': '$.assignedAt' });
    expect(escalate.ResultPath).toBe('$.escalation');
    expect(escalate.Retry).toEqual(state(STATE_NAMES.ASSIGN_CASE).Retry);
    expect(escalate.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: STATE_NAMES.CASE_FAILED }]);
    expect(escalate.Next).toBe(STATE_NAMES.ESCALATION_OUTCOME);
  });

  test('Escalation Outcome: acknowledged -> Case Acknowledged, escalated -> Next Round -> Send Email (the loop), else Case Unacknowledged', () => {
    const choices = state(STATE_NAMES.ESCALATION_OUTCOME).Choices;
    expect(choices).toEqual([
      { Variable: '$.escalation.outcome', StringEquals: EscalationOutcome.ACKNOWLEDGED, Next: STATE_NAMES.ACKNOWLEDGED_BEFORE_ESCALATION },
      { Variable: '$.escalation.outcome', StringEquals: EscalationOutcome.ESCALATED, Next: STATE_NAMES.NEXT_ROUND },
      { Variable: '$.escalation.outcome', StringEquals: EscalationOutcome.UNACKNOWLEDGED, Next: STATE_NAMES.CASE_UNACKNOWLEDGED },
    ]);
    expect(state(STATE_NAMES.ACKNOWLEDGED_BEFORE_ESCALATION)).toMatchObject({
      InputPath: '$.escalation.acknowledgement', ResultPath: '$.acknowledgement', Next: STATE_NAMES.CASE_ACKNOWLEDGED,
    });
    expect(state(STATE_NAMES.NEXT_ROUND)).toMatchObject({ Type: 'Pass', InputPath: '$.escalation.case', Next: STATE_NAMES.SEND_EMAIL });
    expect(state(STATE_NAMES.CASE_UNACKNOWLEDGED)).toMatchObject({ Type: 'Fail', Error: CaseErrorName.CASE_UNACKNOWLEDGED });
    expect(state(STATE_NAMES.NOTIFY_UNACKNOWLEDGED)).toBeUndefined();
  });

  test('the acknowledged output: Send Email\'s result plus acknowledgedBy and acknowledgedAt, details only when the case has any', () => {
    const fields = {
      'caseId.$': '$.caseId',
      'employee.$': '$.employee',
      'messageId.$': '$.messageId',
      'assignedAt.$': '$.assignedAt',
      'emailedAt.$': '$.emailedAt',
      'acknowledgedBy.$': '$.acknowledgement.acknowledgedBy',
      'acknowledgedAt.$': '$.acknowledgement.acknowledgedAt',
    };
    expect(state(STATE_NAMES.ACKNOWLEDGED_RESULT)).toMatchObject({ Type: 'Pass', Parameters: fields });
    expect(state(STATE_NAMES.ACKNOWLEDGED_RESULT_WITH_DETAILS)).toMatchObject({ Type: 'Pass', Parameters: { ...fields, 'details.$': '$.details' } });
    // JSONPath only: the local runner plays JSONPath, and the harness emulates JSONata Waits alone.
    const jsonata = Object.entries<any>(def.States).filter(([, st]) => st.QueryLanguage === 'JSONata').map(([name]) => name);
    expect(jsonata).toEqual([STATE_NAMES.WAIT_FOR_SEND_SLOT]);
  });

  test('an email recorded by the state machine (Record Sent Email) waits for its acknowledgement too', () => {
    expect(state(STATE_NAMES.SENT_EMAIL_RESULT).Next).toBe(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT);
    expect(state(STATE_NAMES.SENT_EMAIL_RESULT_WITH_DETAILS).Next).toBe(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT);
  });

  test('the execution timeout grows by the rounds (3 h 15 min + 3 × 16 min)', () => {
    expect(def.TimeoutSeconds).toBe((3 * 60 + 15) * 60 + 3 * 16 * 60);
  });
});

describe('acknowledgement on: the unacknowledged topic', () => {
  test('Notify Unacknowledged publishes ids only, and its failure still ends in Case Unacknowledged', () => {
    const { template } = workflowStack((stack) => ({ acknowledgement: { unacknowledgedTopic: withTopic(stack) } }));
    const def = stateMachineDefinition(template);
    const notify = def.States[STATE_NAMES.NOTIFY_UNACKNOWLEDGED];
    expect(def.States[STATE_NAMES.ESCALATION_OUTCOME].Choices[2].Next).toBe(STATE_NAMES.NOTIFY_UNACKNOWLEDGED);
    expect(notify.Resource).toMatch(/:sns:publish$/);
    expect(notify.Parameters).toMatchObject({ 'Message.$': 'States.JsonToString($.escalation)' });
    expect(notify.Next).toBe(STATE_NAMES.CASE_UNACKNOWLEDGED);
    expect(notify.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: STATE_NAMES.CASE_UNACKNOWLEDGED }]);
    expect(Object.keys(def.States).sort()).toEqual(Object.values(STATE_NAMES).sort());
  });
});

describe('acknowledgement on: the functions', () => {
  const { template, workflow } = acknowledged({ escalateAfter: Duration.minutes(10), maxRounds: 4, pageConcurrency: 7 });

  test('three more functions, each with its own role and log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 6);
    for (const id of ['WaitForAcknowledgement', 'EscalateCase', 'AcknowledgePage']) {
      const fn = template.toJSON().Resources[logicalIdOf(template, 'AWS::Lambda::Function', `${id}Function`)].Properties;
      expect(fn.Role['Fn::GetAtt'][0]).toBe(logicalIdOf(template, 'AWS::IAM::Role', `${id}Role`));
      expect(fn.LoggingConfig.LogGroup.Ref).toBe(logicalIdOf(template, 'AWS::Logs::LogGroup', `${id}Logs`));
      expect(fn).toMatchObject({ Architectures: ['arm64'], MemorySize: 256, Timeout: 10, TracingConfig: { Mode: 'Active' } });
    }
  });

  test('the settings reach the functions: Send Email\'s link, Escalate Case\'s rounds, the page\'s SLA', () => {
    expect(envOf(template, 'SendEmailFunction')).toMatchObject({
      [ENV.ACK_PAGE_URL]: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Lambda::Url', 'AcknowledgePage'), 'FunctionUrl'] },
      [ENV.ACK_ESCALATE_AFTER_SECONDS]: '600',
      [ENV.ACK_LINK_TTL_SECONDS]: String(600 + 15 * 60),
    });
    expect(envOf(template, 'EscalateCaseFunction')).toMatchObject({ [ENV.ACK_MAX_ROUNDS]: '4', [ENV.ACK_ESCALATE_AFTER_SECONDS]: '600' });
    expect(envOf(template, 'AcknowledgePageFunction')).toMatchObject({ [ENV.ACK_ESCALATE_AFTER_SECONDS]: '600' });
    expect(envOf(template, 'EscalateCaseFunction')[ENV.TABLE_NAME]).toBeDefined();
    expect(envOf(template, 'WaitForAcknowledgementFunction')[ENV.TABLE_NAME]).toBeDefined();
  });

  test('Escalate Case reads the fixed roster from the same configuration layer as Assign Case', () => {
    const layersOf = (fragment: string) => template.toJSON().Resources[logicalIdOf(template, 'AWS::Lambda::Function', fragment)].Properties.Layers;
    expect(layersOf('EscalateCaseFunction')).toHaveLength(1);
    expect(envOf(template, 'EscalateCaseFunction')[ENV.CONFIG_DIR]).toEqual(envOf(template, 'AssignCaseFunction')[ENV.CONFIG_DIR]);
  });

  test('the page: a function URL with AuthType NONE and no CORS, throttled by pageConcurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', Cors: Match.absent() });
    const page = template.toJSON().Resources[logicalIdOf(template, 'AWS::Lambda::Function', 'AcknowledgePageFunction')].Properties;
    expect(page.ReservedConcurrentExecutions).toBe(7);
    expect(workflow.acknowledgePageFunction).toBe(workflow.node.findChild('AcknowledgePageFunction'));
    expect(Stack.of(workflow).resolve(workflow.acknowledgePageUrl)).toEqual({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Lambda::Url', 'AcknowledgePage'), 'FunctionUrl'] });
  });

  test('Wait For Acknowledgement times out after escalateAfter (10 min)', () => {
    expect(stateMachineDefinition(template).States[STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT].TimeoutSeconds).toBe(600);
  });
});

describe('acknowledgement: synth-time checks', () => {
  test('an Express workflow is refused, naming both props', () => {
    const message = synthError({}, { workflowType: sfn.StateMachineType.EXPRESS });
    expect(message).toMatch(/Invalid SupportCaseWorkflowProps for Test\/Support/);
    expect(message).toMatch(/acknowledgement: .*workflowType/);
  });

  test.each([
    [{ maxRounds: 0 }, /acknowledgement\.maxRounds: 0 is not a whole number from 1 to 10/],
    [{ maxRounds: 11 }, /acknowledgement\.maxRounds: 11 is not a whole number from 1 to 10/],
    [{ maxRounds: 2.5 }, /acknowledgement\.maxRounds: 2\.5/],
    [{ pageConcurrency: 0 }, /acknowledgement\.pageConcurrency: 0 is not a whole number from 1 to 100/],
    [{ escalateAfter: Duration.seconds(59) }, /acknowledgement\.escalateAfter: 59 seconds is shorter than 1 minute/],
    [{ escalateAfter: Duration.millis(90_500) }, /acknowledgement\.escalateAfter: Step Functions' TimeoutSeconds takes whole seconds/],
    [{ escalateAfter: Duration.days(200), maxRounds: 2 }, /acknowledgement\.maxRounds: .*one year/],
  ])('%p is refused', (options, message) => {
    expect(synthError(options)).toMatch(message);
  });

  test('an executionTimeout too short for the rounds is refused, naming executionTimeout, maxRounds and escalateAfter', () => {
    const message = synthError({ escalateAfter: Duration.minutes(30) }, { executionTimeout: Duration.hours(4) });
    expect(message).toMatch(/executionTimeout: 4 hours is shorter than acknowledgement\.maxRounds \(3\) rounds of acknowledgement\.escalateAfter/);
  });

  test('an executionTimeout that fits the rounds is accepted', () => {
    expect(() => acknowledged({ escalateAfter: Duration.minutes(30) }, { executionTimeout: Duration.hours(5) })).not.toThrow();
  });

  test('the history check counts every round: 10 rounds fit under the budget, 20 would not', () => {
    expect(() => acknowledged({ maxRounds: 10, escalateAfter: Duration.minutes(1) })).not.toThrow();
    const states = stateMachineDefinition(acknowledged({ maxRounds: 10 }).template).States;
    const events = (rounds: number) => worstCaseHistoryEvents(states, acknowledgementLoopEntries(rounds));
    const perRound = events(2) - events(1);
    expect(events(10)).toBe(events(1) + 9 * perRound);
    expect(events(10)).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);
    expect(historyEventProblems(states, 'acknowledgement.maxRounds', acknowledgementLoopEntries(20)))
      .toEqual([expect.stringMatching(/^acknowledgement\.maxRounds: an execution may write up to \d+ history events/)]);
  });
});
