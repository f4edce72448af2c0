/**
 * The email of a case, as Send Email composes it: the team's templates (or the default wording)
 * rendered with the stored case, from the configured sender (display name, reply-to addresses,
 * configuration set), tagged with the case id. Plain functions and configuration, no AWS calls:
 * the handler sends what `sendEmailRequest` builds.
 */
import type { SendEmailCommandInput } from '@aws-sdk/client-ses';
import { readConfigFile } from './config-file.lambda-shared';
import { ConfigurationError } from './errors.lambda-shared';
import { AssignedCase, CaseEmail, ENV, isValidEmailAddress } from '../shared/contract';
import { caseIdMessageTags } from '../shared/message-tags';
import { caseTemplateValues, compileEmailTemplates, EmailTemplates, formatSender, parseEmailTemplates, renderEmail, TemplateValues } from '../shared/template-engine';

const DEFAULT_TEMPLATES = compileEmailTemplates();

/**
 * Composes the notification to the assigned employee from the templates (default: today's
 * wording); `more`: the acknowledgement's values, when it is on.
 */
export function composeCaseEmail(assigned: AssignedCase, templates: EmailTemplates = DEFAULT_TEMPLATES, more: TemplateValues = {}): CaseEmail {
  return { to: assigned.employee.email, ...renderEmail(templates, { ...caseTemplateValues(assigned), ...more }) };
}

/**
 * The email templates, read once per cold start: the team's, from the function's configuration
 * file (templates can be large: not in the environment), or the default wording.
 */
let templates: EmailTemplates | undefined;
export function loadEmailTemplates(): EmailTemplates {
  if (templates) return templates;
  const file = process.env[ENV.EMAIL_TEMPLATES_FILE];
  try {
    templates = parseEmailTemplates(file ? readConfigFile(file).templates : undefined);
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    throw new ConfigurationError(`the email templates in ${file} are malformed: ${(err as Error).message}`, { cause: err });
  }
  return templates;
}

/** Where the emails come from: the sender (with its display name), reply-to addresses (optional), the configuration set (optional). */
export interface SenderSettings {
  readonly source: string;
  readonly replyTo?: string[];
  readonly configurationSetName?: string;
}

/** The sender settings from the function's configuration. */
export function senderSettings(): SenderSettings {
  const sender = process.env[ENV.SENDER_EMAIL];
  if (!isValidEmailAddress(sender)) throw new ConfigurationError(`${ENV.SENDER_EMAIL} is not a valid email address`);
  const replyToJson = process.env[ENV.REPLY_TO_ADDRESSES];
  let replyTo: unknown;
  try {
    replyTo = replyToJson ? JSON.parse(replyToJson) : undefined;
  } catch {
    throw new ConfigurationError(`${ENV.REPLY_TO_ADDRESSES} is not valid JSON`);
  }
  if (replyTo !== undefined && (!Array.isArray(replyTo) || !replyTo.every(isValidEmailAddress))) {
    throw new ConfigurationError(`${ENV.REPLY_TO_ADDRESSES} must be a JSON array of email addresses`);
  }
  return {
    source: formatSender(sender, process.env[ENV.SENDER_NAME]),
    replyTo: replyTo?.length ? replyTo : undefined,
    configurationSetName: process.env[ENV.CONFIGURATION_SET] || undefined,
  };
}

/** The SES request that sends `email` of case `caseId` from `sender`. */
export function sendEmailRequest(caseId: string, email: CaseEmail, sender: SenderSettings): SendEmailCommandInput {
  return {
    // "Display Name" <address>: IAM's ses:FromAddress condition still sees the bare address.
    Source: sender.source,
    ReplyToAddresses: sender.replyTo,
    ConfigurationSetName: sender.configurationSetName,
    // Names the case in SES's sending events (bounces, complaints) and for the local harness.
    Tags: caseIdMessageTags(caseId),
    Destination: { ToAddresses: [email.to] },
    Message: {
      Subject: { Data: email.subject, Charset: 'UTF-8' },
      Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
    },
  };
}
