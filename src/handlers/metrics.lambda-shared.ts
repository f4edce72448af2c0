/**
 * Business metrics of the workflow, emitted in CloudWatch's Embedded Metric Format (EMF): one
 * JSON object per line on stdout, which CloudWatch Logs turns into metrics. No API call and no
 * `cloudwatch:PutMetricData` permission are needed.
 *
 * The namespace, metric names and dimension names are defined once, in the contract
 * (src/shared/contract.ts): the handlers emit them, the construct builds its dashboard and
 * alarms from the same constants.
 *
 * Cardinality is bounded: every metric has the dimension `Workflow` (one value per construct);
 * `CasesAssigned` also has `Workflow` + `EmployeeId`, bounded by the roster's size.
 */

import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_ENV, METRICS_NAMESPACE, MetricName } from '../shared/contract';

/** What each metric line may carry besides the metric (searchable log fields, not dimensions). */
export interface MetricContext {
  readonly caseId?: string;
  readonly requestId?: string;
}

/** The CloudWatch units the metrics use. */
export type MetricUnit = 'Count' | 'Milliseconds';

/** Lambda's application log levels, lowest first (`AWS_LAMBDA_LOG_LEVEL`). */
const LAMBDA_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/**
 * The `level` of a metric line. Lambda filters JSON lines by their `level`, and counts a line as
 * INFO unless it carries both a valid `level` and a valid RFC 3339 `timestamp` (Lambda Developer
 * Guide, "Log-level filtering"). So a metric line carries both (see emfRecord), and takes the
 * function's own threshold (at least INFO) as its level: it passes the filter whatever `logLevel`
 * the construct was given.
 */
function metricLineLevel(): string {
  const configured = process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() ?? 'INFO';
  return LAMBDA_LEVELS.indexOf(configured) > LAMBDA_LEVELS.indexOf('INFO') ? configured : 'INFO';
}

/**
 * The EMF object of one metric (value 1 unless given), as written on one line. Pure: the time
 * and the workflow name are arguments.
 */
export function emfRecord(
  metric: MetricName,
  workflow: string,
  options: { value?: number; unit?: MetricUnit; employeeId?: string; context?: MetricContext; timestamp: number; level: string },
): Record<string, unknown> {
  const dimensions: string[][] = [[METRIC_DIMENSIONS.WORKFLOW]];
  const values: Record<string, string> = { [METRIC_DIMENSIONS.WORKFLOW]: workflow };
  if (options.employeeId !== undefined) {
    dimensions.push([METRIC_DIMENSIONS.WORKFLOW, METRIC_DIMENSIONS.EMPLOYEE_ID]);
    values[METRIC_DIMENSIONS.EMPLOYEE_ID] = options.employeeId;
  }
  return {
    _aws: {
      Timestamp: options.timestamp,
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: dimensions, Metrics: [{ Name: metric, Unit: options.unit ?? 'Count' }] }],
    },
    // RFC 3339, for Lambda's log-level filter (EMF reads only `_aws.Timestamp`).
    timestamp: new Date(options.timestamp).toISOString(),
    level: options.level,
    ...values,
    [metric]: options.value ?? 1,
    ...(options.context?.caseId === undefined ? {} : { caseId: options.context.caseId }),
    ...(options.context?.requestId === undefined ? {} : { requestId: options.context.requestId }),
  };
}

function emit(metric: MetricName, context?: MetricContext, employeeId?: string, measured?: { value: number; unit: MetricUnit }): void {
  // `LOG_LEVEL=OFF` silences everything (the local harness runs thousands of cases with it);
  // Lambda never sets it: the construct maps its `logLevel` to Lambda's own setting.
  if (process.env.LOG_LEVEL?.toUpperCase() === 'OFF') return;
  const workflow = process.env[METRICS_ENV.WORKFLOW] || 'unknown';
  const record = emfRecord(metric, workflow, { employeeId, context, timestamp: Date.now(), level: metricLineLevel(), ...measured });
  process.stdout.write(JSON.stringify(record) + '\n');
}

/** SES accepted an email. */
export function emailSent(context?: MetricContext): void {
  emit(METRIC_NAMES.EMAILS_SENT, context);
}

/** SES accepted an email sent again after an attempt whose outcome was unknown. */
export function emailResent(context?: MetricContext): void {
  emit(METRIC_NAMES.EMAILS_RESENT, context);
}

/** SES answered a send with its throttling error. */
export function emailThrottled(context?: MetricContext): void {
  emit(METRIC_NAMES.EMAILS_THROTTLED, context);
}

/** A case found paced emails waiting and took a send slot without asking SES. */
export function emailQueued(context?: MetricContext): void {
  emit(METRIC_NAMES.EMAILS_QUEUED, context);
}

/** A case was newly assigned to `employeeId`. */
export function caseAssigned(employeeId: string, context?: MetricContext): void {
  emit(METRIC_NAMES.CASES_ASSIGNED, context, employeeId);
}

/** Open Case refused an execution input (`InvalidCaseInput`). */
export function caseInputRejected(context?: MetricContext): void {
  emit(METRIC_NAMES.INVALID_CASE_INPUTS, context);
}

/**
 * A case was acknowledged (acknowledgement on): `CasesAcknowledged`, `TimeToAcknowledge` (ms from
 * the case's first email) and `AcknowledgedWithinSla` (1 within the wait of one round, else 0:
 * its Sum counts the cases within, its Average is their share).
 */
export function caseAcknowledged(millisecondsToAcknowledge: number | undefined, slaMilliseconds: number | undefined, context?: MetricContext): void {
  emit(METRIC_NAMES.CASES_ACKNOWLEDGED, context);
  if (millisecondsToAcknowledge === undefined) return;
  emit(METRIC_NAMES.TIME_TO_ACKNOWLEDGE, context, undefined, { value: millisecondsToAcknowledge, unit: 'Milliseconds' });
  if (slaMilliseconds === undefined) return;
  emit(METRIC_NAMES.ACKNOWLEDGED_WITHIN_SLA, context, undefined, { value: millisecondsToAcknowledge <= slaMilliseconds ? 1 : 0, unit: 'Count' });
}

/** A round ran out and the case went to the next employee. */
export function caseEscalated(context?: MetricContext): void {
  emit(METRIC_NAMES.CASES_ESCALATED, context);
}

/** Every round of a case ran out (or nobody was left to ask). */
export function caseUnacknowledged(context?: MetricContext): void {
  emit(METRIC_NAMES.CASES_UNACKNOWLEDGED, context);
}
