/**
 * Structured logs: one JSON object per line, with the step and the case id on every line,
 * so CloudWatch Logs Insights can filter a case across the three functions.
 * Lines go straight to stdout/stderr (not through `console`), so each CloudWatch Logs event is
 * exactly one JSON object that Logs Insights can query.
 * Set `LOG_LEVEL` to `DEBUG`, `INFO` (default), `WARN`, `ERROR` or `OFF`.
 */
const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, OFF: 100 } as const;
type Level = Exclude<keyof typeof LEVELS, 'OFF'>;

export interface CaseLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function errorFields(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { errorName: err.name, errorMessage: err.message } : { error: String(err) };
}

/** A logger for one step; `caseId` may be unknown (invalid input). */
export function caseLogger(step: string, caseId?: string): CaseLogger {
  const threshold = LEVELS[(process.env.LOG_LEVEL?.toUpperCase() ?? 'INFO') as keyof typeof LEVELS] ?? LEVELS.INFO;
  const write = (level: Level) => (message: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[level] < threshold) return;
    const { err, ...rest } = fields;
    const line = JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      step,
      caseId: caseId ?? null,
      message,
      ...rest,
      ...(err === undefined ? {} : errorFields(err)),
    });
    (level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout).write(line + '\n');
  };
  return { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}
