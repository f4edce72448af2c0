/** The construct's side of least privilege and least authority: what each role may do, what a conflicting case does to the record, and whom Send Email may mail. */
import { aws_dynamodb as dynamodb, Stack, App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow } from '../../src';
import { logicalIdOf, policyStatements, stateMachineDefinition, workflowStack } from '../template-helpers';

describe('a conflicting case', () => {
  const def = stateMachineDefinition(workflowStack().template);

  test.each(['Assign Case', 'Send Email'])('%s: CaseConflict fails the execution without marking the stored case FAILED', (state) => {
    const catches: any[] = def.States[state].Catch;
    const conflict = catches.findIndex((c) => c.ErrorEquals.includes('CaseConflict'));
    const all = catches.findIndex((c) => c.ErrorEquals.includes('States.ALL'));
    expect(conflict).toBeGreaterThanOrEqual(0);
    expect(conflict).toBeLessThan(all); // caught before the catch-all that leads to Record Failure
    expect(catches[conflict]).toEqual({ ErrorEquals: ['CaseConflict'], ResultPath: '$.error', Next: 'Failure Not Recorded' });
  });
});

describe('Send Email may mail only the roster', () => {
  const sesStatement = (template: ReturnType<typeof workflowStack>['template']) =>
    policyStatements(template).find((s) => s.Action === 'ses:SendEmail');

  test('a fixed roster: ses:Recipients limited to its addresses, next to ses:FromAddress', () => {
    const ses = sesStatement(workflowStack().template);
    expect(ses.Condition).toEqual({
      'StringEquals': { 'ses:FromAddress': 'support@example.com' },
      'ForAllValues:StringEqualsIgnoreCase': { 'ses:Recipients': ['ana@example.com', 'bo@example.com'] },
    });
  });

  test('a fixed roster too large for the role\'s policy quota: only ses:FromAddress', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ id: `e${i}`, name: `E ${i}`, email: `employee.number.${i}@example.com` }));
    const ses = sesStatement(workflowStack({ roster: EmployeeRoster.fromEmployees(many) }).template);
    expect(ses.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'support@example.com' } });
  });

  test('a roster table (addresses unknown at synth): only ses:FromAddress', () => {
    const stack = new Stack(new App(), 'T');
    const table = new dynamodb.Table(stack, 'Roster', { partitionKey: { name: 'employeeId', type: dynamodb.AttributeType.STRING } });
    new SupportCaseWorkflow(stack, 'Support', { roster: EmployeeRoster.fromTable(table), senderEmail: 'support@example.com' });
    expect(sesStatement(Template.fromStack(stack)).Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'support@example.com' } });
  });
});

describe('link and template hygiene at synth', () => {
  test('values where escaping does not protect fail synth, every one reported at once', () => {
    expect(() => workflowStack({ emailTemplate: { html: '<a href={{title}}>x</a> <a href="{{customerName}}">y</a> <p style="{{priority}}">z</p>' } }))
      .toThrow(/emailTemplate\.html: \{\{title\}\} at character 9 is in an unquoted attribute value[\s\S]*emailTemplate\.html: \{\{customerName\}\} at character 34 is in href[\s\S]*emailTemplate\.html: \{\{priority\}\} at character 68 is in style/);
  });

  test('linkHosts reaches Open Case and Assign Case; absent, no variable', () => {
    const { template } = workflowStack({ linkHosts: ['tickets.example.com', '*.helpdesk.example'] });
    const vars = Object.values<any>(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment?.Variables ?? {});
    const withHosts = vars.filter((v) => v.LINK_HOSTS !== undefined);
    expect(withHosts).toHaveLength(2);
    expect(withHosts.map((v) => v.CASE_TABLE_NAME === undefined).sort()).toEqual([false, true]); // Assign Case has the table, Open Case not
    expect(JSON.parse(withHosts[0].LINK_HOSTS)).toEqual(['tickets.example.com', '*.helpdesk.example']);
    expect(JSON.stringify(workflowStack().template.toJSON())).not.toContain('LINK_HOSTS');
  });

  test.each([
    [[], /linkHosts: must not be empty/],
    [['https://tickets.example.com'], /linkHosts\[0\]: "https:\/\/tickets.example.com" is not a host name/],
    [['*'], /linkHosts\[0\]: "\*" is not a host name/],
    [['ok.example', 'a b'], /linkHosts\[1\]: "a b" is not a host name/],
  ])('linkHosts %j is refused at synth', (linkHosts, message) => {
    expect(() => workflowStack({ linkHosts })).toThrow(message);
  });
});

describe('least privilege', () => {
  const { template } = workflowStack();
  const policies = template.findResources('AWS::IAM::Policy');
  const roles = template.findResources('AWS::IAM::Role');
  const statementsOfRole = (fragment: string): any[] => {
    const roleId = Object.keys(roles).find((id) => id.includes(fragment))!;
    expect(roleId).toBeDefined();
    return Object.values<any>(policies)
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
  };
  const actionsOf = (statements: any[]) => statements.flatMap((s) => [s.Action].flat()).sort();

  test('no role has managed policies; no statement allows every action', () => {
    for (const role of Object.values<any>(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    for (const p of Object.values<any>(policies)) {
      for (const s of p.Properties.PolicyDocument.Statement) {
        for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*$/);
      }
    }
  });

  test('Open Case may only write its logs and traces', () => {
    expect(actionsOf(statementsOfRole('OpenCaseRole'))).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  test('Assign Case may PutItem and GetItem on the table only', () => {
    const tableId = logicalIdOf(template, 'AWS::DynamoDB::Table', 'Table');
    const ddb = statementsOfRole('AssignCaseRole').filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(ddb).toHaveLength(1);
    expect(ddb[0].Action).toEqual(['dynamodb:PutItem', 'dynamodb:GetItem']);
    expect([ddb[0].Resource].flat()).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
  });

  test('Send Email may UpdateItem and GetItem on the table and send only from the sender identity', () => {
    const statements = statementsOfRole('SendEmailRole');
    expect(actionsOf(statements)).toEqual([
      'dynamodb:GetItem', 'dynamodb:UpdateItem', 'logs:CreateLogStream', 'logs:PutLogEvents',
      'ses:GetSendQuota', 'ses:SendEmail', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
    const ses = statements.find((s) => s.Action === 'ses:SendEmail');
    expect(ses.Condition.StringEquals).toEqual({ 'ses:FromAddress': 'support@example.com' });
    expect(JSON.stringify(ses.Resource)).toContain(':ses:eu-west-1:111111111111:identity/support@example.com');
    expect(JSON.stringify(ses.Resource)).toContain(':ses:eu-west-1:111111111111:identity/example.com');
  });

  test('with a configuration set, Send Email sends through it and may use it', () => {
    const { template: t } = workflowStack({ configurationSetName: 'support-emails' });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SENDER_EMAIL: 'support@example.com', SES_CONFIGURATION_SET: 'support-emails' }) },
    });
    const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const ses = statements.find((st) => st.Action === 'ses:SendEmail');
    expect(ses.Condition.StringEquals).toEqual({ 'ses:FromAddress': 'support@example.com' });
    expect(ses.Resource).toHaveLength(3);
    expect(JSON.stringify(ses.Resource)).toContain(':ses:eu-west-1:111111111111:configuration-set/support-emails');
    // Without the prop: no configuration set in the environment or the policy.
    expect(JSON.stringify(template.toJSON())).not.toMatch(/configuration-set|SES_CONFIGURATION_SET/);
  });

  test('the state machine may invoke the three functions and mark a case failed, nothing else of ours', () => {
    const statements = statementsOfRole('StateMachineRole');
    const invoke = statements.filter((s) => s.Action === 'lambda:InvokeFunction');
    const invoked = invoke.flatMap((s) => s.Resource).map((r: any) => JSON.stringify(r));
    for (const fn of ['OpenCaseFunction', 'AssignCaseFunction', 'SendEmailFunction']) {
      expect(invoked.some((r) => r.includes(fn))).toBe(true);
    }
    expect(invoked.every((r) => /(OpenCase|AssignCase|SendEmail)Function/.test(r))).toBe(true);
    const ddb = statements.filter((s) => String(s.Action).startsWith('dynamodb:'));
    expect(ddb.map((s) => s.Action)).toEqual(['dynamodb:UpdateItem']);
  });
});
