/**
 * Send Email with acknowledgement on, against the local servers: the link's hash (never the id)
 * is on the record in the claim's own write, a counted resend adds its own and both links work,
 * and no log line carries a link id or a task token. The metrics of the acknowledgement.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { emailedCase, emailsFor, ESCALATE_AFTER_SECONDS, getEvent, h, linksIn, postFor, record, TABLE, useAcknowledgementHandlers, waitFor } from './acknowledgement-handlers';
import { linkIdHash } from '../../src/handlers/acknowledge-link.lambda-shared';
import { ENV, METRIC_NAMES } from '../../src/shared/contract';

useAcknowledgementHandlers();

/** Runs `fn` with every log and metric line captured (LOG_LEVEL DEBUG). */
async function captured<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const saved = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'DEBUG';
  const collect = ((chunk: string) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as any;
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(collect);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(collect);
  try {
    return { result: await fn(), lines };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.env.LOG_LEVEL = saved;
  }
}

describe('Send Email with acknowledgement on', () => {
  test('the claim write stores the link id\'s hash, the expiry and the round; the email has the link', async () => {
    const startedAt = Math.floor(Date.now() / 1000);
    const { sent, link } = await emailedCase();
    expect(link.searchParams.get('case')).toBe(sent.caseId);
    const id = link.searchParams.get('id')!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const item = (await record(sent.caseId))!;
    expect(item.ackIdHashes).toEqual({ SS: [linkIdHash(id)] });
    expect(item.ackRound).toEqual({ N: '1' });
    const expiry = Number(item.ackLinkExpiresAt.N);
    expect(expiry).toBeGreaterThanOrEqual(startedAt + ESCALATE_AFTER_SECONDS + 900);
    expect(expiry).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + ESCALATE_AFTER_SECONDS + 900);
    expect(JSON.stringify(item)).not.toContain(id);
    const [email] = await emailsFor(sent.caseId);
    expect(email.body.text).toContain(`Acknowledge the case: ${link.href}`);
    expect(email.body.html).toContain(`<a href="${link.href.replace(/&/g, '&#38;')}" target="_blank" rel="noopener noreferrer">Acknowledge the case</a>`);
    expect(email.body.text).not.toContain('Escalated from');
  });

  test('a counted resend adds a second hash; both links work', async () => {
    const { sent, assigned, link } = await emailedCase();
    await h.direct.send(new UpdateItemCommand({
      TableName: TABLE,
      Key: { caseId: { S: sent.caseId } },
      UpdateExpression: 'SET emailStatus = :u',
      ExpressionAttributeValues: { ':u': { S: 'UNCERTAIN' } },
    }));
    await h.sendEmail({ case: assigned, executionId: `exec-${sent.caseId}` });
    const emails = await emailsFor(sent.caseId);
    expect(emails).toHaveLength(2);
    const second = linksIn(emails[1].body.text)[0];
    expect(second.href).not.toBe(link.href);
    const item = (await record(sent.caseId))!;
    expect([...item.ackIdHashes.SS].sort()).toEqual([linkIdHash(link.searchParams.get('id')!), linkIdHash(second.searchParams.get('id')!)].sort());
    expect(item.emailAmbiguousResends).toEqual({ N: '1' });
    for (const l of [link, second]) expect((await h.page(getEvent(l.search.slice(1)))).statusCode).toBe(200);
    expect((await h.page(postFor(second))).body).toContain('<h1>Acknowledged</h1>');
  });

  test('a takeover of an abandoned claim adds its own hash too', async () => {
    const { sent, assigned, link } = await emailedCase();
    await h.direct.send(new UpdateItemCommand({
      TableName: TABLE,
      Key: { caseId: { S: sent.caseId } },
      UpdateExpression: 'SET emailStatus = :s, emailAttemptId = :dead, emailClaimedAt = :long_ago',
      ExpressionAttributeValues: { ':s': { S: 'SENDING' }, ':dead': { S: 'dead-attempt' }, ':long_ago': { S: new Date(0).toISOString() } },
    }));
    await h.sendEmail({ case: assigned, executionId: 'another-execution' });
    const emails = await emailsFor(sent.caseId);
    const taken = linksIn(emails[emails.length - 1].body.text)[0];
    const item = (await record(sent.caseId))!;
    expect(item.emailTakeovers).toEqual({ N: '1' });
    expect(item.ackIdHashes.SS).toHaveLength(2);
    expect(item.ackIdHashes.SS).toContain(linkIdHash(taken.searchParams.get('id')!));
    expect(item.ackIdHashes.SS).toContain(linkIdHash(link.searchParams.get('id')!));
  });
});

test('without ACK_PAGE_URL (acknowledgement off): no link in the email, no acknowledgement attribute written', async () => {
  const saved = process.env[ENV.ACK_PAGE_URL];
  delete process.env[ENV.ACK_PAGE_URL];
  try {
    const caseId = `off-${Date.now()}`;
    const assigned = await h.assignCase(await h.openCase({ inputCaseID: caseId }));
    await h.sendEmail({ case: assigned, executionId: 'e' });
    const item = (await record(caseId))!;
    expect(Object.keys(item).filter((k) => k.startsWith('ack') || k.startsWith('acknowledged'))).toEqual([]);
    const [email] = await emailsFor(caseId);
    expect(email.body.text).not.toMatch(/Acknowledge|ack\.example/);
    expect(email.body.html).not.toMatch(/Acknowledge|ack\.example/);
  } finally {
    process.env[ENV.ACK_PAGE_URL] = saved;
  }
});

describe('logs and metrics', () => {
  test('no line carries a link id or a task token; the acknowledgement\'s metrics are emitted', async () => {
    const { result, lines } = await captured(async () => {
      const { sent, link } = await emailedCase();
      const wait = await waitFor(sent);
      await h.page(getEvent(link.search.slice(1)));
      await h.page(postFor(link));
      await h.page(postFor(link));
      return { id: link.searchParams.get('id')!, token: wait.token };
    });
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line).not.toContain(result.id);
      expect(line).not.toContain(result.token);
    }
    const metrics = lines.map((l) => JSON.parse(l)).filter((l) => l._aws);
    const named = (name: string) => metrics.filter((m) => m[name] !== undefined);
    expect(named(METRIC_NAMES.CASES_ACKNOWLEDGED)).toHaveLength(1);
    const time = named(METRIC_NAMES.TIME_TO_ACKNOWLEDGE);
    expect(time).toHaveLength(1);
    expect(time[0]._aws.CloudWatchMetrics[0].Metrics[0]).toEqual({ Name: METRIC_NAMES.TIME_TO_ACKNOWLEDGE, Unit: 'Milliseconds' });
    expect(time[0][METRIC_NAMES.TIME_TO_ACKNOWLEDGE]).toBeGreaterThanOrEqual(0);
    expect(named(METRIC_NAMES.ACKNOWLEDGED_WITHIN_SLA).map((m) => m[METRIC_NAMES.ACKNOWLEDGED_WITHIN_SLA])).toEqual([1]);
    for (const m of metrics) expect(m.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  test('escalation and the end of the rounds are counted', async () => {
    const { lines } = await captured(async () => {
      const { sent } = await emailedCase();
      let c = (await h.escalate({ caseId: sent.caseId, employeeId: sent.employee.id, assignedAt: sent.assignedAt })).case!;
      await h.sendEmail({ case: c, executionId: 'x' });
      c = (await h.escalate({ caseId: c.caseId, employeeId: c.employee.id, assignedAt: c.assignedAt })).case!;
      await h.sendEmail({ case: c, executionId: 'x' });
      await h.escalate({ caseId: c.caseId, employeeId: c.employee.id, assignedAt: c.assignedAt });
    });
    const metrics = lines.map((l) => JSON.parse(l)).filter((l) => l._aws);
    expect(metrics.filter((m) => m[METRIC_NAMES.CASES_ESCALATED] !== undefined)).toHaveLength(2);
    expect(metrics.filter((m) => m[METRIC_NAMES.CASES_UNACKNOWLEDGED] !== undefined)).toHaveLength(1);
  });
});
