/**
 * Task tokens, locally: aws-local-stepfunctions 3.0.0 has no `.waitForTaskToken` and no
 * `$$.Task.Token` (../shared/TOOLCHAIN-NOTES.md), so the harness issues the tokens of its
 * callback Tasks here and answers the Step Functions API calls that end them
 * (`SendTaskSuccess`, `SendTaskFailure`, `SendTaskHeartbeat`, AWS JSON 1.0 on loopback), for
 * the real SDK client in the bundled handlers (`AWS_ENDPOINT_URL_SFN`).
 *
 * As on AWS (Step Functions API reference, SendTaskSuccess): a token whose task timed out
 * answers `TaskTimedOut`; a token that was never issued, or whose task is closed (succeeded,
 * failed), answers `InvalidToken`. A success is accepted once; a repeat finds the task closed.
 */
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { listenOnLoopback, LOOPBACK } from '../loopback';

type Json = any;

/** How a callback Task ended from outside. */
export type TaskOutcome =
  | { readonly kind: 'success'; readonly output: Json }
  | { readonly kind: 'failure'; readonly error?: string; readonly cause?: string };

interface OpenTask {
  readonly stateName: string;
  readonly resolve: (outcome: TaskOutcome) => void;
  lastHeartbeat: number;
}

/** One API call, as the service saw it (tests read them). */
export interface TaskTokenCall {
  readonly action: string;
  readonly token: string;
  /** What the service answered: `ok`, or the error name. */
  readonly answer: string;
}

export class TaskTokens {
  /** Starts the local API on a free loopback port. */
  static async start(): Promise<TaskTokens> {
    const tokens = new TaskTokens();
    await tokens.listen();
    return tokens;
  }

  /** Every call the API answered, in order. */
  readonly calls: TaskTokenCall[] = [];
  private readonly open = new Map<string, OpenTask>();
  /** Tokens whose task is over: why (`TaskTimedOut` or `InvalidToken`). */
  private readonly closed = new Map<string, 'TaskTimedOut' | 'InvalidToken'>();
  private readonly server: Server;
  private port = 0;

  private constructor() {
    this.server = createServer((req, res) => void this.answer(req, res));
  }

  /** The endpoint for `AWS_ENDPOINT_URL_SFN`. */
  get endpoint(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  /**
   * Issues the token of a callback Task that `stateName` starts; `outcome` settles when a
   * SendTaskSuccess or SendTaskFailure ends it. The Task's own timeout is the caller's: it calls
   * `timedOut(token)` then.
   */
  issue(stateName: string): { token: string; outcome: Promise<TaskOutcome> } {
    // Real tokens are long opaque strings (up to 1,024 characters); this one is opaque too.
    const token = `local-${randomBytes(48).toString('base64url')}`;
    let resolve!: (outcome: TaskOutcome) => void;
    const outcome = new Promise<TaskOutcome>((r) => (resolve = r));
    this.open.set(token, { stateName, resolve, lastHeartbeat: Date.now() });
    return { token, outcome };
  }

  /** The Task of `token` timed out (or its execution ended): later calls get `TaskTimedOut`. */
  timedOut(token: string): void {
    if (this.open.delete(token)) this.closed.set(token, 'TaskTimedOut');
  }

  /** Tokens still waiting. */
  get waiting(): number {
    return this.open.size;
  }

  async close(): Promise<void> {
    // The handlers' SDK clients keep their connections alive: close them, or close() waits for them.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    this.port = await listenOnLoopback(this.server);
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
    let body: Json;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      return this.reply(res, action, '', 400, 'SerializationException', 'the body is not JSON');
    }
    const token = typeof body.taskToken === 'string' ? body.taskToken : '';
    if (!['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat'].includes(action)) {
      return this.reply(res, action, token, 400, 'UnknownOperationException', `${action} is not served locally`);
    }
    const task = this.open.get(token);
    if (!task) {
      const why = this.closed.get(token) ?? 'InvalidToken';
      return this.reply(res, action, token, 400, why, why === 'TaskTimedOut' ? 'Task Timed Out' : 'Invalid Token');
    }
    if (action === 'SendTaskHeartbeat') {
      task.lastHeartbeat = Date.now();
      return this.reply(res, action, token, 200);
    }
    if (action === 'SendTaskSuccess') {
      let output: Json;
      try {
        output = JSON.parse(body.output);
      } catch {
        return this.reply(res, action, token, 400, 'InvalidOutput', 'output is not JSON');
      }
      this.settle(token, task, { kind: 'success', output });
    } else {
      this.settle(token, task, { kind: 'failure', error: body.error, cause: body.cause });
    }
    return this.reply(res, action, token, 200);
  }

  private settle(token: string, task: OpenTask, outcome: TaskOutcome): void {
    this.open.delete(token);
    this.closed.set(token, 'InvalidToken');
    task.resolve(outcome);
  }

  private reply(res: ServerResponse, action: string, token: string, status: number, error?: string, message?: string): void {
    this.calls.push({ action, token, answer: error ?? 'ok' });
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(error ? { __type: `com.amazonaws.swf.service.v2.model#${error}`, message } : {}));
  }
}
