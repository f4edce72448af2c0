/**
 * The handlers' metrics, end to end: cases run through the synthesized workflow on the local
 * servers (harness/local-run.ts), the handlers' stdout captured, and every Embedded Metric
 * Format line checked against the EMF specification and against the metrics and dimensions
 * the construct's dashboard and alarms read.
 */
import { EXAMPLE_ROSTER, synthExample, SynthesizedExample } from '../../harness/example-app';
import { startLocalRun } from '../../harness/local-run';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_ENV, METRICS_NAMESPACE } from '../../src/shared/contract';

/** CloudWatch's units (the EMF specification's `Unit`). */
const UNITS = new Set(['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits',
  'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second',
  'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second',
  'Count/Second', 'None']);

/**
 * The problems of one log line as an EMF document (empty when valid), after the specification:
 * a root `_aws` with an integer `Timestamp` (ms since the epoch) and 1 `CloudWatchMetrics`
 * directive or more; each directive a `Namespace`, `Dimensions` (arrays of at most 30 root keys
 * whose values are strings) and 1 to 100 `Metrics` (`Name`, optional `Unit`, optional
 * `StorageResolution` 1 or 60) whose values are root numbers (or arrays of at most 100 numbers).
 */
function emfProblems(doc: any): string[] {
  const problems: string[] = [];
  const aws = doc?._aws;
  if (!aws || typeof aws !== 'object') return ['no _aws object'];
  if (!Number.isInteger(aws.Timestamp) || aws.Timestamp <= 0) problems.push('_aws.Timestamp is not an integer of milliseconds');
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0) return [...problems, 'no CloudWatchMetrics directive'];
  for (const d of aws.CloudWatchMetrics) {
    if (typeof d.Namespace !== 'string' || d.Namespace.length < 1 || d.Namespace.length > 255) problems.push('bad Namespace');
    if (!Array.isArray(d.Dimensions)) problems.push('Dimensions is not an array');
    for (const set of d.Dimensions ?? []) {
      if (!Array.isArray(set) || set.length > 30) problems.push('a dimension set is not an array of at most 30 names');
      for (const name of set ?? []) {
        const value = doc[name];
        if (typeof value !== 'string' || value.length < 1 || value.length > 1024) problems.push(`dimension ${name} has no string value at the root`);
      }
    }
    if (!Array.isArray(d.Metrics) || d.Metrics.length < 1 || d.Metrics.length > 100) problems.push('Metrics is not 1 to 100 definitions');
    for (const m of d.Metrics ?? []) {
      if (typeof m.Name !== 'string' || m.Name.length < 1 || m.Name.length > 255) problems.push('a metric has no Name');
      if (m.Unit !== undefined && !UNITS.has(m.Unit)) problems.push(`metric ${m.Name}: unknown Unit ${m.Unit}`);
      if (m.StorageResolution !== undefined && ![1, 60].includes(m.StorageResolution)) problems.push(`metric ${m.Name}: bad StorageResolution`);
      const value = doc[m.Name];
      const numbers = Array.isArray(value) ? value : [value];
      if (numbers.length > 100 || !numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) problems.push(`metric ${m.Name} has no numeric value at the root`);
    }
  }
  return problems;
}

let synthesized: SynthesizedExample;
beforeAll(() => {
  synthesized = synthExample();
});

/** Runs `body` with the process's stdout and stderr captured as lines. */
async function captureStdout(body: () => Promise<void>): Promise<string[]> {
  let text = '';
  const collect = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as any;
  // stderr too: the handlers write WARN and ERROR lines there.
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(collect), jest.spyOn(process.stderr, 'write').mockImplementation(collect)];
  try {
    await body();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return text.split('\n').filter((l) => l.trim().length > 0);
}

test('the handlers write valid EMF lines with the documented metrics and dimensions; log lines carry the request id and the cold start', async () => {
  // The first case: SES throttles its first send, then gives no definite answer (5xx), then sends.
  const run = await startLocalRun({
    synthesized,
    logLevel: 'INFO',
    sesPlan: [{ operation: 'SendEmail', kind: 'throttle', count: 1 }, { operation: 'SendEmail', kind: 'server-error', count: 1 }],
  });
  const outcomes: Array<{ status: string; output?: any }> = [];
  let lines: string[];
  try {
    lines = await captureStdout(async () => {
      outcomes.push(await run.workflow.run({ inputCaseID: 'm-001' }));
      outcomes.push(...await run.runMany(['m-002', 'm-003', 'm-004', 'm-005'].map((id) => ({ inputCaseID: id })), 2));
    });
  } finally {
    await run.stop();
  }
  expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('SUCCEEDED'));

  const docs = lines.map((l) => JSON.parse(l));
  const emf = docs.filter((d) => d._aws !== undefined);
  for (const doc of emf) expect({ line: doc, problems: emfProblems(doc) }).toEqual({ line: doc, problems: [] });

  // The documented metrics, in the documented namespace, with the documented dimension sets.
  const workflowName = Object.values(synthesized.template.Resources)
    .find((r) => r.Type === 'AWS::Lambda::Function')!.Properties.Environment.Variables[METRICS_ENV.WORKFLOW];
  expect(workflowName).toEqual(expect.any(String));
  const count = (name: string) => emf.filter((d) => d._aws.CloudWatchMetrics[0].Metrics[0].Name === name).reduce((n, d) => n + d[name], 0);
  for (const doc of emf) {
    const [directive] = doc._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Metrics).toHaveLength(1);
    const name = directive.Metrics[0].Name;
    expect(Object.values(METRIC_NAMES)).toContain(name);
    expect(directive.Metrics[0].Unit).toBe('Count');
    expect(doc[METRIC_DIMENSIONS.WORKFLOW]).toBe(workflowName);
    expect(directive.Dimensions).toEqual(name === METRIC_NAMES.CASES_ASSIGNED
      ? [[METRIC_DIMENSIONS.WORKFLOW], [METRIC_DIMENSIONS.WORKFLOW, METRIC_DIMENSIONS.EMPLOYEE_ID]]
      : [[METRIC_DIMENSIONS.WORKFLOW]]);
    // Lambda's log-level filter keeps lines of level INFO or higher; a metric line must pass it.
    expect(doc.level).toBe('INFO');
    expect(doc.caseId).toMatch(/^m-00\d$/);
  }
  expect(count(METRIC_NAMES.CASES_ASSIGNED)).toBe(5);
  expect(count(METRIC_NAMES.EMAILS_SENT)).toBe(5);
  expect(count(METRIC_NAMES.EMAILS_THROTTLED)).toBe(1);
  expect(count(METRIC_NAMES.EMAILS_RESENT)).toBe(1);
  expect(emf.find((d) => d.EmailsResent)!.caseId).toBe('m-001');

  // Assignments per employee: the EmployeeId dimension holds the assigned employee.
  const assigned = emf.filter((d) => d.CasesAssigned).map((d) => d[METRIC_DIMENSIONS.EMPLOYEE_ID]).sort();
  expect(assigned).toEqual(outcomes.map((o) => o.output.employee.id).sort());
  for (const id of assigned) expect(EXAMPLE_ROSTER.map((e) => e.id)).toContain(id);

  // The log lines (not metrics): a request id on each, and one cold start per function.
  const logs = docs.filter((d) => d._aws === undefined);
  expect(logs.length).toBeGreaterThanOrEqual(10);
  for (const line of logs) {
    expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof line.coldStart).toBe('boolean');
  }
  // one cold start per function (Send Email's first invocation, throttled by SES, logs that too)
  const coldSteps = logs.filter((l) => l.coldStart).map((l) => l.step).sort();
  expect([...new Set(coldSteps)]).toEqual(['Assign Case', 'Open Case', 'Send Email']);
  const warmSendEmail = logs.filter((l) => l.step === 'Send Email');
  expect(warmSendEmail.length).toBeGreaterThanOrEqual(5);
  expect(new Set(logs.map((l) => l.requestId)).size).toBeGreaterThanOrEqual(11);
});

test('no EMF line is written when LOG_LEVEL is OFF (the harness default for large runs)', async () => {
  const run = await startLocalRun({ synthesized });
  let lines: string[];
  try {
    lines = await captureStdout(async () => {
      expect((await run.workflow.run({ inputCaseID: 'quiet' })).status).toBe('SUCCEEDED');
    });
  } finally {
    await run.stop();
  }
  expect(lines.filter((l) => l.includes('"_aws"'))).toEqual([]);
});
