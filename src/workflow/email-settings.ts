/**
 * The email settings of the props (templates, display name, reply-to): their synth-time checks,
 * and how they reach the Send Email function.
 */
import { Stack, Token, aws_lambda as lambda } from 'aws-cdk-lib';
import { addConfigFile } from '../config-file';
import { EmailTemplate } from '../email-template';
import { SupportCaseWorkflowProps } from './props';
import { CONFIG_FILES, ENV, isValidEmailAddress } from '../shared/contract';
import { checkEmailTemplate, checkSenderName } from '../shared/template-engine';

/**
 * How the email settings reach the Send Email function, the one place that knows: the team's
 * templates (possibly large) in the function's configuration file, the display name and reply-to
 * addresses (small) in its environment. Only what is set is passed.
 */
export function configureEmail(fn: lambda.Function, props: SupportCaseWorkflowProps): void {
  const templates = emailTemplateOverrides(props.emailTemplate);
  if (Object.keys(templates).length > 0) {
    addConfigFile(fn, CONFIG_FILES.SEND_EMAIL, { templates });
    fn.addEnvironment(ENV.EMAIL_TEMPLATES_FILE, CONFIG_FILES.SEND_EMAIL);
  }
  if (props.senderName !== undefined) fn.addEnvironment(ENV.SENDER_NAME, props.senderName);
  if (props.replyToAddresses !== undefined && props.replyToAddresses.length > 0) {
    fn.addEnvironment(ENV.REPLY_TO_ADDRESSES, Stack.of(fn).toJsonString(props.replyToAddresses));
  }
}

/** The template parts that are set, as the handler reads them. */
function emailTemplateOverrides(template: EmailTemplate | undefined): Record<string, string> {
  const parts: Record<string, string> = {};
  for (const part of ['subject', 'text', 'html'] as const) {
    if (template?.[part] !== undefined) parts[part] = template[part]!;
  }
  return parts;
}

/** Room the display name and reply-to addresses may take in the Send Email function's 4 KB environment (the rest is for the other variables). */
const EMAIL_ENVIRONMENT_BYTES = 3072;
/** Largest size of the templates together (UTF-8): they ride in a configuration file, far below a layer's limit, and make SES messages of sane size. */
const EMAIL_TEMPLATES_BYTES = 64 * 1024;
const MAX_REPLY_TO_ADDRESSES = 10;

export function validateEmailProps(props: SupportCaseWorkflowProps): string[] {
  const problems: string[] = [];
  const template = emailTemplateOverrides(props.emailTemplate);
  for (const [part, source] of Object.entries(template)) {
    const prop = `emailTemplate.${part}`;
    if (Token.isUnresolved(source)) problems.push(`${prop}: must be a literal string (tokens cannot be checked at synth)`);
    else problems.push(...checkEmailTemplate(source, prop, part as keyof EmailTemplate, { acknowledgement: props.acknowledgement !== undefined }));
  }
  if (props.senderName !== undefined && !Token.isUnresolved(props.senderName)) problems.push(...checkSenderName(props.senderName, 'senderName'));
  const replyTo = props.replyToAddresses;
  if (replyTo !== undefined) {
    if (replyTo.length === 0) problems.push('replyToAddresses: must not be empty (leave it out for no Reply-To)');
    if (replyTo.length > MAX_REPLY_TO_ADDRESSES) problems.push(`replyToAddresses: at most ${MAX_REPLY_TO_ADDRESSES} addresses, got ${replyTo.length}`);
    replyTo.forEach((address, i) => {
      if (!Token.isUnresolved(address) && !isValidEmailAddress(address)) {
        problems.push(`replyToAddresses[${i}]: ${JSON.stringify(address)} is not a valid email address`);
      }
    });
    const duplicates = replyTo.filter((a, i) => !Token.isUnresolved(a) && replyTo.indexOf(a) !== i);
    if (duplicates.length > 0) problems.push(`replyToAddresses: ${JSON.stringify(duplicates[0])} is listed twice`);
  }
  const templateBytes = Buffer.byteLength(JSON.stringify(template), 'utf8');
  if (templateBytes > EMAIL_TEMPLATES_BYTES) {
    problems.push(`emailTemplate: the templates take ${templateBytes} bytes; at most ${EMAIL_TEMPLATES_BYTES} are allowed`);
  }
  const envBytes = Buffer.byteLength(props.senderName ?? '', 'utf8') + Buffer.byteLength(replyTo ? JSON.stringify(replyTo) : '', 'utf8');
  if (envBytes > EMAIL_ENVIRONMENT_BYTES) {
    problems.push(`replyToAddresses: senderName and replyToAddresses take ${envBytes} bytes of the Send Email function's environment;`
      + ` Lambda allows 4 KB for all its variables, which leaves ${EMAIL_ENVIRONMENT_BYTES} bytes for these`);
  }
  return problems;
}
