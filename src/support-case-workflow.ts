import {
  Annotations,
  CfnResource,
  Duration,
  Names,
  RemovalPolicy,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_dynamodb as dynamodb,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_sns as sns,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { caseDataProblems, configureCaseData, createdTableSettings, stateMachineEncryption } from './case-data';
import { addConfigFile } from './config-file';
import { EmailTemplate } from './email-template';
import { EmployeeRoster } from './employee-roster';
import { AssignCaseFunction } from './handlers/assign-case-function';
import { OpenCaseFunction } from './handlers/open-case-function';
import { SendEmailFunction } from './handlers/send-email-function';
import { configureLinkHosts, linkHostsProblems } from './link-hosts';
import { createAlarms, createDashboard, handlerMetric, MonitoredWorkflow } from './monitoring';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { addSendSlotWait, configurePacing, describePacing, PACING_INPUT, PACING_LOOP_ENTRIES, pacingErrorsMetric, pacingProblems } from './paced-sending';
import { senderEmailProblem, taskTimeoutProblem, throttlePatienceProblem, userFrames } from './prop-hints';
import { recipientsCondition } from './recipients';
import { sendEmailStatement, sesAccessProblems } from './ses-access';
import { METRIC_NAMES, METRICS_ENV, CASE_TABLE_PARTITION_KEY, CaseErrorName, CaseStatus, CONFIG_FILES, EmailStatus, ENV, RECORD_SENT, isValidEmailAddress, STATE_NAMES } from './shared/contract';
import { checkEmailTemplate, checkSenderName } from './shared/template-engine';
import { stateMachineNameProblems } from './state-machine-name';
import { RequiredTableKey, grantTableKey, tableKeyProblems, warnIfTableKeyUnchecked, warnIfTableKmsKeyUnknown } from './table-access';
import { handlerBudgetProblems, historyEventProblems, LAMBDA_INIT_SECONDS, leaseWaitProblems } from './workflow-limits';

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
   * `email*` / `messageId` attributes and, with `closedCaseRetention`, `expiresAt`; plus one item of
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
}

/** Every default of the construct, in one place. */
const DEFAULTS = {
  workflowType: sfn.StateMachineType.STANDARD,
  tableRemovalPolicy: RemovalPolicy.RETAIN,
  handlerTimeout: Duration.seconds(10),
  taskTimeout: Duration.seconds(30),
  /** Added to the worst case of the throttled-email retries for a Standard execution's default timeout. */
  standardExecutionTimeoutMargin: Duration.minutes(15),
  expressExecutionTimeout: Duration.minutes(5),
  standardThrottlePatience: Duration.hours(3),
  expressThrottlePatience: Duration.seconds(90),
  memorySize: 256,
  architecture: lambda.Architecture.ARM_64,
  logExecutionData: false,
  logRetention: logs.RetentionDays.THREE_MONTHS,
  logRemovalPolicy: RemovalPolicy.DESTROY,
  logLevel: lambda.ApplicationLogLevel.INFO,
  tracingEnabled: true,
  alarmsEnabled: true,
  dashboardEnabled: true,
} as const;

/** Where Step Functions expects vended logs (keeps the CloudWatch Logs resource policy small). */
const VENDED_LOGS_PREFIX = '/aws/vendedlogs/states/';

/** Lambda service errors AWS recommends retrying. */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
];

/**
 * A failed condition of a DynamoDB integration's write (`DynamoDB.` + the API's error code): the
 * record is not ours to change, and retrying cannot change that.
 */
const CONDITION_FAILED_NOT_RETRIED: sfn.RetryProps = { errors: ['DynamoDB.ConditionalCheckFailedException'], maxAttempts: 0 };

/** Retry policies (backoff with full jitter, as AWS recommends for Lambda and DynamoDB). */
const RETRY = {
  /** Lambda failed around the handler: 6 retries, 2 s doubling. */
  lambdaService: {
    errors: LAMBDA_TRANSIENT_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL,
  },
  /**
   * Lambda throttled the invocation (concurrency limit, which CDK's default retry leaves out): a
   * burst can meet it, so more patience than for other service errors: 12 retries, full jitter,
   * capped at 10 s (about a minute in all on average).
   */
  lambdaThrottled: {
    errors: ['Lambda.TooManyRequestsException'],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 12,
    maxDelay: Duration.seconds(10),
    jitterStrategy: sfn.JitterType.FULL,
  },
  /** The function was killed (timeout, out of memory) or the attempt timed out: tried again twice. */
  functionKilled: {
    errors: ['Lambda.Unknown', 'Sandbox.Timedout', 'States.Timeout'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 2,
  },
  /**
   * DynamoDB or SES throttled, failed or did not answer (our `DependencyUnavailable`): 10
   * retries, 1 s doubling up to 20 s, full jitter (about a minute in all on average), so that a
   * blip of a minute or two fails no case.
   */
  dependency: {
    errors: [CaseErrorName.DEPENDENCY_UNAVAILABLE],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 10,
    maxDelay: Duration.seconds(20),
    jitterStrategy: sfn.JitterType.FULL,
  },
  /**
   * Record Failure's write, after a failed condition (not retried): every other error (throttling,
   * 5xx, a timed-out attempt), whatever its name: 5 retries, 1 s doubling, full jitter. Naming the
   * transient errors one by one would rely on names that are easy to get wrong (the API's error
   * codes, not the Java SDK's class names).
   */
  recordFailure: {
    errors: [sfn.Errors.ALL], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 5, jitterStrategy: sfn.JitterType.FULL,
  },
} satisfies Record<string, sfn.RetryProps>;

/**
 * Record Sent Email: the email went out, so this write must land. Every error but a failed
 * condition (the claim is no longer this attempt's) is retried: 6 retries, 1 s doubling up to 8 s.
 */
const RECORD_SENT_RETRY: { notOurs: sfn.RetryProps; any: sfn.RetryProps & { maxAttempts: number }; attemptTimeout: Duration } = {
  notOurs: CONDITION_FAILED_NOT_RETRIED,
  any: {
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(8),
    jitterStrategy: sfn.JitterType.FULL,
  },
  /** Timeout of one attempt (a DynamoDB call). */
  attemptTimeout: Duration.seconds(5),
};

/** Longest total wait of a retrier (every jittered wait at its maximum). */
function worstCaseWaitSeconds(retry: { interval?: Duration; backoffRate?: number; maxAttempts?: number; maxDelay?: Duration }): number {
  let total = 0;
  for (let k = 0; k < (retry.maxAttempts ?? 3); k++) {
    const wait = (retry.interval?.toSeconds() ?? 1) * (retry.backoffRate ?? 2) ** k;
    total += Math.min(wait, retry.maxDelay?.toSeconds() ?? Infinity);
  }
  return total;
}

/**
 * Waiting for another attempt's email claim: no jitter, a quarter lease doubling up to a whole
 * lease, 8 retries (6.75 leases in all). Once past the third, every retry waits a whole lease,
 * so a claim left by a dead attempt is always outlived, even when one execution meets several
 * such claims (the retry count is shared by all of them).
 */
function emailInProgressRetry(leaseSeconds: number): sfn.RetryProps {
  return {
    errors: [CaseErrorName.EMAIL_SEND_IN_PROGRESS],
    interval: Duration.seconds(Math.ceil(leaseSeconds / 4)),
    backoffRate: 2,
    maxDelay: Duration.seconds(Math.ceil(leaseSeconds)),
    maxAttempts: 8,
    jitterStrategy: sfn.JitterType.NONE,
  };
}

/**
 * An email claim older than this belongs to an attempt that is over: its function has timed out
 * (plus a margin), and the state machine's Record Sent Email step, which records an email the
 * function could not, has run out of retries.
 */
function emailLeaseSeconds(handlerTimeout: Duration): number {
  const recordSentAttempts = RECORD_SENT_RETRY.any.maxAttempts + 1;
  const recordSentBudget = worstCaseWaitSeconds(RECORD_SENT_RETRY.any) + recordSentAttempts * RECORD_SENT_RETRY.attemptTimeout.toSeconds();
  return handlerTimeout.toSeconds() + CLOCK_MARGIN_SECONDS + recordSentBudget;
}

/** Added to a lease for the clocks of different function instances. */
const CLOCK_MARGIN_SECONDS = 5;

/** The key the case table must have. */
const CASE_TABLE_KEY: RequiredTableKey = { propName: 'table', partitionKey: CASE_TABLE_PARTITION_KEY };

const EXPRESS_MAX_DURATION = Duration.minutes(5);
const LAMBDA_MAX_TIMEOUT = Duration.minutes(15);


/**
 * The support-case workflow of the AWS SDK for JavaScript v3 tutorial "Creating AWS
 * serverless workflows", as one construct: a Step Functions state machine
 * **Open Case → Assign Case → Send Email**, each step a bundled, typed Lambda function.
 *
 * Start an execution with the input `{"inputCaseID": "001"}`. The output is the case id, the
 * assigned employee and the SES message id. Every step is idempotent per case: retries and
 * repeated executions never reassign a case or send its email twice (see the README for the
 * one SES case that is ambiguous by nature). Failures end the execution with the step's
 * error name and mark the case record `FAILED`.
 */
export class SupportCaseWorkflow extends Construct {
  /** The state machine that runs the workflow. */
  public readonly stateMachine: sfn.StateMachine;

  /** The table holding one record per case (created or brought). */
  public readonly table: dynamodb.ITable;

  /** Open Case: validates the execution input. */
  public readonly openCaseFunction: lambda.Function;

  /** Assign Case: chooses the employee and writes the case record. */
  public readonly assignCaseFunction: lambda.Function;

  /** Send Email: emails the assigned employee through SES, once. */
  public readonly sendEmailFunction: lambda.Function;

  /** The log group of the state machine, named `/aws/vendedlogs/states/<name>`. */
  public readonly logGroup: logs.LogGroup;

  /** The log group of the Open Case function. */
  public readonly openCaseLogGroup: logs.LogGroup;

  /** The log group of the Assign Case function. */
  public readonly assignCaseLogGroup: logs.LogGroup;

  /** The log group of the Send Email function. */
  public readonly sendEmailLogGroup: logs.LogGroup;

  /** Every alarm of the construct (empty when `alarmsEnabled` is false). */
  public readonly alarms: cloudwatch.IAlarm[];

  /** Alarm on failed, timed-out and aborted executions (undefined when `alarmsEnabled` is false). */
  public readonly executionsAlarm?: cloudwatch.Alarm;

  /**
   * Alarm on the workflow's state transitions throttled by Step Functions (`ExecutionThrottled`:
   * the account's state transition quota; cases are delayed). Callers' throttled `StartExecution`
   * calls are not in it: see `ThrottledEvents` by `APIName` (undefined when `alarmsEnabled` is false).
   */
  public readonly throttledExecutionsAlarm?: cloudwatch.Alarm;

  /** Alarm on the Open Case function's error rate (undefined when `alarmsEnabled` is false). */
  public readonly openCaseErrorsAlarm?: cloudwatch.Alarm;

  /** Alarm on the Assign Case function's error rate (undefined when `alarmsEnabled` is false). */
  public readonly assignCaseErrorsAlarm?: cloudwatch.Alarm;

  /** Alarm on the Send Email function's error rate (undefined when `alarmsEnabled` is false). */
  public readonly sendEmailErrorsAlarm?: cloudwatch.Alarm;

  /** Alarm on sends throttled by SES for 15 minutes in a row (undefined when `alarmsEnabled` is false). */
  public readonly emailsThrottledAlarm?: cloudwatch.Alarm;

  /** The CloudWatch dashboard (undefined when `dashboardEnabled` is false). */
  public readonly dashboard?: cloudwatch.Dashboard;

  /** The value of the `Workflow` dimension of the handlers' metrics (namespace `SupportCaseWorkflow`). */
  public readonly metricsWorkflowName: string;

  /**
   * Creates the workflow: its state machine, functions, table (unless `props.table` is given),
   * permissions, logs and alarm. Throws, at synth time, one error listing every invalid prop.
   *
   * @param scope the construct to add the workflow to, usually a `Stack`
   * @param id the construct id, unique within `scope` (the ids of the resources derive from it)
   * @param props the roster, the sender address and the optional settings
   */
  constructor(scope: Construct, id: string, props: SupportCaseWorkflowProps) {
    super(scope, id);
    const resolved = resolveProps(props);
    validateProps(this.node.path, props, resolved);
    const { workflowType, handlerTimeout, taskTimeout, executionTimeout, emailThrottlePatience } = resolved;
    const tracing = props.tracingEnabled ?? DEFAULTS.tracingEnabled;
    const logRetention = props.logRetention ?? DEFAULTS.logRetention;
    Annotations.of(this).addInfo(describePacing(emailThrottlePatience, props.emailSendRate));
    const logRemovalPolicy = props.logRemovalPolicy ?? DEFAULTS.logRemovalPolicy;
    // One value per construct, known at synth time (the state machine's name may not be).
    this.metricsWorkflowName = Names.uniqueResourceName(this, { maxLength: 200 });

    this.table = props.table ?? new dynamodb.Table(this, 'Table', {
      partitionKey: { name: CASE_TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...createdTableSettings(props),
      removalPolicy: props.tableRemovalPolicy ?? DEFAULTS.tableRemovalPolicy,
    });
    if (props.table) {
      warnIfTableKeyUnchecked(this, props.table, CASE_TABLE_KEY);
      warnIfTableKmsKeyUnknown(this, props.table, CASE_TABLE_KEY.propName);
    }

    const functionLogGroups: Record<string, logs.LogGroup> = {};
    const functionProps = (name: string, environment: Record<string, string>) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: logRetention, removalPolicy: logRemovalPolicy });
      functionLogGroups[name] = logGroup;
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Runs the ${name} step of the support case workflow`,
      });
      logGroup.grantWrite(role);
      acknowledgeNagFindings(role, [{
        id: 'AwsSolutions-IAM5',
        appliesTo: 'Resource::*',
        reason: 'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) is on "*": X-Ray has no resource-level permissions.',
      }]);
      return {
        role,
        logGroup,
        architecture: props.architecture ?? DEFAULTS.architecture,
        memorySize: props.memorySize ?? DEFAULTS.memorySize,
        timeout: handlerTimeout,
        tracing: tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
        // Platform lines (START, END, REPORT) as JSON too; the handlers write JSON lines themselves.
        loggingFormat: lambda.LoggingFormat.JSON,
        applicationLogLevelV2: props.logLevel ?? DEFAULTS.logLevel,
        systemLogLevelV2: lambda.SystemLogLevel.INFO,
        environment: { ...environment, [METRICS_ENV.WORKFLOW]: this.metricsWorkflowName },
        description: `Support case workflow: ${name} step`,
      };
    };

    this.openCaseFunction = new OpenCaseFunction(this, 'OpenCaseFunction', functionProps('OpenCase', {}));
    this.assignCaseFunction = new AssignCaseFunction(this, 'AssignCaseFunction', functionProps('AssignCase', {
      [ENV.TABLE_NAME]: this.table.tableName,
    }));
    props.roster._bind(this.assignCaseFunction);
    configureLinkHosts(props.linkHosts, [this.openCaseFunction, this.assignCaseFunction]);
    configureCaseData(this, props, this.assignCaseFunction, executionTimeout);
    this.sendEmailFunction = new SendEmailFunction(this, 'SendEmailFunction', functionProps('SendEmail', {
      [ENV.TABLE_NAME]: this.table.tableName,
      [ENV.SENDER_EMAIL]: props.senderEmail,
      // An email claim older than its lease belongs to an attempt that is over.
      [ENV.EMAIL_LEASE_SECONDS]: String(emailLeaseSeconds(handlerTimeout)),
      // An earlier attempt of the same execution has stopped by then (its function's timeout, plus a margin for clocks).
      [ENV.EMAIL_OWN_LEASE_SECONDS]: String(handlerTimeout.toSeconds() + CLOCK_MARGIN_SECONDS),
    }));
    configureEmail(this.sendEmailFunction, props);
    configurePacing(this.sendEmailFunction, this.sendEmailFunction.role!, props.emailSendRate, emailThrottlePatience);
    if (props.configurationSetName) this.sendEmailFunction.addEnvironment(ENV.CONFIGURATION_SET, props.configurationSetName);

    // Least privilege: each function may call exactly what its step calls.
    this.grantTable(this.assignCaseFunction, 'dynamodb:PutItem', 'dynamodb:GetItem');
    this.grantTable(this.sendEmailFunction, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    const sendEmail = sendEmailStatement(this, props);
    for (const [operator, values] of Object.entries(recipientsCondition(props.roster))) sendEmail.addCondition(operator, values);
    this.sendEmailFunction.addToRolePolicy(sendEmail);

    this.openCaseLogGroup = functionLogGroups.OpenCase;
    this.assignCaseLogGroup = functionLogGroups.AssignCase;
    this.sendEmailLogGroup = functionLogGroups.SendEmail;
    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      logGroupName: VENDED_LOGS_PREFIX + (props.stateMachineName ?? Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })),
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
    });

    const definition = this.definition(taskTimeout, emailLeaseSeconds(handlerTimeout));
    if (workflowType === sfn.StateMachineType.STANDARD) {
      const states = Object.fromEntries(sfn.State.findReachableStates(definition.startState).map((st) => [st.stateId, st.toStateJson() as any]));
      throwIfProblems(this.node.path, historyEventProblems(states, 'emailThrottlePatience', PACING_LOOP_ENTRIES));
    }
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: workflowType,
      comment: 'Support case workflow: Open Case, Assign Case, Send Email.',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: executionTimeout,
      encryptionConfiguration: stateMachineEncryption(props),
      tracingEnabled: tracing,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: props.logExecutionData ?? DEFAULTS.logExecutionData,
      },
    });

    // Record Failure writes the table from the state machine itself.
    grantTableKey(this.table, this.stateMachine, 'write');
    this.acknowledgeStateMachineRole();

    const monitoring = this.monitoring(props);
    this.alarms = monitoring.alarms;
    this.executionsAlarm = monitoring.executionsAlarm;
    this.throttledExecutionsAlarm = monitoring.throttledExecutionsAlarm;
    [this.openCaseErrorsAlarm, this.assignCaseErrorsAlarm, this.sendEmailErrorsAlarm] = monitoring.functionErrorsAlarms;
    this.emailsThrottledAlarm = monitoring.emailsThrottledAlarm;
    this.dashboard = monitoring.dashboard;
  }

  /** Allows `grantee` to start executions of the workflow (`states:StartExecution`). */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /**
   * Allows `grantee` to run executions synchronously (`states:StartSyncExecution`).
   *
   * Only Express workflows can be run synchronously: throws for a Standard workflow.
   */
  public grantStartSyncExecution(grantee: iam.IGrantable): iam.Grant {
    if (this.stateMachine.stateMachineType !== sfn.StateMachineType.EXPRESS) {
      throw new Error('grantStartSyncExecution: only Express workflows (workflowType: EXPRESS) can be started synchronously');
    }
    return this.stateMachine.grantStartSyncExecution(grantee);
  }

  /** Executions started (default: sum over 5 minutes). */
  public metricStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricStarted(props);
  }

  /** State transitions of the workflow's executions throttled by Step Functions (`ExecutionThrottled`; default: sum over 5 minutes). */
  public metricThrottled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricThrottled(props);
  }

  /** Duration of executions, in milliseconds (default: average over 5 minutes). */
  public metricTime(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTime(props);
  }

  /** Emails SES accepted, resends included (handlers' metric; default: sum over 5 minutes). */
  public metricEmailsSent(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.EMAILS_SENT, props);
  }

  /** Emails sent again after an attempt whose SES outcome was unknown (default: sum over 5 minutes). */
  public metricEmailsResent(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.EMAILS_RESENT, props);
  }

  /** Sends refused by SES's throttling (sending rate or daily quota; default: sum over 5 minutes). */
  public metricEmailsThrottled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.EMAILS_THROTTLED, props);
  }

  /**
   * Execution inputs Open Case refused (`InvalidCaseInput`; default: sum over 5 minutes). Those
   * executions fail for their callers but are left out of the alarms.
   */
  public metricInvalidCaseInputs(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.INVALID_CASE_INPUTS, props);
  }

  /** Cases newly assigned, all employees (default: sum over 5 minutes). */
  public metricCasesAssigned(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.CASES_ASSIGNED, props);
  }

  /** Cases newly assigned to the employee `employeeId` (default: sum over 5 minutes). */
  public metricCasesAssignedTo(employeeId: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.CASES_ASSIGNED, props, employeeId);
  }

  /** Executions that failed (default: sum over 5 minutes). */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /** Executions that timed out (default: sum over 5 minutes). */
  public metricTimedOut(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut(props);
  }

  /** Executions that were aborted (default: sum over 5 minutes). */
  public metricAborted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricAborted(props);
  }

  /** Executions that succeeded (default: sum over 5 minutes). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded(props);
  }

  /** The alarms and the dashboard, as the props ask. */
  private monitoring(props: SupportCaseWorkflowProps) {
    // Inputs Open Case refused: failed executions for their callers, but nothing to page about.
    const rejected = this.metricInvalidCaseInputs();
    const watched: MonitoredWorkflow = {
      stateMachine: this.stateMachine,
      metricsWorkflow: this.metricsWorkflowName,
      rejectedExecutions: rejected,
      steps: [
        { name: STATE_NAMES.OPEN_CASE, id: 'OpenCase', fn: this.openCaseFunction, expectedErrors: rejected },
        { name: STATE_NAMES.ASSIGN_CASE, id: 'AssignCase', fn: this.assignCaseFunction },
        {
          name: STATE_NAMES.SEND_EMAIL,
          id: 'SendEmail',
          fn: this.sendEmailFunction,
          // Every SES throttle and every case paced behind a backlog is one failed invocation
          // (EmailSlotReserved, EmailThrottled, DailyQuotaExceeded): the emails-throttled alarm covers those.
          expectedErrors: pacingErrorsMetric(this.metricsWorkflowName),
        },
      ],
    };
    const created = (props.alarmsEnabled ?? DEFAULTS.alarmsEnabled) ? createAlarms(this, watched, props.alarmTopic) : undefined;
    const alarms: cloudwatch.IAlarm[] = created
      ? [created.executions, created.throttledExecutions, ...created.functionErrors, created.emailsThrottled] : [];
    return {
      alarms,
      executionsAlarm: created?.executions,
      throttledExecutionsAlarm: created?.throttledExecutions,
      functionErrorsAlarms: created?.functionErrors ?? [],
      emailsThrottledAlarm: created?.emailsThrottled,
      dashboard: (props.dashboardEnabled ?? DEFAULTS.dashboardEnabled) ? createDashboard(this, watched, alarms, props.dashboardName) : undefined,
    };
  }

  /** The state machine role's findings that AWS or CDK leave no narrower way to express. */
  private acknowledgeStateMachineRole(): void {
    acknowledgeNagFindings(this.stateMachine.role, [
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: 'Resource::*',
        reason: 'Only X-Ray tracing and CloudWatch Logs log-delivery actions are on "*": neither supports resource-level permissions.',
      },
      ...[this.openCaseFunction, this.assignCaseFunction, this.sendEmailFunction].map((fn) => ({
        id: 'AwsSolutions-IAM5',
        appliesTo: `Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnResource)}.Arn>:*`,
        reason: 'lambda:InvokeFunction on the versions and aliases of our own step function, as CDK\'s LambdaInvoke grants it.',
      })),
    ]);
  }

  private grantTable(fn: lambda.IFunction, ...actions: string[]): void {
    this.table.grant(fn, ...actions);
    grantTableKey(this.table, fn, 'write');
  }

  private definition(taskTimeout: Duration, leaseSeconds: number): sfn.IChainable {
    const caseFailed = new sfn.Fail(this, 'CaseFailed', {
      stateName: STATE_NAMES.CASE_FAILED,
      comment: 'Ends the execution with the error name and cause of the step that failed.',
      errorPath: '$.Error',
      causePath: '$.Cause',
    });
    // Record Failure's own failure must not hide the step's error: keep that one.
    const failureNotRecorded = new sfn.Pass(this, 'FailureNotRecorded', {
      stateName: STATE_NAMES.FAILURE_NOT_RECORDED,
      comment: 'No record to mark (the case failed before it was written, or its email went out).',
      outputPath: '$.error',
    }).next(caseFailed);

    const caseKey = (path: string) => ({ [CASE_TABLE_PARTITION_KEY]: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path)) });

    const recordFailure = new tasks.DynamoUpdateItem(this, 'RecordFailure', {
      stateName: STATE_NAMES.RECORD_FAILURE,
      comment: 'Marks the case record FAILED (if the workflow wrote one and its email was not sent).',
      table: this.table,
      key: caseKey('$.caseId'),
      updateExpression: 'SET #status = :failed, failureError = :error, updatedAt = :now',
      // Only a record the workflow wrote (it always has emailStatus), and never one whose email went out.
      conditionExpression: 'attribute_exists(emailStatus) AND #status <> :emailed',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: {
        ':failed': tasks.DynamoAttributeValue.fromString(CaseStatus.FAILED),
        ':emailed': tasks.DynamoAttributeValue.fromString(CaseStatus.EMAILED),
        ':error': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.error.Error')),
        ':now': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')),
      },
      resultPath: sfn.JsonPath.DISCARD,
      outputPath: '$.error',
      taskTimeout: sfn.Timeout.duration(taskTimeout),
    });
    recordFailure.addRetry(CONDITION_FAILED_NOT_RETRIED);
    recordFailure.addRetry(RETRY.recordFailure);
    recordFailure.addCatch(failureNotRecorded, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    recordFailure.next(caseFailed);

    const recordSentEmail = this.recordSentEmailPath(caseKey, failureNotRecorded);

    const step = (id: string, stateName: string, fn: lambda.IFunction, retries: sfn.RetryProps[], payload?: sfn.TaskInput) => {
      const task = new tasks.LambdaInvoke(this, id, {
        stateName,
        lambdaFunction: fn,
        payload,
        // The Task's Resource is the function ARN and its result is the handler's return value,
        // as in the tutorial.
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        taskTimeout: sfn.Timeout.duration(taskTimeout),
      });
      for (const retry of [RETRY.lambdaService, RETRY.lambdaThrottled, RETRY.functionKilled, ...retries]) task.addRetry(retry);
      return task;
    };

    // Open Case's input may not even be an object, so its error replaces it (ResultPath left out,
    // which means "$") rather than joining it.
    const openCase = step('OpenCase', STATE_NAMES.OPEN_CASE, this.openCaseFunction, [])
      .addCatch(caseFailed, { errors: [sfn.Errors.ALL] });
    // A conflicting case (CaseConflict: the input disagrees with the stored case) is someone
    // else's case: it fails the execution but must not mark that case FAILED.
    const conflict = { errors: [CaseErrorName.CASE_CONFLICT], resultPath: '$.error' };
    const assignCase = step('AssignCase', STATE_NAMES.ASSIGN_CASE, this.assignCaseFunction, [RETRY.dependency])
      .addCatch(failureNotRecorded, conflict)
      .addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const sendEmail = step('SendEmail', STATE_NAMES.SEND_EMAIL, this.sendEmailFunction, [
      RETRY.dependency, emailInProgressRetry(leaseSeconds),
    ], sfn.TaskInput.fromObject({ case: sfn.JsonPath.entirePayload, executionId: sfn.JsonPath.executionId, ...PACING_INPUT }))
      .addCatch(recordSentEmail, { errors: [CaseErrorName.EMAIL_SENT_NOT_RECORDED], resultPath: '$.error' })
      .addCatch(failureNotRecorded, conflict);
    addSendSlotWait(this, sendEmail);
    sendEmail.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

    return sfn.Chain.start(openCase).next(assignCase).next(sendEmail);
  }

  /**
   * The failure path of an email that SES accepted but Send Email could not record: the message
   * id travels in the error (`EmailSentNotRecorded`, its message is a JSON `SentEmail`), and the
   * state machine makes the same conditional write as the handler, with its own retries. So the
   * email is never sent again, and the happy path keeps its three states.
   */
  private recordSentEmailPath(caseKey: (path: string) => Record<string, tasks.DynamoAttributeValue>, onFailure: sfn.IChainable): sfn.IChainable {
    const unwrapCause = new sfn.Pass(this, 'EmailSentNotRecorded', {
      stateName: STATE_NAMES.EMAIL_SENT_NOT_RECORDED,
      comment: 'Send Email\'s error cause is the Lambda error as JSON; its message is the sent email.',
      parameters: { 'cause.$': 'States.StringToJson($.error.Cause)' },
      resultPath: '$.sent',
    });
    const readSentEmail = new sfn.Pass(this, 'ReadSentEmail', {
      stateName: STATE_NAMES.READ_SENT_EMAIL,
      parameters: { 'email.$': 'States.StringToJson($.sent.cause.errorMessage)' },
      resultPath: '$.sent',
    });
    const at = (field: string) => sfn.JsonPath.stringAt(`$.sent.email.${field}`);
    const recordSent = new tasks.DynamoUpdateItem(this, 'RecordSentEmail', {
      stateName: STATE_NAMES.RECORD_SENT_EMAIL,
      comment: 'Records the email SES accepted (SENT, case EMAILED), as Send Email would have.',
      table: this.table,
      key: caseKey('$.sent.email.caseId'),
      updateExpression: RECORD_SENT.updateExpression,
      conditionExpression: RECORD_SENT.conditionExpression,
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: {
        ':sent': tasks.DynamoAttributeValue.fromString(EmailStatus.SENT),
        ':emailed': tasks.DynamoAttributeValue.fromString(CaseStatus.EMAILED),
        ':sending': tasks.DynamoAttributeValue.fromString(EmailStatus.SENDING),
        ':attempt': tasks.DynamoAttributeValue.fromString(at('attemptId')),
        ':mid': tasks.DynamoAttributeValue.fromString(at('messageId')),
        ':at': tasks.DynamoAttributeValue.fromString(at('emailedAt')),
        ':resends': tasks.DynamoAttributeValue.numberFromString(at('emailAmbiguousResends')),
      },
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sfn.Timeout.duration(RECORD_SENT_RETRY.attemptTimeout),
    });
    recordSent.addRetry(RECORD_SENT_RETRY.notOurs);
    recordSent.addRetry(RECORD_SENT_RETRY.any);
    // The email went out: the record must not say FAILED, so skip Record Failure.
    recordSent.addCatch(onFailure, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    return unwrapCause.next(readSentEmail).next(recordSent).next(this.sentEmailResult());
  }

  /**
   * The execution's output after Record Sent Email: what Send Email would have returned. The error
   * carries ids only, so the case comes from the state's input, which Send Email checked against the
   * stored record before it sent (an input that differs is CaseConflict, never sent).
   */
  private sentEmailResult(): sfn.IChainable {
    const result = (withDetails: boolean) => ({
      'caseId.$': '$.caseId',
      'employee.$': '$.employee',
      'messageId.$': '$.sent.email.messageId',
      'assignedAt.$': '$.assignedAt',
      'emailedAt.$': '$.sent.email.emailedAt',
      ...(withDetails ? { 'details.$': '$.details' } : {}),
    });
    return new sfn.Choice(this, 'EmailRecorded', {
      stateName: STATE_NAMES.EMAIL_RECORDED,
      comment: 'The output has details only when the case has any.',
    })
      .when(sfn.Condition.isPresent('$.details'), new sfn.Pass(this, 'SentEmailResultWithDetails', {
        stateName: STATE_NAMES.SENT_EMAIL_RESULT_WITH_DETAILS, parameters: result(true),
      }))
      .otherwise(new sfn.Pass(this, 'SentEmailResult', { stateName: STATE_NAMES.SENT_EMAIL_RESULT, parameters: result(false) }));
  }
}

/**
 * How the email settings reach the Send Email function, the one place that knows: the team's
 * templates (possibly large) in the function's configuration file, the display name and reply-to
 * addresses (small) in its environment. Only what is set is passed.
 */
function configureEmail(fn: lambda.Function, props: SupportCaseWorkflowProps): void {
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

function validateEmailProps(props: SupportCaseWorkflowProps): string[] {
  const problems: string[] = [];
  const template = emailTemplateOverrides(props.emailTemplate);
  for (const [part, source] of Object.entries(template)) {
    const prop = `emailTemplate.${part}`;
    if (Token.isUnresolved(source)) problems.push(`${prop}: must be a literal string (tokens cannot be checked at synth)`);
    else problems.push(...checkEmailTemplate(source, prop, part as keyof EmailTemplate));
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

/** A brought table defined in the app must have the case table's key. */
function tableProblems(props: SupportCaseWorkflowProps): string[] {
  return props.table ? tableKeyProblems(props.table, CASE_TABLE_KEY) : [];
}

/** The props with every default applied: worked out once, read by validation and construction. */
interface ResolvedProps {
  readonly workflowType: sfn.StateMachineType;
  readonly handlerTimeout: Duration;
  readonly taskTimeout: Duration;
  readonly emailThrottlePatience: Duration;
  readonly executionTimeout: Duration;
}

function resolveProps(props: SupportCaseWorkflowProps): ResolvedProps {
  const workflowType = props.workflowType ?? DEFAULTS.workflowType;
  const express = workflowType === sfn.StateMachineType.EXPRESS;
  const emailThrottlePatience = props.emailThrottlePatience ?? (express ? DEFAULTS.expressThrottlePatience : DEFAULTS.standardThrottlePatience);
  const executionTimeout = props.executionTimeout ?? (express
    ? DEFAULTS.expressExecutionTimeout
    : emailThrottlePatience.plus(DEFAULTS.standardExecutionTimeoutMargin));
  return {
    workflowType,
    handlerTimeout: props.handlerTimeout ?? DEFAULTS.handlerTimeout,
    taskTimeout: props.taskTimeout ?? DEFAULTS.taskTimeout,
    emailThrottlePatience,
    executionTimeout,
  };
}

/** Checks the props; throws one error listing every problem, each naming its prop, under the construct's path. */
function validateProps(path: string, props: SupportCaseWorkflowProps, resolved: ResolvedProps): void {
  const problems: string[] = [];
  const { workflowType, handlerTimeout, taskTimeout, executionTimeout, emailThrottlePatience } = resolved;

  const senderProblem = Token.isUnresolved(props.senderEmail) ? undefined : senderEmailProblem(props.senderEmail);
  if (senderProblem) problems.push(senderProblem);
  problems.push(...(props.roster?._validate('roster') ?? ['roster: is required']));
  problems.push(...tableProblems(props));
  problems.push(...sesAccessProblems(props));
  problems.push(...stateMachineNameProblems(props.stateMachineName));
  problems.push(...validateEmailProps(props));
  problems.push(...linkHostsProblems(props.linkHosts));
  problems.push(...caseDataProblems(props));
  if (props.table && props.tableRemovalPolicy !== undefined) {
    problems.push('tableRemovalPolicy: applies only to the table the construct creates; do not set it together with table');
  }
  if (handlerTimeout.toMilliseconds() > LAMBDA_MAX_TIMEOUT.toMilliseconds()) {
    problems.push(`handlerTimeout: ${handlerTimeout.toHumanString()} is longer than Lambda's limit of 15 minutes`);
  }
  if (handlerTimeout.toMilliseconds() < 1000) problems.push('handlerTimeout: must be at least 1 second');
  if (handlerTimeout.toMilliseconds() % 1000 !== 0) problems.push(`handlerTimeout: Lambda takes whole seconds, got ${handlerTimeout.toHumanString()}`);
  problems.push(...handlerBudgetProblems(handlerTimeout));
  const timeoutProblem = taskTimeoutProblem({
    handlerTimeout,
    taskTimeout,
    handlerTimeoutSet: props.handlerTimeout !== undefined,
    taskTimeoutSet: props.taskTimeout !== undefined,
    initSeconds: LAMBDA_INIT_SECONDS,
  });
  if (timeoutProblem) problems.push(timeoutProblem);
  if (handlerTimeout.toMilliseconds() % 1000 === 0) {
    const lease = emailLeaseSeconds(handlerTimeout);
    const inProgress = emailInProgressRetry(lease);
    problems.push(...leaseWaitProblems(lease, {
      intervalSeconds: inProgress.interval!.toSeconds(),
      backoffRate: inProgress.backoffRate!,
      maxAttempts: inProgress.maxAttempts!,
      maxDelaySeconds: inProgress.maxDelay?.toSeconds(),
    }, taskTimeout, executionTimeout));
  }
  if (executionTimeout.toMilliseconds() < taskTimeout.toMilliseconds()) {
    problems.push(`${props.executionTimeout ? 'executionTimeout' : 'taskTimeout'}: one task attempt (taskTimeout, ${taskTimeout.toHumanString()})`
      + ` does not fit in the execution timeout (${executionTimeout.toHumanString()})`);
  }
  if (workflowType === sfn.StateMachineType.EXPRESS && executionTimeout.toMilliseconds() > EXPRESS_MAX_DURATION.toMilliseconds()) {
    problems.push(`executionTimeout: Express workflows run at most 5 minutes, got ${executionTimeout.toHumanString()}`);
  }
  if (emailThrottlePatience.toSeconds() < 1) problems.push('emailThrottlePatience: must be at least 1 second');
  const patienceProblem = throttlePatienceProblem({
    patience: emailThrottlePatience,
    patienceSet: props.emailThrottlePatience !== undefined,
    executionTimeout,
    executionTimeoutSet: props.executionTimeout !== undefined,
    express: workflowType === sfn.StateMachineType.EXPRESS,
    expressMax: EXPRESS_MAX_DURATION,
    // A case takes no send slot later than the patience after its execution started.
    worstWaitSeconds: (p) => p.toSeconds(),
    stepsSeconds: 60,
  });
  if (patienceProblem) problems.push(patienceProblem);
  problems.push(...pacingProblems(props.emailSendRate));
  const memory = props.memorySize;
  if (memory !== undefined && !Token.isUnresolved(memory) && (!Number.isInteger(memory) || memory < 128 || memory > 10240)) {
    problems.push(`memorySize: ${memory} is not a whole number of MiB between 128 and 10240`);
  }
  if (props.dashboardName !== undefined && props.dashboardEnabled === false) {
    problems.push('dashboardName: names the dashboard, which dashboardEnabled: false leaves out');
  }
  if (props.dashboardName !== undefined && !Token.isUnresolved(props.dashboardName) && !/^[A-Za-z0-9_-]{1,255}$/.test(props.dashboardName)) {
    problems.push(`dashboardName: ${JSON.stringify(props.dashboardName)} may hold only letters, digits, "-" and "_" (at most 255)`);
  }
  if (props.alarmTopic && props.alarmsEnabled === false) {
    problems.push('alarmTopic: is notified by the alarms, which alarmsEnabled: false leaves out');
  }
  throwIfProblems(path, problems);
}

function throwIfProblems(path: string, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new ValidationError(`Invalid SupportCaseWorkflowProps for ${path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A synth-time error in the props of a `SupportCaseWorkflow`. */
class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
    // The problems, then the app's own lines: the library's and the CDK's frames say nothing.
    if (this.stack) this.stack = userFrames(this.stack);
  }
}
