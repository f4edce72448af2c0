import { App, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EmployeeRoster, SupportCaseWorkflow } from '../src';

function defaultStack(): Stack {
  const stack = new Stack(new App(), 'Nag');
  new SupportCaseWorkflow(stack, 'Support', {
    roster: EmployeeRoster.fromEmployees([{ id: 'a', name: 'A', email: 'a@example.com' }]),
    senderEmail: 'support@example.com',
  });
  return stack;
}

describe('cdk-nag AwsSolutions on a stack with the construct and its defaults', () => {
  test('no unacknowledged errors or warnings', () => {
    const report = new AwsSolutionsChecks().validateScope(defaultStack());
    const findings = report.violations.map((v) => `${v.ruleName} (${v.severity}): ${v.description}`);
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('the checks do run: a wildcard policy added next to the construct is reported', () => {
    const stack = defaultStack();
    const role = new iam.Role(stack, 'Loose', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-IAM5[Action::dynamodb:*]']));
  });

  test('the acknowledged "*" resources hold only actions that have no resource-level permissions', () => {
    const allowedOnStar = /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))$/;
    const policies = Template.fromStack(defaultStack()).findResources('AWS::IAM::Policy');
    const onStar = Object.values<any>(policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => [s.Resource].flat().includes('*'))
      .flatMap((s) => [s.Action].flat());
    expect(onStar.length).toBeGreaterThan(0);
    for (const action of onStar) expect(action).toMatch(allowedOnStar);
  });
});
