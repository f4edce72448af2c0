import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { LocalAws, startLocalAws } from '../../harness/local-aws';

// scripts/roster-request-items.mjs (the README's "Seed the roster table"), run against local DynamoDB
// with the request files sent as `aws dynamodb batch-write-item --request-items file://...` sends them.
const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'roster-request-items.mjs');

describe('roster seeding script', () => {
  let aws: LocalAws;
  let ddb: DynamoDBClient;
  let dir: string;
  beforeAll(async () => {
    aws = await startLocalAws();
    ddb = new DynamoDBClient({ endpoint: aws.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    dir = mkdtempSync(join(tmpdir(), 'roster-seed-'));
  });
  afterAll(async () => {
    ddb?.destroy();
    await aws?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes batches of at most 25 that fill a roster table with every employee', async () => {
    await ddb.send(new CreateTableCommand({
      TableName: 'Roster',
      KeySchema: [{ AttributeName: 'employeeId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'employeeId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const employees = Array.from({ length: 60 }, (_, i) => ({ id: `emp-${i + 1}`, name: `Employee ${i + 1}`, email: `e${i + 1}@example.com`, ...(i === 0 ? { active: false } : {}) }));
    writeFileSync(join(dir, 'roster.json'), JSON.stringify(employees));
    execFileSync('node', [SCRIPT, 'Roster', join(dir, 'roster.json'), join(dir, 'out')], { encoding: 'utf8' });

    const files = readdirSync(join(dir, 'out')).sort();
    expect(files).toEqual(['batch-001.json', 'batch-002.json', 'batch-003.json']);
    for (const f of files) {
      const requestItems = JSON.parse(readFileSync(join(dir, 'out', f), 'utf8'));
      expect(requestItems.Roster.length).toBeLessThanOrEqual(25);
      const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: requestItems }));
      expect(out.UnprocessedItems ?? {}).toEqual({});
    }
    const items = (await ddb.send(new ScanCommand({ TableName: 'Roster' }))).Items ?? [];
    expect(items).toHaveLength(60);
    expect(items.find((i) => i.employeeId.S === 'emp-1')).toEqual({ employeeId: { S: 'emp-1' }, name: { S: 'Employee 1' }, email: { S: 'e1@example.com' }, active: { BOOL: false } });
  });

  test('refuses a roster with a missing field or a duplicate id, naming the employee', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ id: 'a', name: 'A', email: 'a@example.com' }, { id: 'a', name: 'B', email: 'b@example.com' }]));
    expect(() => execFileSync('node', [SCRIPT, 'Roster', join(dir, 'bad.json'), join(dir, 'bad')], { encoding: 'utf8', stdio: 'pipe' }))
      .toThrow(/employee 1: duplicate id a/);
    writeFileSync(join(dir, 'bad2.json'), JSON.stringify([{ id: 'a', name: 'A' }]));
    expect(() => execFileSync('node', [SCRIPT, 'Roster', join(dir, 'bad2.json'), join(dir, 'bad')], { encoding: 'utf8', stdio: 'pipe' }))
      .toThrow(/employee 0: "email" must be a non-empty string/);
  });
});
