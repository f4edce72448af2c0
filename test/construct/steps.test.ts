/**
 * The step table (src/workflow/steps.ts) is the one list of steps: a fourth step added to it, and
 * nowhere else, gets its function, role, log group, place in the chain, retriers, catch, nag
 * acknowledgement, error alarm and dashboard lines.
 */
import * as nag3 from 'cdk-nag';
import { logicalIdOf, stateMachineDefinition, workflowStack } from '../template-helpers';

// A step that does nothing of its own (it runs the Open Case bundle), after Send Email. Built in
// the factory: jest runs it when the construct first imports the table, before this file's body.
jest.mock('../../src/workflow/steps', () => {
  const actual = jest.requireActual('../../src/workflow/steps');
  const noOp: import('../../src/workflow/steps').WorkflowStep = {
    key: 'noOp',
    stateName: 'No Op',
    id: 'NoOp',
    functionClass: jest.requireActual('../../src/handlers/open-case-function').OpenCaseFunction,
    retries: [],
    catches: ['recordFailure'],
  };
  return { ...actual, WORKFLOW_STEPS: [...actual.WORKFLOW_STEPS, noOp] };
});

describe('a fourth step added through the table alone', () => {
  const { stack, template } = workflowStack();
  const def = stateMachineDefinition(template);

  test('synthesizes with four functions, each with its own role and log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 4);
    const fn = template.toJSON().Resources[logicalIdOf(template, 'AWS::Lambda::Function', 'NoOpFunction')];
    expect(fn.Properties.Role['Fn::GetAtt'][0]).toBe(logicalIdOf(template, 'AWS::IAM::Role', 'NoOpRole'));
    expect(fn.Properties.LoggingConfig.LogGroup.Ref).toBe(logicalIdOf(template, 'AWS::Logs::LogGroup', 'NoOpLogs'));
  });

  test('runs last, with the retriers every step has and a catch into Record Failure', () => {
    expect(def.States['Send Email'].Next).toBe('No Op');
    expect(def.States['Send Email'].End).toBeUndefined();
    const noOp = def.States['No Op'];
    expect(noOp).toMatchObject({ Type: 'Task', End: true, TimeoutSeconds: 30 });
    expect(noOp.Resource).toContain(logicalIdOf(template, 'AWS::Lambda::Function', 'NoOpFunction'));
    expect(noOp.Retry.map((r: any) => r.ErrorEquals[0])).toEqual(['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'Lambda.Unknown']);
    expect(noOp.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record Failure' }]);
  });

  test('gets an error alarm and its lines on the dashboard', () => {
    logicalIdOf(template, 'AWS::CloudWatch::Alarm', 'NoOpErrorsAlarm');
    const [dashboard] = Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).toContain('No Op p99');
  });

  test('cdk-nag 3 finds nothing unacknowledged (the state machine may invoke it, acknowledged like the others)', () => {
    expect(new nag3.AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});
