/**
 * Fault injection outside the production code: an HTTP proxy in front of a local AWS server
 * that fails a share of requests the way AWS and networks fail.
 *
 * - `throttle`: answered by the proxy with the service's throttling error (never forwarded);
 * - `server-error`: answered with a 500 internal error (never forwarded);
 * - `reset`: the connection is destroyed before the request is forwarded;
 * - `lost-answer`: the request IS carried out (a DynamoDB write is applied, SES accepts and
 *   stores the email), then the connection is destroyed instead of returning the answer, so
 *   the client cannot know it succeeded. In the random mix only for writes (DynamoDB
 *   `PutItem`/`UpdateItem`/`DeleteItem`/..., SES `SendEmail`/`SendRawEmail`): a lost read
 *   answer is the same to a client as `reset`. (`drop-after-write` is its former name,
 *   still accepted in plans.)
 * - `no-answer`: the request IS carried out, and the answer never comes: the
 *   connection stays open, silent, until the client gives up (its request timeout, or the
 *   invocation's deadline). In the random mix only with `stalls`: which of the two ends a stall
 *   depends on the real time the invocation has used, so runs of one seed may then differ.
 * - `reject` (SES, planned only): SES refuses the email for good (`MessageRejected`).
 * - `cut-answer`: the request IS carried out, and its answer (2xx, or the server's own 4xx such
 *   as a failed condition) is cut mid-body: the status line and headers arrive, half the body,
 *   then the connection resets. The client has the status but no whole answer.
 * - `cut-refusal`: the proxy answers with the service's throttling error (4xx, the request is
 *   NOT carried out) and cuts that answer mid-body: the client cannot tell it was a refusal.
 *
 * Faults come either from an explicit plan (the first N matching requests, matched by
 * operation and optionally by case id), or from a seeded random rate. A random decision
 * does not consume a shared random sequence in arrival order (concurrency and timing would
 * change it): it is a hash of (seed, service, case id, operation, n-th occurrence of that
 * operation for that case), so the same seed gives the same faults to the same requests
 * whatever the interleaving.
 *
 * An optional SES sending limiter (see `ses-limits.ts`) answers `SendEmail` with SES's
 * throttling errors when the account's sending rate or daily quota is exceeded.
 */
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';
import { hashedRandom } from './seeded-random';
import { answerGetSendQuota, SesSendingLimiter, SesSendQuota } from './ses-limits';
import { requestTagsOfBody } from './ses-tags';
import { caseIdFromMessageTags } from '../src/shared/message-tags';
import { SEND_SLOT_COUNTER_KEY } from '../src/shared/send-pacing';

export type FaultKind = 'throttle' | 'server-error' | 'reset' | 'lost-answer' | 'no-answer' | 'reject' | 'cut-answer' | 'cut-refusal';
/**
 * A planned entry is a fault, or `pass`: let the matching request through (to aim later faults
 * at later requests). `drop-after-write` is the former name of `lost-answer`.
 */
export type PlannedFaultKind = FaultKind | 'drop-after-write' | 'pass';
export type Service = 'dynamodb' | 'ses';

/** The kinds a random fault is drawn from, per service (`lost-answer` only for writes). */
export const FAULT_KINDS: Record<Service, FaultKind[]> = {
  dynamodb: ['throttle', 'server-error', 'reset', 'lost-answer', 'cut-answer', 'cut-refusal'],
  ses: ['throttle', 'server-error', 'reset', 'lost-answer', 'cut-answer', 'cut-refusal'],
};

/** Operations that change something: the only ones a random `lost-answer` hits. */
export const WRITE_OPERATIONS: Record<Service, ReadonlySet<string>> = {
  dynamodb: new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']),
  ses: new Set(['SendEmail', 'SendRawEmail', 'SendTemplatedEmail', 'SendBulkTemplatedEmail']),
};

/** Case key of requests that are about no case (a roster Scan, say). */
export const NO_CASE = '-';

/** Fail the first `count` requests of operation `operation` (and of case `caseId`, if given) with `kind`. */
export interface PlannedFault {
  readonly operation: string;
  readonly kind: PlannedFaultKind;
  readonly count?: number;
  /** Only requests about this case (as `caseIdOf` tells). Default: any request. */
  readonly caseId?: string;
}

/** Tells which case a request is about, from its operation and body; undefined for none. */
export type CaseIdExtractor = (operation: string, body: Buffer) => string | undefined;

export interface FaultProxyOptions {
  readonly service: Service;
  /** The server behind the proxy, e.g. `http://127.0.0.1:4567`. */
  readonly target: string;
  /** Share of requests to fail at random (0..1). */
  readonly rate?: number;
  readonly seed?: number;
  /** Random faults include stalls (`no-answer`). Default false. */
  readonly stalls?: boolean;
  readonly plan?: readonly PlannedFault[];
  /** Case of a request. Default: `dynamodbCaseId` or `sesCaseId` (the case's message tag). */
  readonly caseIdOf?: CaseIdExtractor;
  /** SES only: the account's sending limits (rate, daily quota). Default: none. */
  readonly sesLimiter?: SesSendingLimiter;
  /** SES only: what `GetSendQuota` answers (in the run's scaled time). Default: passed to the server. */
  readonly sesSendQuota?: SesSendQuota;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Faults injected so far, per kind (SES sending-limit refusals are counted by the limiter). */
  readonly injected: Record<FaultKind, number>;
  /** Requests seen, per operation. */
  readonly requests: Record<string, number>;
  /** The body of the last request of each operation. */
  readonly lastBodies: Record<string, string>;
  /**
   * Requests seen per case and operation, and how many of them the proxy refused with a 4xx
   * (a throttle, a rejection or the SES limiter: surely not carried out).
   */
  perCase(caseId: string): Record<string, { requests: number; refused: number }>;
  /** Plans more deterministic faults (the next matching requests fail). */
  inject(fault: PlannedFault): void;
  /** Planned faults not used yet. */
  pending(): number;
  /** Forgets the planned faults not used yet. */
  clearPlan(): void;
  stop(): Promise<void>;
}

/** DynamoDB: `Key.caseId.S` or `Item.caseId.S` of the JSON request. */
export function dynamodbCaseId(_operation: string, body: Buffer): string | undefined {
  try {
    const request = JSON.parse(body.toString('utf8'));
    return request?.Key?.caseId?.S ?? request?.Item?.caseId?.S;
  } catch {
    return undefined;
  }
}

/** The subject the construct's emails have today: `New support case <id> is assigned to you`. */
export const DEFAULT_SUBJECT_CASE_ID = /^New support case (\S+) is assigned to you$/;

/** SES: the case id from the email's subject (SES v1 query form, or SES v2 JSON). */
export function sesCaseIdFromSubject(subjectPattern: RegExp = DEFAULT_SUBJECT_CASE_ID): CaseIdExtractor {
  return (_operation, body) => {
    const text = body.toString('utf8');
    let subject = new URLSearchParams(text).get('Message.Subject.Data') ?? undefined;
    if (subject === undefined && text.startsWith('{')) {
      try {
        subject = JSON.parse(text)?.Content?.Simple?.Subject?.Data;
      } catch {
        subject = undefined;
      }
    }
    return subject === undefined ? undefined : subjectPattern.exec(subject)?.[1];
  };
}

/**
 * SES: the case a request is about, from the message tag that Send Email sets (see
 * src/shared/message-tags.ts); for a request without one, from the default subject.
 */
export function sesCaseId(operation: string, body: Buffer): string | undefined {
  return caseIdFromMessageTags(requestTagsOfBody(body.toString('utf8'))) ?? sesCaseIdFromSubject()(operation, body);
}

function operationOf(service: Service, req: IncomingMessage, body: Buffer): string {
  if (service === 'dynamodb') return String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
  const action = new URLSearchParams(body.toString('utf8')).get('Action');
  if (action) return action;
  // SES v2 (REST): POST /v2/email/outbound-emails is SendEmail.
  return req.url?.startsWith('/v2/email/outbound-emails') ? 'SendEmail' : 'Unknown';
}

function normalizeKind(kind: Exclude<PlannedFaultKind, 'pass'>): FaultKind {
  return kind === 'drop-after-write' ? 'lost-answer' : kind;
}

/** SES's error document (query API), as the SDK parses it. */
export function answerSesError(res: ServerResponse, status: number, type: string, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fault-proxy' });
  res.end(`<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`);
}

/** The proxy's own error answer: status, headers and body. */
function errorAnswer(service: Service, kind: 'throttle' | 'server-error' | 'reject'): { status: number; headers: http.OutgoingHttpHeaders; body: string } {
  const status = kind === 'server-error' ? 500 : 400;
  if (service === 'dynamodb') {
    const type = kind === 'throttle' ? 'ThrottlingException' : 'InternalServerError';
    return {
      status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault-proxy' },
      body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `injected ${kind}` }),
    };
  }
  const [type, code] = { 'throttle': ['Sender', 'Throttling'], 'server-error': ['Receiver', 'InternalFailure'], 'reject': ['Sender', 'MessageRejected'] }[kind];
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'fault-proxy' },
    body: `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>injected ${kind}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
  };
}

function answerWithError(service: Service, kind: 'throttle' | 'server-error' | 'reject', res: ServerResponse): void {
  const { status, headers, body } = errorAnswer(service, kind);
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * Sends the status line, the headers (with the whole body's length) and half the body, then
 * resets the connection: an answer cut mid-body.
 */
function answerCut(
  req: IncomingMessage, res: ServerResponse, status: number, headers: http.IncomingHttpHeaders | http.OutgoingHttpHeaders, body: Buffer,
): void {
  const { 'transfer-encoding': _chunked, 'content-length': _length, ...rest } = headers as Record<string, unknown>;
  res.writeHead(status, { ...rest, 'content-length': String(body.length) } as http.OutgoingHttpHeaders);
  res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => req.socket.destroy());
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const seed = options.seed ?? 1;
  const caseIdOf = options.caseIdOf ?? (options.service === 'dynamodb' ? dynamodbCaseId : sesCaseId);
  type Planned = PlannedFault & { left: number };
  const plan: Planned[] = (options.plan ?? []).map((p) => ({ ...p, left: p.count ?? 1 }));
  const injected: Record<FaultKind, number> = {
    'throttle': 0, 'server-error': 0, 'reset': 0, 'lost-answer': 0, 'no-answer': 0, 'reject': 0, 'cut-answer': 0, 'cut-refusal': 0,
  };
  const requests: Record<string, number> = {};
  /** Occurrences of each (case, operation) so far: the n in a random decision's key. */
  const occurrences = new Map<string, number>();
  const lastBodies: Record<string, string> = {};
  const byCase = new Map<string, Record<string, { requests: number; refused: number }>>();
  const countFor = (caseId: string | undefined, operation: string) => {
    const ops = byCase.get(caseId ?? NO_CASE) ?? {};
    byCase.set(caseId ?? NO_CASE, ops);
    return (ops[operation] ??= { requests: 0, refused: 0 });
  };
  const agent = new http.Agent({ keepAlive: true });

  const chooseFault = (operation: string, caseId: string | undefined): FaultKind | undefined => {
    const planned = plan.find((p) => p.left > 0 && p.operation === operation && (p.caseId === undefined || p.caseId === caseId));
    if (planned) {
      planned.left--;
      return planned.kind === 'pass' ? undefined : normalizeKind(planned.kind);
    }
    if (!options.rate) return undefined;
    // A random fault is keyed by its request's case and occurrence, so that it does not depend on
    // timing. The send-slot counter is every case's: the order of its requests is timing's, so
    // it gets planned faults only.
    if (caseId === SEND_SLOT_COUNTER_KEY) return undefined;
    const caseKey = caseId ?? NO_CASE;
    const occurrenceKey = `${caseKey}\u0000${operation}`;
    const n = (occurrences.get(occurrenceKey) ?? 0) + 1;
    occurrences.set(occurrenceKey, n);
    const key = [options.service, caseKey, operation, n];
    if (hashedRandom(seed, key, 0) >= options.rate) return undefined;
    const mix: FaultKind[] = options.stalls ? [...FAULT_KINDS[options.service], 'no-answer'] : FAULT_KINDS[options.service];
    const kinds = mix.filter((k) => k !== 'lost-answer' || WRITE_OPERATIONS[options.service].has(operation));
    return kinds[Math.floor(hashedRandom(seed, key, 1) * kinds.length)];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = operationOf(options.service, req, body);
      requests[operation] = (requests[operation] ?? 0) + 1;
      lastBodies[operation] = body.toString('utf8');
      const caseId = caseIdOf(operation, body);
      const counts = countFor(caseId, operation);
      counts.requests++;
      if (options.service === 'ses' && operation === 'GetSendQuota' && options.sesSendQuota) {
        answerGetSendQuota(res, options.sesSendQuota, options.sesLimiter?.counts.accepted ?? 0);
        return;
      }
      const fault = chooseFault(operation, caseId);
      if (fault) injected[fault]++;
      if (fault === 'throttle' || fault === 'server-error' || fault === 'reject') {
        if (fault !== 'server-error') counts.refused++;
        answerWithError(options.service, fault, res);
        return;
      }
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault === 'cut-refusal') { // not counted as refused: the client cannot know it was one
        const { status, headers, body: answer } = errorAnswer(options.service, 'throttle');
        answerCut(req, res, status, headers, Buffer.from(answer));
        return;
      }
      // The account's sending limits apply to the requests that reach SES.
      const refusal = options.sesLimiter && WRITE_OPERATIONS.ses.has(operation) ? options.sesLimiter.take() : undefined;
      if (refusal) {
        counts.refused++;
        answerSesError(res, 400, 'Sender', 'Throttling', refusal);
        return;
      }

      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
        (up) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            if (fault === 'lost-answer') {
              req.socket.destroy();
              return;
            }
            if (fault === 'no-answer') return; // the connection stays open and silent
            if (fault === 'cut-answer') {
              answerCut(req, res, up.statusCode ?? 502, up.headers, Buffer.concat(parts));
              return;
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(body);
    });
  });

  const port = await listenOnLoopback(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    requests,
    lastBodies,
    perCase: (caseId) => byCase.get(caseId) ?? {},
    inject: (fault) => plan.push({ ...fault, left: fault.count ?? 1 }),
    pending: () => plan.reduce((n, p) => n + p.left, 0),
    clearPlan: () => plan.splice(0, plan.length),
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
