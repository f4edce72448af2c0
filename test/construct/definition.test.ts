/** The state machine definition: the steps in order, their retries and catches, and the failure paths. */
import { Duration, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { STATE_NAMES } from '../../src/shared/contract';
import { logicalIdOf, stateMachineDefinition, workflowStack } from '../template-helpers';

/** The email claim's lease the construct gives Send Email. */
function leaseOf(template: Template): string {
  const fns = Object.values<any>(template.findResources('AWS::Lambda::Function'));
  return fns.map((f) => f.Properties.Environment?.Variables?.EMAIL_LEASE_SECONDS).find((v) => v !== undefined);
}

describe('state machine definition', () => {
  const template = workflowStack().template;
  const def = stateMachineDefinition(template);

  test('runs Open Case, Assign Case, Send Email in that order and nothing else on the happy path', () => {
    expect(def.StartAt).toBe('Open Case');
    expect(def.States['Open Case'].Next).toBe('Assign Case');
    expect(def.States['Assign Case'].Next).toBe('Send Email');
    expect(def.States['Send Email'].End).toBe(true);
    // Every state of the contract but acknowledgement's (test/construct/acknowledgement.test.ts).
    const acknowledgementOnly: (keyof typeof STATE_NAMES)[] = ['WAIT_FOR_ACKNOWLEDGEMENT', 'ESCALATE_CASE', 'ESCALATION_OUTCOME', 'NEXT_ROUND',
      'CASE_ACKNOWLEDGED', 'ACKNOWLEDGED_RESULT', 'ACKNOWLEDGED_RESULT_WITH_DETAILS', 'ACKNOWLEDGED_BEFORE_ESCALATION',
      'NOTIFY_UNACKNOWLEDGED', 'CASE_UNACKNOWLEDGED'];
    const states = Object.entries(STATE_NAMES).filter(([key]) => !acknowledgementOnly.includes(key as keyof typeof STATE_NAMES));
    expect(Object.keys(def.States).sort()).toEqual(states.map(([, name]) => name).sort());
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
      const t = workflowStack(props).template;
      const lease = Number(leaseOf(t));
      // the lease covers the function's timeout and Record Sent Email's retries (waits and attempt timeouts)
      const recordSent = stateMachineDefinition(t).States['Record Sent Email'];
      const any = recordSent.Retry.find((r: any) => r.ErrorEquals.includes('States.ALL'));
      let recordBudget = (any.MaxAttempts + 1) * recordSent.TimeoutSeconds;
      for (let i = 0; i < any.MaxAttempts; i++) recordBudget += Math.min(any.IntervalSeconds * any.BackoffRate ** i, any.MaxDelaySeconds);
      expect(lease).toBeGreaterThanOrEqual(handlerTimeout + recordBudget);
      const retry = stateMachineDefinition(t).States['Send Email'].Retry.find((r: any) => r.ErrorEquals.includes('EmailSendInProgress'));
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
    const retried = stateMachineDefinition(workflowStack().template).States['Send Email'].Retry.flatMap((r: any) => r.ErrorEquals);
    expect(retried).not.toContain('DailyQuotaExceeded');
  });

  test('Express: the default patience fits in 5 minutes; a patience that does not is refused, naming both props', () => {
    const express = { workflowType: sfn.StateMachineType.EXPRESS };
    expect(() => workflowStack(express)).not.toThrow();
    expect(() => workflowStack({ ...express, emailThrottlePatience: Duration.seconds(250) }))
      .toThrow(/emailThrottlePatience: 4 minutes 10 seconds lets a case wait for a send slot up to 4 minutes 10 seconds, .* does not fit in executionTimeout \(5 minutes, the default\)/);
  });
});
