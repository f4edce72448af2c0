/**
 * Fault injection outside the production code: an HTTP proxy in front of a local AWS server
 * that fails a share of requests the way AWS and networks fail.
 *
 * - `throttle`: answered by the proxy with the service's throttling error (never forwarded);
 * - `server-error`: answered with a 500 internal error (never forwarded);
 * - `reset`: the connection is destroyed before the request is forwarded;
 * - `drop-after-write` (DynamoDB writes only): the request IS carried out, then the connection
 *   is destroyed instead of returning the response, so the client cannot know it succeeded;
 * - `reject` (SES, planned only): SES refuses the email for good (`MessageRejected`).
 *
 * Faults come either from a seeded random rate or from an explicit plan (the first N matching
 * requests), so tests are deterministic.
 */
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export type FaultKind = 'throttle' | 'server-error' | 'reset' | 'drop-after-write' | 'reject';
export type Service = 'dynamodb' | 'ses';

export const FAULT_KINDS: Record<Service, FaultKind[]> = {
  dynamodb: ['throttle', 'server-error', 'reset', 'drop-after-write'],
  ses: ['throttle', 'server-error', 'reset'],
};

const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/** Fail the first `count` requests of operation `operation` with `kind`. */
export interface PlannedFault {
  readonly operation: string;
  readonly kind: FaultKind;
  readonly count?: number;
}

export interface FaultProxyOptions {
  readonly service: Service;
  /** The server behind the proxy, e.g. `http://127.0.0.1:4567`. */
  readonly target: string;
  /** Share of requests to fail at random (0..1). */
  readonly rate?: number;
  readonly seed?: number;
  readonly plan?: readonly PlannedFault[];
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Faults injected so far, per kind. */
  readonly injected: Record<FaultKind, number>;
  /** Requests seen, per operation. */
  readonly requests: Record<string, number>;
  /** The body of the last request of each operation. */
  readonly lastBodies: Record<string, string>;
  /** Plans more deterministic faults (the next matching requests fail). */
  inject(fault: PlannedFault): void;
  /** Planned faults not used yet. */
  pending(): number;
  /** Forgets the planned faults not used yet. */
  clearPlan(): void;
  stop(): Promise<void>;
}

/** A small, fast, seedable PRNG (mulberry32): same seed, same sequence. */
/* eslint-disable no-bitwise */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

function operationOf(service: Service, req: IncomingMessage, body: Buffer): string {
  if (service === 'dynamodb') return String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
  return new URLSearchParams(body.toString('utf8')).get('Action') ?? 'Unknown';
}

function answerWithError(service: Service, kind: 'throttle' | 'server-error' | 'reject', res: ServerResponse): void {
  const status = kind === 'server-error' ? 500 : 400;
  if (service === 'dynamodb') {
    const type = kind === 'throttle' ? 'ThrottlingException' : 'InternalServerError';
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault-proxy' });
    res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `injected ${kind}` }));
    return;
  }
  const [type, code] = { 'throttle': ['Sender', 'Throttling'], 'server-error': ['Receiver', 'InternalFailure'], 'reject': ['Sender', 'MessageRejected'] }[kind];
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fault-proxy' });
  res.end(`<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>injected ${kind}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  const plan = (options.plan ?? []).map((p) => ({ ...p, left: p.count ?? 1 }));
  const injected: Record<FaultKind, number> = { 'throttle': 0, 'server-error': 0, 'reset': 0, 'drop-after-write': 0, 'reject': 0 };
  const requests: Record<string, number> = {};
  const lastBodies: Record<string, string> = {};
  const agent = new http.Agent({ keepAlive: true });

  const chooseFault = (operation: string): FaultKind | undefined => {
    const planned = plan.find((p) => p.left > 0 && p.operation === operation);
    if (planned) {
      planned.left--;
      return planned.kind;
    }
    if (!options.rate || random() >= options.rate) return undefined;
    const kinds = FAULT_KINDS[options.service].filter((k) => k !== 'drop-after-write' || DYNAMODB_WRITES.has(operation));
    return kinds[Math.floor(random() * kinds.length)];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = operationOf(options.service, req, body);
      requests[operation] = (requests[operation] ?? 0) + 1;
      lastBodies[operation] = body.toString('utf8');
      const fault = chooseFault(operation);
      if (fault) injected[fault]++;
      if (fault === 'throttle' || fault === 'server-error' || fault === 'reject') {
        answerWithError(options.service, fault, res);
        return;
      }
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }

      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
        (up) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            if (fault === 'drop-after-write') {
              req.socket.destroy();
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

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    requests,
    lastBodies,
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

/** Lambda service errors raised before a handler runs (the ones the state machine retries). */
export const LAMBDA_SERVICE_FAULTS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** A seeded injector of Lambda service faults for LocalWorkflow. */
export function lambdaFaultInjector(rate: number, seed: number): (stateName: string) => string | undefined {
  const random = seededRandom(seed);
  return () => (random() < rate ? LAMBDA_SERVICE_FAULTS[Math.floor(random() * LAMBDA_SERVICE_FAULTS.length)] : undefined);
}
