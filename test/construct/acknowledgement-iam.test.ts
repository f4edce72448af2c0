/**
 * Acknowledge or escalate, least privilege: what each new role may do, the page's public function
 * URL and its resource policy, the SNS grant, and a template CloudFormation can order (no cycle).
 */
import { aws_dynamodb as dynamodb, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster } from '../../src';
import { logicalIdOf, workflowStack } from '../template-helpers';

/** The statements of every policy attached to the role whose logical id contains `fragment`, X-Ray and logs left out. */
function roleStatements(template: Template, fragment: string): any[] {
  const role = logicalIdOf(template, 'AWS::IAM::Role', fragment);
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s) => ![s.Action].flat().every((a: string) => a.startsWith('xray:') || a.startsWith('logs:')));
}

/** The actions of `statements`, flattened and sorted. */
const actionsOf = (statements: any[]) => statements.flatMap((s) => [s.Action].flat()).sort();

describe('acknowledgement on: the roles', () => {
  const { template } = workflowStack({ acknowledgement: {} });
  const table = logicalIdOf(template, 'AWS::DynamoDB::Table', 'Table');
  const stateMachine = logicalIdOf(template, 'AWS::StepFunctions::StateMachine', 'StateMachine');

  test('Wait For Acknowledgement may only UpdateItem the case table (no Step Functions at all)', () => {
    const statements = roleStatements(template, 'WaitForAcknowledgementRole');
    expect(actionsOf(statements)).toEqual(['dynamodb:UpdateItem']);
    expect(statements[0].Resource).toEqual([{ 'Fn::GetAtt': [table, 'Arn'] }]);
  });

  test('Escalate Case may GetItem/UpdateItem the case table (the fixed roster is in its layer)', () => {
    expect(actionsOf(roleStatements(template, 'EscalateCaseRole'))).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  });

  test('the page may GetItem/UpdateItem the case table and SendTaskSuccess on this state machine only: no states:*', () => {
    const statements = roleStatements(template, 'AcknowledgePageRole');
    expect(actionsOf(statements)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'states:SendTaskSuccess']);
    const sfnStatement = statements.find((s) => s.Action === 'states:SendTaskSuccess');
    expect(sfnStatement).toEqual({ Action: 'states:SendTaskSuccess', Effect: 'Allow', Resource: { Ref: stateMachine } });
    expect(JSON.stringify(statements)).not.toMatch(/states:\*|"Resource":"\*"/);
  });

  test('SendTaskSuccess is in a policy of its own, not the role\'s default policy, on which the function depends', () => {
    const policy = logicalIdOf(template, 'AWS::IAM::Policy', 'AcknowledgePageSendTaskSuccess');
    const page = template.toJSON().Resources[logicalIdOf(template, 'AWS::Lambda::Function', 'AcknowledgePageFunction')];
    expect(page.DependsOn).not.toContain(policy);
    expect(JSON.stringify(template.toJSON().Resources[logicalIdOf(template, 'AWS::IAM::Policy', 'AcknowledgePageRoleDefaultPolicy')]))
      .not.toContain('states:');
  });

  test('CloudFormation can order the resources: no dependency cycle (Send Email -> page URL -> page; page policy -> state machine -> Send Email)', () => {
    // Template.fromStack (above) refuses a template with a cycle, as it does here:
    const cyclic = { Resources: { A: { Type: 'X', Properties: { P: { Ref: 'B' } } }, B: { Type: 'X', DependsOn: ['A'] } } };
    expect(() => Template.fromJSON(cyclic)).toThrow(/dependency cycle: A -> B -> A/);
    expect(() => Template.fromJSON(template.toJSON())).not.toThrow();
  });

  test('the state machine may invoke the wait and escalate functions, and publish nowhere without a topic', () => {
    const actions = actionsOf(roleStatements(template, 'StateMachineRole'));
    expect(actions).not.toContain('sns:Publish');
    const invoked = roleStatements(template, 'StateMachineRole').filter((s) => s.Action === 'lambda:InvokeFunction').flatMap((s) => s.Resource);
    for (const fn of ['WaitForAcknowledgementFunction', 'EscalateCaseFunction']) {
      expect(invoked).toContainEqual({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Lambda::Function', fn), 'Arn'] });
    }
    expect(JSON.stringify(invoked)).not.toContain(logicalIdOf(template, 'AWS::Lambda::Function', 'AcknowledgePageFunction'));
  });
});

test('a roster table: Escalate Case may Scan it and gets its name, exactly as Assign Case', () => {
  const { template } = workflowStack((stack) => ({
    acknowledgement: {},
    roster: EmployeeRoster.fromTable(new dynamodb.Table(stack, 'Roster', { partitionKey: { name: 'employeeId', type: dynamodb.AttributeType.STRING } })),
  }));
  const roster = logicalIdOf(template, 'AWS::DynamoDB::Table', 'Roster');
  const scans = (role: string) => roleStatements(template, role).filter((s) => s.Action === 'dynamodb:Scan').flatMap((s) => s.Resource);
  expect(scans('EscalateCaseRole')).toEqual(scans('AssignCaseRole'));
  expect(scans('EscalateCaseRole')).toContainEqual({ 'Fn::GetAtt': [roster, 'Arn'] });
  const env = (fn: string) => template.toJSON().Resources[logicalIdOf(template, 'AWS::Lambda::Function', fn)].Properties.Environment.Variables;
  expect(env('EscalateCaseFunction').ROSTER_TABLE_NAME).toEqual(env('AssignCaseFunction').ROSTER_TABLE_NAME);
  expect(env('EscalateCaseFunction').ROSTER_CACHE_SECONDS).toEqual(env('AssignCaseFunction').ROSTER_CACHE_SECONDS);
});

describe('acknowledgement on: the page\'s function URL', () => {
  const { template } = workflowStack({ acknowledgement: { pageConcurrency: 3 } });
  const page = logicalIdOf(template, 'AWS::Lambda::Function', 'AcknowledgePageFunction');
  const permissions = Object.values<any>(template.findResources('AWS::Lambda::Permission')).map((p) => p.Properties)
    .filter((p) => p.FunctionName['Fn::GetAtt']?.[0] === page);

  test('AuthType NONE: anyone may invoke it, but only through the URL (InvokeFunctionUrl with AuthType NONE, InvokeFunction via the URL)', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [page, 'Arn'] } });
    expect(permissions).toHaveLength(2);
    expect(permissions).toContainEqual({ Action: 'lambda:InvokeFunctionUrl', FunctionName: { 'Fn::GetAtt': [page, 'Arn'] }, Principal: '*', FunctionUrlAuthType: 'NONE' });
    expect(permissions).toContainEqual({ Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [page, 'Arn'] }, Principal: '*', InvokedViaFunctionUrl: true });
  });

  test('no other function is public', () => {
    const all = Object.values<any>(template.findResources('AWS::Lambda::Permission')).map((p) => p.Properties);
    expect(all.filter((p) => p.Principal === '*')).toHaveLength(2);
  });

  test('reserved concurrency = pageConcurrency; the other functions have none', () => {
    const fns = Object.entries<any>(template.findResources('AWS::Lambda::Function'));
    const reserved = fns.map(([id, f]) => [id, f.Properties.ReservedConcurrentExecutions]).filter(([, n]) => n !== undefined);
    expect(reserved)
      .toEqual([[page, 3]]);
  });
});

describe('acknowledgement on: the unacknowledged topic', () => {
  test('the state machine may publish to the topic (and use its KMS key); nothing else may', () => {
    const { template } = workflowStack((stack) => ({
      acknowledgement: { unacknowledgedTopic: new sns.Topic(stack, 'Unacknowledged', { masterKey: new kms.Key(stack, 'TopicKey') }) },
    }));
    const topic = logicalIdOf(template, 'AWS::SNS::Topic', 'Unacknowledged');
    const statements = roleStatements(template, 'StateMachineRole');
    expect(statements).toContainEqual({ Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: topic } });
    expect(statements).toContainEqual({
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'TopicKey'), 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } },
    });
    for (const role of ['WaitForAcknowledgementRole', 'EscalateCaseRole', 'AcknowledgePageRole', 'SendEmailRole']) {
      expect(actionsOf(roleStatements(template, role))).not.toContain('sns:Publish');
    }
  });
});
