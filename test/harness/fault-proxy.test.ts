/**
 * The fault proxy's seeded decisions do not depend on arrival order, planned faults can aim at
 * one case, lost answers reach the server, and SES's sending limits answer SES's errors.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { FaultProxy, sesCaseId, sesCaseIdFromSubject, startFaultProxy } from '../../harness/fault-proxy';
import { SES_DAILY_QUOTA_EXCEEDED, SES_RATE_EXCEEDED, sesSendingLimiter } from '../../harness/ses-limits';
import { caseIdFromMessageTags, caseIdMessageTags } from '../../src/shared/message-tags';

let upstream: http.Server;
let target: string;
let received: string[];
beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push(body);
      if (body.startsWith('Action=SendEmail')) {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<SendEmailResponse><SendEmailResult><MessageId>m-1</MessageId></SendEmailResult></SendEmailResponse>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
beforeEach(() => {
  received = [];
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

/** What the client saw: a status code, or `lost` when the connection was destroyed. */
async function call(proxy: FaultProxy, operation: string, caseId: string): Promise<string> {
  const body = operation === 'PutItem' ? { TableName: 't', Item: { caseId: { S: caseId } } } : { TableName: 't', Key: { caseId: { S: caseId } } };
  try {
    const res = await fetch(proxy.endpoint, {
      method: 'POST', headers: { 'x-amz-target': `DynamoDB_20120810.${operation}`, 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(body),
    });
    await res.text();
    return String(res.status);
  } catch {
    return 'lost';
  }
}

test('the same seed fails the same requests, whatever order they arrive in', async () => {
  const cases = Array.from({ length: 40 }, (_, i) => `c${i}`);
  const decide = async (order: string[]) => {
    const proxy = await startFaultProxy({ service: 'dynamodb', target, rate: 0.5, seed: 42 });
    const seen: Record<string, string[]> = {};
    try {
      for (const id of order) for (const op of ['GetItem', 'PutItem', 'GetItem']) (seen[id] ??= []).push(`${op}:${await call(proxy, op, id)}`);
      return { seen, injected: { ...proxy.injected } };
    } finally {
      await proxy.stop();
    }
  };
  const forward = await decide(cases);
  const backward = await decide([...cases].reverse());
  expect(backward).toEqual(forward);
  const outcomes = Object.values(forward.seen).flat();
  expect(outcomes.filter((o) => o.endsWith(':200')).length).toBeGreaterThan(20);
  expect(outcomes.filter((o) => !o.endsWith(':200')).length).toBeGreaterThan(20);
  const other = await (async () => {
    const proxy = await startFaultProxy({ service: 'dynamodb', target, rate: 0.5, seed: 43 });
    try {
      const list: string[] = [];
      for (const id of cases) list.push(await call(proxy, 'GetItem', id));
      return list;
    } finally {
      await proxy.stop();
    }
  })();
  expect(other).not.toEqual(Object.values(forward.seen).map((l) => l[0].split(':')[1]));
});

test('random lost answers hit writes only', async () => {
  const proxy = await startFaultProxy({ service: 'dynamodb', target, rate: 0.99, seed: 3 });
  try {
    for (let i = 0; i < 40; i++) await call(proxy, 'GetItem', `r${i}`);
    expect(proxy.injected['lost-answer']).toBe(0);
    for (let i = 0; i < 40; i++) await call(proxy, 'PutItem', `w${i}`);
    expect(proxy.injected['lost-answer']).toBeGreaterThan(0);
  } finally {
    await proxy.stop();
  }
});

test('a planned fault can aim at one case; a lost answer reaches the server', async () => {
  const proxy = await startFaultProxy({ service: 'dynamodb', target, plan: [{ operation: 'PutItem', kind: 'lost-answer', caseId: 'b' }] });
  try {
    expect(await call(proxy, 'PutItem', 'a')).toBe('200');
    expect(await call(proxy, 'GetItem', 'b')).toBe('200');
    expect(await call(proxy, 'PutItem', 'b')).toBe('lost');
    expect(await call(proxy, 'PutItem', 'b')).toBe('200');
    expect(received.filter((r) => r.includes('"Item"') && r.includes('"b"'))).toHaveLength(2);
    expect(proxy.injected['lost-answer']).toBe(1);
    expect(proxy.pending()).toBe(0);
  } finally {
    await proxy.stop();
  }
});

test('by default the SES case id comes from the message tag Send Email sets, else the default subject', () => {
  const tagged = (caseId: string, subject: string) => Buffer.from(new URLSearchParams({
    'Action': 'SendEmail', 'Message.Subject.Data': subject, 'Tags.member.1.Name': caseIdMessageTags(caseId)[0].Name, 'Tags.member.1.Value': caseIdMessageTags(caseId)[0].Value,
  }).toString());
  expect(sesCaseId('SendEmail', tagged('042', 'Anything'))).toBe('042');
  expect(sesCaseId('SendEmail', tagged('v1.2', 'New support case 7 is assigned to you'))).toBe('v1.2');
  expect(sesCaseId('SendEmail', Buffer.from('Action=SendEmail&Message.Subject.Data=New+support+case+9+is+assigned+to+you'))).toBe('9');
});

test('a case id goes in a message tag as it is, or base64url-encoded when it holds a "." (outside the tag alphabet)', () => {
  expect(caseIdMessageTags('Case_01-a')).toEqual([{ Name: 'caseId', Value: 'Case_01-a' }]);
  const [dotted] = caseIdMessageTags('2026.12.03-7');
  expect(dotted.Name).toBe('caseIdBase64url');
  expect(dotted.Value).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(caseIdFromMessageTags([dotted])).toBe('2026.12.03-7');
  expect(caseIdFromMessageTags([{ Name: 'other', Value: 'x' }])).toBeUndefined();
});

test('the SES case id comes from the subject (a proxy option)', () => {
  const body = (subject: string) => Buffer.from(new URLSearchParams({ 'Action': 'SendEmail', 'Message.Subject.Data': subject }).toString());
  expect(sesCaseIdFromSubject()('SendEmail', body('New support case 042 is assigned to you'))).toBe('042');
  expect(sesCaseIdFromSubject(/^Case (\S+)$/)('SendEmail', body('Case 7'))).toBe('7');
  expect(sesCaseIdFromSubject()('SendEmail', body('Hello'))).toBeUndefined();
});

describe('SES sending limits', () => {
  test('a token bucket at R per second of AWS time: R × timeScale per real second', () => {
    let now = 0;
    const limiter = sesSendingLimiter({ ratePerSecond: 14, timeScale: 20, now: () => now });
    const burst = Array.from({ length: 20 }, () => limiter.take());
    expect(burst.filter((r) => r === undefined)).toHaveLength(14);
    expect(burst.filter((r) => r === SES_RATE_EXCEEDED)).toHaveLength(6);
    now += 1000 / 280; // one email's worth of real time at 14 × 20 per second
    expect(limiter.take()).toBeUndefined();
    expect(limiter.take()).toBe(SES_RATE_EXCEEDED);
    now += 1000; // a full real second refills the bucket only up to one AWS second's worth
    expect(Array.from({ length: 20 }, () => limiter.take()).filter((r) => r === undefined)).toHaveLength(14);
    expect(limiter.counts).toEqual({ accepted: 29, rateRefused: 13, quotaRefused: 0 });
  });

  test("SES's own errors reach the SDK: Throttling with the rate's or the daily quota's message", async () => {
    const limiter = sesSendingLimiter({ ratePerSecond: 1, dailyQuota: 2, timeScale: 1 });
    const proxy = await startFaultProxy({ service: 'ses', target, sesLimiter: limiter });
    const ses = new SESClient({ endpoint: proxy.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const send = () => ses.send(new SendEmailCommand({
      Source: 'a@example.com',
      Destination: { ToAddresses: ['b@example.com'] },
      Message: { Subject: { Data: 'New support case 1 is assigned to you' }, Body: { Text: { Data: 'x' } } },
    })).then(() => 'sent', (err: Error) => `${err.name}: ${err.message}`);
    try {
      expect(await send()).toBe('sent');
      expect(await send()).toBe(`Throttling: ${SES_RATE_EXCEEDED}`);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await send()).toBe('sent');
      expect(await send()).toBe(`Throttling: ${SES_DAILY_QUOTA_EXCEEDED}`);
      expect(limiter.counts).toEqual({ accepted: 2, rateRefused: 1, quotaRefused: 1 });
    } finally {
      ses.destroy();
      await proxy.stop();
    }
  });
});

test('stalls (carried out, never answered) join the random faults only when asked', async () => {
  const stalled = async (stalls: boolean) => {
    const proxy = await startFaultProxy({ service: 'dynamodb', target, rate: 0.99, seed: 3, stalls });
    try {
      // A stalled request never answers: the client gives up (its own timeout).
      const aborted = AbortSignal.timeout(200);
      await Promise.all(Array.from({ length: 30 }, (_, i) => fetch(proxy.endpoint, {
        method: 'POST',
        headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem', 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify({ TableName: 't', Key: { caseId: { S: `s${i}` } } }),
        signal: aborted,
      }).then((res) => res.text()).catch(() => 'lost')));
      return proxy.injected['no-answer'];
    } finally {
      await proxy.stop();
    }
  };
  expect(await stalled(false)).toBe(0);
  expect(await stalled(true)).toBeGreaterThan(0);
});
