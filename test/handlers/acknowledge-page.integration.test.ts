/**
 * The acknowledge page against the local servers and the local task-token service: a GET never
 * writes, every invalid request gets the same answer, a POST acknowledges once and ends the wait,
 * and exactly one of an acknowledgement and an escalation wins a race.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { emailedCase, escalateInputOf, emailsFor, getEvent, h, linksIn, nextCaseId, postEvent, postFor, record, TABLE, useAcknowledgementHandlers, waitFor } from './acknowledgement-handlers';
import { rejection } from './local-handlers';
import { linkIdHash, newLinkId } from '../../src/handlers/acknowledge-link.lambda-shared';
import { FunctionUrlResponse } from '../../src/handlers/acknowledge-page.lambda-shared';
import { EscalationOutcome } from '../../src/shared/acknowledgement';
import { CaseErrorName } from '../../src/shared/contract';

useAcknowledgementHandlers();

const query = (link: URL) => link.search.slice(1);

/** A GET that must change nothing: the record is the same, byte for byte, after it. */
async function getChangesNothing(caseId: string, q: string): Promise<FunctionUrlResponse> {
  const before = JSON.stringify(await record(caseId));
  const answer = await h.page(getEvent(q));
  expect(JSON.stringify(await record(caseId))).toBe(before);
  return answer;
}

describe('GET: the page, never a write', () => {
  test('a valid link shows the case (escaped) and a POST form, and changes nothing', async () => {
    const { assigned, link } = await emailedCase();
    const answer = await getChangesNothing(assigned.caseId, query(link));
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain(`Support case ${assigned.caseId}`);
    expect(answer.body).toContain('Printer &#60;on&#62; fire');
    expect(answer.body).not.toContain('<on>');
    expect(answer.body).toMatch(/<form method="post" action="\?">/);
    expect(answer.body).toContain(`name="id" value="${link.searchParams.get('id')}"`);
    expect(answer.body).not.toMatch(/<script/i);
    expect(answer.headers).toMatchObject({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
    expect(answer.headers['Content-Security-Policy']).toMatch(/default-src 'none'/);
  });

  test('wrong id, unknown case, expired, escalated, acknowledged by another id, malformed: one identical answer, nothing written', async () => {
    const answers: FunctionUrlResponse[] = [];
    const { assigned, link } = await emailedCase();
    const id = link.searchParams.get('id')!;
    answers.push(await getChangesNothing(assigned.caseId, `case=${assigned.caseId}&id=${newLinkId()}`));
    answers.push(await h.page(getEvent(`case=nobody-${Date.now()}&id=${id}`)));
    answers.push(await getChangesNothing(assigned.caseId, `case=${assigned.caseId}`));
    answers.push(await getChangesNothing(assigned.caseId, `case=${assigned.caseId}&id=${id}&id=${id}`));
    answers.push(await getChangesNothing(assigned.caseId, `case=${assigned.caseId}&id=${id.slice(1)}`));
    // expired
    const expired = await emailedCase();
    await h.direct.send(new UpdateItemCommand({
      TableName: TABLE,
      Key: { caseId: { S: expired.assigned.caseId } },
      UpdateExpression: 'SET ackLinkExpiresAt = :past',
      ExpressionAttributeValues: { ':past': { N: String(Math.floor(Date.now() / 1000) - 1) } },
    }));
    answers.push(await getChangesNothing(expired.assigned.caseId, query(expired.link)));
    // escalated: the old round's link
    const escalated = await emailedCase();
    expect((await h.escalate(escalateInputOf(escalated.sent))).outcome).toBe(EscalationOutcome.ESCALATED);
    answers.push(await getChangesNothing(escalated.assigned.caseId, query(escalated.link)));
    // acknowledged by another link of the round (a counted resend's)
    const two = await emailedCase();
    const second = await resentLink(two.assigned.caseId, two.sent);
    expect((await h.page(postFor(second))).body).toContain('Acknowledged');
    answers.push(await getChangesNothing(two.assigned.caseId, query(two.link)));
    expect((await h.page(postFor(two.link))).body).toBe(answers[0].body);

    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0].statusCode).toBe(404);
  });

  test('any GET at all (fast-check: 200 queries from valid and invalid parts) writes nothing and answers the case or the generic page', async () => {
    const { assigned, link } = await emailedCase();
    const before = JSON.stringify(await record(assigned.caseId));
    const generic = (await h.page(getEvent(`case=${assigned.caseId}&id=${newLinkId()}`))).body;
    const part = fc.oneof(
      fc.constant(`case=${assigned.caseId}`), fc.constant(`id=${link.searchParams.get('id')}`), fc.constant(`id=${newLinkId()}`),
      fc.constant('case=other'), fc.string({ maxLength: 30 }).map(encodeURIComponent), fc.constantFrom('%', '&&', '=', 'id=', 'case='),
    );
    await fc.assert(fc.asyncProperty(fc.array(part, { maxLength: 5 }), async (parts) => {
      const answer = await h.page(getEvent(parts.join('&')));
      expect([200, 404]).toContain(answer.statusCode);
      if (answer.statusCode === 404) expect(answer.body).toBe(generic);
    }), { numRuns: 200 });
    expect(JSON.stringify(await record(assigned.caseId))).toBe(before);
  });

  test('other methods: 405 with the same security headers', async () => {
    const answer = await h.page({ requestContext: { http: { method: 'PUT' } } });
    expect(answer.statusCode).toBe(405);
    expect(answer.headers).toMatchObject({ 'Allow': 'GET, POST', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  });
});

/** Marks the round's email UNCERTAIN (an attempt whose SES outcome is unknown) and sends again: the resend's link. */
async function resentLink(caseId: string, sent: { caseId: string }): Promise<URL> {
  await h.direct.send(new UpdateItemCommand({
    TableName: TABLE,
    Key: { caseId: { S: caseId } },
    UpdateExpression: 'SET emailStatus = :u',
    ExpressionAttributeValues: { ':u': { S: 'UNCERTAIN' } },
  }));
  const item = (await record(caseId))!;
  const assigned = {
    caseId,
    openedAt: item.openedAt.S,
    assignedAt: item.assignedAt.S,
    employee: { id: item.employeeId.S, name: item.employeeName.S, email: item.employeeEmail.S },
    details: { title: item.details.M.title.S, priority: item.details.M.priority.S },
  };
  await h.sendEmail({ case: assigned, executionId: `exec-${sent.caseId}` });
  const emails = await emailsFor(caseId);
  return linksIn(emails[emails.length - 1].body.text)[0];
}

describe('POST: acknowledges once, and ends the wait', () => {
  test('a valid POST writes ACKNOWLEDGED and sends SendTaskSuccess with the AcknowledgedCase', async () => {
    const { sent, link } = await emailedCase();
    const wait = await waitFor(sent);
    const answer = await h.page(postFor(link, true)); // a base64 body, as function URLs may give it
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('Acknowledged');
    const item = (await record(sent.caseId))!;
    expect(item).toMatchObject({ status: { S: 'ACKNOWLEDGED' }, acknowledgedBy: { S: sent.employee.id }, acknowledgedIdHash: { S: linkIdHash(link.searchParams.get('id')!) } });
    expect(item.ackIdHashes).toBeUndefined();
    expect(item.ackTaskToken).toBeUndefined();
    expect(await wait.outcome).toEqual({ kind: 'success', output: { caseId: sent.caseId, acknowledgedBy: sent.employee.id, acknowledgedAt: item.acknowledgedAt.S, round: 1 } });
  });

  test('a double press: the second answer is "already acknowledged", one SendTaskSuccess', async () => {
    const { sent, link } = await emailedCase();
    const wait = await waitFor(sent);
    expect((await h.page(postFor(link))).body).toContain('<h1>Acknowledged</h1>');
    const again = await h.page(postFor(link));
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('Already acknowledged');
    expect((await h.page(getEvent(query(link)))).body).toContain('Already acknowledged');
    expect(h.tokens.calls.filter((c) => c.token === wait.token)).toEqual([{ action: 'SendTaskSuccess', token: wait.token, answer: 'ok' }]);
  });

  test('two tabs at once: exactly one write applies, one SendTaskSuccess', async () => {
    const { sent, link } = await emailedCase();
    const wait = await waitFor(sent);
    const answers = await Promise.all([h.page(postFor(link)), h.page(postFor(link)), h.page(postFor(link))]);
    expect(answers.filter((a) => a.body.includes('<h1>Acknowledged</h1>'))).toHaveLength(1);
    expect(answers.filter((a) => a.body.includes('Already acknowledged'))).toHaveLength(2);
    expect(h.tokens.calls.filter((c) => c.token === wait.token)).toHaveLength(1);
  });

  test('a POST before the wait stored its token: acknowledged, no SendTaskSuccess; the wait then throws CaseAcknowledged', async () => {
    const { sent, link } = await emailedCase();
    const before = h.tokens.calls.length;
    expect((await h.page(postFor(link))).body).toContain('<h1>Acknowledged</h1>');
    expect(h.tokens.calls.length).toBe(before);
    const err = await rejection(waitFor(sent));
    expect(err.name).toBe(CaseErrorName.CASE_ACKNOWLEDGED);
    expect((await record(sent.caseId))!.ackTaskToken).toBeUndefined();
    const escalation = await h.escalate(escalateInputOf(sent));
    expect(escalation).toMatchObject({ outcome: EscalationOutcome.ACKNOWLEDGED, acknowledgement: { acknowledgedBy: sent.employee.id, round: 1 } });
  });

  test('SendTaskSuccess answering TaskTimedOut: the record still says acknowledged, and so do the page and Escalate Case', async () => {
    const { sent, link } = await emailedCase();
    const wait = await waitFor(sent);
    h.tokens.timedOut(wait.token);
    expect((await h.page(postFor(link))).body).toContain('<h1>Acknowledged</h1>');
    expect(h.tokens.calls.filter((c) => c.token === wait.token).map((c) => c.answer)).toEqual(['TaskTimedOut']);
    expect((await record(sent.caseId))!.status.S).toBe('ACKNOWLEDGED');
    expect((await h.escalate(escalateInputOf(sent))).outcome).toBe(EscalationOutcome.ACKNOWLEDGED);
  });

  test('malformed bodies get the generic page and write nothing', async () => {
    const { sent, link } = await emailedCase();
    const before = JSON.stringify(await record(sent.caseId));
    const generic = await h.page(getEvent(`case=${sent.caseId}&id=${newLinkId()}`));
    for (const body of ['', 'case=x', `case=${sent.caseId}&id=${link.searchParams.get('id')}&${'x='.repeat(600)}`, '%%%']) {
      expect(await h.page(postEvent(body))).toEqual(generic);
    }
    expect(await h.page({ ...postFor(link), headers: { 'content-type': 'text/plain' } })).toEqual(generic);
    expect(JSON.stringify(await record(sent.caseId))).toBe(before);
  });
});

describe('an acknowledgement racing the escalation', () => {
  test('50 rounds with random delays: exactly one of ACKNOWLEDGED and ESCALATED wins, and the record tells which', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const tally = { acknowledged: 0, escalated: 0 };
    for (let i = 0; i < 50; i++) {
      const { sent, link } = await emailedCase(nextCaseId('race'));
      const wait = await waitFor(sent);
      const [page, escalation] = await Promise.all([
        sleep(Math.random() * 8).then(() => h.page(postFor(link))),
        sleep(Math.random() * 8).then(() => h.escalate(escalateInputOf(sent))),
      ]);
      const item = (await record(sent.caseId))!;
      const pageWon = page.body.includes('<h1>Acknowledged</h1>');
      if (pageWon) {
        tally.acknowledged++;
        expect(item.status.S).toBe('ACKNOWLEDGED');
        expect(item.escalations).toBeUndefined();
        expect(escalation.outcome).toBe(EscalationOutcome.ACKNOWLEDGED);
        expect((await wait.outcome).kind).toBe('success');
      } else {
        tally.escalated++;
        expect(page).toMatchObject({ statusCode: 404 });
        expect(escalation.outcome).toBe(EscalationOutcome.ESCALATED);
        expect(item).toMatchObject({ status: { S: 'ASSIGNED' }, ackRound: { N: '2' } });
        expect(item.acknowledgedAt).toBeUndefined();
        expect(h.tokens.calls.filter((c) => c.token === wait.token)).toHaveLength(0);
        h.tokens.timedOut(wait.token);
      }
    }
    expect(tally.acknowledged + tally.escalated).toBe(50);
    // Both sides won some rounds: the race was run, not one order fifty times.
    expect(tally.acknowledged).toBeGreaterThan(0);
    expect(tally.escalated).toBeGreaterThan(0);
  }, 120_000);
});
