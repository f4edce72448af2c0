/** Assign Case against the local servers behind fault proxies: one record per case, never reassigned, named errors. */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { assignCase, assigned, ddbProxy, direct, nextCaseId, openCase, record, rejection, ROSTER, TABLE, useFaultyHandlers } from './faulty-handlers';
import { CaseErrorName, ENV } from '../../src/shared/contract';

useFaultyHandlers();

describe('Assign Case', () => {
  test('writes the case record with the chosen employee', async () => {
    const a = await assigned();
    const item = await record(a.caseId);
    expect(item).toMatchObject({
      caseId: { S: a.caseId },
      status: { S: 'ASSIGNED' },
      employeeId: { S: a.employee.id },
      employeeEmail: { S: a.employee.email },
      emailStatus: { S: 'PENDING' },
      openedAt: { S: a.openedAt },
      assignedAt: { S: a.assignedAt },
    });
    expect(ROSTER).toContainEqual(a.employee);
  });

  test('a retry returns the stored assignment and overwrites nothing', async () => {
    const opened = await openCase({ inputCaseID: nextCaseId() });
    const first = await assignCase(opened);
    await new Promise((r) => setTimeout(r, 5));
    const again = await assignCase(opened);
    expect(again).toEqual(first);
    expect((await record(opened.caseId))!.assignedAt.S).toBe(first.assignedAt);
  });

  test('a record already there (another execution) is never reassigned', async () => {
    const opened = await openCase({ inputCaseID: nextCaseId() });
    const other = ROSTER[0];
    await direct.send(new PutItemCommand({
      TableName: TABLE,
      Item: {
        caseId: { S: opened.caseId },
        status: { S: 'ASSIGNED' },
        employeeId: { S: 'someone' },
        employeeName: { S: other.name },
        employeeEmail: { S: other.email },
        openedAt: { S: opened.openedAt },
        assignedAt: { S: opened.openedAt },
        updatedAt: { S: opened.openedAt },
        emailStatus: { S: 'PENDING' },
      },
    }));
    expect((await assignCase(opened)).employee.id).toBe('someone');
  });

  test('a write whose response is lost still yields one record and the same assignment', async () => {
    ddbProxy.inject({ operation: 'PutItem', kind: 'drop-after-write' });
    const a = await assigned();
    expect((await record(a.caseId))!.employeeId.S).toBe(a.employee.id);
  });

  test('server errors past the SDK retries fail with DependencyUnavailable (retried by the state machine)', async () => {
    ddbProxy.inject({ operation: 'PutItem', kind: 'server-error', count: 100 });
    const opened = await openCase({ inputCaseID: nextCaseId() });
    const before = ddbProxy.requests.PutItem ?? 0;
    expect((await rejection(assignCase(opened))).name).toBe(CaseErrorName.DEPENDENCY_UNAVAILABLE);
    expect(ddbProxy.requests.PutItem - before).toBeGreaterThanOrEqual(3); // the SDK retried first
    ddbProxy.clearPlan();
    expect(await record(opened.caseId)).toBeUndefined();
    await expect(assignCase(opened)).resolves.toMatchObject({ caseId: opened.caseId });
  });

  test('rejects a malformed step input with InvalidCaseInput and writes nothing', async () => {
    expect((await rejection(assignCase({ caseId: 'bad id' }))).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
  });

  test('a missing table name is a ConfigurationError', async () => {
    const saved = process.env[ENV.TABLE_NAME];
    delete process.env[ENV.TABLE_NAME];
    try {
      expect((await rejection(assignCase({ caseId: 'x1', openedAt: new Date().toISOString() }))).name).toBe(CaseErrorName.CONFIGURATION);
    } finally {
      process.env[ENV.TABLE_NAME] = saved;
    }
  });
});
