/**
 * SES's authorization of a send, checked against the synthesized Send Email policy (the local
 * SES server checks no IAM). What SES authorizes, as far as AWS documents it and as the community
 * reports it:
 * - `ses:SendEmail` on the sender's identity (the verified address, or its verified domain), with
 *   the condition keys of the request (`ses:FromAddress`) (SES Developer Guide, "Identity and
 *   access management in Amazon SES": https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html);
 * - on the configuration set the send names, if any;
 * - in the SES sandbox, also on each recipient's identity: the guide warns that the sandbox
 *   "will prevent the implementation of some of these policies", and sends are refused with
 *   "not authorized to perform ses:SendEmail on resource ...:identity/<recipient>" when the role
 *   may send only on the sender's identity (aws/aws-sdk-js#3641, GSA/data.gov#3810).
 *
 * A deliberately small IAM evaluator: Allow statements only (the construct writes no Deny),
 * `Action` and `Resource` with IAM's `*` / `?` wildcards, and the condition operators
 * `StringEquals` / `StringEqualsIgnoreCase` / `StringLike`, with `ForAllValues:` over the
 * multi-valued `ses:Recipients` (the fixed roster's recipients condition).
 */
import type { CfnTemplate } from './example-app';
import { ACCOUNT, REGION, TemplateResolver } from './template-resolver';

export interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** One send, as SES authorizes it. */
export interface SendRequest {
  readonly from: string;
  readonly recipients: readonly string[];
  readonly configurationSet?: string;
  /** Whether the account is in the SES sandbox (recipient identities are authorized too). */
  readonly sandbox: boolean;
  /** The account's verified identities (addresses and domains): SES authorizes the one that verifies an address. */
  readonly verifiedIdentities: readonly string[];
}

export interface Authorization {
  readonly allowed: boolean;
  /** The resources no statement allowed. */
  readonly denied: string[];
}

const identityArn = (identity: string) => `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${identity}`;

/** The verified identity that covers `address`: the address itself, else its domain (undefined when neither is verified). */
export function verifiedIdentityOf(address: string, verified: readonly string[]): string | undefined {
  if (verified.includes(address)) return address;
  const domain = address.split('@')[1];
  return verified.includes(domain) ? domain : undefined;
}

/** IAM's wildcard match (`*` any run of characters, `?` one character), case-sensitive. */
export function iamMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
  return regex.test(value);
}

/** One condition operator on a key: single-valued keys as IAM compares them, `ForAllValues:` over a multi-valued key. */
function operatorHolds(operator: string, expected: string[], actual: readonly string[]): boolean {
  const [qualifier, base] = operator.includes(':') ? operator.split(':') : [undefined, operator];
  const one = (value: string): boolean => {
    if (base === 'StringEquals') return expected.includes(value);
    if (base === 'StringEqualsIgnoreCase') return expected.some((v) => v.toLowerCase() === value.toLowerCase());
    if (base === 'StringLike') return expected.some((v) => iamMatch(v, value));
    throw new Error(`condition operator ${operator} is not emulated`);
  };
  // ForAllValues: every value of the request is one of these (true for an empty set, as IAM has it).
  if (qualifier === 'ForAllValues') return actual.every(one);
  if (qualifier !== undefined) throw new Error(`condition operator ${operator} is not emulated`);
  return actual.length === 1 && one(actual[0]);
}

function conditionsHold(condition: PolicyStatement['Condition'], context: Record<string, readonly string[]>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const actual = context[key];
      if (actual === undefined) return false;
      if (!operatorHolds(operator, [expected].flat(), actual)) return false;
    }
  }
  return true;
}

/** Whether `statements` allow `ses:SendEmail` for `request`, and which resources they refuse. */
export function authorizeSend(statements: readonly PolicyStatement[], request: SendRequest): Authorization {
  const fromIdentity = verifiedIdentityOf(request.from, request.verifiedIdentities);
  if (!fromIdentity) throw new Error(`the sender ${request.from} is not a verified identity: SES refuses the send (MessageRejected) before IAM`);
  const resources = [identityArn(fromIdentity)];
  if (request.configurationSet) resources.push(`arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/${request.configurationSet}`);
  if (request.sandbox) {
    for (const recipient of request.recipients) {
      const identity = verifiedIdentityOf(recipient, request.verifiedIdentities);
      if (!identity) throw new Error(`the recipient ${recipient} is not verified: the sandbox refuses the send (MessageRejected)`);
      resources.push(identityArn(identity));
    }
  }
  const context = { 'ses:FromAddress': [request.from], 'ses:Recipients': request.recipients };
  const denied = resources.filter((resource) => !statements.some((st) => st.Effect === 'Allow'
    && [st.Action].flat().some((a) => iamMatch(a, 'ses:SendEmail'))
    && [st.Resource].flat().some((r) => iamMatch(r, resource))
    && conditionsHold(st.Condition, context)));
  return { allowed: denied.length === 0, denied };
}

/** The statements of the synthesized template's policies that name `ses:SendEmail`, with ARNs resolved as the harness resolves them. */
export function sendEmailStatements(template: CfnTemplate): PolicyStatement[] {
  const resolver = new TemplateResolver(template);
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((r) => r.Properties.PolicyDocument.Statement as PolicyStatement[])
    .filter((st) => [st.Action].flat().some((a) => iamMatch(a, 'ses:SendEmail')))
    .map((st) => resolver.resolve(st) as PolicyStatement);
}
