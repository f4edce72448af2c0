/**
 * The props with every default applied (`resolveProps`), and their synth-time validation: one
 * error listing every problem, each naming its prop.
 */
import { Duration, RemovalPolicy, Token, aws_lambda as lambda, aws_logs as logs, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { caseDataProblems } from '../case-data';
import { linkHostsProblems } from '../link-hosts';
import { pacingProblems } from '../paced-sending';
import { senderEmailProblem, taskTimeoutProblem, throttlePatienceProblem, userFrames } from '../prop-hints';
import { sesAccessProblems } from '../ses-access';
import { acknowledgementProblems, ResolvedAcknowledgement, roundsDuration } from './acknowledgement-props';
import { CASE_TABLE_PARTITION_KEY } from '../shared/contract';
import { stateMachineNameProblems } from '../state-machine-name';
import { RequiredTableKey, tableKeyProblems } from '../table-access';
import { handlerBudgetProblems, LAMBDA_INIT_SECONDS } from '../workflow-limits';
import { validateEmailProps } from './email-settings';
import { SupportCaseWorkflowProps } from './props';
import { emailLeaseWaitProblems } from './retries';

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
  /** `acknowledgement`, when given (acknowledgement-props.ts). */
  acknowledgement: {
    escalateAfter: Duration.minutes(15),
    maxRounds: 3,
    pageConcurrency: 5,
  },
} as const;
/** The key the case table must have. */
export const CASE_TABLE_KEY: RequiredTableKey = { propName: 'table', partitionKey: CASE_TABLE_PARTITION_KEY };

const EXPRESS_MAX_DURATION = Duration.minutes(5);
const LAMBDA_MAX_TIMEOUT = Duration.minutes(15);

/** A brought table defined in the app must have the case table's key. */
function tableProblems(props: SupportCaseWorkflowProps): string[] {
  return props.table ? tableKeyProblems(props.table, CASE_TABLE_KEY) : [];
}

/** The props with every default applied: worked out once, read by validation and construction. */
export interface ResolvedProps {
  readonly workflowType: sfn.StateMachineType;
  readonly handlerTimeout: Duration;
  readonly taskTimeout: Duration;
  readonly emailThrottlePatience: Duration;
  readonly executionTimeout: Duration;
  readonly tableRemovalPolicy: RemovalPolicy;
  readonly memorySize: number;
  readonly architecture: lambda.Architecture;
  readonly logExecutionData: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly logLevel: lambda.ApplicationLogLevel;
  readonly tracingEnabled: boolean;
  readonly alarmsEnabled: boolean;
  readonly dashboardEnabled: boolean;
  /** Undefined when acknowledgement is off. */
  readonly acknowledgement?: ResolvedAcknowledgement;
}

export function resolveProps(props: SupportCaseWorkflowProps): ResolvedProps {
  const workflowType = props.workflowType ?? DEFAULTS.workflowType;
  const express = workflowType === sfn.StateMachineType.EXPRESS;
  const emailThrottlePatience = props.emailThrottlePatience ?? (express ? DEFAULTS.expressThrottlePatience : DEFAULTS.standardThrottlePatience);
  const ack = props.acknowledgement;
  const acknowledgement: ResolvedAcknowledgement | undefined = ack && {
    escalateAfter: ack.escalateAfter ?? DEFAULTS.acknowledgement.escalateAfter,
    maxRounds: ack.maxRounds ?? DEFAULTS.acknowledgement.maxRounds,
    pageConcurrency: ack.pageConcurrency ?? DEFAULTS.acknowledgement.pageConcurrency,
    unacknowledgedTopic: ack.unacknowledgedTopic,
  };
  const standardTimeout = emailThrottlePatience.plus(DEFAULTS.standardExecutionTimeoutMargin);
  const executionTimeout = props.executionTimeout ?? (express
    ? DEFAULTS.expressExecutionTimeout
    // Every round's wait comes on top of the email's (its patience counts from the execution's start).
    : (acknowledgement ? standardTimeout.plus(roundsDuration(acknowledgement)) : standardTimeout));
  return {
    workflowType,
    handlerTimeout: props.handlerTimeout ?? DEFAULTS.handlerTimeout,
    taskTimeout: props.taskTimeout ?? DEFAULTS.taskTimeout,
    emailThrottlePatience,
    executionTimeout,
    tableRemovalPolicy: props.tableRemovalPolicy ?? DEFAULTS.tableRemovalPolicy,
    memorySize: props.memorySize ?? DEFAULTS.memorySize,
    architecture: props.architecture ?? DEFAULTS.architecture,
    logExecutionData: props.logExecutionData ?? DEFAULTS.logExecutionData,
    logRetention: props.logRetention ?? DEFAULTS.logRetention,
    logRemovalPolicy: props.logRemovalPolicy ?? DEFAULTS.logRemovalPolicy,
    logLevel: props.logLevel ?? DEFAULTS.logLevel,
    tracingEnabled: props.tracingEnabled ?? DEFAULTS.tracingEnabled,
    alarmsEnabled: props.alarmsEnabled ?? DEFAULTS.alarmsEnabled,
    dashboardEnabled: props.dashboardEnabled ?? DEFAULTS.dashboardEnabled,
    acknowledgement,
  };
}

/** Checks the props; throws one error listing every problem, each naming its prop, under the construct's path. */
export function validateProps(path: string, props: SupportCaseWorkflowProps, resolved: ResolvedProps): void {
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
  if (handlerTimeout.toMilliseconds() % 1000 === 0) problems.push(...emailLeaseWaitProblems(handlerTimeout, taskTimeout, executionTimeout));
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
  problems.push(...acknowledgementProblems(props, resolved));
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

export function throwIfProblems(path: string, problems: readonly string[]): void {
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
