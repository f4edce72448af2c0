/**
 * Props errors that say how to fix them: the value that fits, the prop to use instead, which
 * values are defaults, every unknown placeholder at once, and no library frames in the trace.
 */
import { App, Duration, Stack, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../../src';
import { userFrames } from '../../src/prop-hints';

const ROSTER = EmployeeRoster.fromEmployees([{ id: 'e1', name: 'Ana', email: 'ana@example.com' }]);
const EXPRESS = { workflowType: sfn.StateMachineType.EXPRESS };

function build(props: Partial<SupportCaseWorkflowProps>): void {
  const stack = new Stack(new App(), 'Test');
  new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', ...props });
}

function errorOf(props: Partial<SupportCaseWorkflowProps>): Error {
  try {
    build(props);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the props to be refused');
}

describe('emailThrottlePatience that does not fit', () => {
  test('Express: gives the largest patience that fits, which then builds, and suggests Standard', () => {
    const message = errorOf({ ...EXPRESS, emailThrottlePatience: Duration.seconds(250) }).message;
    expect(message).toMatch(/emailThrottlePatience: 4 minutes 10 seconds lets a case wait for a send slot up to .* executionTimeout \(5 minutes, the default\): set emailThrottlePatience to at most (\d+) (seconds|minutes?)/);
    expect(message).toContain('use a Standard workflow (workflowType: STANDARD) for a longer patience');
    expect(message).not.toContain('raise executionTimeout');
    const human = /at most ([^;]+);/.exec(message)![1];
    const largest = [...human.matchAll(/(\d+) (minute|second)s?/g)].reduce((n, [, v, unit]) => n + Number(v) * (unit === 'minute' ? 60 : 1), 0);
    expect(largest).toBeGreaterThan(60);
    expect(() => build({ ...EXPRESS, emailThrottlePatience: Duration.seconds(largest) })).not.toThrow();
    expect(() => build({ ...EXPRESS, emailThrottlePatience: Duration.seconds(largest + 1) })).toThrow(/emailThrottlePatience/);
  });

  test('Express with a short executionTimeout: also offers the 5-minute maximum', () => {
    const message = errorOf({ ...EXPRESS, executionTimeout: Duration.minutes(2) }).message;
    expect(message).toMatch(/emailThrottlePatience: 1 minute 30 seconds, the default lets .* \(2 minutes\): set emailThrottlePatience to at most .*; or raise executionTimeout to 5 minutes, the Express maximum \(patience up to .*\); or use a Standard workflow/);
  });

  test('Standard: the default patience named as the default, with the fitting value or a longer executionTimeout', () => {
    const message = errorOf({ executionTimeout: Duration.minutes(30) }).message;
    expect(message).toMatch(/emailThrottlePatience: 3 hours, the default lets .* \(30 minutes\): set emailThrottlePatience to at most .*; or raise executionTimeout$/m);
  });
});

describe('senderEmail', () => {
  test('"Name <address>" points to senderName', () => {
    expect(errorOf({ senderEmail: 'Support Team <support@example.com>' }).message)
      .toContain('senderEmail: "Support Team <support@example.com>" holds a display name: set senderEmail: "support@example.com" and senderName: "Support Team"');
    expect(() => build({ senderEmail: 'support@example.com', senderName: 'Support Team' })).not.toThrow();
  });

  test('a domain asks for the address to send from (the IAM condition names an address)', () => {
    expect(errorOf({ senderEmail: 'example.com' }).message)
      .toContain('senderEmail: "example.com" is a domain, not an address: give the address to send from, e.g. "support@example.com" (its verified SES identity may be the address or the domain example.com)');
  });

  test('anything else is not a valid address', () => {
    expect(errorOf({ senderEmail: 'support@' }).message).toContain('senderEmail: "support@" is not a valid email address');
  });
});

describe('timeouts', () => {
  test('a handlerTimeout the default taskTimeout does not outlast (with Lambda\'s init) blames handlerTimeout and names the default', () => {
    expect(errorOf({ handlerTimeout: Duration.seconds(30) }).message).toContain(
      'handlerTimeout: 30 seconds plus 10 s for Lambda\'s init, which counts against the task but not the function, must fit in taskTimeout'
      + ' (30 seconds, the default): lower handlerTimeout to at most 20 s, or set taskTimeout to at least 40 s');
  });

  test('a taskTimeout too short for the default handlerTimeout names that default', () => {
    expect(errorOf({ taskTimeout: Duration.seconds(15) }).message).toContain(
      'taskTimeout: 15 seconds must be at least handlerTimeout (10 seconds, the default) plus 10 s for Lambda\'s init, which counts'
      + ' against the task but not the function: at least 20 s');
  });
});

test('every unknown placeholder of a template part is reported at once', () => {
  const message = errorOf({ emailTemplate: { subject: 'Case {{caseID}} for {{employee}} ({{caseID}})', text: 'Hi {{name}}' } }).message;
  expect(message).toMatch(/^ {2}- emailTemplate\.subject: unknown placeholders \{\{caseID\}\}, \{\{employee\}\}; known: caseId, /m);
  expect(message).toMatch(/^ {2}- emailTemplate\.text: unknown placeholder \{\{name\}\}/m);
});

test('the error is one line per problem, then only the app\'s own frames (none of the library or the CDK)', () => {
  const error = errorOf({ senderEmail: 'example.com', handlerTimeout: Duration.seconds(30) });
  const lines = error.stack!.split('\n');
  expect(lines[0]).toBe('ValidationError: Invalid SupportCaseWorkflowProps for Test/Support:');
  expect(lines[1]).toMatch(/^ {2}- senderEmail: /);
  expect(lines[2]).toMatch(/^ {2}- handlerTimeout: /);
  const frames = lines.filter((l) => /^\s+at /.test(l));
  expect(frames.length).toBeGreaterThan(0);
  expect(frames.length).toBeLessThanOrEqual(3);
  expect(frames[0]).toContain('prop-hints.test.ts');
  expect(frames.join('\n')).not.toMatch(/src[/\\]workflow[/\\]|aws-cdk-lib|constructs/);
});

test('as installed in an app, the library\'s and the CDK\'s frames are left out, the app\'s first three kept', () => {
  const stack = [
    'ValidationError: Invalid SupportCaseWorkflowProps for App/Support:',
    '  - senderEmail: "x" is not a valid email address',
    '    at validateProps (/app/node_modules/support-case-workflow/lib/support-case-workflow.js:655:15)',
    '    at new SupportCaseWorkflow (/app/node_modules/support-case-workflow/lib/support-case-workflow.js:95:9)',
    '    at Object.<anonymous> (/app/node_modules/aws-cdk-lib/core/lib/prop-injectable.js:1:855)',
    '    at new SupportStack (/app/bin/app.ts:12:22)',
    '    at Module._compile (node:internal/modules/cjs/loader:1521:14)',
    '    at <anonymous> (/app/bin/app.ts:27:1)',
    '    at Object.<anonymous> (/app/bin/app.ts:27:49)',
    '    at run (/app/bin/app.ts:30:1)',
  ].join('\n');
  expect(userFrames(stack).split('\n')).toEqual([
    'ValidationError: Invalid SupportCaseWorkflowProps for App/Support:',
    '  - senderEmail: "x" is not a valid email address',
    '    at new SupportStack (/app/bin/app.ts:12:22)',
    '    at <anonymous> (/app/bin/app.ts:27:1)',
    '    at Object.<anonymous> (/app/bin/app.ts:27:49)',
  ]);
});
