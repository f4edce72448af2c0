import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnParameter, Duration, RemovalPolicy, Stack, aws_dynamodb as dynamodb, aws_iam as iam, aws_sns as sns, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../src';
import { STATE_NAMES } from '../src/shared/contract';

const ROSTER = EmployeeRoster.fromEmployees([
  { id: 'e1', name: 'Ana', email: 'ana@example.com' },
  { id: 'e2', name: 'Bo', email: 'bo@example.com' },
]);

/** `count` distinct employees. */
function employees(count: number): { id: string; name: string; email: string }[] {
  return Array.from({ length: count }, (_, i) => ({ id: `employee-${i}`, name: `Employee Number ${i}`, email: `employee.number.${i}@example.com` }));
}

function stackWith(props: Partial<SupportCaseWorkflowProps> = {}): { stack: Stack; workflow: SupportCaseWorkflow } {
  const stack = new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', ...props });
  return { stack, workflow };
}

/** The state machine definition with the CloudFormation tokens left in place as objects. */
function definitionOf(template: Template): any {
  const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
  const parts: any[] = sm.Properties.DefinitionString['Fn::Join'][1];
  // Replace each token by a marker holding its logical id, so the JSON parses.
  const text = parts.map((p) => (typeof p === 'string' ? p : `TOKEN(${JSON.stringify(p).replace(/"/g, '\'')})`)).join('');
  return JSON.parse(text);
}

/** The email claim's lease the construct gives Send Email. */
function leaseOf(template: Template): string {
  const fns = Object.values<any>(template.findResources('AWS::Lambda::Function'));
  return fns.map((f) => f.Properties.Environment?.Variables?.EMAIL_LEASE_SECONDS).find((v) => v !== undefined);
}

function logicalIdOf(template: Template, type: string, fragment: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(fragment));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('state machine definition', () => {
  const template = Template.fromStack(stackWith().stack);
  const def = definitionOf(template);

  test('runs Open Case, Assign Case, Send Email in that order and nothing else on the happy path', () => {
    expect(def.StartAt).toBe('Open Case');
    expect(def.States['Open Case'].Next).toBe('Assign Case');
    expect(def.States['Assign Case'].Next).toBe('Send Email');
    expect(def.States['Send Email'].End).toBe(true);
    expect(Object.keys(def.States).sort()).toEqual(Object.values(STATE_NAMES).sort());
  });

  test.each([
    ['Open Case', 'OpenCaseFunction'],
    ['Assign Case', 'AssignCaseFunction'],
    ['Send Email', 'SendEmailFunction'],
  ])('%s invokes its own function directly', (state, fn) => {
    const id = logicalIdOf(template, 'AWS::Lambda::Function', fn);
    expect(def.States[state].Type).toBe('Task');
    expect(def.States[state].Resource).toBe(`TOKEN({'Fn::GetAtt':['${id}','Arn']})`);
  });

  test('Open Case receives the execution input as is, so {"inputCaseID": "001"} is accepted', () => {
    expect(def.States['Open Case'].Parameters).toBeUndefined();
    expect(def.States['Open Case'].InputPath).toBeUndefined();
  });

  test('Send Email gets the case, the execution id (owner of the email claim) and its start (the patience counts from it)', () => {
    expect(def.States['Send Email'].Parameters).toEqual({ 'case.$': '$', 'executionId.$': '$$.Execution.Id', 'startedAt.$': '$$.Execution.StartTime' });
  });

  test.each(['Open Case', 'Assign Case', 'Send Email'])('%s retries Lambda service errors and throttling with backoff, never validation errors', (state) => {
    const retry: any[] = def.States[state].Retry;
    const lambdaRetry = retry.find((r) => r.ErrorEquals.includes('Lambda.ServiceException'));
    expect(lambdaRetry.ErrorEquals).toEqual(expect.arrayContaining([
      'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.ClientExecutionTimeoutException',
    ]));
    expect(lambdaRetry.BackoffRate).toBeGreaterThan(1);
    expect(lambdaRetry.JitterStrategy).toBe('FULL');
    // Lambda's throttle (CDK's default retry leaves it out) gets its own, more patient retrier
    const throttled = retry.find((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
    expect(throttled).toMatchObject({ ErrorEquals: ['Lambda.TooManyRequestsException'], MaxAttempts: 12, MaxDelaySeconds: 10, JitterStrategy: 'FULL' });
    const retried = retry.flatMap((r) => r.ErrorEquals);
    for (const never of ['InvalidCaseInput', 'ConfigurationError', 'States.ALL', 'EmailRejected', 'DailyQuotaExceeded', 'UnrecognizedCaseRecord']) {
      expect(retried).not.toContain(never);
    }
  });

  test('each step retries only the errors it can raise', () => {
    const retried = (state: string) => def.States[state].Retry.flatMap((r: any) => r.ErrorEquals);
    expect(retried('Open Case')).not.toContain('DependencyUnavailable');
    expect(retried('Assign Case')).toContain('DependencyUnavailable');
    expect(retried('Assign Case')).not.toContain('EmailSendInProgress');
    expect(retried('Send Email')).toEqual(expect.arrayContaining(['DependencyUnavailable', 'EmailSendInProgress']));
    // SES's rate is waited for in Wait For Send Slot, never by retrying
    expect(retried('Send Email')).not.toContain('EmailThrottled');
    expect(retried('Send Email')).not.toContain('EmailSlotReserved');
  });

  test('waiting for another attempt\'s email claim always outlasts the claim\'s lease', () => {
    for (const handlerTimeout of [10, 60, 300]) {
      const props = { handlerTimeout: Duration.seconds(handlerTimeout), taskTimeout: Duration.seconds(handlerTimeout + 20) };
      const t = Template.fromStack(stackWith(props).stack);
      const lease = Number(leaseOf(t));
      // the lease covers the function's timeout and Record Sent Email's retries (waits and attempt timeouts)
      const recordSent = definitionOf(t).States['Record Sent Email'];
      const any = recordSent.Retry.find((r: any) => r.ErrorEquals.includes('States.ALL'));
      let recordBudget = (any.MaxAttempts + 1) * recordSent.TimeoutSeconds;
      for (let i = 0; i < any.MaxAttempts; i++) recordBudget += Math.min(any.IntervalSeconds * any.BackoffRate ** i, any.MaxDelaySeconds);
      expect(lease).toBeGreaterThanOrEqual(handlerTimeout + recordBudget);
      const retry = definitionOf(t).States['Send Email'].Retry.find((r: any) => r.ErrorEquals.includes('EmailSendInProgress'));
      expect(retry.JitterStrategy ?? 'NONE').toBe('NONE');
      const wait = (i: number) => Math.min(retry.IntervalSeconds * retry.BackoffRate ** i, retry.MaxDelaySeconds);
      const waits = Array.from({ length: retry.MaxAttempts }, (_, i) => wait(i));
      // one claim is outlived by the first retries, and every later retry alone outlives a claim
      // (an execution may meet several claims left by dead attempts: the count is shared)
      expect(waits.slice(0, 3).reduce((a, b) => a + b, 0)).toBeGreaterThan(lease);
      expect(waits.slice(3).every((w) => w >= lease)).toBe(true);
      expect(waits.length - 3).toBeGreaterThanOrEqual(4);
    }
  });

  test('a killed function (timeout, out of memory) is tried again', () => {
    const retried = def.States['Send Email'].Retry.flatMap((r: any) => r.ErrorEquals);
    expect(retried).toEqual(expect.arrayContaining(['Lambda.Unknown', 'Sandbox.Timedout', 'States.Timeout']));
  });

  test('every task has a timeout and the execution has one that outlasts the wait for a send slot', () => {
    for (const [name, state] of Object.entries<any>(def.States).filter(([, s]) => s.Type === 'Task')) {
      expect(state.TimeoutSeconds).toBe(name === 'Record Sent Email' ? 5 : 30);
    }
    // emailThrottlePatience (3 h) + 15 minutes
    expect(def.TimeoutSeconds).toBe(3 * 3600 + 15 * 60);
  });

  test('failures are caught: Open Case ends in Case Failed, later steps mark the record first', () => {
    expect(def.States['Open Case'].Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'Case Failed' }]);
    // a CaseConflict is another's case: not marked (least-authority.test.ts)
    expect(def.States['Assign Case'].Catch[1]).toEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record Failure' });
    expect(def.States['Send Email'].Catch).toEqual([
      { ErrorEquals: ['EmailSentNotRecorded'], ResultPath: '$.error', Next: 'Email Sent Not Recorded' },
      { ErrorEquals: ['CaseConflict'], ResultPath: '$.error', Next: 'Failure Not Recorded' },
      { ErrorEquals: ['EmailSlotReserved'], ResultPath: '$.sendSlot', Next: 'Wait For Send Slot' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record Failure' },
    ]);
    expect(def.States['Record Failure'].Resource).toBe("arn:TOKEN({'Ref':'AWS::Partition'}):states:::dynamodb:updateItem");
    expect(def.States['Record Failure']).toMatchObject({ Next: 'Case Failed', OutputPath: '$.error' });
    expect(def.States['Record Failure'].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Failure Not Recorded' }]);
    expect(def.States['Failure Not Recorded']).toMatchObject({ Type: 'Pass', OutputPath: '$.error', Next: 'Case Failed' });
    expect(def.States['Case Failed']).toMatchObject({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' });
  });

  test('Record Failure touches only a record the workflow wrote and whose email did not go out', () => {
    expect(def.States['Record Failure'].Parameters.ConditionExpression).toBe('attribute_exists(emailStatus) AND #status <> :emailed');
  });

  test('an email SES accepted but Send Email could not record is recorded by the state machine, never sent again', () => {
    const s = def.States;
    expect(s['Email Sent Not Recorded']).toMatchObject({
      Type: 'Pass', Parameters: { 'cause.$': 'States.StringToJson($.error.Cause)' }, ResultPath: '$.sent', Next: 'Read Sent Email',
    });
    expect(s['Read Sent Email']).toMatchObject({
      Type: 'Pass', Parameters: { 'email.$': 'States.StringToJson($.sent.cause.errorMessage)' }, ResultPath: '$.sent', Next: 'Record Sent Email',
    });
    expect(s['Record Sent Email']).toMatchObject({
      Resource: "arn:TOKEN({'Ref':'AWS::Partition'}):states:::dynamodb:updateItem",
      Next: 'Email Recorded',
      Parameters: {
        ConditionExpression: '(emailAttemptId = :attempt AND emailStatus = :sending) OR (emailStatus = :sent AND messageId = :mid)',
        UpdateExpression: expect.stringContaining('REMOVE failureError'),
        ExpressionAttributeValues: expect.objectContaining({ ':mid': { 'S.$': '$.sent.email.messageId' }, ':resends': { 'N.$': '$.sent.email.emailAmbiguousResends' } }),
      },
    });
    // a failed condition (the claim is someone else's now) is not retried; everything else is
    expect(s['Record Sent Email'].Retry[0]).toMatchObject({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 });
    expect(s['Record Sent Email'].Retry[1]).toMatchObject({ ErrorEquals: ['States.ALL'], JitterStrategy: 'FULL' });
    // the email went out: never through Record Failure
    expect(s['Record Sent Email'].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Failure Not Recorded' }]);
    // the error carries ids only: the output is built from the case Send Email checked against the record
    expect(s['Email Recorded']).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.details', IsPresent: true, Next: 'Sent Email Result With Details' }], Default: 'Sent Email Result' });
    expect(s['Sent Email Result']).toEqual({
      Type: 'Pass',
      End: true,
      Parameters: { 'caseId.$': '$.caseId', 'employee.$': '$.employee', 'messageId.$': '$.sent.email.messageId', 'assignedAt.$': '$.assignedAt', 'emailedAt.$': '$.sent.email.emailedAt' },
    });
    expect(s['Sent Email Result With Details'].Parameters['details.$']).toBe('$.details');
  });
});

describe('bursts and SES limits (more in paced-sending.test.ts)', () => {
  test('the daily quota is never retried', () => {
    const retried = definitionOf(Template.fromStack(stackWith().stack)).States['Send Email'].Retry.flatMap((r: any) => r.ErrorEquals);
    expect(retried).not.toContain('DailyQuotaExceeded');
  });

  test('Express: the default patience fits in 5 minutes; a patience that does not is refused, naming both props', () => {
    const express = { workflowType: sfn.StateMachineType.EXPRESS };
    expect(() => stackWith(express)).not.toThrow();
    expect(() => stackWith({ ...express, emailThrottlePatience: Duration.seconds(250) }))
      .toThrow(/emailThrottlePatience: 4 minutes 10 seconds lets a case wait for a send slot up to 4 minutes 10 seconds, .* does not fit in executionTimeout \(5 minutes, the default\)/);
  });
});

describe('table', () => {
  test('created by default: on-demand, point-in-time recovery, retained, keyed by caseId', () => {
    const { stack, workflow } = stackWith();
    const template = Template.fromStack(stack);
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
    expect(() => new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', table })).toThrow(
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
    expect(() => new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', table })).toThrow(message);
  });

  test('a TableV2 with the right key is accepted; with the wrong key it fails', () => {
    const ok = new Stack(new App(), 'V2');
    const good = new dynamodb.TableV2(ok, 'Cases', { partitionKey: { name: 'caseId', type: dynamodb.AttributeType.STRING } });
    expect(() => new SupportCaseWorkflow(ok, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', table: good })).not.toThrow();
    const bad = new Stack(new App(), 'V2Bad');
    const wrong = new dynamodb.TableV2(bad, 'Cases', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    expect(() => new SupportCaseWorkflow(bad, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', table: wrong }))
      .toThrow(/table: the table must have partition key "caseId"/);
  });

  test('an imported table gets a synth warning saying which key it must have; a table of the app does not', () => {
    const stack = new Stack(new App(), 'Imported');
    new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', table: dynamodb.Table.fromTableName(stack, 'T', 'cases') });
    Annotations.fromStack(stack).hasWarning('/Imported/Support',
      Match.stringLikeRegexp('table: the key of an imported table cannot be checked at synth; it must have partition key "caseId" of type string and no sort key'));
    const own = stackWith().stack;
    expect(Annotations.fromStack(own).findWarning('*', Match.stringLikeRegexp('cannot be checked'))).toEqual([]);
  });

  test('removal policy can be overridden', () => {
    const template = Template.fromStack(stackWith({ tableRemovalPolicy: RemovalPolicy.DESTROY }).stack);
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('a table brought by the user is used, and none is created', () => {
    const stack = new Stack(new App(), 'Byo', { env: { account: '111111111111', region: 'eu-west-1' } });
    const table = dynamodb.Table.fromTableName(stack, 'Existing', 'cases');
    const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', table });
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

describe('functions', () => {
  const { stack, workflow } = stackWith();
  const template = Template.fromStack(stack);

  test('three functions, newest Node runtime, arm64, with timeouts and tracing', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 10,
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
    expect([workflow.openCaseFunction, workflow.assignCaseFunction, workflow.sendEmailFunction].map((f) => f.node.id))
      .toEqual(['OpenCaseFunction', 'AssignCaseFunction', 'SendEmailFunction']);
  });

  test('Assign Case gets the table and the roster; Send Email gets the table and the sender', () => {
    const assign = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { SUPPORT_CASE_CONFIG_DIR: Match.anyValue() } } } });
    expect(Object.keys(assign)).toHaveLength(1);
    const vars = (Object.values(assign)[0] as any).Properties.Environment.Variables;
    expect(vars.SUPPORT_CASE_CONFIG_DIR).toBe('/opt/support-case-workflow');
    expect(vars.EMPLOYEE_ROSTER).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SENDER_EMAIL: 'support@example.com', EMAIL_LEASE_SECONDS: '81' }) },
    });
  });

  test('architecture, memory and timeouts can be changed', () => {
    const t = Template.fromStack(stackWith({ memorySize: 512, handlerTimeout: Duration.seconds(20), taskTimeout: Duration.seconds(40) }).stack);
    t.allResourcesProperties('AWS::Lambda::Function', { MemorySize: 512, Timeout: 20 });
  });
});

describe('least privilege', () => {
  const { stack } = stackWith();
  const template = Template.fromStack(stack);
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
    const { stack: s } = stackWith({ configurationSetName: 'support-emails' });
    const t = Template.fromStack(s);
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

describe('observability and operations', () => {
  test('state machine logs ALL events without execution data by default, to its own log group, with X-Ray', () => {
    const { stack, workflow } = stackWith();
    const template = Template.fromStack(stack);
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
    Template.fromStack(stackWith({ logExecutionData: true }).stack)
      .hasResourceProperties('AWS::StepFunctions::StateMachine', { LoggingConfiguration: Match.objectLike({ IncludeExecutionData: true }) });
  });

  test('an alarm on failed, timed-out and aborted executions, notifying the topic when given', () => {
    const stack = new Stack(new App(), 'Alarm');
    const topic = new sns.Topic(stack, 'Topic');
    const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', alarmTopic: topic });
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
    const { stack, workflow } = stackWith();
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    workflow.grantStartExecution(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as any) }],
      PolicyDocument: { Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: stack.getLogicalId(workflow.stateMachine.node.defaultChild as any) } }] },
    });
  });

  test('Express workflows are supported with a 5-minute default timeout', () => {
    const template = Template.fromStack(stackWith({ workflowType: sfn.StateMachineType.EXPRESS }).stack);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'EXPRESS' });
    expect(definitionOf(template).TimeoutSeconds).toBe(300);
  });
});

describe('synth-time validation', () => {
  const build = (props: Partial<SupportCaseWorkflowProps>) => () => stackWith(props);

  test.each([
    ['an empty roster', { roster: EmployeeRoster.fromEmployees([]) }, /roster: the roster must hold at least one employee/],
    ['duplicate employee ids', {
      roster: EmployeeRoster.fromEmployees([{ id: 'x', name: 'A', email: 'a@example.com' }, { id: 'x', name: 'B', email: 'b@example.com' }]),
    }, /roster\[1\]\.id: duplicate employee id "x"/],
    ['a malformed employee email', { roster: EmployeeRoster.fromEmployees([{ id: 'x', name: 'A', email: 'not-an-email' }]) }, /roster\[0\]\.email: "not-an-email" is not a valid email address/],
    ['a malformed sender email', { senderEmail: 'support@' }, /senderEmail: "support@" is not a valid email address/],
    ['a task timeout not longer than the handler timeout', { handlerTimeout: Duration.seconds(30), taskTimeout: Duration.seconds(30) }, /taskTimeout: .* must be at least handlerTimeout/],
    // issue 17: the synth checks of time and history limits
    ['a task timeout with no room for Lambda\'s init', { handlerTimeout: Duration.seconds(20), taskTimeout: Duration.seconds(25) },
      /taskTimeout: 25 seconds must be at least handlerTimeout \(20 seconds\) plus 10 s for Lambda's init/],
    ['a handler timeout that cannot fit a claim, a send and a record', { handlerTimeout: Duration.seconds(5) },
      /handlerTimeout: 5 seconds does not fit Send Email's claim, send and record/],
    ['an Express lease of a 4-minute handler timeout', {
      workflowType: sfn.StateMachineType.EXPRESS,
      handlerTimeout: Duration.minutes(4),
      taskTimeout: Duration.seconds(250),
      executionTimeout: Duration.minutes(5),
    }, /handlerTimeout: its email lease \(311 s, from handlerTimeout\) is outwaited only .* which does not fit in executionTimeout/],
    ['an Express lease of a 90-second handler timeout', {
      workflowType: sfn.StateMachineType.EXPRESS, handlerTimeout: Duration.seconds(90), taskTimeout: Duration.seconds(100),
    }, /handlerTimeout: its email lease \(161 s, from handlerTimeout\) is outwaited only 484 s into an execution/],
    ['an Express execution timeout over 5 minutes', { workflowType: sfn.StateMachineType.EXPRESS, executionTimeout: Duration.minutes(10) }, /executionTimeout: Express workflows run at most 5 minutes/],
    ['an invalid memory size', { memorySize: 64 }, /memorySize: 64 is not a whole number of MiB between 128 and 10240/],
    ['a fractional handler timeout', { handlerTimeout: Duration.millis(1500) }, /handlerTimeout: Lambda takes whole seconds/],
    ['a task longer than the default Express execution', {
      workflowType: sfn.StateMachineType.EXPRESS, handlerTimeout: Duration.minutes(6), taskTimeout: Duration.minutes(7),
    }, /taskTimeout: one task attempt .* does not fit in the execution timeout \(5 minutes\)/],
  ])('rejects %s, naming the prop', (_name, props, message) => {
    expect(build(props as Partial<SupportCaseWorkflowProps>)).toThrow(message);
  });

  test('tableRemovalPolicy together with a brought table is rejected', () => {
    const stack = new Stack();
    const table = dynamodb.Table.fromTableName(stack, 'T', 'cases');
    expect(() => new SupportCaseWorkflow(stack, 'S', { roster: ROSTER, senderEmail: 'a@example.com', table, tableRemovalPolicy: RemovalPolicy.DESTROY }))
      .toThrow(/tableRemovalPolicy: applies only to the table the construct creates/);
  });

  test('reports every problem of the props at once', () => {
    expect(build({ senderEmail: 'nope', roster: EmployeeRoster.fromEmployees([]), memorySize: 1 })).toThrow(
      /Invalid SupportCaseWorkflowProps for Test\/Support:\n {2}- senderEmail: .*\n {2}- roster: .*\n {2}- memorySize: /);
  });

  test('a fixed roster of more than 10,000 employees is rejected, pointing to fromTable', () => {
    expect(build({ roster: EmployeeRoster.fromEmployees(employees(10_001)) })).toThrow(
      /roster: 10001 employees are more than the 10000 that EmployeeRoster\.fromEmployees holds; .*\(EmployeeRoster\.fromTable\)/);
  });

  test('a malformed configuration set name is rejected, naming configurationSetName', () => {
    expect(build({ configurationSetName: 'has space' })).toThrow(/- configurationSetName: "has space" is not an SES configuration set name/);
    expect(build({ configurationSetName: 'x'.repeat(65) })).toThrow(/configurationSetName: /);
    expect(build({ configurationSetName: 'support-emails_2' })).not.toThrow();
  });

  test('a sender email given as a token is not checked at synth time', () => {
    const stack = new Stack();
    const email = new CfnParameter(stack, 'Sender').valueAsString;
    expect(() => new SupportCaseWorkflow(stack, 'S', { roster: ROSTER, senderEmail: email })).not.toThrow();
  });
});

describe('email templates, sender name and reply-to', () => {
  const sendEmailVariables = (template: Template): Record<string, string> => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { SENDER_EMAIL: Match.anyValue() } } } });
    expect(Object.keys(fns)).toHaveLength(1);
    return (Object.values(fns)[0] as any).Properties.Environment.Variables;
  };

  test('none set: the Send Email function gets no email settings (the defaults are in the handler)', () => {
    const vars = sendEmailVariables(Template.fromStack(stackWith().stack));
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(['CASE_TABLE_NAME', 'EMAIL_LEASE_SECONDS', 'SENDER_EMAIL']));
    for (const key of ['EMAIL_TEMPLATES_FILE', 'SENDER_NAME', 'REPLY_TO_ADDRESSES']) expect(vars).not.toHaveProperty(key);
  });

  test('templates (in a configuration file), display name and reply-to reach the Send Email function; IAM still limits the bare address', () => {
    const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
    const workflow = new SupportCaseWorkflow(stack, 'Support', {
      roster: ROSTER,
      senderEmail: 'support@example.com',
      emailTemplate: { subject: 'Case {{caseId}}: {{title}}', html: '<p>{{#title}}{{title}}{{/title}}</p>' },
      senderName: 'Support Team',
      replyToAddresses: ['queue@example.com', 'lead@example.com'],
    });
    const template = Template.fromStack(stack);
    const vars = sendEmailVariables(template);
    expect(vars.EMAIL_TEMPLATES_FILE).toBe('send-email.json');
    const fn = template.toJSON().Resources[stack.getLogicalId(workflow.sendEmailFunction.node.defaultChild as any)];
    const [layerRef] = fn.Properties.Layers;
    const layer = template.toJSON().Resources[layerRef.Ref];
    const file = JSON.parse(readFileSync(join(app.outdir, layer.Metadata['aws:asset:path'], 'support-case-workflow', 'send-email.json'), 'utf8'));
    expect(file).toEqual({ templates: { subject: 'Case {{caseId}}: {{title}}', html: '<p>{{#title}}{{title}}{{/title}}</p>' } });
    expect(vars.SENDER_NAME).toBe('Support Team');
    expect(JSON.parse(vars.REPLY_TO_ADDRESSES)).toEqual(['queue@example.com', 'lead@example.com']);
    expect(vars.SENDER_EMAIL).toBe('support@example.com');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'ses:SendEmail',
          Condition: { StringEquals: { 'ses:FromAddress': 'support@example.com' } },
        })]),
      },
    });
  });

  test.each([
    ['an unknown placeholder', { emailTemplate: { subject: 'Case {{caseID}}' } }, /emailTemplate\.subject: unknown placeholder \{\{caseID\}\}/],
    ['an unclosed placeholder', { emailTemplate: { text: 'Hi {{employeeName' } }, /emailTemplate\.text: '\{\{' at character 4 is never closed/],
    ['a stray closing brace pair', { emailTemplate: { html: '<p>x}}</p>' } }, /emailTemplate\.html: '\}\}' without '\{\{'/],
    ['an unclosed section', { emailTemplate: { html: '{{#link}}<a href="{{link}}">' } }, /emailTemplate\.html: section \{\{#link\}\} is never closed/],
    ['a two-line subject', { emailTemplate: { subject: 'Case {{caseId}}\r\nBcc: x@example.com' } }, /emailTemplate\.subject: a subject must be one line/],
    ['templates over 64 KiB', { emailTemplate: { html: 'x'.repeat(70_000) } }, /emailTemplate: the templates take 700\d\d bytes; at most 65536 are allowed/],
    ['a display name and reply-to too big for the Lambda environment', { senderName: 'n'.repeat(90), replyToAddresses: Array.from({ length: 10 }, (_, i) => `${'q'.repeat(300)}${i}@example.com`) }, /replyToAddresses: senderName and replyToAddresses take \d+ bytes .* 4 KB/],
    ['a display name with a line break', { senderName: 'Team\nBcc: x@example.com' }, /senderName: must not contain line breaks/],
    ['a malformed reply-to address', { replyToAddresses: ['queue@example.com', 'nope'] }, /replyToAddresses\[1\]: "nope" is not a valid email address/],
    ['an empty reply-to list', { replyToAddresses: [] }, /replyToAddresses: must not be empty/],
    ['a duplicate reply-to address', { replyToAddresses: ['q@example.com', 'q@example.com'] }, /replyToAddresses: "q@example.com" is listed twice/],
    ['too many reply-to addresses', { replyToAddresses: Array.from({ length: 11 }, (_, i) => `q${i}@example.com`) }, /replyToAddresses: at most 10 addresses, got 11/],
  ])('rejects %s, naming the prop', (_name, props, message) => {
    expect(() => stackWith(props as Partial<SupportCaseWorkflowProps>)).toThrow(message);
  });

  test('a template given as a token is refused (it could not be checked)', () => {
    const stack = new Stack();
    const subject = new CfnParameter(stack, 'Subject').valueAsString;
    expect(() => new SupportCaseWorkflow(stack, 'S', { roster: ROSTER, senderEmail: 'a@example.com', emailTemplate: { subject } }))
      .toThrow(/emailTemplate\.subject: must be a literal string/);
  });
});
