/**
 * Paced sending with acknowledgement on: an escalated round's email has a patience of its own.
 * Escalations come in bursts (cases opened together time out together), so the next round's email
 * meets paced emails waiting for SES as often as a first email does; counted from the execution's
 * start, its patience had run out after one escalateAfter longer than it, and it failed the case
 * (EmailThrottled) where a first email would have waited for its slot.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { emailedCase, escalateInputOf, h, TABLE, useAcknowledgementHandlers } from './acknowledgement-handlers';
import { rejection } from './local-handlers';
import { reserveSendSlot } from '../../src/handlers/send-slots.lambda-shared';
import { CaseErrorName, ENV } from '../../src/shared/contract';
import { SEND_SLOT_COUNTER_KEY } from '../../src/shared/send-pacing';

useAcknowledgementHandlers();

const PATIENCE_SECONDS = 600;

beforeAll(() => {
  process.env[ENV.EMAIL_THROTTLE_PATIENCE_SECONDS] = String(PATIENCE_SECONDS);
  process.env[ENV.EMAIL_SEND_SLOT_SECONDS] = '1';
});

afterAll(() => {
  delete process.env[ENV.EMAIL_THROTTLE_PATIENCE_SECONDS];
  delete process.env[ENV.EMAIL_SEND_SLOT_SECONDS];
});

test('an escalated round\'s email that finds paced emails waiting takes a send slot, although the execution started longer ago than its patience', async () => {
  const { sent } = await emailedCase();
  const escalation = await h.escalate(escalateInputOf(sent));
  // Five paced emails wait for SES (the slot counter is ahead of now).
  await h.direct.send(new DeleteItemCommand({ TableName: TABLE, Key: { caseId: { S: SEND_SLOT_COUNTER_KEY } } }));
  const now = Date.now();
  for (let i = 0; i < 5; i++) await reserveSendSlot(TABLE, now, 1000, now + 3_600_000);
  // The execution started a round's wait (15 minutes) and more before: longer ago than the patience (10 minutes).
  const startedAt = new Date(Date.parse(escalation.case!.assignedAt) - 20 * 60_000).toISOString();
  const error = await rejection(h.sendEmail({ case: escalation.case, executionId: `exec-${sent.caseId}`, startedAt }));
  expect(error.name).toBe(CaseErrorName.EMAIL_SLOT_RESERVED);
  await h.direct.send(new DeleteItemCommand({ TableName: TABLE, Key: { caseId: { S: SEND_SLOT_COUNTER_KEY } } }));
});
