/**
 * End to end through the same harness as the demo: the synthesized state machine run by
 * aws-local-stepfunctions, each Task bound to its function's bundled asset, DynamoDB and SES
 * served by dynalite and aws-ses-v2-local.
 */
import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { EXAMPLE_REPLY_TO, EXAMPLE_ROSTER, EXAMPLE_SENDER, EXAMPLE_SENDER_NAME, synthExample, SynthesizedExample } from '../../harness/example-app';
import { LocalRun, LocalRunOptions, withLocalRun } from '../../harness/local-run';

let synthesized: SynthesizedExample;
beforeAll(() => {
  synthesized = synthExample();
});

function withRun<T>(options: LocalRunOptions, body: (run: LocalRun) => Promise<T>): Promise<T> {
  return withLocalRun({ synthesized, ...options }, body);
}

describe('the tutorial case', () => {
  test('{"inputCaseID": "001"} is opened, assigned, recorded and emailed to the assigned employee', () => withRun({}, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '001' });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.statesEntered).toEqual(['Open Case', 'Assign Case', 'Send Email']);
    const { caseId, employee, messageId } = outcome.output;
    expect(caseId).toBe('001');
    expect(EXAMPLE_ROSTER).toContainEqual(employee);

    const emails = await run.aws.emails();
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ messageId, from: `"${EXAMPLE_SENDER_NAME}" <${EXAMPLE_SENDER}>`, destination: { to: [employee.email] } });
    expect(emails[0].subject).toContain('001');

    const records = await run.workflow.records();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      caseId: { S: '001' }, status: { S: 'EMAILED' }, employeeId: { S: employee.id }, emailStatus: { S: 'SENT' }, messageId: { S: messageId },
    });
  }));

  test('a bad input fails Open Case with InvalidCaseInput; nothing written, nothing sent', () => withRun({}, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: 42 });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'InvalidCaseInput', statesEntered: ['Open Case', 'Case Failed'] });
    expect(outcome.cause).toContain('inputCaseID must be a string');
    expect(await run.workflow.records()).toHaveLength(0);
    expect(await run.aws.emails()).toHaveLength(0);
  }));

  test('the same case started twice gets one assignment and one email', () => withRun({}, async (run) => {
    const [a, b] = await Promise.all([run.workflow.run({ inputCaseID: '007' }), run.workflow.run({ inputCaseID: '007' })]);
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(a.output.employee).toEqual(b.output.employee);
    expect(a.output.messageId).toBe(b.output.messageId);
    expect(await run.aws.emails()).toHaveLength(1);
  }));
});

describe('case details and the team\'s email template', () => {
  const details = {
    title: 'Invoice shows <b>twice</b> the amount\r\nBcc: evil@example.com',
    priority: 'P1 🔥',
    customerName: 'Müller & Söhne \u200F',
    link: 'https://tickets.example.com/cases/9?view=full&tab=history',
  };

  test('the email in the SES emulator is exactly as templated: display name, reply-to, subject, text, HTML', () => withRun({}, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '201', details });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.output.details).toEqual(details);
    const { employee, messageId } = outcome.output;
    const [record] = await run.workflow.records();
    expect(record.details.M.title.S).toBe(details.title);
    const openedAt = record.openedAt.S;
    const assignedAt = record.assignedAt.S;

    const emails = await run.aws.emails();
    expect(emails).toHaveLength(1);
    expect(emails[0]).toEqual({
      messageId,
      from: '"Support Team" <support@example.com>',
      replyTo: EXAMPLE_REPLY_TO,
      destination: { to: [employee.email], cc: [], bcc: [] },
      subject: 'New support case 201 is assigned to you',
      body: {
        text: [
          `Hi ${employee.name},`,
          '',
          'case 201 is yours (priority P1 🔥).',
          '"Invoice shows <b>twice</b> the amount Bcc: evil@example.com"', // a value's line break is a space in the text body
          'Customer: Müller & Söhne \u200F',
          'Ticket: https://tickets.example.com/cases/9?view=full&tab=history',
          '',
          `Opened ${openedAt}, assigned to you ${assignedAt}. Reply to reach the support queue.`,
          '-- The Support Team',
        ].join('\n'),
        html: [
          `<p>Hi ${employee.name},</p>`,
          '<p>case <strong>201</strong> is yours (priority <em>P1 🔥</em>).</p>',
          '<blockquote id="title">Invoice shows &#60;b&#62;twice&#60;/b&#62; the amount\r\nBcc: evil@example.com</blockquote>'
            + '<p>Customer: Müller &#38; Söhne \u200F</p>',
          '<p><a href="https://tickets.example.com/cases/9?view=full&#38;tab=history">Open the ticket</a></p>',
          `<p><small>Opened ${openedAt}, assigned to you ${assignedAt}. Reply to reach the support queue.</small></p>`,
        ].join('\n'),
      },
      attachments: [],
      at: expect.any(Number),
      // Kept by the harness (the emulator drops tags): the case, as Send Email tags the email.
      tags: [{ Name: 'caseId', Value: '201' }],
    });
  }));

  test('a case without details keeps the tutorial\'s output shape; the template leaves the sections out', () => withRun({}, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '202' });
    expect(Object.keys(outcome.output).sort()).toEqual(['assignedAt', 'caseId', 'emailedAt', 'employee', 'messageId']);
    const [email] = await run.aws.emails();
    expect(email.body.text).toMatch(/^Hi .*,\n\ncase 202 is yours\.\n\nOpened /);
    expect(email.body.html).toMatch(/^<p>Hi .*,<\/p>\n<p>case <strong>202<\/strong> is yours\.<\/p>\n\n\n<p><small>Opened /);
  }));

  test('bad details fail Open Case with InvalidCaseInput; nothing written, nothing sent', () => withRun({}, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '203', details: { title: 'ok', link: 'javascript:alert(1)' } });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'InvalidCaseInput', statesEntered: ['Open Case', 'Case Failed'] });
    expect(outcome.cause).toContain('details.link must be an absolute http:// or https:// URL');
    expect(await run.workflow.records()).toHaveLength(0);
    expect(await run.aws.emails()).toHaveLength(0);
  }));
});

describe('faults, one class at a time (deterministic)', () => {
  test('Lambda service errors before a handler runs are retried', () => {
    let failures = 0;
    const lambdaFaults = (state: string) => (state === 'Assign Case' && failures++ < 2 ? 'Lambda.TooManyRequestsException' : undefined);
    return withRun({ lambdaFaults }, async (run) => {
      const outcome = await run.workflow.run({ inputCaseID: '101' });
      expect(outcome.status).toBe('SUCCEEDED');
      expect(outcome.retries).toBe(2);
      expect(await run.aws.emails()).toHaveLength(1);
    });
  });

  test('Lambda failing after a handler ran (answer lost): the retried steps change nothing', () => {
    const failed = new Set<string>();
    const lambdaFaults = (state: string) => {
      if (state === 'Open Case' || failed.has(state)) return undefined;
      failed.add(state);
      return 'after:Lambda.ServiceException';
    };
    return withRun({ lambdaFaults }, async (run) => {
      const outcome = await run.workflow.run({ inputCaseID: '106' });
      expect(outcome.status).toBe('SUCCEEDED');
      expect(outcome.retries).toBe(2);
      expect(await run.workflow.records()).toHaveLength(1);
      const emails = await run.aws.emails();
      expect(emails).toHaveLength(1);
      expect(emails[0].messageId).toBe(outcome.output.messageId);
      expect(Number((await run.workflow.records())[0].emailAmbiguousResends?.N ?? 0)).toBe(0);
    });
  });

  test('a DynamoDB write whose response is lost: one record, one email', () => withRun({
    dynamodbPlan: [{ operation: 'PutItem', kind: 'lost-answer' }, { operation: 'UpdateItem', kind: 'lost-answer', count: 2 }],
  }, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '102' });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(run.proxies.dynamodb!.injected['lost-answer']).toBe(3);
    expect(await run.workflow.records()).toHaveLength(1);
    expect(await run.aws.emails()).toHaveLength(1);
  }));

  test('DynamoDB server errors past the SDK retries: the state machine retries the step', () => withRun({
    dynamodbPlan: [{ operation: 'PutItem', kind: 'server-error', count: 4 }],
  }, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '103' });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.retries).toBeGreaterThanOrEqual(1);
    expect(await run.aws.emails()).toHaveLength(1);
  }));

  test('SES throttling and reset connections: a send slot waited for, a retry, one email', () => withRun({
    sesPlan: [{ operation: 'SendEmail', kind: 'throttle' }, { operation: 'SendEmail', kind: 'reset' }],
  }, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '104' });
    expect(outcome.status).toBe('SUCCEEDED');
    // the throttle: Wait For Send Slot, then Send Email again; the reset: one retry
    expect(outcome.statesEntered).toEqual(['Open Case', 'Assign Case', 'Send Email', 'Wait For Send Slot', 'Send Email']);
    expect(outcome.retries).toBe(1);
    const emails = await run.aws.emails();
    expect(emails).toHaveLength(1);
    const summary = await run.summarize(['104'], [outcome]);
    expect(summary).toMatchObject({ duplicates: 0, ambiguous: 1 });
  }));

  test('SES accepting the email but its answer lost: resent once, and the resend is counted', () => withRun({
    sesPlan: [{ operation: 'SendEmail', kind: 'lost-answer', caseId: '107' }],
  }, async (run) => {
    const [other, outcome] = await Promise.all([run.workflow.run({ inputCaseID: '108' }), run.workflow.run({ inputCaseID: '107' })]);
    expect([other.status, outcome.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(run.proxies.ses!.injected['lost-answer']).toBe(1);
    // The planned fault hit case 107 only: its email went out twice, 108's once.
    const emails = await run.aws.emails();
    expect(emails.filter((e) => e.subject.includes('107'))).toHaveLength(2);
    expect(emails.filter((e) => e.subject.includes('108'))).toHaveLength(1);
    const summary = await run.summarize(['107', '108'], [outcome, other]);
    expect(summary).toMatchObject({ emails: 3, resends: 1, uncounted: 0, duplicates: 1 });
  }));

  test('SES rejecting the email fails the case visibly: EmailRejected, record FAILED, no email', () => withRun({
    sesPlan: [{ operation: 'SendEmail', kind: 'reject' }],
  }, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '105' });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'EmailRejected' });
    expect(outcome.statesEntered).toEqual(['Open Case', 'Assign Case', 'Send Email', 'Record Failure', 'Case Failed']);
    const [record] = await run.workflow.records();
    expect(record).toMatchObject({ status: { S: 'FAILED' }, failureError: { S: 'EmailRejected' }, emailStatus: { S: 'PENDING' } });
    expect(await run.aws.emails()).toHaveLength(0);

    // Redrive: once the cause is fixed, running the case again completes it, with one email.
    const again = await run.workflow.run({ inputCaseID: '105' });
    expect(again.status).toBe('SUCCEEDED');
    expect(again.output.employee.id).toBe(record.employeeId.S);
    expect(await run.aws.emails()).toHaveLength(1);
    expect((await run.workflow.records())[0]).toMatchObject({ status: { S: 'EMAILED' }, emailStatus: { S: 'SENT' } });
  }));

  test('a seeded mix of every fault class on a small batch: every case once', () => withRun({ faultRate: 0.3, seed: 7 }, async (run) => {
    const ids = Array.from({ length: 20 }, (_, i) => `mix-${i}`);
    const outcomes = await run.runMany(ids.map((inputCaseID) => ({ inputCaseID })), 5);
    const summary = await run.summarize(ids, outcomes);
    // The mix includes lost SES answers: a case may get a second email, counted as a resend.
    expect(summary).toMatchObject({ cases: 20, succeeded: 20, failed: 0, records: 20, uncounted: 0, unemailed: 0, misaddressed: 0 });
    const injected = { ...run.proxies.dynamodb!.injected };
    expect(injected.throttle + injected['server-error'] + injected.reset + injected['lost-answer']).toBeGreaterThan(0);
    expect(outcomes.reduce((n, o) => n + o.retries, 0)).toBeGreaterThan(0);
  }));
});

describe('Express workflow', () => {
  test('runs the same steps with the same guarantees', () => withRun({ synthesized: synthExample({ workflowType: sfn.StateMachineType.EXPRESS }) }, async (run) => {
    const ids = ['e1', 'e2', 'e3', 'e1'];
    const outcomes = await run.runMany(ids.map((inputCaseID) => ({ inputCaseID })), 4);
    expect(outcomes.every((o) => o.status === 'SUCCEEDED')).toBe(true);
    const summary = await run.summarize([...new Set(ids)], outcomes);
    expect(summary).toMatchObject({ emails: 3, records: 3, duplicates: 0 });
  }));
});

describe('a fixed roster of 1,000 employees', () => {
  test('synthesizes, and its cases are assigned across it and emailed', () => {
    const roster = Array.from({ length: 1_000 }, (_, i) => ({ id: `emp-${i}`, name: `Employee ${i}`, email: `employee.${i}@example.com` }));
    return withRun({ synthesized: synthExample({ roster }) }, async (run) => {
      const ids = Array.from({ length: 20 }, (_, i) => `big-${i}`);
      const outcomes = await run.runMany(ids.map((inputCaseID) => ({ inputCaseID })), 4);
      expect(outcomes.map((o) => o.status)).toEqual(ids.map(() => 'SUCCEEDED'));
      for (const o of outcomes) expect(roster).toContainEqual(o.output.employee);
      // Spread over the roster (rendezvous hashing), including employees past the first few.
      const assigned = new Set(outcomes.map((o) => o.output.employee.id));
      expect(assigned.size).toBeGreaterThan(15);
      expect([...assigned].some((id) => Number(id.slice('emp-'.length)) >= 100)).toBe(true);
      const summary = await run.summarize(ids, outcomes);
      expect(summary).toMatchObject({ emails: 20, records: 20, duplicates: 0 });
    });
  });
});

describe('roster kept in a DynamoDB table', () => {
  const put = (run: LocalRun, id: string, name: string, email: string, active = true) =>
    run.workflow.putItem(rosterTable(run), { employeeId: { S: id }, name: { S: name }, email: { S: email }, active: { BOOL: active } });
  const rosterTable = (run: LocalRun) => Object.entries(run.workflow.tables).find(([id]) => id.startsWith('Roster'))![1];
  let tableSynth: SynthesizedExample;
  beforeAll(() => {
    tableSynth = synthExample({ rosterTable: true });
  });

  test('assigns from the table, and follows changes without a deployment', () => withRun({ synthesized: tableSynth }, async (run) => {
    await put(run, 't1', 'Tess', 'tess@example.com');
    const first = await run.workflow.run({ inputCaseID: 'r-001' });
    expect(first.status).toBe('SUCCEEDED');
    expect(first.output.employee).toEqual({ id: 't1', name: 'Tess', email: 'tess@example.com' });

    // Tess leaves, Uma joins: new cases go to Uma; the old case keeps its assignment.
    await put(run, 't1', 'Tess', 'tess@example.com', false);
    await put(run, 'u1', 'Uma', 'uma@example.com');
    const second = await run.workflow.run({ inputCaseID: 'r-002' });
    expect(second.output.employee.id).toBe('u1');
    const again = await run.workflow.run({ inputCaseID: 'r-001' });
    expect(again.output.employee.id).toBe('t1');
    expect((await run.aws.emails()).map((e) => e.destination.to[0]).sort()).toEqual(['tess@example.com', 'uma@example.com']);
  }));

  test('an empty roster table fails Assign Case with RosterUnavailable; no record, no email', () => withRun({ synthesized: tableSynth }, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: 'r-003' });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'RosterUnavailable' });
    expect(outcome.statesEntered).toEqual(['Open Case', 'Assign Case', 'Record Failure', 'Failure Not Recorded', 'Case Failed']);
    expect(await run.workflow.records()).toHaveLength(0);
    expect(await run.aws.emails()).toHaveLength(0);
  }));
});
