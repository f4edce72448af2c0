/**
 * A malformed StartExecution does not page: the execution still fails for its caller and shows on
 * the dashboard, but the alarms leave out what Open Case refused (the handlers' InvalidCaseInputs metric).
 */
import { handler as openCase } from '../../src/handlers/open-case.lambda';
import { workflowStack } from '../template-helpers';

const alarmOf = (t: ReturnType<typeof workflowStack>, alarm: any) =>
  t.template.toJSON().Resources[t.stack.getLogicalId(alarm.node.defaultChild)].Properties;

const invalidInputsMetric = (workflow: string) => expect.objectContaining({
  MetricStat: expect.objectContaining({
    Metric: { MetricName: 'InvalidCaseInputs', Namespace: 'SupportCaseWorkflow', Dimensions: [{ Name: 'Workflow', Value: workflow }] },
  }),
});

describe('bad input does not page', () => {
  const w = workflowStack();

  test('the executions alarm leaves out the executions Open Case refused', () => {
    const alarm = alarmOf(w, w.workflow.executionsAlarm);
    expect(alarm.Metrics[0].Expression)
      .toBe('IF(FILL(failed, 0) > FILL(rejected, 0), FILL(failed, 0) - FILL(rejected, 0), 0) + FILL(timedOut, 0) + FILL(aborted, 0)');
    expect(alarm.Metrics.find((m: any) => m.Id === 'rejected')).toEqual(invalidInputsMetric(w.workflow.metricsWorkflowName));
  });

  test('the Open Case errors alarm leaves them out too (each is one failed invocation by design)', () => {
    const alarm = alarmOf(w, w.workflow.openCaseErrorsAlarm);
    expect(alarm.Metrics[0].Expression).toContain('FILL(errors, 0) - FILL(expected, 0)');
    expect(alarm.Metrics).toEqual(expect.arrayContaining([invalidInputsMetric(w.workflow.metricsWorkflowName)]));
  });

  test('the dashboard still shows them, next to the failed executions', () => {
    const body = JSON.stringify(w.template.toJSON());
    expect(body).toContain('\\"InvalidCaseInputs\\"');
    expect(body).toContain('Rejected (invalid input)');
    expect(w.workflow.metricInvalidCaseInputs().metricName).toBe('InvalidCaseInputs');
  });
});

describe('Open Case counts what it refuses', () => {
  let out: string[];
  beforeEach(() => {
    out = [];
    jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => {
      out.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    }) as any);
  });
  afterEach(() => jest.restoreAllMocks());

  test('one InvalidCaseInputs line per refused execution input; none for a valid one', async () => {
    await expect(openCase({ inputCaseID: 'bad id' })).rejects.toMatchObject({ name: 'InvalidCaseInput' });
    const metrics = out.map((l) => JSON.parse(l)).filter((l) => l._aws);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'InvalidCaseInputs', Unit: 'Count' }]);
    out.length = 0;
    await openCase({ inputCaseID: 'good' });
    expect(out.map((l) => JSON.parse(l)).filter((l) => l._aws)).toHaveLength(0);
  });
});
