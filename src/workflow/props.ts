import {
  Duration,
  RemovalPolicy,
  aws_dynamodb as dynamodb,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_sns as sns,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { AcknowledgementOptions } from '../acknowledgement-options';
import { EmailTemplate } from '../email-template';
import { EmployeeRoster } from '../employee-roster';

/** Properties of a `SupportCaseWorkflow`. */
export interface SupportCaseWorkflowProps {
  /**
   * The employees that cases are assigned to.
   *
   * @example
   * const ana: Employee = { id: 'e1', name: 'Ana', email: 'ana@example.com' };
   * EmployeeRoster.fromEmployees([ana]);
   */
  readonly roster: EmployeeRoster;

  /**
   * The address notification emails are sent from.
   *
   * It must be a verified SES identity (the address itself, or its domain) in the stack's
   * account and region. The Send Email function may send only from this address
   * (`ses:FromAddress` condition).
   */
  readonly senderEmail: string;

  /**
   * Name of an SES configuration set to send the notification emails through (event
   * publishing, dedicated IP pools...). The Send Email function may then send through it
   * (`ses:SendEmail` on the configuration set too).
   *
   * If the sender identity has a default configuration set, SES applies it to every send and
   * requires `ses:SendEmail` on it as well: set this prop to that set's name.
   *
   * @default - no configuration set named in the request (SES still applies the identity's
   * default configuration set, if it has one)
   */
  readonly configurationSetName?: string;

  /**
   * The recipients' SES identities (addresses, or domains) Send Email may also send on, for an
   * account in the SES sandbox.
   *
   * In the sandbox, SES sends only to verified identities, and refuses a send whose role may
   * not use the recipient's identity ("not authorized to perform ses:SendEmail on resource
   * ...:identity/<recipient>"). List each verified recipient address here (a domain entry allows
   * `identity/<domain>`). `ses:FromAddress` still limits the sender to `senderEmail`. Remove it
   * once the account has production access. At most 50 entries, no wildcards.
   *
   * @default - the sender's identities only (an account with production access)
   */
  readonly sandboxRecipients?: string[];

  /**
   * Display name shown with the sender address (`"Support Team" <support@example.com>`).
   *
   * Quoted and escaped as a mail header needs it; a name with non-ASCII characters is sent
   * RFC 2047-encoded, as SES requires. The IAM condition `ses:FromAddress` still names the
   * bare `senderEmail`: SES compares it with the address, not with the display name. At most
   * 100 characters, no line breaks or other control characters.
   *
   * @default - no display name: the bare `senderEmail`
   */
  readonly senderName?: string;

  /**
   * Reply-To addresses of the email (for example the team's queue), so that answers go there
   * rather than to `senderEmail`. 1 to 10 valid addresses, no duplicates.
   *
   * @default - no Reply-To: replies go to `senderEmail`
   */
  readonly replyToAddresses?: string[];

  /**
   * Subject, text body and HTML body of the notification email, as templates with
   * placeholders (`{{caseId}}`, `{{employeeName}}`, `{{openedAt}}`, `{{title}}`...; see
   * `EmailTemplate`). Parts left out keep the default wording. Checked at synth: an unknown
   * placeholder or unbalanced braces fail with an error naming the part and the placeholder.
   * The templates reach the Send Email function in its configuration file (a small layer, like
   * a fixed roster), not its environment; together they may take at most 64 KiB of UTF-8.
   *
   * @default - today's wording, with the case details when the case has any
   */
  readonly emailTemplate?: EmailTemplate;

  /**
   * The hosts a case's `link` may point to: exact host names (`tickets.example.com`) or
   * `*.example.com` for any subdomain of `example.com` (not `example.com` itself); compared
   * case-insensitively. A case whose link points elsewhere fails Open Case with
   * `InvalidCaseInput`, before anything is written or sent. At most 50 hosts.
   *
   * @default - any host: a link must only be an absolute http(s) URL without a user name or password
   */
  readonly linkHosts?: string[];

  /**
   * A customer-managed KMS key for the case data at rest: the state machine's execution history
   * and definition (`encryptionConfiguration`), and the case table the construct creates. A
   * brought `table` keeps its own encryption. The key's policy must let the principals that start
   * executions or read their history use it (see AWS's "Data at rest encryption in Step Functions").
   *
   * @default - AWS-owned keys for the execution history, an AWS-managed key for the table
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long a case record is kept once its execution can no longer run: the record expires
   * `executionTimeout` plus this after its assignment (DynamoDB TTL on the attribute `expiresAt`,
   * which DynamoDB deletes within a few days of that time). Applies to records written from then
   * on. On a brought `table`, turn TTL on for `expiresAt` yourself. At least 1 hour.
   *
   * @default - records are kept until you delete them
   */
  readonly closedCaseRetention?: Duration;

  /**
   * The table that holds one record per case.
   *
   * Bring your own table to share it or manage it elsewhere. It must have a partition key
   * named `caseId` of type string and no sort key: checked at synth for a table defined in the
   * app (`Table`, `TableV2`); an imported table gets a synth warning instead. With a
   * customer-managed KMS key, the functions and the state machine may use that key through
   * DynamoDB only (`kms:ViaService`): to decrypt, encrypt, re-encrypt and generate data keys. An
   * imported table must carry its key (`Table.fromTableAttributes({ tableName, encryptionKey })`),
   * else it gets a synth warning and no grant; the key policy must let IAM policies grant its use
   * (the default key policy does). The workflow writes only the attributes
   * `caseId`, `status`, `employeeId`, `employeeName`, `employeeEmail`, `openedAt`,
   * `assignedAt`, `updatedAt`, `failureError`, `details` (a map of strings), the
   * `email*` / `messageId` attributes, with `closedCaseRetention`, `expiresAt`, and with
   * `acknowledgement`, `ack*`, `acknowledged*`, `unacknowledgedAt` and `escalations`; plus one item of
   * its own: `caseId` `#send-slots` (no case id can take it), the send-slot counter of paced
   * sending (`nextSlotAt`, `slotGapMs`).
   *
   * @default - a table is created: on-demand billing, point-in-time recovery, AWS-managed
   * encryption, removal policy from `tableRemovalPolicy`.
   */
  readonly table?: dynamodb.ITable;

  /**
   * What happens to the table the construct creates when it leaves the stack.
   *
   * Only valid when `table` is not given.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;

  /**
   * Standard (exactly-once, up to a year) or Express (at-least-once, up to 5 minutes) workflow.
   *
   * Both keep the guarantees of this construct: the handlers are idempotent per case.
   *
   * @default sfn.StateMachineType.STANDARD
   */
  readonly workflowType?: sfn.StateMachineType;

  /**
   * Name of the state machine; its log group is `/aws/vendedlogs/states/<stateMachineName>`.
   *
   * 1 to 80 ASCII letters, digits, `.`, `_` or `-` (what both Step Functions and CloudWatch Logs
   * names allow); checked at synth.
   *
   * @default - a name generated by CloudFormation
   */
  readonly stateMachineName?: string;

  /**
   * Timeout of each Lambda function invocation.
   *
   * @default Duration.seconds(10)
   */
  readonly handlerTimeout?: Duration;

  /**
   * Timeout of each Task state (one attempt). Must be longer than `handlerTimeout`, so that
   * an attempt is never abandoned while its function still runs.
   *
   * @default Duration.seconds(30)
   */
  readonly taskTimeout?: Duration;

  /**
   * Timeout of a whole execution, retries included.
   *
   * It must leave room for `emailThrottlePatience` plus one minute.
   *
   * @default - Standard: `emailThrottlePatience` plus 15 minutes (3 h 15 min with the
   * defaults); Express: Duration.minutes(5)
   */
  readonly executionTimeout?: Duration;

  /**
   * How long after its execution started a case may still be sent, when SES refuses emails for
   * its maximum sending rate.
   *
   * A throttled case (or one that finds other emails waiting) takes a send slot, paced at 95 % of
   * SES's rate, and its execution waits for it in the Wait For Send Slot state (see the README's
   * "Bursts and SES limits"). A slot later than this is not taken: the case fails at once with
   * `EmailThrottled`, nothing sent. A burst of N cases drains at about 0.95 × R, so the last case
   * waits about N / (0.95 R) seconds: set this above that for the largest burst you expect
   * (10,000 cases at 1 email/s need about 2 h 56 min). It must fit in `executionTimeout` with a
   * minute to spare. SES's daily quota is not waited for: it fails at once with `DailyQuotaExceeded`.
   *
   * @default Duration.hours(3) for Standard, Duration.seconds(90) for Express
   */
  readonly emailThrottlePatience?: Duration;

  /**
   * SES's maximum sending rate for this workflow, in emails per second: throttled emails are
   * paced at 95 % of it. Set it when other senders share the account's rate (give this workflow's
   * share) or to spare the function the `ses:GetSendQuota` permission.
   *
   * @default - the account's maximum sending rate in the stack's Region, read by the Send Email
   * function from SES (`GetSendQuota`) when it first paces, and kept for 5 minutes
   */
  readonly emailSendRate?: number;

  /**
   * Memory of each Lambda function, in MiB.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * Processor architecture of the Lambda functions.
   *
   * @default lambda.Architecture.ARM_64 (about 20 % cheaper per GB-second than x86_64)
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Include execution input and output in the state machine's logs.
   *
   * Case data holds personal data (employee names and addresses), so it is left out by default.
   *
   * @default false
   */
  readonly logExecutionData?: boolean;

  /**
   * How long the logs of the state machine and of the functions are kept.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups (state machine and functions) when they leave the stack.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * The functions' application log level (Lambda's log-level filtering, JSON log format).
   *
   * Lambda drops the handlers' log lines below this level and sets `AWS_LAMBDA_LOG_LEVEL`,
   * which the handlers honour too. The handlers' metric lines (Embedded Metric Format) carry
   * the function's level (at least INFO) and an RFC 3339 `timestamp`, so they pass the filter
   * at any level. Lambda's own platform lines (START, END, REPORT) stay at INFO.
   *
   * @default lambda.ApplicationLogLevel.INFO
   */
  readonly logLevel?: lambda.ApplicationLogLevel;

  /**
   * X-Ray tracing of the state machine and the functions.
   *
   * @default true
   */
  readonly tracingEnabled?: boolean;

  /**
   * Topic notified when any of the construct's alarms fires or recovers (alarm and OK actions).
   *
   * Only used when `alarmsEnabled` is true.
   *
   * @default - the alarms are created without actions
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Create the alarms: failed/timed-out/aborted executions, throttled executions, each
   * function's errors and sustained SES throttling (see the README's Runbook).
   *
   * @default true
   */
  readonly alarmsEnabled?: boolean;

  /**
   * Create a CloudWatch dashboard of the workflow (executions, steps, emails, assignments, alarms).
   *
   * @default true
   */
  readonly dashboardEnabled?: boolean;

  /**
   * Name of the dashboard. Only valid when `dashboardEnabled` is not false.
   *
   * @default - a name generated by CloudFormation
   */
  readonly dashboardName?: string;

  /**
   * Acknowledge or escalate (Standard workflows only): each email carries a link to an
   * acknowledge page; a case nobody acknowledges within `escalateAfter` goes to the next employee,
   * up to `maxRounds` emails, then ends `UNACKNOWLEDGED` (alarm, optional topic). See
   * `AcknowledgementOptions` and the README's "Acknowledge or escalate" for the flow and the
   * security model. Adds three functions (one behind a public function URL, `acknowledgePageUrl`)
   * and raises the default `executionTimeout` by the rounds' waits. Refused with
   * `workflowType: EXPRESS`, which cannot wait for a callback.
   *
   * @default - off: the workflow ends when the email is sent
   */
  readonly acknowledgement?: AcknowledgementOptions;
}
