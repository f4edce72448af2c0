/**
 * Paced sending in Send Email (docs/design/burst-pacing.md), against dynalite and the SES
 * emulator behind fault proxies: the send-slot counter's reservations, the gate, the bounds
 * (patience, rounds) and SES's rate read from GetSendQuota.
 */
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createCaseTable } from './local-handlers';
import { FaultProxy, startFaultProxy } from '../../harness/fault-proxy';
import { LocalAws, startLocalAws } from '../../harness/local-aws';
import type { DeadlineContext } from '../../src/handlers/deadline.lambda-shared';
import { AssignedCase, CaseErrorName, CaseResult, ENV, SendSlot } from '../../src/shared/contract';
import { MAX_SEND_SLOT_ROUNDS, SEND_SLOT_COUNTER_KEY, slotGapMs } from '../../src/shared/send-pacing';
import { DEADLINE_MARGIN_MS } from '../../src/shared/time-budget';

const TABLE = 'cases';
const EMPLOYEE = { id: 'e1', name: 'Ana', email: 'ana@example.com' };
/** SES's rate as GetSendQuota tells it (emails/s). */
const QUOTA_RATE = 4;

let aws: LocalAws;
let ddbProxy: FaultProxy;
let sesProxy: FaultProxy;
let direct: DynamoDBClient;
let sendEmail: (event: unknown, context?: DeadlineContext) => Promise<CaseResult>;
let reserveSendSlot: typeof import('../../src/handlers/send-slots.lambda-shared').reserveSendSlot;

beforeAll(async () => {
  aws = await startLocalAws();
  ddbProxy = await startFaultProxy({ service: 'dynamodb', target: aws.dynamodbEndpoint });
  sesProxy = await startFaultProxy({ service: 'ses', target: aws.sesEndpoint, sesSendQuota: { maxSendRate: QUOTA_RATE, max24HourSend: 1000 } });
  Object.assign(process.env, aws.sdkEnv({ dynamodb: ddbProxy.endpoint, ses: sesProxy.endpoint }), {
    [ENV.TABLE_NAME]: TABLE,
    [ENV.SENDER_EMAIL]: 'support@example.com',
    [ENV.EMAIL_LEASE_SECONDS]: '60',
    [ENV.EMAIL_THROTTLE_PATIENCE_SECONDS]: '3600',
    [ENV.SEND_SLOT_RESOLUTION_SECONDS]: '1',
    LOG_LEVEL: 'OFF',
  });
  delete process.env[ENV.EMAIL_SEND_SLOT_SECONDS];
  direct = new DynamoDBClient({ endpoint: aws.dynamodbEndpoint });
  await createCaseTable(direct, TABLE);
  /* eslint-disable @typescript-eslint/no-require-imports */
  sendEmail = require('../../src/handlers/send-email.lambda').handler;
  reserveSendSlot = require('../../src/handlers/send-slots.lambda-shared').reserveSendSlot;
  /* eslint-enable @typescript-eslint/no-require-imports */
});

afterAll(async () => {
  direct?.destroy();
  await Promise.all([ddbProxy?.stop(), sesProxy?.stop()]);
  await aws?.stop();
});

beforeEach(async () => {
  await direct.send(new DeleteItemCommand({ TableName: TABLE, Key: { caseId: { S: SEND_SLOT_COUNTER_KEY } } }));
});

afterEach(() => {
  expect(sesProxy.pending()).toBe(0);
});

const counter = async () => {
  const { Item } = await direct.send(new GetItemCommand({ TableName: TABLE, Key: { caseId: { S: SEND_SLOT_COUNTER_KEY } }, ConsistentRead: true }));
  return Item?.nextSlotAt?.N === undefined ? undefined : Number(Item.nextSlotAt.N);
};
const setCounter = (at: number) => direct.send(new PutItemCommand({
  TableName: TABLE, Item: { caseId: { S: SEND_SLOT_COUNTER_KEY }, nextSlotAt: { N: String(at) } },
}));

let n = 0;
/** A case assigned to Ana, with its PENDING record. */
async function assigned(): Promise<AssignedCase> {
  const caseId = `slot-${++n}`;
  const at = new Date().toISOString();
  await direct.send(new PutItemCommand({
    TableName: TABLE,
    Item: {
      caseId: { S: caseId },
      status: { S: 'ASSIGNED' },
      employeeId: { S: EMPLOYEE.id },
      employeeName: { S: EMPLOYEE.name },
      employeeEmail: { S: EMPLOYEE.email },
      openedAt: { S: at },
      assignedAt: { S: at },
      updatedAt: { S: at },
      emailStatus: { S: 'PENDING' },
    },
  }));
  return { caseId, openedAt: at, assignedAt: at, employee: EMPLOYEE };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

const slotOf = (err: Error): SendSlot => {
  expect(err.name).toBe(CaseErrorName.EMAIL_SLOT_RESERVED);
  return JSON.parse(err.message);
};
/** The case as Send Email gets it after Wait For Send Slot (the Catch's error at `sendSlot`). */
const woken = (a: AssignedCase, slot: SendSlot) => ({
  ...a,
  sendSlot: {
    Error: CaseErrorName.EMAIL_SLOT_RESERVED,
    Cause: JSON.stringify({ errorType: CaseErrorName.EMAIL_SLOT_RESERVED, errorMessage: JSON.stringify(slot) }),
  },
});
const emailsFor = async (caseId: string) => (await aws.emails()).filter((e) => e.subject.includes(` ${caseId} `));

describe('the send-slot counter', () => {
  test('behind the clock: the first slot is ten gaps from now (SES\'s bucket refills); then slots follow one gap apart', async () => {
    const now = Date.now();
    const first = await reserveSendSlot(TABLE, now, 100, now + 60_000);
    expect(first).toEqual({ kind: 'slot', slotAt: now + 1000, nextAt: now + 1100, behind: true });
    const second = await reserveSendSlot(TABLE, now + 1, 100, now + 60_000);
    expect(second).toMatchObject({ kind: 'slot', slotAt: now + 1100, behind: false });
    expect(await counter()).toBe(now + 1200);
  });

  test('concurrent reservations get distinct slots, one gap apart', async () => {
    const now = Date.now();
    const slots = await Promise.all(Array.from({ length: 20 }, () => reserveSendSlot(TABLE, now, 50, now + 60_000)));
    const at = slots.map((s) => s.slotAt).sort((a, b) => a - b);
    expect(at).toEqual(Array.from({ length: 20 }, (_, i) => now + 10 * 50 + 50 * i));
  });

  test('a slot past the latest time is not taken, and the counter is left alone', async () => {
    const now = Date.now();
    await setCounter(now + 10_000);
    expect(await reserveSendSlot(TABLE, now, 100, now + 5_000)).toEqual({ kind: 'tooLate', slotAt: now + 10_000 });
    expect(await counter()).toBe(now + 10_000);
  });
});

describe('Send Email, paced', () => {
  test('SES refuses for its rate: claim given back, a slot ten gaps (at GetSendQuota\'s rate) ahead, nothing sent; at the slot it sends', async () => {
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind: 'throttle' });
    const before = Date.now();
    const slot = slotOf(await failure(sendEmail({ case: a, executionId: 'x', startedAt: new Date().toISOString() })));
    expect(slot).toMatchObject({ caseId: a.caseId, round: 1 });
    const delay = Date.parse(slot.sendAt) - before;
    expect(delay).toBeGreaterThanOrEqual(10 * slotGapMs(QUOTA_RATE) - 1);
    expect(delay).toBeLessThan(10 * slotGapMs(QUOTA_RATE) + 2000);
    // the next slot is one gap later, the gap from GetSendQuota's rate
    // the wake-up time is the slot rounded up to the second (a Wait reads timestamps to the second)
    expect(Date.parse(slot.sendAt) % 1000).toBe(0);
    expect(Date.parse(slot.sendAt) - ((await counter())! - slotGapMs(QUOTA_RATE))).toBeGreaterThanOrEqual(0);
    expect(Date.parse(slot.sendAt) - ((await counter())! - slotGapMs(QUOTA_RATE))).toBeLessThan(1000);
    expect(sesProxy.requests.GetSendQuota).toBe(1);
    expect(await emailsFor(a.caseId)).toHaveLength(0);
    // woken at its slot, it goes ahead of the backlog it started
    await sendEmail({ case: woken(a, slot), executionId: 'x', startedAt: new Date().toISOString() });
    expect(await emailsFor(a.caseId)).toHaveLength(1);
  });

  test('the gate: with a backlog, a new case takes the next slot without claiming or asking SES', async () => {
    const a = await assigned();
    const at = Date.now() + 30_000;
    await setCounter(at);
    const sends = sesProxy.requests.SendEmail ?? 0;
    const slot = slotOf(await failure(sendEmail({ case: a, executionId: 'x', startedAt: new Date().toISOString() })));
    // woken at the slot rounded up to the second: never early (Step Functions truncates a Wait's milliseconds)
    expect(slot).toEqual({ caseId: a.caseId, sendAt: new Date(Math.ceil(at / 1000) * 1000).toISOString(), round: 1 });
    expect(sesProxy.requests.SendEmail ?? 0).toBe(sends);
    const { Item } = await direct.send(new GetItemCommand({ TableName: TABLE, Key: { caseId: { S: a.caseId } }, ConsistentRead: true }));
    expect(Item).toMatchObject({ emailStatus: { S: 'PENDING' } });
    expect(Item!.emailOwner).toBeUndefined();
    // the case woken for its slot does not queue again
    await sendEmail({ case: woken(a, slot), executionId: 'x', startedAt: new Date().toISOString() });
    expect(await emailsFor(a.caseId)).toHaveLength(1);
  });

  test('the gate: paced sends may run a little behind their slots, so a counter fewer than ten gaps behind the clock is still a backlog', async () => {
    const a = await assigned();
    const now = Date.now();
    await direct.send(new PutItemCommand({
      TableName: TABLE, Item: { caseId: { S: SEND_SLOT_COUNTER_KEY }, nextSlotAt: { N: String(now - 2_000) }, slotGapMs: { N: '1000' } },
    }));
    const sends = sesProxy.requests.SendEmail ?? 0;
    const slot = slotOf(await failure(sendEmail({ case: a, executionId: 'x', startedAt: new Date().toISOString() })));
    expect(sesProxy.requests.SendEmail ?? 0).toBe(sends);
    // the counter was behind the clock: the slot is ten gaps (of GetSendQuota's rate) from now
    expect(Date.parse(slot.sendAt) - now).toBeGreaterThanOrEqual(10 * slotGapMs(QUOTA_RATE) - 1);
  });

  test('a slot beyond the case\'s patience: EmailThrottled at once, nothing sent, no slot taken', async () => {
    const a = await assigned();
    const ahead = Date.now() + 10 * 60_000;
    await setCounter(ahead);
    const startedAt = new Date(Date.now() - 3500_000).toISOString(); // 100 s of its hour of patience left
    const err = await failure(sendEmail({ case: a, executionId: 'x', startedAt }));
    expect(err.name).toBe(CaseErrorName.EMAIL_THROTTLED);
    expect(err.message).toContain('past the case\'s patience');
    expect(await counter()).toBe(ahead);
    expect(await emailsFor(a.caseId)).toHaveLength(0);
  });

  test(`after ${MAX_SEND_SLOT_ROUNDS} rounds, a refused send is EmailThrottled: never retried forever`, async () => {
    const a = await assigned();
    sesProxy.inject({ operation: 'SendEmail', kind: 'throttle' });
    const last: SendSlot = { caseId: a.caseId, sendAt: new Date().toISOString(), round: MAX_SEND_SLOT_ROUNDS };
    const err = await failure(sendEmail({ case: woken(a, last), executionId: 'x', startedAt: new Date().toISOString() }));
    expect(err.name).toBe(CaseErrorName.EMAIL_THROTTLED);
    expect(await counter()).toBeUndefined();
  });

  test('the counter unreadable: the gate lets the case ask SES (the gate is advice)', async () => {
    const a = await assigned();
    await setCounter(Date.now() + 30_000);
    ddbProxy.inject({ operation: 'GetItem', kind: 'server-error', caseId: SEND_SLOT_COUNTER_KEY, count: 10 });
    await sendEmail({ case: a, executionId: 'x', startedAt: new Date().toISOString() });
    expect(await emailsFor(a.caseId)).toHaveLength(1);
    expect(ddbProxy.injected['server-error']).toBeGreaterThan(0);
    ddbProxy.clearPlan();
  });
});

describe('the invocation\'s deadline bounds the counter\'s requests, like every other SDK call', () => {
  /** Lambda's context of an invocation whose deadline (its time left less the handler's margin) is `ms` away. */
  const endingIn = (ms: number): DeadlineContext => {
    const end = Date.now() + DEADLINE_MARGIN_MS + ms;
    return { getRemainingTimeInMillis: () => end - Date.now() };
  };

  /** Send Email for `a` in an invocation whose deadline falls while the counter's `operation` gets no answer. */
  async function stalledAtDeadline(a: AssignedCase, operation: 'GetItem' | 'UpdateItem'): Promise<{ err: Error; requests: number }> {
    const before = ddbProxy.injected['no-answer'];
    // As many silent answers as the SDK's attempts: without the deadline, each one waits out its request timeout.
    ddbProxy.inject({ operation, kind: 'no-answer', caseId: SEND_SLOT_COUNTER_KEY, count: 3 });
    const err = await failure(sendEmail({ case: a, executionId: 'x', startedAt: new Date().toISOString() }, endingIn(300)));
    ddbProxy.clearPlan();
    return { err, requests: ddbProxy.injected['no-answer'] - before };
  }

  async function expectNothingClaimedOrSent(a: AssignedCase) {
    const { Item } = await direct.send(new GetItemCommand({ TableName: TABLE, Key: { caseId: { S: a.caseId } }, ConsistentRead: true }));
    expect(Item).toMatchObject({ emailStatus: { S: 'PENDING' } });
    expect(Item!.emailOwner).toBeUndefined();
    expect(await emailsFor(a.caseId)).toHaveLength(0);
  }

  test('the gate\'s read gets no answer: given up at the deadline, never retried past it; nothing claimed or sent, the state machine retries', async () => {
    const a = await assigned();
    const { err, requests } = await stalledAtDeadline(a, 'GetItem');
    expect(err.name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
    expect(requests).toBe(1);
    await expectNothingClaimedOrSent(a);
  });

  test('a reservation gets no answer: given up at the deadline, never retried past it; nothing claimed or sent, the state machine retries', async () => {
    const a = await assigned();
    await setCounter(Date.now() + 30_000); // a backlog: the gate reserves a slot
    const { err, requests } = await stalledAtDeadline(a, 'UpdateItem');
    expect(err.name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
    expect(requests).toBe(1);
    await expectNothingClaimedOrSent(a);
  });
});
