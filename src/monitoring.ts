/**
 * The operations pack of the construct: its CloudWatch alarms and dashboard. Internal (index.ts
 * does not export this module); `SupportCaseWorkflow` calls it and exposes what it creates.
 */
import {
  Duration,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cw_actions,
  aws_lambda as lambda,
  aws_sns as sns,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_NAMESPACE, MetricName } from './shared/contract';

/** The period of every alarm and dashboard graph. */
export const MONITORING_PERIOD = Duration.minutes(5);

/** Alarm thresholds, in one place (the README's Runbook quotes them). */
export const ALARM_SETTINGS = {
  /**
   * Failed + timed-out + aborted executions, in 1 of the last 2 periods. The sum needs `FILL`
   * (a series missing in a period would blank it), and CloudWatch warns that `FILL` in an alarm
   * can fill a latest point whose data is only late; an M-out-of-N alarm, as it recommends, sees
   * the late point at the next evaluation.
   */
  executions: { threshold: 1, evaluationPeriods: 2, datapointsToAlarm: 1 },
  /** State transitions of the workflow's executions that Step Functions throttled (ExecutionThrottled), in one period. */
  throttledExecutions: { threshold: 1, evaluationPeriods: 1 },
  /** Per function: share of invocations that ended in an error, in %, in 2 of 3 periods. */
  functionErrors: { thresholdPercent: 5, evaluationPeriods: 3, datapointsToAlarm: 2 },
  /** SES throttled at least one send in each of 3 periods in a row (15 minutes of throttling). */
  emailsThrottled: { threshold: 1, evaluationPeriods: 3 },
  /** Acknowledgement on: at least one case ended UNACKNOWLEDGED in a period. */
  casesUnacknowledged: { threshold: 1, evaluationPeriods: 1 },
} as const;

/** A function the operations pack watches: its error alarm comes back under `key`. */
export interface MonitoredFunction {
  readonly key: string;
  readonly name: string;
  readonly id: string;
  readonly fn: lambda.IFunction;
  /**
   * Errors the function raises by design and the state machine handles (an SES throttle during a
   * burst): left out of its error alarm, which would otherwise fire on every burst.
   */
  readonly expectedErrors?: cloudwatch.IMetric;
}

/** What the operations pack watches. */
export interface MonitoredWorkflow {
  readonly stateMachine: sfn.StateMachine;
  /** The value of the handlers' `Workflow` metric dimension. */
  readonly metricsWorkflow: string;
  /**
   * Executions that fail by design and must not page: execution inputs Open Case refused
   * (still failed executions for their callers, and on the dashboard).
   */
  readonly rejectedExecutions?: cloudwatch.IMetric;
  /** The steps, in order (src/workflow/steps.ts), with their display names. */
  readonly steps: readonly MonitoredFunction[];
  /** Acknowledgement on only: its functions (src/workflow/acknowledgement-functions.ts). */
  readonly acknowledgement?: readonly MonitoredFunction[];
}

/** One of the handlers' EMF metrics (default: sum over the monitoring period). */
export function handlerMetric(
  workflow: string, metricName: MetricName, props: cloudwatch.MetricOptions = {}, employeeId?: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    statistic: 'Sum',
    period: MONITORING_PERIOD,
    ...props,
    dimensionsMap: {
      [METRIC_DIMENSIONS.WORKFLOW]: workflow,
      ...(employeeId === undefined ? {} : { [METRIC_DIMENSIONS.EMPLOYEE_ID]: employeeId }),
      ...props.dimensionsMap,
    },
  });
}

/**
 * A metric that is missing in a period because nothing happened (no failed execution, no
 * throttled send) counts as 0 in alarm math. Only where needed: CloudWatch warns that FILL can
 * fill a latest point whose data is only late (Using metric math, "FILL"); alarms on one metric
 * leave missing data to the alarm's own handling (`treatMissingData`) instead.
 */
function filled(id: string): string {
  return `FILL(${id}, 0)`;
}

/** `count` less the `expected` parts of it, never below 0 (missing periods as 0). */
function withoutExpected(count: string, ...expected: string[]): string {
  const parts = expected.map(filled).join(' + ');
  const minus = expected.map((e) => ` - ${filled(e)}`).join('');
  return `IF(${filled(count)} > ${expected.length > 1 ? `(${parts})` : parts}, ${filled(count)}${minus}, 0)`;
}

/** The alarms, created in `scope`, all notifying `topic` (alarm and OK) when given. */
export function createAlarms(scope: Construct, w: MonitoredWorkflow, topic?: sns.ITopic): {
  executions: cloudwatch.Alarm;
  throttledExecutions: cloudwatch.Alarm;
  /** Each step's error alarm, by step key. */
  functionErrors: Record<string, cloudwatch.Alarm>;
  emailsThrottled: cloudwatch.Alarm;
  /** Acknowledgement on only. */
  casesUnacknowledged?: cloudwatch.Alarm;
  /** Every alarm above, in that order (the acknowledgement's functions' error alarms last but one). */
  all: cloudwatch.Alarm[];
} {
  const sum = { statistic: 'Sum', period: MONITORING_PERIOD };
  // Failures by design do not page here: refused inputs (the caller's mistake) and, with
  // acknowledgement, cases nobody acknowledged (their own alarm, casesUnacknowledged).
  const unacknowledged = w.acknowledgement ? handlerMetric(w.metricsWorkflow, METRIC_NAMES.CASES_UNACKNOWLEDGED) : undefined;
  const expectedFailures = [...(w.rejectedExecutions ? ['rejected'] : []), ...(unacknowledged ? ['unacknowledged'] : [])];
  const executions = new cloudwatch.Alarm(scope, 'ExecutionsAlarm', {
    alarmDescription: 'Support case executions failed, timed out or were aborted: see the README\'s Runbook (from the alarm to the failed case).',
    metric: new cloudwatch.MathExpression({
      expression: `${expectedFailures.length > 0 ? withoutExpected('failed', ...expectedFailures) : filled('failed')} + ${filled('timedOut')} + ${filled('aborted')}`,
      label: 'Failed, timed-out and aborted executions',
      period: MONITORING_PERIOD,
      usingMetrics: {
        failed: w.stateMachine.metricFailed(sum),
        timedOut: w.stateMachine.metricTimedOut(sum),
        aborted: w.stateMachine.metricAborted(sum),
        ...(w.rejectedExecutions ? { rejected: w.rejectedExecutions } : {}),
        ...(unacknowledged ? { unacknowledged } : {}),
      },
    }),
    threshold: ALARM_SETTINGS.executions.threshold,
    evaluationPeriods: ALARM_SETTINGS.executions.evaluationPeriods,
    datapointsToAlarm: ALARM_SETTINGS.executions.datapointsToAlarm,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  const throttledExecutions = new cloudwatch.Alarm(scope, 'ThrottledExecutionsAlarm', {
    alarmDescription: 'Step Functions throttled state transitions of support case executions (ExecutionThrottled: the account\'s state'
      + ' transition quota): cases are delayed. Callers\' throttled StartExecution calls are not counted here (ThrottledEvents by APIName).',
    metric: w.stateMachine.metricThrottled(sum),
    threshold: ALARM_SETTINGS.throttledExecutions.threshold,
    evaluationPeriods: ALARM_SETTINGS.throttledExecutions.evaluationPeriods,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  const { thresholdPercent, evaluationPeriods, datapointsToAlarm } = ALARM_SETTINGS.functionErrors;
  const functionErrors: Record<string, cloudwatch.Alarm> = {};
  for (const step of [...w.steps, ...w.acknowledgement ?? []]) {
    functionErrors[step.key] = new cloudwatch.Alarm(scope, `${step.id}ErrorsAlarm`, {
      alarmDescription: `The ${step.name} function failed ${thresholdPercent} % or more of its invocations in ${datapointsToAlarm} of the last `
        + `${evaluationPeriods} periods of 5 minutes (retried errors included): see the README's Runbook.`,
      metric: new cloudwatch.MathExpression({
        // A point only where the function was invoked (invocations is never filled): a period whose
        // data is late has no point yet, rather than a filled one.
        expression: `IF(invocations > 0, 100 * ${step.expectedErrors
          ? withoutExpected('errors', 'expected')
          : filled('errors')} / invocations, 0)`,
        label: `${step.name} errors (% of invocations)`,
        period: MONITORING_PERIOD,
        usingMetrics: {
          errors: step.fn.metricErrors(sum),
          invocations: step.fn.metricInvocations(sum),
          ...(step.expectedErrors ? { expected: step.expectedErrors } : {}),
        },
      }),
      threshold: thresholdPercent,
      evaluationPeriods,
      datapointsToAlarm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  const emailsThrottled = new cloudwatch.Alarm(scope, 'EmailsThrottledAlarm', {
    alarmDescription: 'Emails have waited on SES for 15 minutes in a row (sends SES throttled, or cases queued for a paced send slot):'
      + ' the sending rate or the daily quota is too low for the load. See the README\'s Runbook.',
    // With paced sending SES refuses about one send per burst; the cases queued behind it are the
    // throttled volume. Both are summed; a period with neither has no data in either, and FILL
    // makes it 0 (not breaching); the alarm needs all 3 periods, so a late point delays it by one.
    metric: new cloudwatch.MathExpression({
      expression: `${filled('throttled')} + ${filled('queued')}`,
      label: 'Emails throttled by SES or queued for a send slot',
      period: MONITORING_PERIOD,
      usingMetrics: {
        throttled: handlerMetric(w.metricsWorkflow, METRIC_NAMES.EMAILS_THROTTLED, { label: 'Sends throttled by SES' }),
        queued: handlerMetric(w.metricsWorkflow, METRIC_NAMES.EMAILS_QUEUED, { label: 'Cases queued for a send slot' }),
      },
    }),
    threshold: ALARM_SETTINGS.emailsThrottled.threshold,
    evaluationPeriods: ALARM_SETTINGS.emailsThrottled.evaluationPeriods,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  const casesUnacknowledged = w.acknowledgement && new cloudwatch.Alarm(scope, 'CasesUnacknowledgedAlarm', {
    alarmDescription: 'Support cases ended UNACKNOWLEDGED: nobody acknowledged them in any round of escalation. See the README\'s Runbook.',
    metric: handlerMetric(w.metricsWorkflow, METRIC_NAMES.CASES_UNACKNOWLEDGED),
    threshold: ALARM_SETTINGS.casesUnacknowledged.threshold,
    evaluationPeriods: ALARM_SETTINGS.casesUnacknowledged.evaluationPeriods,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  const all = [executions, throttledExecutions, ...Object.values(functionErrors), emailsThrottled];
  if (casesUnacknowledged) all.push(casesUnacknowledged);
  if (topic) {
    const action = new cw_actions.SnsAction(topic);
    for (const alarm of all) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
  return { executions, throttledExecutions, functionErrors, emailsThrottled, casesUnacknowledged, all };
}

/** The dashboard: executions, steps, emails, assignments (and the alarms' state, when there are alarms). */
export function createDashboard(
  scope: Construct, w: MonitoredWorkflow, alarms: cloudwatch.IAlarm[], dashboardName?: string,
): cloudwatch.Dashboard {
  const sum = (label: string) => ({ statistic: 'Sum', period: MONITORING_PERIOD, label });
  const sm = w.stateMachine;
  const width = 8;
  const height = 6;
  const graph = (title: string, left: cloudwatch.IMetric[], leftYAxis?: cloudwatch.YAxisProps) =>
    new cloudwatch.GraphWidget({ title, left, width, height, leftYAxis: leftYAxis ?? { min: 0 } });

  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName,
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(
    graph('Executions', [
      sm.metricStarted(sum('Started')),
      sm.metricSucceeded(sum('Succeeded')),
      sm.metricFailed(sum('Failed')),
      sm.metricTimedOut(sum('Timed out')),
      sm.metricAborted(sum('Aborted')),
      sm.metricThrottled(sum('Throttled')),
      handlerMetric(w.metricsWorkflow, METRIC_NAMES.INVALID_CASE_INPUTS, { label: 'Rejected (invalid input)' }),
    ]),
    graph('Execution time (p50, p99)', [
      sm.metricTime({ statistic: 'p50', period: MONITORING_PERIOD, label: 'p50' }),
      sm.metricTime({ statistic: 'p99', period: MONITORING_PERIOD, label: 'p99' }),
    ], { min: 0, label: 'ms', showUnits: false }),
    graph('Emails', [
      handlerMetric(w.metricsWorkflow, METRIC_NAMES.EMAILS_SENT, { label: 'Sent' }),
      handlerMetric(w.metricsWorkflow, METRIC_NAMES.EMAILS_THROTTLED, { label: 'Throttled by SES' }),
      handlerMetric(w.metricsWorkflow, METRIC_NAMES.EMAILS_QUEUED, { label: 'Queued for a send slot' }),
      handlerMetric(w.metricsWorkflow, METRIC_NAMES.EMAILS_RESENT, { label: 'Resent after an unknown outcome' }),
    ]),
  );
  dashboard.addWidgets(
    graph('Step duration (p50, p99)', w.steps.flatMap((step) => [
      step.fn.metricDuration({ statistic: 'p50', period: MONITORING_PERIOD, label: `${step.name} p50` }),
      step.fn.metricDuration({ statistic: 'p99', period: MONITORING_PERIOD, label: `${step.name} p99` }),
    ]), { min: 0, label: 'ms', showUnits: false }),
    graph('Step errors', w.steps.map((step) => step.fn.metricErrors(sum(step.name)))),
    graph('Cases assigned per employee', [
      new cloudwatch.MathExpression({
        // One line per employee, whatever the roster holds now (a roster table can change).
        expression: `SEARCH('{${METRICS_NAMESPACE},${METRIC_DIMENSIONS.WORKFLOW},${METRIC_DIMENSIONS.EMPLOYEE_ID}} `
          + `MetricName="${METRIC_NAMES.CASES_ASSIGNED}" ${METRIC_DIMENSIONS.WORKFLOW}="${w.metricsWorkflow}"', 'Sum', ${MONITORING_PERIOD.toSeconds()})`,
        label: '',
        period: MONITORING_PERIOD,
      }),
    ]),
  );
  if (w.acknowledgement) dashboard.addWidgets(...acknowledgementWidgets(w.metricsWorkflow, w.acknowledgement, graph));
  if (alarms.length > 0) {
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 }));
  }
  return dashboard;
}

/** Acknowledgement on: the cases' outcomes, the time to acknowledge, and the acknowledgement's functions' errors. */
function acknowledgementWidgets(
  workflow: string, functions: readonly MonitoredFunction[],
  graph: (title: string, left: cloudwatch.IMetric[], leftYAxis?: cloudwatch.YAxisProps) => cloudwatch.IWidget,
): cloudwatch.IWidget[] {
  const metric = (name: MetricName, label: string, props: cloudwatch.MetricOptions = {}) => handlerMetric(workflow, name, { label, ...props });
  return [
    graph('Acknowledgements', [
      metric(METRIC_NAMES.CASES_ACKNOWLEDGED, 'Acknowledged'),
      metric(METRIC_NAMES.ACKNOWLEDGED_WITHIN_SLA, 'Acknowledged within escalateAfter'),
      metric(METRIC_NAMES.CASES_ESCALATED, 'Escalated (rounds)'),
      metric(METRIC_NAMES.CASES_UNACKNOWLEDGED, 'Unacknowledged'),
    ]),
    graph('Time to acknowledge (p50, p90)', [
      metric(METRIC_NAMES.TIME_TO_ACKNOWLEDGE, 'p50', { statistic: 'p50' }),
      metric(METRIC_NAMES.TIME_TO_ACKNOWLEDGE, 'p90', { statistic: 'p90' }),
    ], { min: 0, label: 'ms', showUnits: false }),
    graph('Acknowledgement errors', functions.map((f) => f.fn.metricErrors({ statistic: 'Sum', period: MONITORING_PERIOD, label: f.name }))),
  ];
}
