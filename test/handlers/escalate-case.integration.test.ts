/**
 * Wait For Acknowledgement and Escalate Case against the local servers: the next employee in the
 * rendezvous order, skipping those who had the case and those no longer active, the last round
 * ending UNACKNOWLEDGED, retries that find their own outcome, and the old round's attempts unable
 * to write to the new one.
 */
import { ConditionalCheckFailedException, CreateTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { emailedCase, escalateInputOf, emailsFor, getEvent, h, linksIn, MAX_ROUNDS, nextCaseId, record, recordSentEmail, ROSTER, TABLE, useAcknowledgementHandlers, waitFor } from './acknowledgement-handlers';
import { rejection } from './local-handlers';
import { rankEmployees } from '../../src/handlers/case-assignment.lambda-shared';
import { EscalationOutcome, EscalationResult } from '../../src/shared/acknowledgement';
import { AssignedCase, CaseErrorName, ENV } from '../../src/shared/contract';

useAcknowledgementHandlers();


/** Sends the round's email for an escalated case and escalates it again; returns the escalation. */
async function nextRound(c: AssignedCase): Promise<EscalationResult> {
  await h.sendEmail({ case: c, executionId: `exec-${c.caseId}` });
  return h.escalate(escalateInputOf(c));
}

describe('Wait For Acknowledgement', () => {
  test('stores the task token on the round it names', async () => {
    const { sent } = await emailedCase();
    const { token } = await waitFor(sent);
    expect((await record(sent.caseId))!.ackTaskToken).toEqual({ S: token });
  });

  test.each([
    ['no token', (c: any) => ({ caseId: c.caseId, assignedAt: c.assignedAt })],
    ['an empty token', (c: any) => ({ caseId: c.caseId, assignedAt: c.assignedAt, taskToken: '' })],
    ['a token too long', (c: any) => ({ caseId: c.caseId, assignedAt: c.assignedAt, taskToken: 'x'.repeat(2049) })],
    ['a malformed time', (c: any) => ({ caseId: c.caseId, assignedAt: 'yesterday', taskToken: 't' })],
    ['an unknown field', (c: any) => ({ caseId: c.caseId, assignedAt: c.assignedAt, taskToken: 't', extra: 1 })],
    ['not an object', () => 'x'],
  ])('%s: InvalidCaseInput, nothing written', async (_what, make) => {
    const { sent } = await emailedCase();
    const before = JSON.stringify(await record(sent.caseId));
    expect((await rejection(h.awaitAck(make(sent)))).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect(JSON.stringify(await record(sent.caseId))).toBe(before);
  });

  test('another round: CaseConflict; no case: CaseNotFound; nothing written', async () => {
    const { sent } = await emailedCase();
    const before = JSON.stringify(await record(sent.caseId));
    expect((await rejection(h.awaitAck({ caseId: sent.caseId, assignedAt: new Date(0).toISOString(), taskToken: 't' }))).name).toBe(CaseErrorName.CASE_CONFLICT);
    expect(JSON.stringify(await record(sent.caseId))).toBe(before);
    expect((await rejection(h.awaitAck({ caseId: nextCaseId('none'), assignedAt: sent.assignedAt, taskToken: 't' }))).name).toBe(CaseErrorName.CASE_NOT_FOUND);
    expect(await record(nextCaseId('none'))).toBeUndefined();
  });
});

describe('Escalate Case', () => {
  test('goes down the rendezvous order, skipping everyone who had the case, and tells the next one who had it before', async () => {
    const { sent, link } = await emailedCase();
    const order = rankEmployees(ROSTER, sent.caseId);
    expect(sent.employee).toEqual(order[0]);
    await waitFor(sent);
    const first = await h.escalate(escalateInputOf(sent));
    expect(first).toMatchObject({ outcome: EscalationOutcome.ESCALATED, round: 2, case: { caseId: sent.caseId, employee: order[1] } });
    const item = (await record(sent.caseId))!;
    expect(item).toMatchObject({ status: { S: 'ASSIGNED' }, emailStatus: { S: 'PENDING' }, ackRound: { N: '2' }, employeeId: { S: order[1].id } });
    for (const gone of ['messageId', 'emailedAt', 'emailAttemptId', 'emailOwner', 'ackIdHashes', 'ackTaskToken', 'ackLinkExpiresAt']) expect(item[gone]).toBeUndefined();
    expect(item.escalations.L[0].M).toMatchObject({ round: { N: '1' }, employeeId: { S: order[0].id }, messageId: { S: sent.messageId }, emailedAt: { S: sent.emailedAt } });
    // The next round's email: to the next employee, with what happened and a link of its own.
    await h.sendEmail({ case: first.case!, executionId: `exec-${sent.caseId}` });
    const emails = await emailsFor(sent.caseId);
    expect(emails).toHaveLength(2);
    expect(emails[1].destination.to).toEqual([order[1].email]);
    expect(emails[1].body.text).toContain(`Escalated from ${order[0].name} after 15 minutes.`);
    const newLink = linksIn(emails[1].body.text)[0];
    expect((await h.page(getEvent(newLink.search.slice(1)))).statusCode).toBe(200);
    expect((await h.page(getEvent(link.search.slice(1)))).statusCode).toBe(404);
    // Round 3 goes to the third; round 3 is the last (MAX_ROUNDS): then UNACKNOWLEDGED.
    const second = await h.escalate(escalateInputOf(first.case!));
    expect(second.case!.employee).toEqual(order[2]);
    const last = await nextRound(second.case!);
    expect(MAX_ROUNDS).toBe(3);
    expect(last).toEqual({ outcome: EscalationOutcome.UNACKNOWLEDGED, caseId: sent.caseId, round: 3 });
    const end = (await record(sent.caseId))!;
    expect(end).toMatchObject({ status: { S: 'UNACKNOWLEDGED' }, unacknowledgedAt: expect.anything() });
    expect(end.escalations.L.map((r: any) => r.M.employeeId.S)).toEqual([order[0].id, order[1].id]);
  });

  test('a retried invocation whose first write applied returns the same outcome and writes nothing more', async () => {
    const { sent } = await emailedCase();
    const first = await h.escalate(escalateInputOf(sent));
    const after = JSON.stringify(await record(sent.caseId));
    expect(await h.escalate(escalateInputOf(sent))).toEqual(first);
    expect(JSON.stringify(await record(sent.caseId))).toBe(after);
    // the same for the last round's end
    const second = await nextRound(first.case!);
    const end = await nextRound(second.case!);
    expect(end.outcome).toBe(EscalationOutcome.UNACKNOWLEDGED);
    expect(await h.escalate(escalateInputOf(second.case!))).toEqual(end);
    // and a round the record does not explain is a conflict
    expect((await rejection(h.escalate({ ...escalateInputOf(sent), assignedAt: new Date(0).toISOString() }))).name).toBe(CaseErrorName.CASE_CONFLICT);
  });

  test('acknowledged while Send Email was still at work (its record-sent write set EMAILED after the press): ACKNOWLEDGED, and the status restored', async () => {
    // Found by the acknowledgement model test (a press on the first email while Send Email resent
    // after a lost SES answer): the record kept acknowledgedAt but said EMAILED.
    const { sent } = await emailedCase();
    const at = new Date().toISOString();
    await h.direct.send(new UpdateItemCommand({
      TableName: TABLE,
      Key: { caseId: { S: sent.caseId } },
      UpdateExpression: 'SET acknowledgedAt = :at, acknowledgedBy = :by, acknowledgedIdHash = :h, #status = :emailed ADD ackIdHashes :late',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':at': { S: at }, ':by': { S: sent.employee.id }, ':h': { S: 'hash' }, ':emailed': { S: 'EMAILED' }, ':late': { SS: ['late-hash'] },
      },
    }));
    const result = await h.escalate(escalateInputOf(sent));
    expect(result).toMatchObject({
      outcome: EscalationOutcome.ACKNOWLEDGED, acknowledgement: { acknowledgedBy: sent.employee.id, acknowledgedAt: at },
    });
    const after = await record(sent.caseId);
    expect(after!.status).toEqual({ S: 'ACKNOWLEDGED' });
    expect(after!.ackIdHashes).toBeUndefined();
    // a retry finds it as it is, and writes nothing more
    const again = JSON.stringify(after);
    expect(await h.escalate(escalateInputOf(sent))).toEqual(result);
    expect(JSON.stringify(await record(sent.caseId))).toBe(again);
  });

  test('the old round\'s Send Email cannot write to the new round: its claim and its record-sent write fail', async () => {
    const { sent, assigned } = await emailedCase();
    const attemptId = (await record(sent.caseId))!.emailAttemptId.S;
    const escalation = await h.escalate(escalateInputOf(sent));
    const before = JSON.stringify(await record(sent.caseId));
    expect((await rejection(h.sendEmail({ case: assigned, executionId: `exec-${sent.caseId}` }))).name).toBe(CaseErrorName.CASE_CONFLICT);
    const lateRecord = rejection(recordSentEmail({
      caseId: sent.caseId, attemptId: attemptId!, messageId: 'zombie-message', emailedAt: new Date().toISOString(), emailAmbiguousResends: '0',
    }));
    expect(await lateRecord).toBeInstanceOf(ConditionalCheckFailedException);
    expect(JSON.stringify(await record(sent.caseId))).toBe(before);
    expect(await emailsFor(sent.caseId)).toHaveLength(1);
    // the new round's own email goes out, once
    await h.sendEmail({ case: escalation.case!, executionId: `exec-${sent.caseId}` });
    expect(await emailsFor(sent.caseId)).toHaveLength(2);
  });

  /** Escalate Case reading a roster table of `ROSTER` where `inactive` are `active: false`. */
  async function escalateWithRosterTable(input: ReturnType<typeof escalateInputOf>, inactive: (id: string) => boolean): Promise<EscalationResult> {
    const rosterTable = `roster-${Date.now()}`;
    await h.direct.send(new CreateTableCommand({
      TableName: rosterTable,
      KeySchema: [{ AttributeName: 'employeeId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'employeeId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    for (const e of ROSTER) {
      await h.direct.send(new PutItemCommand({
        TableName: rosterTable,
        Item: { employeeId: { S: e.id }, name: { S: e.name }, email: { S: e.email }, ...(inactive(e.id) ? { active: { BOOL: false } } : {}) },
      }));
    }
    process.env[ENV.ROSTER_TABLE_NAME] = rosterTable;
    try {
      let escalate!: typeof h.escalate;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      jest.isolateModules(() => { escalate = require('../../src/handlers/escalate-case.lambda').handler; });
      return await escalate(input);
    } finally {
      delete process.env[ENV.ROSTER_TABLE_NAME];
    }
  }

  test('an employee made inactive in the roster table mid-wait is skipped', async () => {
    const { sent } = await emailedCase();
    const order = rankEmployees(ROSTER, sent.caseId);
    const result = await escalateWithRosterTable(escalateInputOf(sent), (id) => id === order[1].id);
    expect(result.case!.employee).toEqual(order[2]);
  });

  // Regression: with nobody active left (the assignee made inactive too), the escalation failed
  // with RosterUnavailable: the execution failed, the record stayed EMAILED with its links valid,
  // and neither the CasesUnacknowledged alarm nor the topic heard of it.
  test('everyone made inactive in the roster table mid-wait: nobody is left to ask, the case ends UNACKNOWLEDGED', async () => {
    const { sent } = await emailedCase();
    const result = await escalateWithRosterTable(escalateInputOf(sent), () => true);
    expect(result).toEqual({ outcome: EscalationOutcome.UNACKNOWLEDGED, caseId: sent.caseId, round: 1 });
    expect((await record(sent.caseId))!).toMatchObject({ status: { S: 'UNACKNOWLEDGED' } });
  });

  test('no one left on the roster: UNACKNOWLEDGED before the last round', async () => {
    const { sent } = await emailedCase();
    const order = rankEmployees(ROSTER, sent.caseId);
    // everyone else had the case already (as the record of earlier rounds would say)
    await h.direct.send(new UpdateItemCommand({
      TableName: TABLE,
      Key: { caseId: { S: sent.caseId } },
      UpdateExpression: 'SET escalations = :l',
      ExpressionAttributeValues: {
        ':l': { L: order.slice(1).map((e) => ({ M: { round: { N: '0' }, employeeId: { S: e.id }, employeeName: { S: e.name }, assignedAt: { S: sent.assignedAt }, emailAmbiguousResends: { N: '0' }, escalatedAt: { S: sent.assignedAt } } })) },
      },
    }));
    expect((await h.escalate(escalateInputOf(sent))).outcome).toBe(EscalationOutcome.UNACKNOWLEDGED);
  });
});
