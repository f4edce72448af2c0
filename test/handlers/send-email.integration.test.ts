/**
 * Send Email against the local servers behind fault proxies: the email to the stored assignee, at
 * most once except after an unknown SES outcome (then counted), and the named errors. Pacing:
 * send-slots.integration.test.ts; faults in sequence: email-claim.integration.test.ts.
 */
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { assignCase, assigned, atSlot, ddbProxy, direct, emailsFor, nextCaseId, openCase, record, rejection, ROSTER, sendEmail, SENDER, sesProxy, TABLE, useFaultyHandlers } from './faulty-handlers';
import { CaseErrorName, ENV, AssignedCase, CaseResult } from '../../src/shared/contract';

useFaultyHandlers();

describe('Send Email', () => {
  test('emails the assigned employee from the sender, text and HTML, and records the message id', async () => {
    const a = await assigned();
    const result = await sendEmail({ case: a, executionId: 'exec-1' });
    const emails = await emailsFor(a.caseId);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ from: SENDER, destination: { to: [a.employee.email] }, messageId: result.messageId });
    expect(emails[0].body.text).toContain(`Support case ${a.caseId}`);
    expect(emails[0].body.html).toContain(`<strong>${a.caseId}</strong>`);
    expect(result).toMatchObject({ caseId: a.caseId, employee: a.employee });
    expect(await record(a.caseId)).toMatchObject({
      status: { S: 'EMAILED' }, emailStatus: { S: 'SENT' }, messageId: { S: result.messageId },
    });
  });

  test('sends through the configuration set when one is configured, and names none otherwise', async () => {
    await sendEmail({ case: await assigned(), executionId: 'exec-1' });
    expect(new URLSearchParams(sesProxy.lastBodies.SendEmail).get('ConfigurationSetName')).toBeNull();
    process.env[ENV.CONFIGURATION_SET] = 'support-emails';
    try {
      const a = await assigned();
      await sendEmail({ case: a, executionId: 'exec-1' });
      expect(new URLSearchParams(sesProxy.lastBodies.SendEmail).get('ConfigurationSetName')).toBe('support-emails');
      expect(await emailsFor(a.caseId)).toHaveLength(1);
    } finally {
      delete process.env[ENV.CONFIGURATION_SET];
    }
  });

  test('a retry of the same execution, or a second execution, sends nothing more', async () => {
    const a = await assigned();
    const first = await sendEmail({ case: a, executionId: 'exec-1' });
    expect(await sendEmail({ case: a, executionId: 'exec-1' })).toEqual(first);
    expect(await sendEmail({ case: a, executionId: 'exec-2' })).toEqual(first);
    expect(await emailsFor(a.caseId)).toHaveLength(1);
  });

  test('concurrent executions for one case send one email', async () => {
    const a = await assigned();
    const results = await Promise.allSettled(['x1', 'x2', 'x3', 'x4'].map((e) => sendEmail({ case: a, executionId: e })));
    const ok = results.filter((r): r is PromiseFulfilledResult<CaseResult> => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const f of failed) expect(f.reason.name).toBe(CaseErrorName.EMAIL_SEND_IN_PROGRESS);
    expect(await emailsFor(a.caseId)).toHaveLength(1);
  });

  /** SES answers the next SendEmail with a 4xx: the attempt fails with `error`, nothing is sent, the claim is released. */
  async function refusedBySes(kind: 'throttle' | 'reject', error: string): Promise<{ a: AssignedCase; err: Error }> {
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind });
    const err = await rejection(sendEmail({ case: a, executionId: 'e' }));
    expect(err.name).toBe(error);
    expect((await record(a.caseId))!.emailStatus.S).toBe('PENDING');
    expect(await emailsFor(a.caseId)).toHaveLength(0);
    return { a, err };
  }

  test('SES throttling: nothing sent, claim released, a send slot taken (EmailSlotReserved); at the slot it sends once', async () => {
    const { a, err } = await refusedBySes('throttle', CaseErrorName.EMAIL_SLOT_RESERVED);
    await sendEmail({ case: atSlot(a, err), executionId: 'e' });
    expect(await emailsFor(a.caseId)).toHaveLength(1);
    expect(Number((await record(a.caseId))!.emailAmbiguousResends?.N ?? 0)).toBe(0);
  });

  test('the SDK never retries SendEmail by itself: one request per attempt', async () => {
    const a = await assigned();
    const before = sesProxy.requests.SendEmail ?? 0;
    sesProxy.inject({ operation: 'SendEmail', kind: 'server-error' });
    await rejection(sendEmail({ case: a, executionId: 'e' }));
    expect(sesProxy.requests.SendEmail - before).toBe(1);
  });

  test('SES not answering: the claim is marked UNCERTAIN and the retry resends, counted once as ambiguous', async () => {
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind: 'reset' });
    expect((await rejection(sendEmail({ case: a, executionId: 'e' }))).name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
    expect((await record(a.caseId))!.emailStatus.S).toBe('UNCERTAIN');
    // the SENT write's response is lost too: the counter must still say one resend
    ddbProxy.inject({ operation: 'UpdateItem', kind: 'drop-after-write', count: 2 });
    await sendEmail({ case: a, executionId: 'e' });
    const item = (await record(a.caseId))!;
    expect(item.emailStatus.S).toBe('SENT');
    expect(item.emailAmbiguousResends.N).toBe('1');
    expect(await emailsFor(a.caseId)).toHaveLength(1);
  });

  // Since @smithy/node-http-handler 4, a requestTimeout alone only logs a warning: without
  // throwOnRequestTimeout these two would wait for an answer until Lambda stopped the function.
  test('SES accepting but never answering: the request times out (3 s), the claim is UNCERTAIN, the retry resends and counts it', async () => {
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind: 'no-answer' });
    const started = Date.now();
    const err = await rejection(sendEmail({ case: a, executionId: 'e' }));
    expect(err.name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect((await record(a.caseId))!.emailStatus.S).toBe('UNCERTAIN');
    await sendEmail({ case: a, executionId: 'e' });
    expect(await emailsFor(a.caseId)).toHaveLength(2);
    expect((await record(a.caseId))!.emailAmbiguousResends.N).toBe('1');
  }, 20_000);

  test('DynamoDB applying the claim but never answering: the SDK times out and retries, one email', async () => {
    const a = await assigned();
    ddbProxy.inject({ operation: 'UpdateItem', kind: 'no-answer' });
    const started = Date.now();
    const result = await sendEmail({ case: a, executionId: 'e' });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect((await record(a.caseId))!.emailStatus.S).toBe('SENT');
    expect(result.messageId).toBe((await record(a.caseId))!.messageId.S);
    expect(await emailsFor(a.caseId)).toHaveLength(1);
  }, 20_000);

  test('SES accepted but its answer was lost: sent again (at-least-once), and counted', async () => {
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind: 'drop-after-write' });
    await rejection(sendEmail({ case: a, executionId: 'e' }));
    await sendEmail({ case: a, executionId: 'e' });
    expect(await emailsFor(a.caseId)).toHaveLength(2);
    expect((await record(a.caseId))!.emailAmbiguousResends.N).toBe('1');
  });

  test('two live attempts of the same execution send one email', async () => {
    const a = await assigned();
    const results = await Promise.allSettled([1, 2, 3].map(() => sendEmail({ case: a, executionId: 'same-execution' })));
    for (const r of results) if (r.status === 'rejected') expect(r.reason.name).toBe(CaseErrorName.EMAIL_SEND_IN_PROGRESS);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(await emailsFor(a.caseId)).toHaveLength(1);
  });

  test('a claim left by a killed function blocks until its lease runs out, then is taken over', async () => {
    const a = await assigned();
    const claim = async (claimedAt: Date) => direct.send(new UpdateItemCommand({
      TableName: TABLE,
      Key: { caseId: { S: a.caseId } },
      UpdateExpression: 'SET emailStatus = :s, emailAttemptId = :a, emailOwner = :o, emailClaimedAt = :t, emailClaimedFrom = :f',
      ExpressionAttributeValues: {
        ':s': { S: 'SENDING' }, ':a': { S: 'dead-attempt' }, ':o': { S: 'exec-x' }, ':t': { S: claimedAt.toISOString() }, ':f': { S: 'PENDING' },
      },
    }));
    await claim(new Date());
    expect((await rejection(sendEmail({ case: a, executionId: 'exec-x' }))).name).toBe(CaseErrorName.EMAIL_SEND_IN_PROGRESS);
    await claim(new Date(Date.now() - 61_000)); // lease is 60 s here
    await sendEmail({ case: a, executionId: 'exec-x' });
    expect(await emailsFor(a.caseId)).toHaveLength(1);
    expect((await record(a.caseId))!.emailAmbiguousResends.N).toBe('1');
  });

  test('a foreign row (not written by the workflow) fails at once with UnrecognizedCaseRecord, nothing sent or changed', async () => {
    const caseId = nextCaseId('foreign');
    await direct.send(new PutItemCommand({ TableName: TABLE, Item: { caseId: { S: caseId }, note: { S: 'someone else\'s row' } } }));
    const a = { caseId, openedAt: new Date().toISOString(), assignedAt: new Date().toISOString(), employee: ROSTER[0] };
    const err = await rejection(sendEmail({ case: a, executionId: 'e' }));
    expect(err.name).toBe(CaseErrorName.UNRECOGNIZED_CASE_RECORD);
    expect(err.message).toMatch(/did not write \(it has no emailStatus\)/);
    expect((await rejection(assignCase({ caseId, openedAt: a.openedAt }))).name).toBe(CaseErrorName.UNRECOGNIZED_CASE_RECORD);
    expect(await record(caseId)).toEqual({ caseId: { S: caseId }, note: { S: 'someone else\'s row' } });
    expect(await emailsFor(caseId)).toHaveLength(0);
  });

  test('SES rejecting the email for good: EmailRejected, nothing sent, claim released', async () => {
    await refusedBySes('reject', CaseErrorName.EMAIL_REJECTED);
  });

  test('lost responses of the claim and of the SENT write still give one email and a SENT record', async () => {
    const a = await assigned();
    ddbProxy.inject({ operation: 'UpdateItem', kind: 'drop-after-write', count: 2 });
    const result = await sendEmail({ case: a, executionId: 'e' });
    expect(await emailsFor(a.caseId)).toHaveLength(1);
    expect(await record(a.caseId)).toMatchObject({ emailStatus: { S: 'SENT' }, messageId: { S: result.messageId } });
  });

  test('a case without a record is CaseNotFound and nothing is sent', async () => {
    const a = { caseId: 'no-record', openedAt: new Date().toISOString(), assignedAt: new Date().toISOString(), employee: ROSTER[0] };
    expect((await rejection(sendEmail({ case: a, executionId: 'e' }))).name).toBe(CaseErrorName.CASE_NOT_FOUND);
    expect(await emailsFor('no-record')).toHaveLength(0);
  });

  test('rejects a malformed step input with InvalidCaseInput', async () => {
    expect((await rejection(sendEmail({ case: { caseId: '1' } }))).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
  });
});

describe('case details, display name and reply-to', () => {
  const details = { title: 'Printer <b>on fire</b>', priority: 'P1', customerName: 'ACME', link: 'https://tickets.example.com/42?a=1&b=2' };

  afterEach(() => {
    delete process.env[ENV.SENDER_NAME];
    delete process.env[ENV.REPLY_TO_ADDRESSES];
  });

  test('details go from Open Case to the record, the email and the result; the email has the display name and reply-to', async () => {
    process.env[ENV.SENDER_NAME] = 'Support Team';
    process.env[ENV.REPLY_TO_ADDRESSES] = JSON.stringify(['queue@example.com']);
    const opened = await openCase({ inputCaseID: nextCaseId(), details });
    expect(opened.details).toEqual(details);
    const a = await assignCase(opened);
    expect(a.details).toEqual(details);
    expect((await record(a.caseId))!.details).toEqual({
      M: {
        title: { S: details.title }, priority: { S: 'P1' }, customerName: { S: 'ACME' }, link: { S: details.link },
      },
    });
    const result = await sendEmail({ case: a, executionId: 'arn:aws:states:us-east-1:1:execution:sm:x' });
    expect(result.details).toEqual(details);
    const [email] = await emailsFor(a.caseId);
    expect(email).toMatchObject({ from: '"Support Team" <support@example.com>', replyTo: ['queue@example.com'], destination: { to: [a.employee.email] } });
    expect(email.subject).toBe(`New support case ${a.caseId} is assigned to you`);
    expect(email.body.text).toContain('\nTitle: Printer <b>on fire</b>\nPriority: P1\nCustomer: ACME\nTicket: https://tickets.example.com/42?a=1&b=2\n');
    expect(email.body.html).toContain('<li>Title: Printer &#60;b&#62;on fire&#60;/b&#62;</li>');
    // a retry returns the stored result, details included
    expect((await sendEmail({ case: a, executionId: 'arn:aws:states:us-east-1:1:execution:sm:x' })).details).toEqual(details);
  });

  // A second opening with other details is a CaseConflict: least-authority.integration.test.ts.

  test('bad details fail Open Case with InvalidCaseInput: nothing written, nothing sent', async () => {
    const caseId = nextCaseId();
    const err = await rejection(openCase({ inputCaseID: caseId, details: { title: 'x'.repeat(1001) } }));
    expect(err.name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect(err.message).toBe('details.title must be at most 1000 characters, got 1001');
    expect(await record(caseId)).toBeUndefined();
    expect(await emailsFor(caseId)).toHaveLength(0);
  });
});
