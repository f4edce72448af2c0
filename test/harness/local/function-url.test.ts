/**
 * The local function URL behaves as "Invoking Lambda function URLs" describes: the request becomes
 * a payload format 2.0 event (a form's body base64-encoded), the result becomes the HTTP answer
 * (statusCode, headers, cookies; a bare result as JSON), a function error answers 502, and requests
 * beyond the function's reserved concurrency answer 429. The template's `Fn::GetAtt [Url,
 * FunctionUrl]` resolves to it.
 */
import { callbackDefinition, callbackWorkflows } from './callback-workflow';

const bed = callbackWorkflows();

test('a GET becomes a 2.0 event; statusCode, headers and cookies make the answer; the URL is in the environment', async () => {
  const workflow = await bed.create(callbackDefinition());
  const url = workflow.functionUrl!;
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  const res = await fetch(`${url}?case=a%20b&id=x&id=y`, { headers: { 'X-Mixed-Case': 'v', 'Cookie': 'c1=1; c2=2', 'User-Agent': 'crawler/1' } });
  expect(res.status).toBe(201);
  expect(res.headers.get('x-custom')).toBe('yes');
  expect(res.headers.getSetCookie()).toEqual(['a=1; Max-Age=60', 'b=2']);
  const { event, pageUrl } = await res.json() as any;
  expect(pageUrl).toBe(url);
  expect(event).toMatchObject({
    version: '2.0',
    rawPath: '/',
    rawQueryString: 'case=a%20b&id=x&id=y',
    queryStringParameters: { case: 'a b', id: 'x,y' },
    cookies: ['c1=1', 'c2=2'],
    isBase64Encoded: false,
    requestContext: { http: { method: 'GET', path: '/', userAgent: 'crawler/1', sourceIp: '127.0.0.1' } },
  });
  expect(event.headers['x-mixed-case']).toBe('v');
  expect(event.headers.cookie).toBeUndefined();
  expect(event.body).toBeUndefined();
  expect(typeof event.requestContext.requestId).toBe('string');
  expect(typeof event.requestContext.timeEpoch).toBe('number');
});

test("an HTML form's POST arrives base64-encoded; a JSON body as text", async () => {
  const workflow = await bed.create(callbackDefinition());
  const form = await fetch(workflow.functionUrl!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'case=1&id=abc' });
  const { event } = await form.json() as any;
  expect(event).toMatchObject({ isBase64Encoded: true, requestContext: { http: { method: 'POST' } } });
  expect(Buffer.from(event.body, 'base64').toString()).toBe('case=1&id=abc');
  const json = await fetch(workflow.functionUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  expect((await json.json() as any).event).toMatchObject({ isBase64Encoded: false, body: '{"a":1}' });
});

test('a bare result is a 200 JSON answer; a function error answers 502', async () => {
  const workflow = await bed.create(callbackDefinition());
  const bare = await fetch(`${workflow.functionUrl}?bare=string`);
  expect(bare.status).toBe(200);
  expect(bare.headers.get('content-type')).toBe('application/json');
  expect(await bare.text()).toBe('"Hello, world!"');
  const failed = await fetch(`${workflow.functionUrl}?throw=1`);
  expect(failed.status).toBe(502);
  expect(workflow.functionUrls[0].calls.map((c) => c.status)).toEqual([200, 502]);
});

test("beyond the function's reserved concurrency, requests answer 429 (none queued)", async () => {
  const workflow = await bed.create(callbackDefinition(), { reservedConcurrency: 2 });
  // Each request holds an instance for 2 s of AWS time (100 ms real).
  const statuses = await Promise.all([1, 2, 3].map(() => fetch(`${workflow.functionUrl}?sleep=2000`).then((r) => r.status)));
  expect(statuses.sort()).toEqual([201, 201, 429]);
  expect((await fetch(workflow.functionUrl!)).status).toBe(201);
});
