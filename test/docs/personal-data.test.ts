/**
 * The README's "Personal data" table against the synthesized template: every place it lists is
 * checked here, and every place checked here is listed (with the defaults, and with the props
 * that keep less).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SupportCaseWorkflow } from '../../src';
import { policyStatements, stateMachineDefinition, TEST_ROSTER, workflowStack } from '../template-helpers';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const section = README.slice(README.indexOf('<!-- personal-data:start -->'), README.indexOf('<!-- personal-data:end -->'));
const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| place') && !l.startsWith('| ---'))
  .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
const row = (place: string) => rows.find((r) => r[0] === place)!;

const defaults = workflowStack().template;
const all = (type: string, t: Template = defaults) => Object.values<any>(t.findResources(type)).map((r) => r.Properties);

/** For each place the README lists: what the template must show for its "kept" and "to keep less" columns to be true. */
const CHECKS: Record<string, () => void> = {
  'Case table': () => {
    const [table] = all('AWS::DynamoDB::Table');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toBeUndefined(); // "until deleted"
    expect(row('Case table')[2]).toMatch(/until deleted.*35 days/);
    const kept = all('AWS::DynamoDB::Table', workflowStack({ closedCaseRetention: Duration.days(30) }).template)[0];
    expect(kept.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(row('Case table')[3]).toMatch(/`closedCaseRetention`.*`encryptionKey`/);
  },
  'Execution history': () => {
    expect(stateMachineDefinition(defaults).States['Assign Case']).toBeDefined();
    expect(all('AWS::StepFunctions::StateMachine')[0].StateMachineType).toBe('STANDARD');
    const stack = new Stack(new App(), 'K');
    new SupportCaseWorkflow(stack, 'S', { roster: TEST_ROSTER, senderEmail: 'support@example.com', encryptionKey: new kms.Key(stack, 'Key') });
    expect(all('AWS::StepFunctions::StateMachine', Template.fromStack(stack))[0].EncryptionConfiguration.Type).toBe('CUSTOMER_MANAGED_KMS_KEY');
    expect(row('Execution history')[2]).toMatch(/90 days/);
  },
  'Logs': () => {
    expect(all('AWS::StepFunctions::StateMachine')[0].LoggingConfiguration.IncludeExecutionData).toBe(false);
    const groups = all('AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4);
    expect(groups.every((g) => g.RetentionInDays === 90)).toBe(true);
    expect(row('Logs')[2]).toBe('`logRetention` (3 months)');
  },
  'Metrics': () => {
    expect(JSON.stringify(defaults.toJSON())).toContain('EmployeeId');
    expect(row('Metrics')[1]).toMatch(/`CasesAssigned` per `EmployeeId`/);
  },
  'Traces': () => {
    expect(all('AWS::StepFunctions::StateMachine')[0].TracingConfiguration).toEqual({ Enabled: true });
    expect(all('AWS::Lambda::Function').every((f) => f.TracingConfig?.Mode === 'Active')).toBe(true);
    const off = workflowStack({ tracingEnabled: false }).template;
    expect(all('AWS::Lambda::Function', off).every((f) => f.TracingConfig?.Mode === 'PassThrough' || f.TracingConfig === undefined)).toBe(true);
  },
  'Roster layer': () => {
    expect(all('AWS::Lambda::LayerVersion').map((l) => l.Description)).toEqual(['Configuration file assign-case.json of a support case workflow function']);
  },
  'Assets bucket': () => {
    const [layer] = all('AWS::Lambda::LayerVersion');
    expect(JSON.stringify(layer.Content.S3Bucket)).toContain('cdk-hnb659fds-assets');
    const ses = policyStatements(defaults).find((s) => s.Action === 'ses:SendEmail');
    expect(ses.Condition['ForAllValues:StringEqualsIgnoreCase']['ses:Recipients']).toEqual(['ana@example.com', 'bo@example.com']);
  },
  'Acknowledge page': () => {
    // Off by default: no public page at all.
    expect(all('AWS::Lambda::Url')).toEqual([]);
    const on = workflowStack({ acknowledgement: {} }).template;
    expect(all('AWS::Lambda::Url', on)).toEqual([expect.objectContaining({ AuthType: 'NONE' })]);
    // A link's lifetime: escalateAfter (15 min) + 15 min at most.
    const sendEmail = all('AWS::Lambda::Function', on).find((f) => f.Environment.Variables.ACK_LINK_TTL_SECONDS !== undefined);
    expect(sendEmail.Environment.Variables.ACK_LINK_TTL_SECONDS).toBe(String(30 * 60));
    expect(row('Acknowledge page')[2]).toMatch(/`escalateAfter` \+ 15 min/);
  },
};

test('the README lists exactly the places checked here', () => {
  expect(rows.map((r) => r[0])).toEqual(Object.keys(CHECKS));
});

test.each(Object.keys(CHECKS))('%s: the README row matches the synthesized template', (place) => {
  CHECKS[place]();
});
