/**
 * Construct tests of what AWS does that the local servers do not show (docs/aws-behaviours.md):
 * the SES sandbox's authorization, KMS keys of imported tables, error names of the retriers,
 * the vended log group's name.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../src';

const ROSTER = EmployeeRoster.fromEmployees([{ id: 'e1', name: 'Ana', email: 'ana@example.org' }]);

function synth(props: Partial<SupportCaseWorkflowProps> = {}, build?: (stack: Stack) => Partial<SupportCaseWorkflowProps>) {
  const stack = new Stack(new App(), 'Aws', { env: { account: '123456789012', region: 'eu-west-1' } });
  new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', ...props, ...build?.(stack) });
  return { stack, template: Template.fromStack(stack) };
}

function sesStatement(template: Template) {
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .find((st) => st.Action === 'ses:SendEmail');
}

const identity = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:eu-west-1:123456789012:identity/${name}`]] });

describe('SES sandbox: sandboxRecipients', () => {
  test('the policy adds each recipient identity and keeps the ses:FromAddress condition', () => {
    const st = sesStatement(synth({ sandboxRecipients: ['ana@example.org', 'example.net', 'ana@example.org'] }).template);
    expect(st.Resource).toEqual([
      identity('support@example.com'), identity('example.com'), identity('ana@example.org'), identity('example.net'),
    ]);
    expect(st.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'support@example.com' } });
  });

  test('without it, only the sender identities (production access)', () => {
    expect(sesStatement(synth().template).Resource).toEqual([identity('support@example.com'), identity('example.com')]);
  });

  test('empty lists, wildcards and non-identities fail at synth, naming the prop', () => {
    expect(() => synth({ sandboxRecipients: [] })).toThrow(/sandboxRecipients: must not be empty/);
    expect(() => synth({ sandboxRecipients: ['*'] })).toThrow(/sandboxRecipients\[0\]: "\*" is neither an email address nor a domain/);
    expect(() => synth({ sandboxRecipients: ['ok@example.org', '*@example.org'] })).toThrow(/sandboxRecipients\[1\]/);
    expect(() => synth({ sandboxRecipients: Array.from({ length: 51 }, (_, i) => `p${i}@example.org`) })).toThrow(/sandboxRecipients: at most 50/);
  });
});
