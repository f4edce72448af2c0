/** The harness's emulation of Lambda's JSON log-level filter (harness/lambda-logs.ts). */
import { emfData, isRfc3339Timestamp, LambdaLogs, lambdaLineLevel, passesLambdaLogFilter } from '../../harness/lambda-logs';

test.each([
  ['2026-12-03T10:00:00.120Z', true],
  ['2026-12-03T10:00:00Z', true],
  ['2026-12-03T10:00:00+02:00', true],
  ['2026-12-03 10:00:00.5Z', true],
  ['2026-12-03T10:00:00', false], // no offset
  ['2026-12-03', false],
  ['2026-13-03T10:00:00Z', false],
  [1764756000000, false], // epoch milliseconds, as EMF's _aws.Timestamp
])('RFC 3339 timestamp %p: %p', (value, valid) => {
  expect(isRfc3339Timestamp(value)).toBe(valid);
});

test('a line\'s level counts only with a valid RFC 3339 timestamp; otherwise it is INFO', () => {
  const at = '2026-12-03T10:00:00.000Z';
  expect(lambdaLineLevel(JSON.stringify({ timestamp: at, level: 'warn' }))).toBe('WARN');
  expect(lambdaLineLevel(JSON.stringify({ timestamp: at, level: 'ERROR' }))).toBe('ERROR');
  expect(lambdaLineLevel(JSON.stringify({ level: 'ERROR' }))).toBe('INFO');
  expect(lambdaLineLevel(JSON.stringify({ timestamp: 'yesterday', level: 'ERROR' }))).toBe('INFO');
  expect(lambdaLineLevel(JSON.stringify({ timestamp: at, level: 'LOUD' }))).toBe('INFO');
  expect(lambdaLineLevel(JSON.stringify({ timestamp: at }))).toBe('INFO');
  expect(lambdaLineLevel('plain text')).toBe('INFO');
});

test('lines below the application log level are dropped', () => {
  const at = '2026-12-03T10:00:00.000Z';
  const line = (level: string) => JSON.stringify({ timestamp: at, level });
  expect(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].filter((l) => passesLambdaLogFilter(line(l), 'WARN'))).toEqual(['WARN', 'ERROR', 'FATAL']);
  expect(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].filter((l) => passesLambdaLogFilter(line(l), 'ERROR'))).toEqual(['ERROR', 'FATAL']);
  expect(passesLambdaLogFilter(JSON.stringify({ level: 'ERROR' }), 'WARN')).toBe(false);
});

test('metrics are extracted only from the lines that reach CloudWatch', () => {
  const emf = (extra: Record<string, unknown>) => JSON.stringify({
    _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['W'], ['W', 'E']], Metrics: [{ Name: 'M', Unit: 'Count' }] }] },
    W: 'w',
    E: 'e',
    M: 1,
    ...extra,
  });
  expect(emfData(emf({}))).toEqual([
    { namespace: 'N', name: 'M', dimensions: { W: 'w' }, value: 1 },
    { namespace: 'N', name: 'M', dimensions: { W: 'w', E: 'e' }, value: 1 },
  ]);
  const logs = new LambdaLogs();
  logs.write('Fn', 'WARN', emf({ level: 'WARN' })); // no timestamp: INFO, dropped
  logs.write('Fn', 'WARN', emf({ level: 'WARN', timestamp: '2026-12-03T10:00:00.000Z' }));
  expect(logs.droppedLines()).toHaveLength(1);
  expect(logs.sum('M', { W: 'w' })).toBe(1);
  expect(logs.sum('M', { W: 'w', E: 'e' })).toBe(1);
});
