/** The roster: a fixed list rides in a configuration layer; a roster table is scanned by Assign Case. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack, aws_dynamodb as dynamodb } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow } from '../../src';
import { employees } from '../template-helpers';

describe('fixed roster', () => {
  test('1,000 employees ride in a configuration layer of Assign Case, not in its environment', () => {
    const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'BigRoster');
    const roster = employees(1_000);
    const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: EmployeeRoster.fromEmployees(roster), senderEmail: 'support@example.com' });
    const template = Template.fromStack(stack);
    const layers = template.findResources('AWS::Lambda::LayerVersion');
    expect(Object.keys(layers)).toHaveLength(1);
    const [layerId] = Object.keys(layers);
    const fn = template.toJSON().Resources[stack.getLogicalId(workflow.assignCaseFunction.node.defaultChild as any)];
    expect(fn.Properties.Layers).toEqual([{ Ref: layerId }]);
    expect(JSON.stringify(fn.Properties.Environment)).not.toContain('employee-999');
    expect(Buffer.byteLength(JSON.stringify(fn.Properties.Environment))).toBeLessThan(4096);
    // The file the handler reads: /opt/support-case-workflow/assign-case.json
    const assetDir = join(app.outdir, layers[layerId].Metadata['aws:asset:path']);
    const file = JSON.parse(readFileSync(join(assetDir, 'support-case-workflow', 'assign-case.json'), 'utf8'));
    expect(file).toEqual({ roster });
  });

  test('the layer changes only with the roster (content-hashed asset)', () => {
    const layerCode = (list: ReturnType<typeof employees>) => {
      const stack = new Stack(new App(), 'Hash');
      new SupportCaseWorkflow(stack, 'Support', { roster: EmployeeRoster.fromEmployees(list), senderEmail: 'support@example.com' });
      return JSON.stringify(Object.values<any>(Template.fromStack(stack).findResources('AWS::Lambda::LayerVersion'))[0].Properties.Content);
    };
    expect(layerCode(employees(3))).toBe(layerCode(employees(3)));
    expect(layerCode(employees(3))).not.toBe(layerCode(employees(4)));
  });

  test('a roster kept in a table adds no configuration layer', () => {
    const stack = new Stack(new App(), 'NoLayer');
    new SupportCaseWorkflow(stack, 'Support', {
      roster: EmployeeRoster.fromTable(dynamodb.Table.fromTableName(stack, 'R', 'roster')), senderEmail: 'support@example.com',
    });
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::LayerVersion', 0);
  });
});

describe('roster kept in a table', () => {
  test('Assign Case may Scan the roster table and is told where it is', () => {
    const stack = new Stack(new App(), 'RosterTable', { env: { account: '111111111111', region: 'eu-west-1' } });
    const rosterTable = dynamodb.Table.fromTableName(stack, 'Roster', 'roster');
    new SupportCaseWorkflow(stack, 'Support', {
      roster: EmployeeRoster.fromTable(rosterTable, { cacheTtl: Duration.seconds(30) }),
      senderEmail: 'support@example.com',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ROSTER_TABLE_NAME: 'roster', ROSTER_CACHE_SECONDS: '30' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'dynamodb:Scan',
          Resource: Match.arrayWith([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dynamodb:eu-west-1:111111111111:table/roster']] }]),
        })]),
      },
    });
  });

  test('a roster table of the app with the wrong key fails synth, naming roster', () => {
    const stack = new Stack(new App(), 'RosterKey');
    const table = new dynamodb.Table(stack, 'R', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    expect(() => new SupportCaseWorkflow(stack, 'S', { roster: EmployeeRoster.fromTable(table), senderEmail: 'a@example.com' }))
      .toThrow(/- roster: the table must have partition key "employeeId" of type string and no sort key; it has partition key "id"/);
  });

  test('an imported roster table gets a synth warning with the key it must have', () => {
    const stack = new Stack(new App(), 'RosterImported');
    new SupportCaseWorkflow(stack, 'S', { roster: EmployeeRoster.fromTable(dynamodb.Table.fromTableName(stack, 'R', 'roster')), senderEmail: 'a@example.com' });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('roster: .* must have partition key "employeeId" of type string'));
  });

  test('a cache longer than an hour is rejected', () => {
    const stack = new Stack();
    const roster = EmployeeRoster.fromTable(dynamodb.Table.fromTableName(stack, 'R', 'roster'), { cacheTtl: Duration.hours(2) });
    expect(() => new SupportCaseWorkflow(stack, 'S', { roster, senderEmail: 'a@example.com' })).toThrow(/roster\.cacheTtl: 2 hours is longer than an hour/);
  });
});
