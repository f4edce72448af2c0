/**
 * What Send Email may do in SES: `ses:SendEmail` from the sender address only (`ses:FromAddress`),
 * on the sender's identities, the configuration set it sends through and, for an account in the
 * SES sandbox, the recipients' identities.
 *
 * SES authorizes a send on the identity of the sender (SES Developer Guide, "Identity and access
 * management in Amazon SES": https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html).
 * The guide warns that the sandbox's restrictions prevent some of its policies; community reports
 * (aws/aws-sdk-js#3641) show sandbox sends refused with "not authorized to perform
 * ses:SendEmail on resource ...:identity/<recipient>": in the sandbox the recipients' identities
 * are authorized too, so `sandboxRecipients` adds them.
 */
import { ArnFormat, Fn, Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { isValidEmailAddress } from './shared/contract';

/** Most recipient identities listed (each adds an ARN to the role's policy, which IAM caps at 10,240 characters). */
export const MAX_SANDBOX_RECIPIENTS = 50;

function identityArn(scope: Construct, identity: string): string {
  return Stack.of(scope).formatArn({ service: 'ses', resource: 'identity', resourceName: identity, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}

/** ARNs of the SES identities that may send as `email`: the address and its domain. */
function senderIdentityArns(scope: Construct, email: string): string[] {
  const domain = Token.isUnresolved(email) ? Fn.select(1, Fn.split('@', email)) : email.split('@')[1];
  return [email, domain].map((identity) => identityArn(scope, identity));
}

/** ARN of the configuration set the email is sent through, if any. */
function configurationSetArns(scope: Construct, name: string | undefined): string[] {
  return name ? [Stack.of(scope).formatArn({ service: 'ses', resource: 'configuration-set', resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })] : [];
}

export interface SendEmailAccess {
  readonly senderEmail: string;
  readonly configurationSetName?: string;
  readonly sandboxRecipients?: string[];
}

/** The statement that lets Send Email send: from `senderEmail` only, on exactly the identities it needs. */
export function sendEmailStatement(scope: Construct, access: SendEmailAccess): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['ses:SendEmail'],
    resources: [
      ...senderIdentityArns(scope, access.senderEmail),
      ...configurationSetArns(scope, access.configurationSetName),
      ...[...new Set(access.sandboxRecipients ?? [])].map((identity) => identityArn(scope, identity)),
    ],
    conditions: { StringEquals: { 'ses:FromAddress': access.senderEmail } },
  });
}

/** A domain name as SES verifies it: labels of letters, digits and hyphens, a dot between them. */
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** Problems of the SES props, each naming its prop. */
export function sesAccessProblems(access: SendEmailAccess): string[] {
  const problems: string[] = [];
  const name = access.configurationSetName;
  if (name !== undefined && !Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    problems.push(`configurationSetName: ${JSON.stringify(name)} is not an SES configuration set name (letters, digits, _ and -, at most 64 characters)`);
  }
  const recipients = access.sandboxRecipients;
  if (recipients !== undefined) {
    if (recipients.length === 0) problems.push('sandboxRecipients: must not be empty (leave it out outside the SES sandbox)');
    if (recipients.length > MAX_SANDBOX_RECIPIENTS) {
      problems.push(`sandboxRecipients: at most ${MAX_SANDBOX_RECIPIENTS} identities, got ${recipients.length} (a sandbox is for a first test; request production access)`);
    }
    recipients.forEach((identity, i) => {
      // `*` and `?` are IAM wildcards in a resource ARN (and valid in an address's local part).
      if (!Token.isUnresolved(identity) && (/[*?]/.test(identity) || (!isValidEmailAddress(identity) && !DOMAIN.test(identity)))) {
        problems.push(`sandboxRecipients[${i}]: ${JSON.stringify(identity)} is neither an email address nor a domain (no wildcards)`);
      }
    });
  }
  return problems;
}
