/** The case table: created by default, or brought (its key checked at synth), and the grants on its KMS key. */
import { App, RemovalPolicy, Stack, aws_dynamodb as dynamodb } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow } from '../../src';
import { TEST_ROSTER, workflowStack } from '../template-helpers';

describe('table', () => {
  test('created by default: on-demand, point-in-time recovery, retained, keyed by caseId', () => {
    const { workflow, template } = workflowStack();
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'caseId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'caseId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(workflow.table).toBeInstanceOf(dynamodb.Table);
  });

  test('a table with a customer-managed key: each role may use that key, through DynamoDB only (readers to decrypt, writers to encrypt too)', () => {
    const stack = new Stack(new App(), 'Kms', { env: { account: '111111111111', region: 'eu-west-1' } });
    const table = new dynamodb.Table(stack, 'Cases', {
      partitionKey: { name: 'caseId', type: dynamodb.AttributeType.STRING }, encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    });
    const rosterTable = new dynamodb.Table(stack, 'Roster', {
      partitionKey: { name: 'employeeId', type: dynamodb.AttributeType.STRING }, encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    });
    const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: EmployeeRoster.fromTable(rosterTable), senderEmail: 'support@example.com', table });
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const roleOf = (id: string) => stack.getLogicalId(id === 'sm' ? workflow.stateMachine.role.node.defaultChild as any : (workflow as any)[id].role.node.defaultChild);
    const kmsStatements = (owner: string) => Object.values<any>(policies)
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleOf(owner)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().some((a: string) => a.startsWith('kms:')));
    const keyArn = (t: dynamodb.Table) => ({ 'Fn::GetAtt': [stack.getLogicalId(t.encryptionKey!.node.defaultChild as any), 'Arn'] });
    const read = ['kms:Decrypt', 'kms:DescribeKey'];
    const write = [...read, 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];
    const statement = (t: dynamodb.Table, actions: string[]) => ({
      Action: actions,
      Effect: 'Allow',
      Resource: keyArn(t),
      Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } },
    });
    const expected = (t: dynamodb.Table) => [statement(t, write)];
    expect(kmsStatements('assignCaseFunction')).toEqual([statement(rosterTable, read), statement(table, write)]);
    expect(kmsStatements('sendEmailFunction')).toEqual(expected(table));
    expect(kmsStatements('sm')).toEqual(expected(table));
    expect(kmsStatements('openCaseFunction')).toEqual([]);
  });

  test('a brought table with the wrong key fails synth, naming table', () => {
    const stack = new Stack(new App(), 'WrongKey');
    const table = new dynamodb.Table(stack, 'Cases', { partitionKey: { name: 'id', type: dynamodb.AttributeType.NUMBER } });
    expect(() => new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', table })).toThrow(
      /- table: the table must have partition key "caseId" of type string and no sort key; it has partition key "id" of type N/);
  });

  test.each([
    ['a number partition key', { partitionKey: { name: 'caseId', type: dynamodb.AttributeType.NUMBER } }, /it has partition key "caseId" of type N$/m],
    ['a sort key', {
      partitionKey: { name: 'caseId', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'at', type: dynamodb.AttributeType.STRING },
    }, /it has partition key "caseId" of type S and sort key "at"/],
  ])('a brought table with %s fails synth', (_what, tableProps, message) => {
    const stack = new Stack(new App(), 'WrongKey2');
    const table = new dynamodb.Table(stack, 'Cases', tableProps);
    expect(() => new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', table })).toThrow(message);
  });

  test('a TableV2 with the right key is accepted; with the wrong key it fails', () => {
    const ok = new Stack(new App(), 'V2');
    const good = new dynamodb.TableV2(ok, 'Cases', { partitionKey: { name: 'caseId', type: dynamodb.AttributeType.STRING } });
    expect(() => new SupportCaseWorkflow(ok, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', table: good })).not.toThrow();
    const bad = new Stack(new App(), 'V2Bad');
    const wrong = new dynamodb.TableV2(bad, 'Cases', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    expect(() => new SupportCaseWorkflow(bad, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', table: wrong }))
      .toThrow(/table: the table must have partition key "caseId"/);
  });

  test('an imported table gets a synth warning saying which key it must have; a table of the app does not', () => {
    const stack = new Stack(new App(), 'Imported');
    new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', table: dynamodb.Table.fromTableName(stack, 'T', 'cases') });
    Annotations.fromStack(stack).hasWarning('/Imported/Support',
      Match.stringLikeRegexp('table: the key of an imported table cannot be checked at synth; it must have partition key "caseId" of type string and no sort key'));
    const own = workflowStack().stack;
    expect(Annotations.fromStack(own).findWarning('*', Match.stringLikeRegexp('cannot be checked'))).toEqual([]);
  });

  test('removal policy can be overridden', () => {
    const template = workflowStack({ tableRemovalPolicy: RemovalPolicy.DESTROY }).template;
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('a table brought by the user is used, and none is created', () => {
    const stack = new Stack(new App(), 'Byo', { env: { account: '111111111111', region: 'eu-west-1' } });
    const table = dynamodb.Table.fromTableName(stack, 'Existing', 'cases');
    const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', table });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(workflow.table).toBe(table);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CASE_TABLE_NAME: 'cases' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['dynamodb:PutItem', 'dynamodb:GetItem'],
          Resource: Match.arrayWith([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dynamodb:eu-west-1:111111111111:table/cases']] }]),
        })]),
      },
    });
  });
});
