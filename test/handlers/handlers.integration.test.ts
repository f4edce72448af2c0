/**
 * The three handlers against real local servers (dynalite, aws-ses-v2-local) through the real
 * AWS SDK v3 clients, with a fault proxy in front of each server for the faults the servers
 * cannot produce on their own.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createCaseTable } from './local-handlers';
import { FaultProxy, startFaultProxy } from '../../harness/fault-proxy';
import { LocalAws, startLocalAws } from '../../harness/local-aws';
import { CaseErrorName, CaseResult, AssignedCase, CONFIG_FILES, ENV, OpenedCase, RosterEmployee } from '../../src/shared/contract';

const TABLE = 'cases';
const SENDER = 'support@example.com';
const ROSTER: RosterEmployee[] = [
  { id: 'e1', name: 'Ana', email: 'ana@example.com' },
  { id: 'e2', name: 'Bo', email: 'bo@example.com' },
  { id: 'e3', name: 'Cy', email: 'cy@example.com' },
];

type Handler<T> = (event: unknown) => Promise<T>;
let aws: LocalAws;
let ddbProxy: FaultProxy;
let sesProxy: FaultProxy;
let direct: DynamoDBClient;
let openCase: Handler<OpenedCase>;
let assignCase: Handler<AssignedCase>;
let sendEmail: Handler<CaseResult>;

beforeAll(async () => {
  aws = await startLocalAws();
  ddbProxy = await startFaultProxy({ service: 'dynamodb', target: aws.dynamodbEndpoint });
  sesProxy = await startFaultProxy({ service: 'ses', target: aws.sesEndpoint });
  // Assign Case's configuration file, as its layer gives it on Lambda.
  const configDir = mkdtempSync(join(tmpdir(), 'support-case-config-'));
  writeFileSync(join(configDir, CONFIG_FILES.ASSIGN_CASE), JSON.stringify({ roster: ROSTER }));
  Object.assign(process.env, aws.sdkEnv({ dynamodb: ddbProxy.endpoint, ses: sesProxy.endpoint }), {
    [ENV.TABLE_NAME]: TABLE,
    [ENV.CONFIG_DIR]: configDir,
    [ENV.SENDER_EMAIL]: SENDER,
    [ENV.EMAIL_LEASE_SECONDS]: '60',
    // Send slots 1 ms apart: a throttle's slot is past before the next test (pacing: send-slots.integration.test.ts).
    [ENV.EMAIL_SEND_SLOT_SECONDS]: '0.001',
    [ENV.EMAIL_THROTTLE_PATIENCE_SECONDS]: '3600',
    LOG_LEVEL: 'OFF',
  });
  direct = new DynamoDBClient({ endpoint: aws.dynamodbEndpoint });
  await createCaseTable(direct, TABLE);
  // Imported after the environment is set: the handlers build their clients at module load.
  /* eslint-disable @typescript-eslint/no-require-imports */
  openCase = require('../../src/handlers/open-case.lambda').handler;
  assignCase = require('../../src/handlers/assign-case.lambda').handler;
  sendEmail = require('../../src/handlers/send-email.lambda').handler;
  /* eslint-enable @typescript-eslint/no-require-imports */
});

afterAll(async () => {
  direct?.destroy();
  await Promise.all([ddbProxy?.stop(), sesProxy?.stop()]);
  await aws?.stop();
});

afterEach(() => {
  // every planned fault must have been used, or the test did not exercise what it claims
  expect(ddbProxy.pending()).toBe(0);
  expect(sesProxy.pending()).toBe(0);
});

async function record(caseId: string): Promise<Record<string, any> | undefined> {
  return (await direct.send(new GetItemCommand({ TableName: TABLE, Key: { caseId: { S: caseId } }, ConsistentRead: true }))).Item;
}

async function emailsFor(caseId: string) {
  return (await aws.emails()).filter((e) => e.subject.includes(` ${caseId} `));
}

/** The case as Send Email gets it after Wait For Send Slot: with the EmailSlotReserved error, as Step Functions' Catch wrote it. */
function atSlot(a: AssignedCase, reserved: Error): AssignedCase & { sendSlot: { Error: string; Cause: string } } {
  expect(reserved.name).toBe(CaseErrorName.EMAIL_SLOT_RESERVED);
  return { ...a, sendSlot: { Error: reserved.name, Cause: JSON.stringify({ errorType: reserved.name, errorMessage: reserved.message }) } };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

let seq = 0;
async function assigned(): Promise<AssignedCase> {
  const opened = await openCase({ inputCaseID: `h-${++seq}` });
  return assignCase(opened);
}

describe('Assign Case', () => {
  test('writes the case record with the chosen employee', async () => {
    const a = await assigned();
    const item = await record(a.caseId);
    expect(item).toMatchObject({
      caseId: { S: a.caseId },
      status: { S: 'ASSIGNED' },
      employeeId: { S: a.employee.id },
      employeeEmail: { S: a.employee.email },
      emailStatus: { S: 'PENDING' },
      openedAt: { S: a.openedAt },
      assignedAt: { S: a.assignedAt },
    });
    expect(ROSTER).toContainEqual(a.employee);
  });

  test('a retry returns the stored assignment and overwrites nothing', async () => {
    const opened = await openCase({ inputCaseID: `h-${++seq}` });
    const first = await assignCase(opened);
    await new Promise((r) => setTimeout(r, 5));
    const again = await assignCase(opened);
    expect(again).toEqual(first);
    expect((await record(opened.caseId))!.assignedAt.S).toBe(first.assignedAt);
  });

  test('a record already there (another execution) is never reassigned', async () => {
    const opened = await openCase({ inputCaseID: `h-${++seq}` });
    const other = ROSTER[0];
    await direct.send(new PutItemCommand({
      TableName: TABLE,
      Item: {
        caseId: { S: opened.caseId },
        status: { S: 'ASSIGNED' },
        employeeId: { S: 'someone' },
        employeeName: { S: other.name },
        employeeEmail: { S: other.email },
        openedAt: { S: opened.openedAt },
        assignedAt: { S: opened.openedAt },
        updatedAt: { S: opened.openedAt },
        emailStatus: { S: 'PENDING' },
      },
    }));
    expect((await assignCase(opened)).employee.id).toBe('someone');
  });

  test('a write whose response is lost still yields one record and the same assignment', async () => {
    ddbProxy.inject({ operation: 'PutItem', kind: 'drop-after-write' });
    const a = await assigned();
    expect((await record(a.caseId))!.employeeId.S).toBe(a.employee.id);
  });

  test('server errors past the SDK retries fail with DependencyUnavailable (retried by the state machine)', async () => {
    ddbProxy.inject({ operation: 'PutItem', kind: 'server-error', count: 100 });
    const opened = await openCase({ inputCaseID: `h-${++seq}` });
    const before = ddbProxy.requests.PutItem ?? 0;
    expect((await rejection(assignCase(opened))).name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
    expect(ddbProxy.requests.PutItem - before).toBeGreaterThanOrEqual(3); // the SDK retried first
    ddbProxy.clearPlan();
    expect(await record(opened.caseId)).toBeUndefined();
    await expect(assignCase(opened)).resolves.toMatchObject({ caseId: opened.caseId });
  });

  test('rejects a malformed step input with InvalidCaseInput and writes nothing', async () => {
    expect((await rejection(assignCase({ caseId: 'bad id' }))).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
  });

  test('a missing table name is a ConfigurationError', async () => {
    const saved = process.env[ENV.TABLE_NAME];
    delete process.env[ENV.TABLE_NAME];
    try {
      expect((await rejection(assignCase({ caseId: 'x1', openedAt: new Date().toISOString() }))).name).toBe(CaseErrorName.CONFIGURATION);
    } finally {
      process.env[ENV.TABLE_NAME] = saved;
    }
  });
});

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
    const caseId = `foreign-${++seq}`;
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

  /** Issue 8's sequences, each of which broke "emails sent <= 1 + counted resends" or the record's truth. */
  describe('regressions: faults that combine', () => {
    const resends = async (caseId: string) => Number((await record(caseId))!.emailAmbiguousResends?.N ?? 0);

    test('1. a lost SES answer, then a throttle, then success: 2 emails, 1 counted resend (the throttle keeps UNCERTAIN)', async () => {
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

    test('2a. two lost SES answers, then success: 3 emails, 2 counted resends', async () => {
      const a = await assigned();
      sesProxy.inject({ operation: 'SendEmail', kind: 'drop-after-write', count: 2 });
      await rejection(sendEmail({ case: a, executionId: 'e' }));
      await rejection(sendEmail({ case: a, executionId: 'e' }));
      await sendEmail({ case: a, executionId: 'e' });
      expect(await emailsFor(a.caseId)).toHaveLength(3);
      expect(await resends(a.caseId)).toBe(2);
    });

    test('2b. a claim written but every answer to it lost: released at once, the next attempt sends 1 email, nothing counted', async () => {
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

    test('3. SES accepted, recording failed through the SDK retries: EmailSentNotRecorded carries the message id, no resend', async () => {
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

    test('4. a lost answer, then SES rejects: the record says UNCERTAIN, never PENDING', async () => {
      const a = await assigned();
      sesProxy.inject({ operation: 'SendEmail', kind: 'drop-after-write' });
      await rejection(sendEmail({ case: a, executionId: 'e' }));
      sesProxy.inject({ operation: 'SendEmail', kind: 'reject' });
      expect((await rejection(sendEmail({ case: a, executionId: 'e' }))).name).toBe(CaseErrorName.EMAIL_REJECTED);
      expect((await record(a.caseId))!.emailStatus.S).toBe('UNCERTAIN');
      expect(await emailsFor(a.caseId)).toHaveLength(1);
    });

    test('5. a failure recorded by another execution meanwhile does not survive the email going out', async () => {
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
    const opened = await openCase({ inputCaseID: `h-${++seq}`, details });
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
    const caseId = `h-${++seq}`;
    const err = await rejection(openCase({ inputCaseID: caseId, details: { title: 'x'.repeat(1001) } }));
    expect(err.name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect(err.message).toBe('details.title must be at most 1000 characters, got 1001');
    expect(await record(caseId)).toBeUndefined();
    expect(await emailsFor(caseId)).toHaveLength(0);
  });
});
