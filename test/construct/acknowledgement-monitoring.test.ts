/** Acknowledge or escalate, operations: the unacknowledged-cases alarm, the new functions' error alarms and the dashboard's widgets, only when on. */
import { aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { METRIC_NAMES } from '../../src/shared/contract';
import { dashboardBody, logicalIdOf, workflowStack } from '../template-helpers';

const alarmIds = (template: Template) => Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
const titles = (template: Template) => dashboardBody(template).widgets.map((w: any) => w.properties.title);

describe('acknowledgement on: alarms', () => {
  const { template, workflow } = workflowStack((stack) => ({ acknowledgement: {}, alarmTopic: new sns.Topic(stack, 'Alarms') }));

  test('one alarm more per new function (error rate) and the unacknowledged-cases alarm, all notifying the topic', () => {
    expect(alarmIds(template)).toHaveLength(6 + 4);
    for (const id of ['WaitForAcknowledgementErrorsAlarm', 'EscalateCaseErrorsAlarm', 'AcknowledgePageErrorsAlarm', 'CasesUnacknowledgedAlarm']) {
      const alarm = template.toJSON().Resources[logicalIdOf(template, 'AWS::CloudWatch::Alarm', id)].Properties;
      expect(alarm.AlarmActions).toEqual([{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'Alarms') }]);
    }
    expect(workflow.alarms).toHaveLength(10);
  });

  test('the unacknowledged-cases alarm: CasesUnacknowledged of this workflow, at least 1 in 5 minutes, with a runbook pointer', () => {
    const alarm = template.toJSON().Resources[logicalIdOf(template, 'AWS::CloudWatch::Alarm', 'CasesUnacknowledgedAlarm')].Properties;
    expect(alarm).toMatchObject({
      MetricName: METRIC_NAMES.CASES_UNACKNOWLEDGED,
      Namespace: 'SupportCaseWorkflow',
      Dimensions: [{ Name: 'Workflow', Value: workflow.metricsWorkflowName }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.AlarmDescription).toContain('Runbook');
    expect(workflow.casesUnacknowledgedAlarm).toBeDefined();
  });

  test('the executions alarm does not page twice for an unacknowledged case: its failed execution is left out, like a refused input', () => {
    const alarm = template.toJSON().Resources[logicalIdOf(template, 'AWS::CloudWatch::Alarm', 'SupportExecutionsAlarm')].Properties;
    const expression = alarm.Metrics.find((m: any) => m.ReturnData !== false).Expression;
    expect(expression).toBe('IF(FILL(failed, 0) > (FILL(rejected, 0) + FILL(unacknowledged, 0)), FILL(failed, 0) - FILL(rejected, 0) - FILL(unacknowledged, 0), 0)'
      + ' + FILL(timedOut, 0) + FILL(aborted, 0)');
    const unacknowledged = alarm.Metrics.find((m: any) => m.Id === 'unacknowledged');
    expect(unacknowledged.MetricStat).toMatchObject({ Metric: { MetricName: METRIC_NAMES.CASES_UNACKNOWLEDGED, Namespace: 'SupportCaseWorkflow' }, Stat: 'Sum' });
  });

  test('alarmsEnabled: false leaves them out too', () => {
    const { template: quiet, workflow: w } = workflowStack({ acknowledgement: {}, alarmsEnabled: false });
    expect(alarmIds(quiet)).toEqual([]);
    expect(w.casesUnacknowledgedAlarm).toBeUndefined();
  });
});

describe('acknowledgement: the dashboard', () => {
  test('on: acknowledgements, time to acknowledge (p50, p90, ms) and the new functions\' errors, before the alarms', () => {
    const { template } = workflowStack({ acknowledgement: {} });
    expect(titles(template)).toEqual([
      'Executions', 'Execution time (p50, p99)', 'Emails',
      'Step duration (p50, p99)', 'Step errors', 'Cases assigned per employee',
      'Acknowledgements', 'Time to acknowledge (p50, p90)', 'Acknowledgement errors',
      'Alarms',
    ]);
    const widget = (title: string) => dashboardBody(template).widgets.find((w: any) => w.properties.title === title).properties;
    const names = (title: string) => widget(title).metrics.map((m: any[]) => m.filter((x) => typeof x === 'string')[1]);
    expect(names('Acknowledgements')).toEqual([
      METRIC_NAMES.CASES_ACKNOWLEDGED, METRIC_NAMES.ACKNOWLEDGED_WITHIN_SLA, METRIC_NAMES.CASES_ESCALATED, METRIC_NAMES.CASES_UNACKNOWLEDGED,
    ]);
    expect(widget('Time to acknowledge (p50, p90)').metrics.map((m: any[]) => m[m.length - 1].stat)).toEqual(['p50', 'p90']);
    expect(widget('Time to acknowledge (p50, p90)').yAxis.left.label).toBe('ms');
    expect(widget('Acknowledgement errors').metrics).toHaveLength(3);
  });

  test('off: none of them', () => {
    const { template } = workflowStack();
    expect(titles(template).filter((t: string) => t.includes('cknowledge'))).toEqual([]);
    expect(alarmIds(template)).toHaveLength(6);
  });
});

describe('acknowledgement: metric methods', () => {
  test('each names its handler metric with this workflow\'s dimension; time to acknowledge defaults to p90', () => {
    const { workflow } = workflowStack({ acknowledgement: {} });
    const cases: Array<[() => any, string, string]> = [
      [() => workflow.metricCasesAcknowledged(), METRIC_NAMES.CASES_ACKNOWLEDGED, 'Sum'],
      [() => workflow.metricTimeToAcknowledge(), METRIC_NAMES.TIME_TO_ACKNOWLEDGE, 'p90'],
      [() => workflow.metricCasesEscalated(), METRIC_NAMES.CASES_ESCALATED, 'Sum'],
      [() => workflow.metricCasesUnacknowledged(), METRIC_NAMES.CASES_UNACKNOWLEDGED, 'Sum'],
    ];
    for (const [metric, name, statistic] of cases) {
      expect(metric()).toMatchObject({ namespace: 'SupportCaseWorkflow', metricName: name, statistic, dimensions: { Workflow: workflow.metricsWorkflowName } });
    }
    expect(workflow.metricTimeToAcknowledge({ statistic: 'p50' }).statistic).toBe('p50');
  });
});
