/** Least data at synth: an optional KMS key for the execution history and the table, an optional expiry of closed cases. */
import { App, Duration, Stack, aws_dynamodb as dynamodb, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow } from '../../src';
import { stateMachineDefinition, TEST_ROSTER, workflowStack } from '../template-helpers';

const resourcesOf = (template: ReturnType<typeof workflowStack>['template'], type: string) => Object.values<any>(template.findResources(type));

describe('encryptionKey', () => {
  test('encrypts the execution history (state machine) and the created table with the key', () => {
    const stack = new Stack(new App(), 'K');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const w = new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', encryptionKey: key });
    const t = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as any), 'Arn'] };
    const [sm] = resourcesOf(t, 'AWS::StepFunctions::StateMachine');
    expect(sm.Properties.EncryptionConfiguration).toEqual(expect.objectContaining({ Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: keyArn }));
    const [table] = resourcesOf(t, 'AWS::DynamoDB::Table');
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn });
    expect(w.table.encryptionKey).toBe(key);
  });

  test('without it: AWS-owned keys (the defaults), no KMS key anywhere', () => {
    const { template } = workflowStack();
    expect(resourcesOf(template, 'AWS::StepFunctions::StateMachine')[0].Properties.EncryptionConfiguration).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('kms:');
  });

  test('with a brought table it keys the state machine only, and says so', () => {
    const stack = new Stack(new App(), 'K');
    const key = new kms.Key(stack, 'Key');
    const table = new dynamodb.Table(stack, 'Cases', { partitionKey: { name: 'caseId', type: dynamodb.AttributeType.STRING } });
    new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', encryptionKey: key, table });
    Annotations.fromStack(stack).hasInfo('*', Match.stringLikeRegexp('encryptionKey: encrypts the execution history only'));
  });
});

describe('closedCaseRetention', () => {
  test('turns on the created table\'s TTL on expiresAt and tells Assign Case how long a case lives', () => {
    const { template } = workflowStack({ closedCaseRetention: Duration.days(30) });
    const [table] = resourcesOf(template, 'AWS::DynamoDB::Table');
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    const vars = resourcesOf(template, 'AWS::Lambda::Function').map((f) => f.Properties.Environment?.Variables ?? {});
    // the execution's longest life (its timeout) plus the retention
    const timeout = stateMachineDefinition(template).TimeoutSeconds;
    expect(vars.map((v) => v.CASE_EXPIRES_AFTER_SECONDS).filter(Boolean)).toEqual([String(timeout + 30 * 86400)]);
  });

  test('without it: no TTL, no expiry', () => {
    const { template } = workflowStack();
    expect(resourcesOf(template, 'AWS::DynamoDB::Table')[0].Properties.TimeToLiveSpecification).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('CASE_EXPIRES_AFTER_SECONDS');
  });

  test('a brought table: the attribute is written, and a warning says to turn TTL on for it', () => {
    const stack = new Stack(new App(), 'T');
    const table = dynamodb.Table.fromTableName(stack, 'Cases', 'cases');
    new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', table, closedCaseRetention: Duration.days(7) });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('closedCaseRetention: turn on TTL .*expiresAt'));
  });

  test.each([[Duration.minutes(30), /closedCaseRetention: must be at least 1 hour/], [Duration.millis(3_600_500), /whole seconds/]])(
    'refused at synth: %s', (closedCaseRetention, message) => {
      expect(() => workflowStack({ closedCaseRetention })).toThrow(message);
    });
});

test('an employee id that looks like an address (personal data in logs and metrics) gets a synth warning', () => {
  const stack = new Stack(new App(), 'E');
  const roster = EmployeeRoster.fromEmployees([{ id: 'ana@example.com', name: 'Ana', email: 'ana@example.com' }]);
  new SupportCaseWorkflow(stack, 'Support', { roster, senderEmail: 'support@example.com' });
  Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('roster: 1 employee id\\(s\\) look like email addresses'));
  expect(Annotations.fromStack(workflowStack().stack).findWarning('*', Match.stringLikeRegexp('look like email addresses'))).toHaveLength(0);
});
