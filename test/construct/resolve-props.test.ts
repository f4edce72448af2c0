/** Synth-time validation of the props: each problem names its prop, all reported at once. */
import { CfnParameter, Duration, RemovalPolicy, Stack, aws_dynamodb as dynamodb, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../../src';
import { employees, TEST_ROSTER, workflowStack } from '../template-helpers';

describe('synth-time validation', () => {
  const build = (props: Partial<SupportCaseWorkflowProps>) => () => workflowStack(props);

  test.each([
    ['an empty roster', { roster: EmployeeRoster.fromEmployees([]) }, /roster: the roster must hold at least one employee/],
    ['duplicate employee ids', {
      roster: EmployeeRoster.fromEmployees([{ id: 'x', name: 'A', email: 'a@example.com' }, { id: 'x', name: 'B', email: 'b@example.com' }]),
    }, /roster\[1\]\.id: duplicate employee id "x"/],
    ['a malformed employee email', { roster: EmployeeRoster.fromEmployees([{ id: 'x', name: 'A', email: 'not-an-email' }]) }, /roster\[0\]\.email: "not-an-email" is not a valid email address/],
    ['a malformed sender email', { senderEmail: 'support@' }, /senderEmail: "support@" is not a valid email address/],
    ['a task timeout not longer than the handler timeout', { handlerTimeout: Duration.seconds(30), taskTimeout: Duration.seconds(30) }, /taskTimeout: .* must be at least handlerTimeout/],
    // time limits: Lambda's init, the email claim's lease, the Express maximum
    ['a task timeout with no room for Lambda\'s init', { handlerTimeout: Duration.seconds(20), taskTimeout: Duration.seconds(25) },
      /taskTimeout: 25 seconds must be at least handlerTimeout \(20 seconds\) plus 10 s for Lambda's init/],
    ['a handler timeout that cannot fit a claim, a send and a record', { handlerTimeout: Duration.seconds(5) },
      /handlerTimeout: 5 seconds does not fit Send Email's claim, send and record/],
    ['an Express lease of a 4-minute handler timeout', {
      workflowType: sfn.StateMachineType.EXPRESS,
      handlerTimeout: Duration.minutes(4),
      taskTimeout: Duration.seconds(250),
      executionTimeout: Duration.minutes(5),
    }, /handlerTimeout: its email lease \(311 s, from handlerTimeout\) is outwaited only .* which does not fit in executionTimeout/],
    ['an Express lease of a 90-second handler timeout', {
      workflowType: sfn.StateMachineType.EXPRESS, handlerTimeout: Duration.seconds(90), taskTimeout: Duration.seconds(100),
    }, /handlerTimeout: its email lease \(161 s, from handlerTimeout\) is outwaited only 484 s into an execution/],
    ['an Express execution timeout over 5 minutes', { workflowType: sfn.StateMachineType.EXPRESS, executionTimeout: Duration.minutes(10) }, /executionTimeout: Express workflows run at most 5 minutes/],
    ['an invalid memory size', { memorySize: 64 }, /memorySize: 64 is not a whole number of MiB between 128 and 10240/],
    ['a fractional handler timeout', { handlerTimeout: Duration.millis(1500) }, /handlerTimeout: Lambda takes whole seconds/],
    ['a task longer than the default Express execution', {
      workflowType: sfn.StateMachineType.EXPRESS, handlerTimeout: Duration.minutes(6), taskTimeout: Duration.minutes(7),
    }, /taskTimeout: one task attempt .* does not fit in the execution timeout \(5 minutes\)/],
  ])('rejects %s, naming the prop', (_name, props, message) => {
    expect(build(props as Partial<SupportCaseWorkflowProps>)).toThrow(message);
  });

  test('tableRemovalPolicy together with a brought table is rejected', () => {
    const stack = new Stack();
    const table = dynamodb.Table.fromTableName(stack, 'T', 'cases');
    expect(() => new SupportCaseWorkflow(stack, 'S', { roster: TEST_ROSTER, senderEmail: 'a@example.com', table, tableRemovalPolicy: RemovalPolicy.DESTROY }))
      .toThrow(/tableRemovalPolicy: applies only to the table the construct creates/);
  });

  test('reports every problem of the props at once', () => {
    expect(build({ senderEmail: 'nope', roster: EmployeeRoster.fromEmployees([]), memorySize: 1 })).toThrow(
      /Invalid SupportCaseWorkflowProps for Test\/Support:\n {2}- senderEmail: .*\n {2}- roster: .*\n {2}- memorySize: /);
  });

  test('a fixed roster of more than 10,000 employees is rejected, pointing to fromTable', () => {
    expect(build({ roster: EmployeeRoster.fromEmployees(employees(10_001)) })).toThrow(
      /roster: 10001 employees are more than the 10000 that EmployeeRoster\.fromEmployees holds; .*\(EmployeeRoster\.fromTable\)/);
  });

  test('a malformed configuration set name is rejected, naming configurationSetName', () => {
    expect(build({ configurationSetName: 'has space' })).toThrow(/- configurationSetName: "has space" is not an SES configuration set name/);
    expect(build({ configurationSetName: 'x'.repeat(65) })).toThrow(/configurationSetName: /);
    expect(build({ configurationSetName: 'support-emails_2' })).not.toThrow();
  });

  test('a sender email given as a token is not checked at synth time', () => {
    const stack = new Stack();
    const email = new CfnParameter(stack, 'Sender').valueAsString;
    expect(() => new SupportCaseWorkflow(stack, 'S', { roster: TEST_ROSTER, senderEmail: email })).not.toThrow();
  });
});
