/** The email claim under faults that combine, through Send Email against the local servers behind fault proxies. */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { assigned, atSlot, ddbProxy, direct, emailsFor, record, rejection, sendEmail, sesProxy, TABLE, useFaultyHandlers } from './faulty-handlers';
import { CaseErrorName, ENV } from '../../src/shared/contract';

useFaultyHandlers();

/** Sequences of faults, each of which once broke "emails sent <= 1 + counted resends" or the record's truth. */
describe('emails sent <= 1 + counted resends, and the record tells the truth, when faults combine', () => {
  const resends = async (caseId: string) => Number((await record(caseId))!.emailAmbiguousResends?.N ?? 0);

  test('a lost SES answer, then a throttle, then success: 2 emails, 1 counted resend (the throttle keeps UNCERTAIN)', async () => {
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind: 'drop-after-write' });
    expect((await rejection(sendEmail({ case: a, executionId: 'e' }))).name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
    sesProxy.inject({ operation: 'SendEmail', kind: 'throttle' });
    const reserved = await rejection(sendEmail({ case: a, executionId: 'e' }));
    expect((await record(a.caseId))!.emailStatus.S).toBe('UNCERTAIN');
    await sendEmail({ case: atSlot(a, reserved), executionId: 'e' });
    expect(await emailsFor(a.caseId)).toHaveLength(2);
    expect(await resends(a.caseId)).toBe(1);
  });

  test('two lost SES answers, then success: 3 emails, 2 counted resends', async () => {
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind: 'drop-after-write', count: 2 });
    await rejection(sendEmail({ case: a, executionId: 'e' }));
    await rejection(sendEmail({ case: a, executionId: 'e' }));
    await sendEmail({ case: a, executionId: 'e' });
    expect(await emailsFor(a.caseId)).toHaveLength(3);
    expect(await resends(a.caseId)).toBe(2);
  });

  test('a claim written but every answer to it lost: released at once, the next attempt sends 1 email, nothing counted', async () => {
    const a = await assigned();
    const saved = process.env[ENV.EMAIL_LEASE_SECONDS];
    process.env[ENV.EMAIL_LEASE_SECONDS] = '1';
    try {
      // every answer lost: the claim's writes (all the SDK's attempts), and then the release's too
      ddbProxy.inject({ operation: 'UpdateItem', kind: 'drop-after-write', count: 20 });
      expect((await rejection(sendEmail({ case: a, executionId: 'e' }))).name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
      ddbProxy.clearPlan();
      expect((await record(a.caseId))!.emailStatus.S).toBe('PENDING');
      await new Promise((r) => setTimeout(r, 1100)); // past the lease, as a takeover would be
      await sendEmail({ case: a, executionId: 'e' });
    } finally {
      process.env[ENV.EMAIL_LEASE_SECONDS] = saved;
    }
    expect(await emailsFor(a.caseId)).toHaveLength(1);
    expect(await resends(a.caseId)).toBe(0);
  });

  test('SES accepted, recording failed through the SDK retries: EmailSentNotRecorded carries the message id, no resend', async () => {
    const a = await assigned();
    // the claim passes, then the SENT write fails through all the SDK's attempts
    ddbProxy.inject({ operation: 'UpdateItem', kind: 'pass', count: 1 });
    ddbProxy.inject({ operation: 'UpdateItem', kind: 'server-error', count: 20 });
    const err = await rejection(sendEmail({ case: a, executionId: 'e' }));
    ddbProxy.clearPlan();
    expect(err.name).toBe(CaseErrorName.EMAIL_SENT_NOT_RECORDED);
    const sent = JSON.parse(err.message);
    const [email] = await emailsFor(a.caseId);
    // ids only: the error's cause lands in the execution history, so it carries no personal data
    expect(sent).toEqual({ caseId: a.caseId, messageId: email.messageId, attemptId: expect.any(String), emailedAt: expect.any(String), emailAmbiguousResends: '0' });
    expect(err.message).not.toContain(a.employee.email);
    expect(err.message).not.toContain(a.employee.name);
    // the claim stays this attempt's until the state machine records it: another execution waits
    expect((await record(a.caseId))!.emailStatus.S).toBe('SENDING');
    expect((await rejection(sendEmail({ case: a, executionId: 'other' }))).name).toBe(CaseErrorName.EMAIL_SEND_IN_PROGRESS);
    expect(await emailsFor(a.caseId)).toHaveLength(1);
  });

  test('a claim that replaces UNCERTAIN counts its email before sending: emails <= 1 + counted resends while the send is in flight', async () => {
    // If the attempt or its execution dies while SES holds the email (a function or execution
    // timeout), the record left behind must already count it.
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind: 'drop-after-write' });
    await rejection(sendEmail({ case: a, executionId: 'e' }));
    expect(await resends(a.caseId)).toBe(0);
    sesProxy.inject({ operation: 'SendEmail', kind: 'no-answer' });
    const inFlight = rejection(sendEmail({ case: a, executionId: 'e' }));
    while ((await emailsFor(a.caseId)).length < 2) await new Promise((r) => setTimeout(r, 50));
    const during = (await record(a.caseId))!;
    expect(during.emailStatus.S).toBe('SENDING');
    expect(Number(during.emailAmbiguousResends.N)).toBe(1);
    expect((await inFlight).name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
    expect(await resends(a.caseId)).toBe(1);
    // refused next: nothing sent, and the refused claim gives its count back
    sesProxy.inject({ operation: 'SendEmail', kind: 'reject' });
    await rejection(sendEmail({ case: a, executionId: 'e' }));
    expect((await record(a.caseId))!.emailStatus.S).toBe('UNCERTAIN');
    expect(await resends(a.caseId)).toBe(1);
    await sendEmail({ case: a, executionId: 'e' });
    expect(await emailsFor(a.caseId)).toHaveLength(3);
    expect(await resends(a.caseId)).toBe(2);
  }, 20_000);

  test('a lost answer, then SES rejects: the record says UNCERTAIN, never PENDING', async () => {
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind: 'drop-after-write' });
    await rejection(sendEmail({ case: a, executionId: 'e' }));
    sesProxy.inject({ operation: 'SendEmail', kind: 'reject' });
    expect((await rejection(sendEmail({ case: a, executionId: 'e' }))).name).toBe(CaseErrorName.EMAIL_REJECTED);
    expect((await record(a.caseId))!.emailStatus.S).toBe('UNCERTAIN');
    expect(await emailsFor(a.caseId)).toHaveLength(1);
  });

  test('a failure recorded by another execution meanwhile does not survive the email going out', async () => {
    const a = await assigned();
    await direct.send(new UpdateItemCommand({
      TableName: TABLE,
      Key: { caseId: { S: a.caseId } },
      UpdateExpression: 'SET #s = :f, failureError = :e',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':f': { S: 'FAILED' }, ':e': { S: 'Lambda.Unknown' } },
    }));
    await sendEmail({ case: a, executionId: 'e' });
    const item = (await record(a.caseId))!;
    expect(item).toMatchObject({ status: { S: 'EMAILED' }, emailStatus: { S: 'SENT' } });
    expect(item.failureError).toBeUndefined();
  });
});
