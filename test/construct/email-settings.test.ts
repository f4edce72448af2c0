/** The email settings: templates in a configuration file, display name and reply-to in the environment, checked at synth. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SupportCaseWorkflow, SupportCaseWorkflowProps } from '../../src';
import { TEST_ROSTER, workflowStack } from '../template-helpers';

describe('email templates, sender name and reply-to', () => {
  const sendEmailVariables = (template: Template): Record<string, string> => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { SENDER_EMAIL: Match.anyValue() } } } });
    expect(Object.keys(fns)).toHaveLength(1);
    return (Object.values(fns)[0] as any).Properties.Environment.Variables;
  };

  test('none set: the Send Email function gets no email settings (the defaults are in the handler)', () => {
    const vars = sendEmailVariables(workflowStack().template);
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(['CASE_TABLE_NAME', 'EMAIL_LEASE_SECONDS', 'SENDER_EMAIL']));
    for (const key of ['EMAIL_TEMPLATES_FILE', 'SENDER_NAME', 'REPLY_TO_ADDRESSES']) expect(vars).not.toHaveProperty(key);
  });

  test('templates (in a configuration file), display name and reply-to reach the Send Email function; IAM still limits the bare address', () => {
    const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
    const workflow = new SupportCaseWorkflow(stack, 'Support', {
      roster: TEST_ROSTER,
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
    ['the acknowledge link without the acknowledgement prop', { emailTemplate: { text: 'Ack: {{acknowledgeUrl}}' } }, /emailTemplate\.text: \{\{acknowledgeUrl\}\} is empty without the acknowledgement prop/],
    ['too many reply-to addresses', { replyToAddresses: Array.from({ length: 11 }, (_, i) => `q${i}@example.com`) }, /replyToAddresses: at most 10 addresses, got 11/],
  ])('rejects %s, naming the prop', (_name, props, message) => {
    expect(() => workflowStack(props as Partial<SupportCaseWorkflowProps>)).toThrow(message);
  });

  test('the acknowledge link and escalation placeholders are accepted with the acknowledgement prop', () => {
    const text = 'Ack: {{acknowledgeUrl}} (round {{round}}{{#escalatedFrom}}, from {{escalatedFrom}} after {{escalatedAfter}}{{/escalatedFrom}})';
    expect(() => workflowStack({ emailTemplate: { text }, acknowledgement: {} })).not.toThrow();
  });

  test('a template given as a token is refused (it could not be checked)', () => {
    const stack = new Stack();
    const subject = new CfnParameter(stack, 'Subject').valueAsString;
    expect(() => new SupportCaseWorkflow(stack, 'S', { roster: TEST_ROSTER, senderEmail: 'a@example.com', emailTemplate: { subject } }))
      .toThrow(/emailTemplate\.subject: must be a literal string/);
  });
});
