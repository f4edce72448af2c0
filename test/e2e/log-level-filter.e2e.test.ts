/**
 * Metrics under Lambda's log-level filter: cases run through the synthesized workflow with the
 * construct's `logLevel` at WARN and at ERROR, the handlers' output passed through the harness's
 * emulation of Lambda's JSON log-level filter (harness/lambda-logs.ts), and the metrics counted
 * from the lines that reached CloudWatch Logs only. The alarms read these metrics, so they must
 * survive any `logLevel`.
 */
import { aws_lambda as lambda } from 'aws-cdk-lib';
import { synthExample } from '../../harness/example-app';
import { LambdaLogs, lambdaLineLevel } from '../../harness/lambda-logs';
import { withLocalRun } from '../../harness/local-run';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_ENV } from '../../src/shared/contract';

test.each([lambda.ApplicationLogLevel.WARN, lambda.ApplicationLogLevel.ERROR])('with logLevel %s the metrics arrive; lines below it are dropped', async (logLevel) => {
  const synthesized = synthExample({ logLevel });
  const workflow = Object.values(synthesized.template.Resources)
    .find((r) => r.Type === 'AWS::Lambda::Function')!.Properties.Environment.Variables[METRICS_ENV.WORKFLOW];
  const logs = new LambdaLogs();
  // SES throttles the first send once: EmailsThrottled must arrive too.
  const outcomes = await withLocalRun({ synthesized, lambdaLogs: logs, sesPlan: [{ operation: 'SendEmail', kind: 'throttle', count: 1 }] },
    (run) => run.runMany(['lvl-001', 'lvl-002', 'lvl-003'].map((id) => ({ inputCaseID: id })), 1));
  expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);

  const byWorkflow = { [METRIC_DIMENSIONS.WORKFLOW]: workflow };
  expect(logs.sum(METRIC_NAMES.CASES_ASSIGNED, byWorkflow)).toBe(3);
  expect(logs.sum(METRIC_NAMES.EMAILS_SENT, byWorkflow)).toBe(3);
  expect(logs.sum(METRIC_NAMES.EMAILS_THROTTLED, byWorkflow)).toBe(1);
  const perEmployee = outcomes.map((o) =>
    logs.sum(METRIC_NAMES.CASES_ASSIGNED, { ...byWorkflow, [METRIC_DIMENSIONS.EMPLOYEE_ID]: o.output.employee.id }));
  for (const n of perEmployee) expect(n).toBeGreaterThanOrEqual(1);

  // The filter is at work: nothing below the level got through, and the INFO lines were dropped.
  const order = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  for (const line of logs.lines()) expect(order.indexOf(lambdaLineLevel(line))).toBeGreaterThanOrEqual(order.indexOf(logLevel));
  expect(logs.droppedLines().length + logs.lines().length).toBeGreaterThan(0);
});
