/**
 * Construct tests of what AWS does that the local servers do not show (docs/aws-behaviours.md):
 * the SES sandbox's authorization, KMS keys of imported tables, error names of the retriers,
 * the vended log group's name.
 */
import { App, Stack, aws_dynamodb as dynamodb, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../../src';

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
    // the fixed roster's ses:Recipients condition stays too (least-authority.test.ts)
    expect(st.Condition).toEqual({
      'StringEquals': { 'ses:FromAddress': 'support@example.com' },
      'ForAllValues:StringEqualsIgnoreCase': { 'ses:Recipients': ['ana@example.org'] },
    });
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

describe('KMS keys of brought tables', () => {
  const KMS_READ = ['kms:Decrypt', 'kms:DescribeKey'];
  const KMS_WRITE = [...KMS_READ, 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];
  const kmsWarnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('KMS key'));

  test('an imported table without encryptionKey gets a synth warning naming the prop and fromTableAttributes', () => {
    const { stack } = synth({}, (s) => ({
      table: dynamodb.Table.fromTableName(s, 'Cases', 'cases'),
      roster: EmployeeRoster.fromTable(dynamodb.Table.fromTableName(s, 'Roster', 'roster')),
    }));
    const messages = kmsWarnings(stack).map((w) => String(w.entry.data));
    expect(messages).toHaveLength(2);
    expect(messages.find((m) => m.startsWith('table:'))).toMatch(/Table\.fromTableAttributes\(\{ tableName, encryptionKey \}\)/);
    expect(messages.find((m) => m.startsWith('roster:'))).toMatch(/encryptionKey/);
  });

  test('an imported table with its encryptionKey: no warning, and the key grant through DynamoDB only', () => {
    const { stack, template } = synth({}, (s) => ({
      table: dynamodb.Table.fromTableAttributes(s, 'Cases', {
        tableName: 'cases', encryptionKey: kms.Key.fromKeyArn(s, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      }),
    }));
    expect(kmsWarnings(stack)).toEqual([]);
    const kmsStatements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().some((a: string) => a.startsWith('kms:')));
    expect(kmsStatements).toHaveLength(3); // Assign Case, Send Email, the state machine: all write the case table
    for (const st of kmsStatements) {
      expect(st).toEqual({
        Action: KMS_WRITE,
        Effect: 'Allow',
        Resource: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } },
      });
    }
  });

  test('a table defined in the app, or the construct\'s own, gets no warning', () => {
    expect(kmsWarnings(synth().stack)).toEqual([]);
  });
});

test('Record Failure: a failed condition is not retried, every other error is (the pattern of Record Sent Email)', () => {
  const sm = Object.values<any>(synth().template.findResources('AWS::StepFunctions::StateMachine'))[0];
  const definition = JSON.parse((sm.Properties.DefinitionString['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
  expect(definition.States['Record Failure'].Retry).toEqual([
    { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 },
    { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 5, JitterStrategy: 'FULL' },
  ]);
  expect(definition.States['Record Sent Email'].Retry[0]).toEqual({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], MaxAttempts: 0 });
});

describe('stateMachineName: valid for Step Functions and for the vended log group named after it', () => {
  test.each(['support cases', 'cases@prod', 'cases:prod', 'café', 'a'.repeat(81), 'cases(1)', ''])('%p fails at synth, naming the prop', (name) => {
    expect(() => synth({ stateMachineName: name })).toThrow(/stateMachineName: /);
  });

  test('letters, digits, ".", "_" and "-" up to 80 characters name both', () => {
    const name = 'support-cases_v1.2';
    const { template } = synth({ stateMachineName: name });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: name });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/vendedlogs/states/${name}` });
    expect(() => synth({ stateMachineName: 'a'.repeat(80) })).not.toThrow();
  });
});
