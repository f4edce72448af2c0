/** Logs, tracing, the executions alarm, grants to callers and the Express type. */
import { App, Stack, aws_iam as iam, aws_sns as sns, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SupportCaseWorkflow } from '../../src';
import { stateMachineDefinition, TEST_ROSTER, workflowStack } from '../template-helpers';

describe('observability and operations', () => {
  test('state machine logs ALL events without execution data by default, to its own log group, with X-Ray', () => {
    const { stack, workflow, template } = workflowStack();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [stack.getLogicalId(workflow.logGroup.node.defaultChild as any), 'Arn'] } } }],
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('execution data can be logged when asked for', () => {
    workflowStack({ logExecutionData: true }).template
      .hasResourceProperties('AWS::StepFunctions::StateMachine', { LoggingConfiguration: Match.objectLike({ IncludeExecutionData: true }) });
  });

  test('an alarm on failed, timed-out and aborted executions, notifying the topic when given', () => {
    const stack = new Stack(new App(), 'Alarm');
    const topic = new sns.Topic(stack, 'Topic');
    const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', alarmTopic: topic });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: stack.getLogicalId(topic.node.defaultChild as any) }],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(FILL(failed, 0) > FILL(rejected, 0), FILL(failed, 0) - FILL(rejected, 0), 0) + FILL(timedOut, 0) + FILL(aborted, 0)' }),
        Match.objectLike({ Id: 'failed', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsFailed' }) }) }),
        Match.objectLike({ Id: 'timedOut', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut' }) }) }),
        Match.objectLike({ Id: 'aborted', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsAborted' }) }) }),
      ]),
    });
    expect(workflow.executionsAlarm).toBeDefined();
    expect(workflow.metricSucceeded().metricName).toBe('ExecutionsSucceeded');
  });

  test('grantStartExecution gives states:StartExecution on the state machine only', () => {
    const stack = new Stack(new App(), 'Grant');
    const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com' });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    workflow.grantStartExecution(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as any) }],
      PolicyDocument: { Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: stack.getLogicalId(workflow.stateMachine.node.defaultChild as any) } }] },
    });
  });

  test('Express workflows are supported with a 5-minute default timeout', () => {
    const template = workflowStack({ workflowType: sfn.StateMachineType.EXPRESS }).template;
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'EXPRESS' });
    expect(stateMachineDefinition(template).TimeoutSeconds).toBe(300);
  });
});
