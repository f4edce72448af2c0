/** The acknowledgement's metric lines: names, units, and AcknowledgedWithinSla as 1 or 0. */
import { caseAcknowledged, caseEscalated, caseUnacknowledged } from '../../src/handlers/metrics.lambda-shared';
import { METRIC_NAMES } from '../../src/shared/contract';

let lines: Record<string, any>[];
let savedLevel: string | undefined;
beforeEach(() => {
  lines = [];
  savedLevel = process.env.LOG_LEVEL;
  delete process.env.LOG_LEVEL;
  jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => {
    lines.push(...String(chunk).split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    return true;
  }) as any);
});
afterEach(() => {
  jest.restoreAllMocks();
  if (savedLevel === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = savedLevel;
});

const metric = (line: Record<string, any>) => line._aws.CloudWatchMetrics[0].Metrics[0];

test('acknowledged within the wait: the count, the time in milliseconds, within = 1', () => {
  caseAcknowledged(400, 500, { caseId: 'c1' });
  expect(lines.map(metric)).toEqual([
    { Name: METRIC_NAMES.CASES_ACKNOWLEDGED, Unit: 'Count' },
    { Name: METRIC_NAMES.TIME_TO_ACKNOWLEDGE, Unit: 'Milliseconds' },
    { Name: METRIC_NAMES.ACKNOWLEDGED_WITHIN_SLA, Unit: 'Count' },
  ]);
  expect(lines.map((l) => l[metric(l).Name])).toEqual([1, 400, 1]);
  expect(lines[0]).toMatchObject({ caseId: 'c1', timestamp: expect.stringMatching(/Z$/) });
});

test('late: within = 0 (its Average is the share within); unknown times: the count only', () => {
  caseAcknowledged(600, 500);
  expect(lines[2][METRIC_NAMES.ACKNOWLEDGED_WITHIN_SLA]).toBe(0);
  lines.length = 0;
  caseAcknowledged(undefined, 500);
  expect(lines.map((l) => metric(l).Name)).toEqual([METRIC_NAMES.CASES_ACKNOWLEDGED]);
  lines.length = 0;
  caseAcknowledged(100, undefined);
  expect(lines.map((l) => metric(l).Name)).toEqual([METRIC_NAMES.CASES_ACKNOWLEDGED, METRIC_NAMES.TIME_TO_ACKNOWLEDGE]);
});

test('escalated and unacknowledged cases are counted', () => {
  caseEscalated();
  caseUnacknowledged();
  expect(lines.map((l) => [metric(l).Name, l[metric(l).Name]])).toEqual([[METRIC_NAMES.CASES_ESCALATED, 1], [METRIC_NAMES.CASES_UNACKNOWLEDGED, 1]]);
});
