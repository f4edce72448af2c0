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
