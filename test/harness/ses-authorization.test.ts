/**
 * The synthesized Send Email policy against SES's authorization of a send (harness/ses-authorization.ts),
 * in production and in the SES sandbox, where SES authorizes the recipients' identities too.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { authorizeSend, iamMatch, sendEmailStatements, SendRequest } from '../../harness/ses-authorization';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../../src';

const SENDER = 'support@example.com';

function statementsFor(props: Partial<SupportCaseWorkflowProps> = {}) {
  const stack = new Stack(new App(), 'Ses', { env: { account: '123456789012', region: 'us-east-1' } });
  new SupportCaseWorkflow(stack, 'Support', {
    roster: EmployeeRoster.fromEmployees([{ id: 'e1', name: 'Ana', email: 'ana@example.org' }]),
    senderEmail: SENDER,
    ...props,
  });
  return sendEmailStatements(Template.fromStack(stack).toJSON() as any);
}

const send = (over: Partial<SendRequest>): SendRequest => ({
  from: SENDER,
  recipients: ['ana@example.org'],
  sandbox: false,
  verifiedIdentities: [SENDER, 'ana@example.org'],
  ...over,
});

test('IAM wildcards: * matches any run of characters, ? matches one, and nothing else is a pattern', () => {
  expect(iamMatch('arn:aws:ses:*:1:identity/*', 'arn:aws:ses:us-east-1:1:identity/a@b.c')).toBe(true);
  expect(iamMatch('ses:Send?mail', 'ses:SendEmail')).toBe(true);
  expect(iamMatch('identity/a.b', 'identity/aXb')).toBe(false);
});

describe('the default policy (sender identity only)', () => {
  const statements = statementsFor();
  test('production: the send is allowed, from the sender only', () => {
    expect(authorizeSend(statements, send({}))).toEqual({ allowed: true, denied: [] });
    expect(authorizeSend(statements, send({ from: 'other@example.com', verifiedIdentities: ['other@example.com'] })).allowed).toBe(false);
  });
  test('production: a recipient outside the fixed roster is refused (ses:Recipients), whatever its case', () => {
    expect(authorizeSend(statements, send({ recipients: ['ANA@example.org'] })).allowed).toBe(true);
    expect(authorizeSend(statements, send({ recipients: ['mallory@evil.example'], verifiedIdentities: [SENDER] })).allowed).toBe(false);
  });
  test('a sender verified through its domain is allowed too', () => {
    expect(authorizeSend(statements, send({ verifiedIdentities: ['example.com'] })).allowed).toBe(true);
  });
  test('sandbox: SES refuses it on the recipient identity (as the community reports show)', () => {
    expect(authorizeSend(statements, send({ sandbox: true }))).toEqual({
      allowed: false, denied: ['arn:aws:ses:us-east-1:123456789012:identity/ana@example.org'],
    });
  });
});

describe('with sandboxRecipients', () => {
  // A roster of three, so that ses:Recipients (the fixed roster's addresses) allows each recipient here.
  const statements = statementsFor({
    roster: EmployeeRoster.fromEmployees(['ana@example.org', 'bo@example.net', 'cy@example.io'].map((email, i) => ({ id: `e${i}`, name: `E${i}`, email }))),
    sandboxRecipients: ['ana@example.org', 'example.net'],
  });
  test('sandbox: a listed recipient identity (address or domain) is allowed, another is not', () => {
    expect(authorizeSend(statements, send({ sandbox: true })).allowed).toBe(true);
    expect(authorizeSend(statements, send({ sandbox: true, recipients: ['bo@example.net'], verifiedIdentities: [SENDER, 'example.net'] })).allowed).toBe(true);
    expect(authorizeSend(statements, send({ sandbox: true, recipients: ['cy@example.io'], verifiedIdentities: [SENDER, 'cy@example.io'] })).denied)
      .toEqual(['arn:aws:ses:us-east-1:123456789012:identity/cy@example.io']);
  });
  test('the sender is still the only From address, in both modes', () => {
    for (const sandbox of [false, true]) {
      expect(authorizeSend(statements, send({ sandbox, from: 'ana@example.org' })).allowed).toBe(false);
      expect(authorizeSend(statements, send({ sandbox })).allowed).toBe(true);
    }
  });
});
