/**
 * The handlers with acknowledgement on, wired to fresh local servers: dynalite, aws-ses-v2-local
 * and the local task-token service (harness/local/task-tokens.ts, for SendTaskSuccess through the
 * real SFN client). A test file calls `useAcknowledgementHandlers()` once, then uses `h`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createCaseTable } from './local-handlers';
import { FaultProxy, startFaultProxy } from '../../harness/fault-proxy';
import { TaskOutcome, TaskTokens } from '../../harness/local/task-tokens';
import { LocalAws, startLocalAws } from '../../harness/local-aws';
import type { FunctionUrlEvent, FunctionUrlResponse } from '../../src/handlers/acknowledge-page.lambda-shared';
import type { EscalationResult } from '../../src/shared/acknowledgement';
import { AssignedCase, CaseResult, CONFIG_FILES, ENV, OpenedCase, RECORD_SENT, RosterEmployee, SentEmail, STATE_NAMES } from '../../src/shared/contract';

export const TABLE = 'cases';
export const PAGE_URL = 'https://ack.example.test/';
export const ESCALATE_AFTER_SECONDS = 900;
export const MAX_ROUNDS = 3;
export const ROSTER: RosterEmployee[] = [
  { id: 'e1', name: 'Ana', email: 'ana@example.com' },
  { id: 'e2', name: 'Bo', email: 'bo@example.com' },
  { id: 'e3', name: 'Cy', email: 'cy@example.com' },
  { id: 'e4', name: 'Di', email: 'di@example.com' },
];

type Handler<T> = (event: any) => Promise<T>;

export interface AckHarness {
  aws: LocalAws;
  /** In front of dynalite, with `useAcknowledgementHandlers({ faults: true })`. */
  ddbProxy?: FaultProxy;
  /** In front of the SES server, with `useAcknowledgementHandlers({ sesFaults: true })`. */
  sesProxy?: FaultProxy;
  tokens: TaskTokens;
  direct: DynamoDBClient;
  configDir: string;
  openCase: Handler<OpenedCase>;
  assignCase: Handler<AssignedCase>;
  sendEmail: Handler<CaseResult>;
  awaitAck: Handler<void>;
  escalate: Handler<EscalationResult>;
  page: Handler<FunctionUrlResponse>;
}

export const h = {} as AckHarness;

/**
 * Starts the servers and loads the handlers; `faults`: the handlers reach DynamoDB through a fault
 * proxy (`h.ddbProxy`); `sesFaults`: SES through one (`h.sesProxy`).
 */
export function useAcknowledgementHandlers(options: { faults?: boolean; sesFaults?: boolean } = {}): void {
  beforeAll(async () => {
    h.aws = await startLocalAws();
    h.ddbProxy = options.faults ? await startFaultProxy({ service: 'dynamodb', target: h.aws.dynamodbEndpoint }) : undefined;
    h.sesProxy = options.sesFaults ? await startFaultProxy({ service: 'ses', target: h.aws.sesEndpoint }) : undefined;
    h.tokens = await TaskTokens.start();
    h.configDir = mkdtempSync(join(tmpdir(), 'support-case-ack-config-'));
    writeFileSync(join(h.configDir, CONFIG_FILES.ASSIGN_CASE), JSON.stringify({ roster: ROSTER }));
    Object.assign(process.env, h.aws.sdkEnv({ dynamodb: h.ddbProxy?.endpoint, ses: h.sesProxy?.endpoint }), {
      AWS_ENDPOINT_URL_SFN: h.tokens.endpoint,
      [ENV.TABLE_NAME]: TABLE,
      [ENV.CONFIG_DIR]: h.configDir,
      [ENV.SENDER_EMAIL]: 'support@example.com',
      [ENV.EMAIL_LEASE_SECONDS]: '60',
      [ENV.ACK_PAGE_URL]: PAGE_URL,
      [ENV.ACK_ESCALATE_AFTER_SECONDS]: String(ESCALATE_AFTER_SECONDS),
      [ENV.ACK_LINK_TTL_SECONDS]: String(ESCALATE_AFTER_SECONDS + 900),
      [ENV.ACK_MAX_ROUNDS]: String(MAX_ROUNDS),
      LOG_LEVEL: 'OFF',
    });
    h.direct = new DynamoDBClient({ endpoint: h.aws.dynamodbEndpoint });
    await createCaseTable(h.direct, TABLE);
    /* eslint-disable @typescript-eslint/no-require-imports */
    h.openCase = require('../../src/handlers/open-case.lambda').handler;
    h.assignCase = require('../../src/handlers/assign-case.lambda').handler;
    h.sendEmail = require('../../src/handlers/send-email.lambda').handler;
    h.awaitAck = require('../../src/handlers/await-acknowledgement.lambda').handler;
    h.escalate = require('../../src/handlers/escalate-case.lambda').handler;
    h.page = require('../../src/handlers/acknowledge-page.lambda').handler;
    /* eslint-enable @typescript-eslint/no-require-imports */
  });

  afterAll(async () => {
    h.direct?.destroy();
    await h.tokens?.close();
    await h.ddbProxy?.stop();
    await h.sesProxy?.stop();
    await h.aws?.stop();
    rmSync(h.configDir, { recursive: true, force: true });
  });
}

/** The state machine's Record Sent Email write (the same as the handler's), straight to the table. */
export async function recordSentEmail(sent: SentEmail): Promise<void> {
  await h.direct.send(new UpdateItemCommand({
    TableName: TABLE,
    Key: { caseId: { S: sent.caseId } },
    UpdateExpression: RECORD_SENT.updateExpression,
    ConditionExpression: RECORD_SENT.conditionExpression,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':sent': { S: 'SENT' },
      ':emailed': { S: 'EMAILED' },
      ':sending': { S: 'SENDING' },
      ':attempt': { S: sent.attemptId },
      ':mid': { S: sent.messageId },
      ':at': { S: sent.emailedAt },
      ':resends': { N: sent.emailAmbiguousResends },
    },
  }));
}

/** The case record as stored (DynamoDB JSON). */
export async function record(caseId: string): Promise<Record<string, any> | undefined> {
  return (await h.direct.send(new GetItemCommand({ TableName: TABLE, Key: { caseId: { S: caseId } }, ConsistentRead: true }))).Item;
}

export async function emailsFor(caseId: string) {
  return (await h.aws.emails()).filter((e) => e.subject.includes(` ${caseId} `));
}

/** The acknowledge links in an email's text body. */
export function linksIn(text: string | undefined): URL[] {
  return [...(text ?? '').matchAll(/https:\/\/ack\.example\.test\/\?\S+/g)].map((m) => new URL(m[0]));
}

let seq = 0;
export function nextCaseId(prefix = 'ack'): string {
  return `${prefix}-${++seq}-${Date.now()}`;
}

/** A case opened, assigned and emailed by the handlers: its Send Email output and the email's link. */
export async function emailedCase(caseId = nextCaseId()): Promise<{ sent: CaseResult; assigned: AssignedCase; link: URL }> {
  const assigned = await h.assignCase(await h.openCase({ inputCaseID: caseId, details: { title: 'Printer <on> fire', priority: 'P1' } }));
  const sent = await h.sendEmail({ case: assigned, executionId: `exec-${caseId}` });
  const emails = await emailsFor(caseId);
  const link = linksIn(emails[emails.length - 1].body.text)[0];
  return { sent, assigned, link };
}

/** Wait For Acknowledgement for the round of `c`: the token it stored and the wait's outcome. */
export async function waitFor(c: { caseId: string; assignedAt: string }): Promise<{ token: string; outcome: Promise<TaskOutcome> }> {
  const issued = h.tokens.issue(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT);
  await h.awaitAck({ caseId: c.caseId, assignedAt: c.assignedAt, taskToken: issued.token });
  return issued;
}

/** A function URL event (payload format 2.0). */
export function getEvent(query: string): FunctionUrlEvent {
  return { requestContext: { http: { method: 'GET' } }, rawQueryString: query, headers: {} };
}

export function postEvent(fields: Record<string, string> | string, base64 = false): FunctionUrlEvent {
  const body = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
  return {
    requestContext: { http: { method: 'POST' } },
    rawQueryString: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: base64,
  };
}

/** The POST the page's form makes for a link. */
export function postFor(link: URL, base64 = false): FunctionUrlEvent {
  return postEvent({ case: link.searchParams.get('case')!, id: link.searchParams.get('id')! }, base64);
}

/** Escalate Case's input for the round of `c` (as the state machine builds it from Send Email's output). */
export function escalateInputOf(c: { caseId: string; employee: { id: string }; assignedAt: string }) {
  return { caseId: c.caseId, employeeId: c.employee.id, assignedAt: c.assignedAt };
}
