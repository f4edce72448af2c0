/**
 * The three handlers wired to fresh local servers (dynalite, aws-ses-v2-local), for handler tests
 * that need no fault proxy: the environment a deployed function gets, a case table, the roster
 * file, and helpers to read what was written and sent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { LocalAws, startLocalAws } from '../../harness/local-aws';
import { AssignedCase, CaseResult, CONFIG_FILES, ENV, OpenedCase, RosterEmployee } from '../../src/shared/contract';

export const TABLE = 'cases';
export const SENDER = 'support@example.com';
export const ROSTER: RosterEmployee[] = [
  { id: 'e1', name: 'Ana', email: 'ana@example.com' },
  { id: 'e2', name: 'Bo', email: 'bo@example.com' },
];

type Handler<T> = (event: unknown) => Promise<T>;

export interface LocalHandlers {
  readonly openCase: Handler<OpenedCase>;
  readonly assignCase: Handler<AssignedCase>;
  readonly sendEmail: Handler<CaseResult>;
  /** The case record as stored (DynamoDB JSON), or undefined. */
  record(caseId: string): Promise<Record<string, unknown> | undefined>;
  /** Emails whose subject names the case. */
  emailsFor(caseId: string): Promise<Awaited<ReturnType<LocalAws['emails']>>>;
  stop(): Promise<void>;
}

/** Starts the servers and loads the handlers (after the environment is set: they build their clients at load). */
export async function startLocalHandlers(extraEnv: Record<string, string> = {}): Promise<LocalHandlers> {
  const aws = await startLocalAws();
  const configDir = mkdtempSync(join(tmpdir(), 'support-case-test-config-'));
  writeFileSync(join(configDir, CONFIG_FILES.ASSIGN_CASE), JSON.stringify({ roster: ROSTER }));
  Object.assign(process.env, aws.sdkEnv(), {
    [ENV.TABLE_NAME]: TABLE,
    [ENV.CONFIG_DIR]: configDir,
    [ENV.SENDER_EMAIL]: SENDER,
    [ENV.EMAIL_LEASE_SECONDS]: '60',
    LOG_LEVEL: 'OFF',
    ...extraEnv,
  });
  const direct = new DynamoDBClient({ endpoint: aws.dynamodbEndpoint });
  await createCaseTable(direct);
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    openCase: require('../../src/handlers/open-case.lambda').handler,
    assignCase: require('../../src/handlers/assign-case.lambda').handler,
    sendEmail: require('../../src/handlers/send-email.lambda').handler,
    /* eslint-enable @typescript-eslint/no-require-imports */
    record: async (caseId) =>
      (await direct.send(new GetItemCommand({ TableName: TABLE, Key: { caseId: { S: caseId } }, ConsistentRead: true }))).Item,
    emailsFor: async (caseId) => (await aws.emails()).filter((e) => e.subject.includes(` ${caseId} `)),
    stop: async () => {
      direct.destroy();
      rmSync(configDir, { recursive: true, force: true });
      await aws.stop();
    },
  };
}

/** Creates the case table (key `caseId`, on demand), as the construct does. */
export async function createCaseTable(direct: DynamoDBClient, tableName = TABLE): Promise<void> {
  await direct.send(new CreateTableCommand({
    TableName: tableName,
    KeySchema: [{ AttributeName: 'caseId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'caseId', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
