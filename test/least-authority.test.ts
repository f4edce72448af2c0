/** The construct's side of least authority: what a conflicting case does to the record, and whom Send Email may mail. */
import { aws_dynamodb as dynamodb, Stack, App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow } from '../src';
import { policyStatements, stateMachineDefinition, workflowStack } from './template-helpers';

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
