/**
 * The three handlers against real local servers (dynalite, aws-ses-v2-local) through the real
 * AWS SDK v3 clients, with a fault proxy in front of each server for the faults the servers
 * cannot produce on their own. A test file calls `useFaultyHandlers()` once, then uses the
 * bindings below (set before its first test). Without fault proxies: local-handlers.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createCaseTable } from './local-handlers';
import { FaultProxy, startFaultProxy } from '../../harness/fault-proxy';
import { LocalAws, startLocalAws } from '../../harness/local-aws';
import { CaseErrorName, CaseResult, AssignedCase, CONFIG_FILES, ENV, OpenedCase, RosterEmployee } from '../../src/shared/contract';

export { rejection } from './local-handlers';

export const TABLE = 'cases';
export const SENDER = 'support@example.com';
export const ROSTER: RosterEmployee[] = [
  { id: 'e1', name: 'Ana', email: 'ana@example.com' },
  { id: 'e2', name: 'Bo', email: 'bo@example.com' },
  { id: 'e3', name: 'Cy', email: 'cy@example.com' },
];

type Handler<T> = (event: unknown) => Promise<T>;
export let aws: LocalAws;
export let ddbProxy: FaultProxy;
export let sesProxy: FaultProxy;
export let direct: DynamoDBClient;
export let openCase: Handler<OpenedCase>;
export let assignCase: Handler<AssignedCase>;
export let sendEmail: Handler<CaseResult>;

export function useFaultyHandlers(): void {
  beforeAll(async () => {
    aws = await startLocalAws();
    ddbProxy = await startFaultProxy({ service: 'dynamodb', target: aws.dynamodbEndpoint });
    sesProxy = await startFaultProxy({ service: 'ses', target: aws.sesEndpoint });
    // Assign Case's configuration file, as its layer gives it on Lambda.
    const configDir = mkdtempSync(join(tmpdir(), 'support-case-config-'));
    writeFileSync(join(configDir, CONFIG_FILES.ASSIGN_CASE), JSON.stringify({ roster: ROSTER }));
    Object.assign(process.env, aws.sdkEnv({ dynamodb: ddbProxy.endpoint, ses: sesProxy.endpoint }), {
      [ENV.TABLE_NAME]: TABLE,
      [ENV.CONFIG_DIR]: configDir,
      [ENV.SENDER_EMAIL]: SENDER,
      [ENV.EMAIL_LEASE_SECONDS]: '60',
      // Send slots 1 ms apart: a throttle's slot is past before the next test (pacing: send-slots.integration.test.ts).
      [ENV.EMAIL_SEND_SLOT_SECONDS]: '0.001',
      [ENV.EMAIL_THROTTLE_PATIENCE_SECONDS]: '3600',
      LOG_LEVEL: 'OFF',
    });
    direct = new DynamoDBClient({ endpoint: aws.dynamodbEndpoint });
    await createCaseTable(direct, TABLE);
    // Imported after the environment is set: the handlers build their clients at module load.
    /* eslint-disable @typescript-eslint/no-require-imports */
    openCase = require('../../src/handlers/open-case.lambda').handler;
    assignCase = require('../../src/handlers/assign-case.lambda').handler;
    sendEmail = require('../../src/handlers/send-email.lambda').handler;
    /* eslint-enable @typescript-eslint/no-require-imports */
  });

  afterAll(async () => {
    direct?.destroy();
    await Promise.all([ddbProxy?.stop(), sesProxy?.stop()]);
    await aws?.stop();
  });

  afterEach(() => {
    // every planned fault must have been used, or the test did not exercise what it claims
    expect(ddbProxy.pending()).toBe(0);
    expect(sesProxy.pending()).toBe(0);
  });
}

export async function record(caseId: string): Promise<Record<string, any> | undefined> {
  return (await direct.send(new GetItemCommand({ TableName: TABLE, Key: { caseId: { S: caseId } }, ConsistentRead: true }))).Item;
}

export async function emailsFor(caseId: string) {
  return (await aws.emails()).filter((e) => e.subject.includes(` ${caseId} `));
}

/** The case as Send Email gets it after Wait For Send Slot: with the EmailSlotReserved error, as Step Functions' Catch wrote it. */
export function atSlot(a: AssignedCase, reserved: Error): AssignedCase & { sendSlot: { Error: string; Cause: string } } {
  expect(reserved.name).toBe(CaseErrorName.EMAIL_SLOT_RESERVED);
  return { ...a, sendSlot: { Error: reserved.name, Cause: JSON.stringify({ errorType: reserved.name, errorMessage: reserved.message }) } };
}

let seq = 0;
/** A fresh case id for each test. */
export function nextCaseId(prefix = 'h'): string {
  return `${prefix}-${++seq}`;
}

/** A case opened and assigned by the handlers. */
export async function assigned(): Promise<AssignedCase> {
  const opened = await openCase({ inputCaseID: nextCaseId() });
  return assignCase(opened);
}
