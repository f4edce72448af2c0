/** The handlers' logger and metric lines: levels (Lambda's and ours), invocation fields, EMF shape. */
import { beginInvocation, caseLogger } from '../../src/handlers/log.lambda-shared';
import { caseAssigned, emailSent, emfRecord } from '../../src/handlers/metrics.lambda-shared';

const ENV_KEYS = ['LOG_LEVEL', 'AWS_LAMBDA_LOG_LEVEL', 'METRICS_WORKFLOW'];
let saved: Record<string, string | undefined>;
let out: string[];

beforeEach(() => {
  saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  out = [];
  const collect = ((chunk: string) => {
    out.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as any;
  jest.spyOn(process.stdout, 'write').mockImplementation(collect);
  jest.spyOn(process.stderr, 'write').mockImplementation(collect);
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const levels = () => out.map((l) => JSON.parse(l).level);

describe('log levels', () => {
  const logAll = () => {
    const log = caseLogger('Test', 'c1');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
  };

  test('INFO by default', () => {
    logAll();
    expect(levels()).toEqual(['INFO', 'WARN', 'ERROR']);
  });

  test('AWS_LAMBDA_LOG_LEVEL (set by Lambda from the function\'s application log level) is honoured', () => {
    process.env.AWS_LAMBDA_LOG_LEVEL = 'WARN';
    logAll();
    expect(levels()).toEqual(['WARN', 'ERROR']);
    out.length = 0;
    process.env.AWS_LAMBDA_LOG_LEVEL = 'DEBUG';
    logAll();
    expect(levels()).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR']);
  });

  test('LOG_LEVEL, when set, wins over AWS_LAMBDA_LOG_LEVEL', () => {
    process.env.AWS_LAMBDA_LOG_LEVEL = 'DEBUG';
    process.env.LOG_LEVEL = 'ERROR';
    logAll();
    expect(levels()).toEqual(['ERROR']);
  });
});

test('each line carries the request id and whether it is the cold start of the instance', () => {
  // The first invocation of this module instance is the cold start; the next ones are not.
  const first = beginInvocation({ awsRequestId: 'req-1' });
  const second = beginInvocation({ awsRequestId: 'req-2' });
  const noContext = beginInvocation();
  caseLogger('Test', 'c1', first).info('one');
  caseLogger('Test', 'c1', second).info('two');
  caseLogger('Test', 'c1', noContext).info('three');
  expect(out.map((l) => JSON.parse(l))).toEqual([
    expect.objectContaining({ requestId: 'req-1', coldStart: true, message: 'one', caseId: 'c1', step: 'Test' }),
    expect.objectContaining({ requestId: 'req-2', coldStart: false, message: 'two' }),
    expect.objectContaining({ requestId: null, coldStart: false, message: 'three' }),
  ]);
});

describe('metric lines', () => {
  test('an EMF object: namespace, dimensions, one Count metric, the Workflow value at the root', () => {
    expect(emfRecord('CasesAssigned', 'wf', { employeeId: 'e1', timestamp: 1000, level: 'INFO', context: { caseId: 'c1' } })).toEqual({
      _aws: {
        Timestamp: 1000,
        CloudWatchMetrics: [{
          Namespace: 'SupportCaseWorkflow',
          Dimensions: [['Workflow'], ['Workflow', 'EmployeeId']],
          Metrics: [{ Name: 'CasesAssigned', Unit: 'Count' }],
        }],
      },
      timestamp: '1970-01-01T00:00:01.000Z',
      level: 'INFO',
      Workflow: 'wf',
      EmployeeId: 'e1',
      CasesAssigned: 1,
      caseId: 'c1',
    });
  });

  test.each([
    [undefined, 'INFO'], ['DEBUG', 'INFO'], ['TRACE', 'INFO'], ['INFO', 'INFO'], ['WARN', 'WARN'], ['ERROR', 'ERROR'], ['FATAL', 'FATAL'],
  ])('with AWS_LAMBDA_LOG_LEVEL=%s a metric line has level %s, so Lambda\'s filter keeps it', (lambdaLevel, expected) => {
    if (lambdaLevel) process.env.AWS_LAMBDA_LOG_LEVEL = lambdaLevel;
    process.env.METRICS_WORKFLOW = 'wf';
    emailSent({ caseId: 'c1' });
    const [line] = out.map((l) => JSON.parse(l));
    expect(line).toMatchObject({ level: expected, Workflow: 'wf', EmailsSent: 1, caseId: 'c1' });
    // Lambda uses the level only with a valid RFC 3339 timestamp (else the line is INFO).
    expect(line.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  test('written whatever the log level, except LOG_LEVEL=OFF (local runs)', () => {
    process.env.LOG_LEVEL = 'ERROR';
    caseAssigned('e1');
    expect(out).toHaveLength(1);
    process.env.LOG_LEVEL = 'OFF';
    caseAssigned('e1');
    expect(out).toHaveLength(1);
  });
});
