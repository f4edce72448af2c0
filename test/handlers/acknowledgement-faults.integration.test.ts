/**
 * The acknowledgement's writes when DynamoDB's answer is lost (the SDK writes again, and the
 * condition then fails on our own write) or DynamoDB fails: each handler recognises its own
 * write, and the page changes nothing it cannot tell about.
 */
import { emailedCase, emailsFor, escalateInputOf, h, linksIn, postFor, record, useAcknowledgementHandlers, waitFor } from './acknowledgement-handlers';
import { linkIdHash } from '../../src/handlers/acknowledge-link.lambda-shared';
import { EscalationOutcome } from '../../src/shared/acknowledgement';

useAcknowledgementHandlers({ faults: true });

afterEach(() => {
  expect(h.ddbProxy!.pending()).toBe(0);
});

test('the POST\'s write applied but its answer lost: the page still says acknowledged and ends the wait', async () => {
  const { sent, link } = await emailedCase();
  const wait = await waitFor(sent);
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'lost-answer', caseId: sent.caseId });
  const answer = await h.page(postFor(link));
  expect(answer.body).toContain('<h1>Acknowledged</h1>');
  expect((await wait.outcome).kind).toBe('success');
  expect((await record(sent.caseId))!.status.S).toBe('ACKNOWLEDGED');
});

test('Escalate Case\'s write applied but its answer lost: the same outcome, one escalation on the record', async () => {
  const { sent } = await emailedCase();
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'lost-answer', caseId: sent.caseId });
  const result = await h.escalate(escalateInputOf(sent));
  expect(result.outcome).toBe(EscalationOutcome.ESCALATED);
  const item = (await record(sent.caseId))!;
  expect(item.escalations.L).toHaveLength(1);
  expect(item.employeeId.S).toBe(result.case!.employee.id);
  expect(item.assignedAt.S).toBe(result.case!.assignedAt);
});

test('Send Email\'s claim applied but its answer lost: the link in the email is the one whose hash is on the record', async () => {
  const caseId = `lost-claim-${Date.now()}`;
  const assigned = await h.assignCase(await h.openCase({ inputCaseID: caseId }));
  h.ddbProxy!.inject({ operation: 'UpdateItem', kind: 'lost-answer', caseId });
  await h.sendEmail({ case: assigned, executionId: 'e' });
  const [email] = await emailsFor(caseId);
  const link = linksIn(email.body.text)[0];
  expect((await record(caseId))!.ackIdHashes.SS).toEqual([linkIdHash(link.searchParams.get('id')!)]);
});

test('DynamoDB failing: 503, nothing changed, nothing about the link said', async () => {
  const { sent, link } = await emailedCase();
  const before = JSON.stringify(await record(sent.caseId));
  h.ddbProxy!.inject({ operation: 'GetItem', kind: 'server-error', count: 20, caseId: sent.caseId });
  const answer = await h.page(postFor(link));
  h.ddbProxy!.clearPlan();
  expect(answer.statusCode).toBe(503);
  expect(answer.body).not.toContain(sent.caseId);
  expect(JSON.stringify(await record(sent.caseId))).toBe(before);
});
