/**
 * Structured logs: one JSON object per line, with the step and the case id on every line,
 * so CloudWatch Logs Insights can filter a case across the three functions; and, once a
 * handler passes its Lambda context, the request id and whether the line belongs to a cold
 * start (`requestId`, `coldStart`).
 * Lines go straight to stdout/stderr (not through `console`), so each CloudWatch Logs event is
 * exactly one JSON object that Logs Insights can query.
 *
 * The level is `LOG_LEVEL` if set (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL` or `OFF`),
 * else `AWS_LAMBDA_LOG_LEVEL` (what Lambda sets from the function's application log level),
 * else `INFO`.
 */
import { withoutAddresses } from './errors.lambda-shared';

const LEVELS = { TRACE: 5, DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, FATAL: 50, OFF: 100 } as const;
type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface CaseLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The part of Lambda's context object the logs use. */
export interface InvocationContext {
  readonly awsRequestId?: string;
  /** Lambda's: milliseconds left before the invocation is stopped (see deadline.lambda-shared.ts). */
  getRemainingTimeInMillis?(): number;
}

/** One invocation of a handler: its request id and whether it is the first of this instance. */
export interface Invocation {
  readonly requestId?: string;
  readonly coldStart: boolean;
}

let firstInvocation = true;

/**
 * Marks the start of an invocation; call it once at the top of a handler. The first call in
 * a function instance is its cold start. `context` is optional: tests call handlers with the
 * event only.
 */
export function beginInvocation(context?: InvocationContext): Invocation {
  const coldStart = firstInvocation;
  firstInvocation = false;
  return { requestId: context?.awsRequestId, coldStart };
}

/** An error as log fields: name, message (addresses a dependency may quote are replaced), and for an AWS SDK error its network code and HTTP status (when it has them). */
function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: withoutAddresses(String(err)) };
  const { code, $metadata } = err as { code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return {
    errorName: err.name,
    errorMessage: withoutAddresses(err.message),
    ...(typeof code === 'string' ? { errorCode: code } : {}),
    ...(typeof $metadata?.httpStatusCode === 'number' ? { httpStatusCode: $metadata.httpStatusCode } : {}),
  };
}

function threshold(): number {
  const configured = (process.env.LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL ?? 'INFO').toUpperCase();
  return LEVELS[configured as keyof typeof LEVELS] ?? LEVELS.INFO;
}

/** A logger for one step; `caseId` may be unknown (invalid input). */
export function caseLogger(step: string, caseId?: string, invocation?: Invocation): CaseLogger {
  const min = threshold();
  const write = (level: Level) => (message: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[level] < min) return;
    const { err, ...rest } = fields;
    const line = JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      step,
      caseId: caseId ?? null,
      ...(invocation ? { requestId: invocation.requestId ?? null, coldStart: invocation.coldStart } : {}),
      message,
      ...rest,
      ...(err === undefined ? {} : errorFields(err)),
    });
    (level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout).write(line + '\n');
  };
  return { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}
