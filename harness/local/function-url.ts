/**
 * A Lambda function URL (`AWS::Lambda::Url`, AuthType NONE), locally: an HTTP server on loopback
 * that turns each request into the function URL event (payload format version 2.0), invokes the
 * function through the Lambda binding (each request its own invocation: faults, the function's
 * timeout, its reserved concurrency and the account's) and turns the result into the HTTP answer,
 * as "Invoking Lambda function URLs" describes
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html):
 *  - the event: `version` 2.0, `routeKey` `$default`, `rawPath`, `rawQueryString`,
 *    `queryStringParameters` (repeated keys joined by commas; absent with no query), `cookies`,
 *    `headers` (lower-cased names, repeated ones joined by commas), `requestContext` (`http`:
 *    method, path, protocol, sourceIp, userAgent; `requestId`, `time`, `timeEpoch`, `domainName`,
 *    `domainPrefix`, `accountId`, `apiId`), `body` and `isBase64Encoded`. A body whose content
 *    type is not `text/*` or `application/json` (an HTML form's
 *    `application/x-www-form-urlencoded` included) arrives base64-encoded, as AWS's own
 *    introduction to function URLs shows;
 *  - the answer: a result with `statusCode` gives its status, `headers`, `cookies` (as
 *    `set-cookie` headers) and `body` (decoded when `isBase64Encoded`); any other result is a 200
 *    `application/json` answer whose body is the result as JSON;
 *  - beyond the function's reserved concurrency (or the account's), the answer is HTTP 429
 *    (https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-throttling);
 *  - a function error (or Lambda failing the invocation) answers 502.
 * The URL has AWS's shape's trailing slash (`https://<url-id>.lambda-url.<region>.on.aws/`), on
 * loopback and plain HTTP.
 */
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { BoundTask } from './lambda-binding';
import { listenOnLoopback, LOOPBACK } from '../loopback';
import { REGION } from '../template-resolver';

type Json = any;

/** Request bodies of these content types reach the function as text; others base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type.startsWith('text/') || type === 'application/json';
}

/** The function URL event of a request (payload format version 2.0). */
export function functionUrlEvent(req: IncomingMessage, body: Buffer, urlId: string, requestId: string, now = new Date()): Json {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    if (name === 'cookie') continue;
    headers[name] = name in headers ? `${headers[name]},${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const cookies = (req.headers.cookie ?? '').split(';').map((c) => c.trim()).filter((c) => c !== '');
  const domainName = `${urlId}.lambda-url.${REGION}.on.aws`;
  const text = isTextContentType(req.headers['content-type']);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(url.search.length > 1 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: urlId,
      domainName,
      domainPrefix: urlId,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? LOOPBACK,
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

/** The HTTP answer of a function's result. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** The HTTP answer Lambda makes of a function's result. */
export function answerOfResult(result: Json): HttpAnswer {
  if (result && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result) {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries<Json>(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (Array.isArray(result.cookies) && result.cookies.length > 0) headers['set-cookie'] = result.cookies.map(String);
    const raw = result.body === undefined || result.body === null ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
    return { status: Number(result.statusCode), headers, body: Buffer.from(raw, result.isBase64Encoded ? 'base64' : 'utf8') };
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(result ?? null)) };
}

/** What Lambda answers when the invocation failed. */
export function answerOfError(err: unknown): HttpAnswer {
  const throttled = (err as Error)?.name === 'Lambda.TooManyRequestsException';
  return {
    status: throttled ? 429 : 502,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ Message: throttled ? 'Rate Exceeded.' : 'Internal Server Error' })),
  };
}

/** Calls made to a local function URL (tests read them). */
export interface FunctionUrlCall {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export class LocalFunctionUrl {
  /** Starts listening on a free loopback port (the URL is known before the function is bound). */
  static async start(logicalId: string): Promise<LocalFunctionUrl> {
    const url = new LocalFunctionUrl(logicalId);
    url.port = await listenOnLoopback(url.server);
    url.server.unref();
    return url;
  }

  readonly calls: FunctionUrlCall[] = [];
  private readonly server: Server;
  private port = 0;
  private invoke?: BoundTask;
  private requests = 0;
  /** The id in AWS's URL (`<url-id>.lambda-url...`): here, from the resource's logical id. */
  private readonly urlId: string;

  private constructor(readonly logicalId: string) {
    this.urlId = logicalId.toLowerCase().replace(/[^a-z0-9]/g, '');
    this.server = createServer((req, res) => void this.answer(req, res));
  }

  /** The function URL, with a trailing slash as AWS gives it. */
  get url(): string {
    return `http://${LOOPBACK}:${this.port}/`;
  }

  /** The function the URL invokes (through the Lambda binding). */
  bind(invoke: BoundTask): void {
    this.invoke = invoke;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const requestId = randomUUID();
    let answer: HttpAnswer;
    if (!this.invoke) {
      answer = answerOfError(new Error('no function bound'));
    } else {
      const event = functionUrlEvent(req, Buffer.concat(chunks), this.urlId, requestId);
      try {
        answer = answerOfResult(await this.invoke(event, { execution: `url-${this.logicalId}-${++this.requests}`, attempt: 1 }));
      } catch (err) {
        answer = answerOfError(err);
      }
    }
    this.calls.push({ method: req.method ?? 'GET', path: req.url ?? '/', status: answer.status });
    res.writeHead(answer.status, { ...answer.headers, 'x-amzn-requestid': requestId, 'content-length': answer.body.length });
    res.end(answer.body);
  }
}
