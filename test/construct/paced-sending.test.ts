import { App, Duration, Stack, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../../src';

const ROSTER = EmployeeRoster.fromEmployees([{ id: 'e1', name: 'Ana', email: 'ana@example.com' }]);

function stackWith(props: Partial<SupportCaseWorkflowProps> = {}): Stack {
  const stack = new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', ...props });
  return stack;
}

/** The definition, with CloudFormation tokens flattened to strings. */
function definitionOf(stack: Stack): any {
  const [sm] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine')) as any[];
  const parts: any[] = sm.Properties.DefinitionString['Fn::Join'][1];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
}

function sendEmailEnv(stack: Stack): Record<string, string> {
  const fns = Object.values<any>(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  return fns.map((f) => f.Properties.Environment?.Variables ?? {}).find((v) => v.SENDER_EMAIL !== undefined);
}

function sendEmailStatements(stack: Stack): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.entries<any>(policies).filter(([id]) => id.includes('SendEmailRole')).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

describe('paced sending (docs/design/burst-pacing.md)', () => {
  const stack = stackWith();
  const def = definitionOf(stack);

  test('EmailSlotReserved leads to Wait For Send Slot, which waits until the slot in the error and runs Send Email again', () => {
    const catches = def.States['Send Email'].Catch;
    const slot = catches.findIndex((c: any) => c.ErrorEquals.includes('EmailSlotReserved'));
    // before the catch-all, which would otherwise take it
    expect(slot).toBeLessThan(catches.findIndex((c: any) => c.ErrorEquals.includes('States.ALL')));
    expect(catches[slot]).toEqual({ ErrorEquals: ['EmailSlotReserved'], ResultPath: '$.sendSlot', Next: 'Wait For Send Slot' });
    expect(def.States['Wait For Send Slot']).toEqual({
      Type: 'Wait',
      QueryLanguage: 'JSONata',
      Comment: expect.any(String),
      Timestamp: '{% $parse($parse($states.input.sendSlot.Cause).errorMessage).sendAt %}',
      Next: 'Send Email',
    });
  });

  test('the happy path is untouched: three states, Send Email ends it; no state machine retry waits for SES', () => {
    expect([def.StartAt, def.States['Open Case'].Next, def.States['Assign Case'].Next]).toEqual(['Open Case', 'Assign Case', 'Send Email']);
    expect(def.States['Send Email'].End).toBe(true);
    expect(def.QueryLanguage).toBeUndefined(); // JSONPath machine; only the Wait uses JSONata
    const retried = Object.values<any>(def.States).flatMap((s) => (s.Retry ?? []).flatMap((r: any) => r.ErrorEquals));
    expect(retried).not.toEqual(expect.arrayContaining(['EmailThrottled']));
  });

  test('Send Email learns its patience; without emailSendRate it reads SES\'s rate (ses:GetSendQuota, which has no resource)', () => {
    const env = sendEmailEnv(stack);
    expect(env.EMAIL_THROTTLE_PATIENCE_SECONDS).toBe('10800');
    // a Wait reads its timestamp to the second: slots are rounded up to it
    expect(env.SEND_SLOT_RESOLUTION_SECONDS).toBe('1');
    expect(env.EMAIL_SEND_SLOT_SECONDS).toBeUndefined();
    const quota = sendEmailStatements(stack).filter((s) => [s.Action].flat().includes('ses:GetSendQuota'));
    expect(quota).toEqual([{ Action: 'ses:GetSendQuota', Effect: 'Allow', Resource: '*' }]);
  });

  test('with emailSendRate, slots are spaced at 95 % of it and the function may not read SES\'s quota', () => {
    const s = stackWith({ emailSendRate: 14, emailThrottlePatience: Duration.minutes(30) });
    const env = sendEmailEnv(s);
    expect(Number(env.EMAIL_SEND_SLOT_SECONDS)).toBeCloseTo(1 / (0.95 * 14), 9);
    expect(env.EMAIL_THROTTLE_PATIENCE_SECONDS).toBe('1800');
    expect(JSON.stringify(sendEmailStatements(s))).not.toContain('GetSendQuota');
  });

  test.each([0, -1, Number.NaN, Infinity, 100_001])('emailSendRate %p is refused, naming the prop', (rate) => {
    expect(() => stackWith({ emailSendRate: rate })).toThrow(/emailSendRate: .* is not a sending rate/);
  });

  test('the execution timeout covers the patience; Express keeps its 5 minutes', () => {
    expect(definitionOf(stackWith({ emailThrottlePatience: Duration.hours(1) })).TimeoutSeconds).toBe(3600 + 15 * 60);
    const express = definitionOf(stackWith({ workflowType: sfn.StateMachineType.EXPRESS }));
    expect(express.TimeoutSeconds).toBe(300);
    expect(express.States['Wait For Send Slot'].Type).toBe('Wait');
  });

  test('says at synth time what burst drains without failures', () => {
    const infos = Annotations.fromStack(stackWith()).findInfo('*', Match.stringLikeRegexp(
      'Bursts: .*paced at 95 % .* 10,261 cases at 1 email/s, 143,654 cases at 14 emails/s, 513,050 cases at 50 emails/s'));
    expect(infos).toHaveLength(1);
  });

  test('the Send Email errors alarm leaves out pacing (throttled and queued), counted once each', () => {
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    const sendEmail = Object.entries<any>(alarms).find(([id]) => id.includes('SendEmailErrors'))![1];
    const text = JSON.stringify(sendEmail.Properties.Metrics);
    expect(text).toContain('EmailsThrottled');
    expect(text).toContain('EmailsQueued');
    expect(text).toContain('FILL(throttled, 0) + FILL(queued, 0)');
  });
});
