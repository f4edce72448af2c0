import {
  Annotations,
  CfnResource,
  Names,
  Stack,
  aws_cloudwatch as cloudwatch,
  aws_dynamodb as dynamodb,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { createdTableSettings, stateMachineEncryption } from '../case-data';
import { createAlarms, createDashboard, handlerMetric, MonitoredWorkflow } from '../monitoring';
import { acknowledgeNagFindings } from '../nag-acknowledgements';
import { describePacing, PACING_LOOP_ENTRIES, pacingErrorsMetric } from '../paced-sending';
import { recipientsCondition } from '../recipients';
import { sendEmailStatement } from '../ses-access';
import { CASE_TABLE_PARTITION_KEY, METRIC_NAMES } from '../shared/contract';
import { grantTableKey, warnIfTableKeyUnchecked, warnIfTableKmsKeyUnknown } from '../table-access';
import { historyEventProblems } from '../workflow-limits';
import { ACKNOWLEDGEMENT_FUNCTIONS, AcknowledgementWiring } from './acknowledgement-functions';
import { acknowledgementLoopEntries } from './acknowledgement-props';
import { workflowDefinition } from './definition';
import { functionMaker } from './function-settings';
import { SupportCaseWorkflowProps } from './props';
import { CASE_TABLE_KEY, resolveProps, throwIfProblems, validateProps } from './resolve-props';
import { emailLeaseSeconds } from './retries';
import { stepFunctions } from './step-functions';
import { PerStep, StepExpectedErrors, WORKFLOW_STEPS } from './steps';

/** Where Step Functions expects vended logs (keeps the CloudWatch Logs resource policy small). */
const VENDED_LOGS_PREFIX = '/aws/vendedlogs/states/';

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

  /**
   * The acknowledge page's public URL (the Lambda function URL, `AuthType: NONE`), which Send Email
   * puts in the emails' links (undefined when `acknowledgement` is off).
   */
  public readonly acknowledgePageUrl?: string;

  /**
   * The acknowledge page's function, behind `acknowledgePageUrl` (undefined when `acknowledgement`
   * is off). Its reserved concurrency is `acknowledgement.pageConcurrency`.
   */
  public readonly acknowledgePageFunction?: lambda.Function;

  /** Wait For Acknowledgement: stores the round's task token (undefined when `acknowledgement` is off). */
  public readonly awaitAcknowledgementFunction?: lambda.Function;

  /** Escalate Case: the next employee, or UNACKNOWLEDGED (undefined when `acknowledgement` is off). */
  public readonly escalateCaseFunction?: lambda.Function;

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

  /**
   * Alarm on cases that ended UNACKNOWLEDGED (undefined when `acknowledgement` is off or
   * `alarmsEnabled` is false).
   */
  public readonly casesUnacknowledgedAlarm?: cloudwatch.Alarm;

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
    Annotations.of(this).addInfo(describePacing(emailThrottlePatience, props.emailSendRate));
    // One value per construct, known at synth time (the state machine's name may not be).
    this.metricsWorkflowName = Names.uniqueResourceName(this, { maxLength: 200 });

    this.table = props.table ?? new dynamodb.Table(this, 'Table', {
      partitionKey: { name: CASE_TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...createdTableSettings(props),
      removalPolicy: resolved.tableRemovalPolicy,
    });
    if (props.table) {
      warnIfTableKeyUnchecked(this, props.table, CASE_TABLE_KEY);
      warnIfTableKmsKeyUnknown(this, props.table, CASE_TABLE_KEY.propName);
    }

    const leaseSeconds = emailLeaseSeconds(handlerTimeout);
    const metricsWorkflow = this.metricsWorkflowName;
    const { functions, logGroups } = stepFunctions(this, { table: this.table, props, resolved, leaseSeconds, metricsWorkflow });
    this.openCaseFunction = functions.openCase;
    this.assignCaseFunction = functions.assignCase;
    this.sendEmailFunction = functions.sendEmail;
    this.openCaseLogGroup = logGroups.openCase;
    this.assignCaseLogGroup = logGroups.assignCase;
    this.sendEmailLogGroup = logGroups.sendEmail;

    // Least privilege: each function may call exactly what its step calls.
    this.grantTable(this.assignCaseFunction, 'dynamodb:PutItem', 'dynamodb:GetItem');
    this.grantTable(this.sendEmailFunction, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    const sendEmail = sendEmailStatement(this, props);
    for (const [operator, values] of Object.entries(recipientsCondition(props.roster))) sendEmail.addCondition(operator, values);
    this.sendEmailFunction.addToRolePolicy(sendEmail);
    const ack = resolved.acknowledgement && new AcknowledgementWiring(this, {
      settings: resolved.acknowledgement,
      table: this.table,
      roster: props.roster,
      sendEmail: this.sendEmailFunction,
      make: functionMaker(this, resolved, this.metricsWorkflowName),
      grantTable: (fn, ...actions) => this.grantTable(fn, ...actions),
    });
    this.acknowledgePageUrl = ack?.pageUrl.url;
    this.acknowledgePageFunction = ack?.functions.acknowledgePage;
    this.awaitAcknowledgementFunction = ack?.functions.awaitAcknowledgement;
    this.escalateCaseFunction = ack?.functions.escalateCase;

    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      logGroupName: VENDED_LOGS_PREFIX + (props.stateMachineName ?? Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })),
      retention: resolved.logRetention,
      removalPolicy: resolved.logRemovalPolicy,
    });

    const definition = workflowDefinition(this, {
      table: this.table,
      steps: WORKFLOW_STEPS,
      functions,
      taskTimeout,
      leaseSeconds,
      acknowledgement: ack && resolved.acknowledgement && {
        awaitFunction: ack.functions.awaitAcknowledgement,
        escalateFunction: ack.functions.escalateCase,
        escalateAfter: resolved.acknowledgement.escalateAfter,
        unacknowledgedTopic: resolved.acknowledgement.unacknowledgedTopic,
      },
    });
    if (workflowType === sfn.StateMachineType.STANDARD) {
      const states = Object.fromEntries(sfn.State.findReachableStates(definition.startState).map((st) => [st.stateId, st.toStateJson() as any]));
      // With acknowledgement on, every round runs the email's states again.
      const rounds = resolved.acknowledgement?.maxRounds;
      throwIfProblems(this.node.path, rounds === undefined
        ? historyEventProblems(states, 'emailThrottlePatience', PACING_LOOP_ENTRIES)
        : historyEventProblems(states, 'acknowledgement.maxRounds', acknowledgementLoopEntries(rounds)));
    }
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: workflowType,
      comment: `Support case workflow: ${WORKFLOW_STEPS.map((s) => s.stateName).join(', ')}.`,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: executionTimeout,
      encryptionConfiguration: stateMachineEncryption(props),
      tracingEnabled: resolved.tracingEnabled,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: resolved.logExecutionData,
      },
    });

    // Record Failure writes the table from the state machine itself.
    grantTableKey(this.table, this.stateMachine, 'write');
    ack?.bindStateMachine(this.stateMachine);
    this.acknowledgeStateMachineRole([...Object.values(functions), ...Object.values(ack?.functions ?? {})]);

    const watched = this.monitored(functions, ack);
    const alarms = resolved.alarmsEnabled ? createAlarms(this, watched, props.alarmTopic) : undefined;
    this.alarms = alarms?.all ?? [];
    this.executionsAlarm = alarms?.executions;
    this.throttledExecutionsAlarm = alarms?.throttledExecutions;
    this.openCaseErrorsAlarm = alarms?.functionErrors.openCase;
    this.assignCaseErrorsAlarm = alarms?.functionErrors.assignCase;
    this.sendEmailErrorsAlarm = alarms?.functionErrors.sendEmail;
    this.emailsThrottledAlarm = alarms?.emailsThrottled;
    this.casesUnacknowledgedAlarm = alarms?.casesUnacknowledged;
    this.dashboard = resolved.dashboardEnabled ? createDashboard(this, watched, this.alarms, props.dashboardName) : undefined;
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

  /** Cases acknowledged on the acknowledge page (`acknowledgement` on; default: sum over 5 minutes). */
  public metricCasesAcknowledged(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.CASES_ACKNOWLEDGED, props);
  }

  /** Milliseconds from a case's first email to its acknowledgement (`acknowledgement` on; default: p90 over 5 minutes). */
  public metricTimeToAcknowledge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.TIME_TO_ACKNOWLEDGE, { statistic: 'p90', ...props });
  }

  /** Rounds that ran out and went to the next employee (`acknowledgement` on; default: sum over 5 minutes). */
  public metricCasesEscalated(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.CASES_ESCALATED, props);
  }

  /** Cases whose every round ran out (`acknowledgement` on; default: sum over 5 minutes). */
  public metricCasesUnacknowledged(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return handlerMetric(this.metricsWorkflowName, METRIC_NAMES.CASES_UNACKNOWLEDGED, props);
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

  /** What the alarms and the dashboard watch: the state machine and each step's function. */
  private monitored(functions: PerStep<lambda.IFunction>, ack?: AcknowledgementWiring): MonitoredWorkflow {
    // Inputs Open Case refused: failed executions for their callers, but nothing to page about.
    const rejected = this.metricInvalidCaseInputs();
    const expected: Record<StepExpectedErrors, cloudwatch.IMetric> = {
      invalidInputs: rejected,
      // Every SES throttle and every case paced behind a backlog is one failed invocation
      // (EmailSlotReserved, EmailThrottled, DailyQuotaExceeded): the emails-throttled alarm covers those.
      pacing: pacingErrorsMetric(this.metricsWorkflowName),
    };
    return {
      stateMachine: this.stateMachine,
      metricsWorkflow: this.metricsWorkflowName,
      rejectedExecutions: rejected,
      steps: WORKFLOW_STEPS.map((step) => ({
        key: step.key,
        name: step.stateName,
        id: step.id,
        fn: functions[step.key],
        expectedErrors: 'expectedErrors' in step ? expected[step.expectedErrors] : undefined,
      })),
      acknowledgement: ack && ACKNOWLEDGEMENT_FUNCTIONS.map((row) => ({ key: row.key, name: row.name, id: row.id, fn: ack.functions[row.key] })),
    };
  }

  /** The state machine role's findings that AWS or CDK leave no narrower way to express. */
  private acknowledgeStateMachineRole(functions: lambda.IFunction[]): void {
    acknowledgeNagFindings(this.stateMachine.role, [
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: 'Resource::*',
        reason: 'Only X-Ray tracing and CloudWatch Logs log-delivery actions are on "*": neither supports resource-level permissions.',
      },
      ...functions.map((fn) => ({
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
}
