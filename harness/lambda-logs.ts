/**
 * Lambda's application logs as AWS handles them, for local runs: what a function writes to
 * stdout/stderr goes through Lambda's log-level filter (JSON log format) before it reaches
 * CloudWatch Logs, and CloudWatch turns only the Embedded Metric Format lines that reached it
 * into metrics.
 *
 * The filter, after the Lambda Developer Guide, "Log-level filtering"
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html):
 * - a line is a JSON object whose `level` says its level; a missing or invalid `level` is INFO;
 * - Lambda uses the line's level only when it also carries a valid RFC 3339 `timestamp`;
 *   without one the line is INFO (and Lambda adds a timestamp);
 * - lines below the function's application log level are dropped.
 * Anything that is not a JSON object is INFO here too (Lambda wraps plain text as INFO).
 */

/** Lambda's application log levels, lowest first. */
export const LAMBDA_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type LambdaLogLevel = typeof LAMBDA_LOG_LEVELS[number];

/** RFC 3339 `date-time` (section 5.6): full date, `T` (or `t`, or a space, which the RFC allows), time, offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Whether `value` is a valid RFC 3339 timestamp (the form and a real date). */
export function isRfc3339Timestamp(value: unknown): boolean {
  return typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T')));
}

/** The level Lambda gives one line of a function's output. */
export function lambdaLineLevel(line: string): LambdaLogLevel {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return 'INFO';
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'INFO';
  const { level, timestamp } = doc as { level?: unknown; timestamp?: unknown };
  if (!isRfc3339Timestamp(timestamp)) return 'INFO';
  const upper = typeof level === 'string' ? level.toUpperCase() : '';
  return (LAMBDA_LOG_LEVELS as readonly string[]).includes(upper) ? upper as LambdaLogLevel : 'INFO';
}

/** Whether Lambda sends the line on to CloudWatch Logs under `applicationLogLevel`. */
export function passesLambdaLogFilter(line: string, applicationLogLevel: string): boolean {
  const min = LAMBDA_LOG_LEVELS.indexOf(applicationLogLevel.toUpperCase() as LambdaLogLevel);
  return LAMBDA_LOG_LEVELS.indexOf(lambdaLineLevel(line)) >= (min < 0 ? LAMBDA_LOG_LEVELS.indexOf('INFO') : min);
}

/** One metric data point CloudWatch extracts from an EMF line. */
export interface MetricDatum {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly value: number;
}

/** The data points of one line, if it is an EMF document (one per metric and dimension set). */
export function emfData(line: string): MetricDatum[] {
  let doc: any;
  try {
    doc = JSON.parse(line);
  } catch {
    return [];
  }
  const directives = doc?._aws?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [];
  const data: MetricDatum[] = [];
  for (const d of directives) {
    for (const set of d.Dimensions ?? []) {
      const dimensions = Object.fromEntries((set as string[]).map((name) => [name, String(doc[name])]));
      for (const m of d.Metrics ?? []) {
        const values = [doc[m.Name]].flat().filter((v) => typeof v === 'number');
        for (const value of values) data.push({ namespace: d.Namespace, name: m.Name, dimensions, value });
      }
    }
  }
  return data;
}

/**
 * What reaches CloudWatch from the functions of a local run: each function's lines that passed
 * its log-level filter, the lines dropped, and the metrics CloudWatch extracts from what passed.
 */
export class LambdaLogs {
  /** Lines that reached CloudWatch Logs, per function (logical id). */
  readonly delivered = new Map<string, string[]>();
  /** Lines Lambda dropped, per function. */
  readonly dropped = new Map<string, string[]>();

  /** Takes one line a function wrote, under the function's application log level. */
  write(functionId: string, applicationLogLevel: string, line: string): void {
    if (line.trim() === '') return;
    const to = passesLambdaLogFilter(line, applicationLogLevel) ? this.delivered : this.dropped;
    to.set(functionId, [...(to.get(functionId) ?? []), line]);
  }

  /** Every delivered line, all functions together. */
  lines(): string[] {
    return [...this.delivered.values()].flat();
  }

  /** Every line dropped by the filter, all functions together. */
  droppedLines(): string[] {
    return [...this.dropped.values()].flat();
  }

  /** The metric data points CloudWatch extracts (from delivered lines only). */
  metrics(): MetricDatum[] {
    return this.lines().flatMap(emfData);
  }

  /** Sum of a metric over the data points with exactly these dimensions. */
  sum(name: string, dimensions: Record<string, string>): number {
    const same = (d: Record<string, string>) => Object.keys(d).length === Object.keys(dimensions).length
      && Object.entries(dimensions).every(([k, v]) => d[k] === v);
    return this.metrics().filter((m) => m.name === name && same(m.dimensions)).reduce((n, m) => n + m.value, 0);
  }
}
