/** The item format of a case record. */
import { NOW, ROSTER } from './unit-fixtures';
import { assignCase, newCaseRecord } from '../../src/handlers/case-assignment.lambda-shared';
import { fromItem, toItem } from '../../src/handlers/case-table.lambda-shared';

describe('case record', () => {
  test('round-trips through a DynamoDB item', () => {
    const record = { ...newCaseRecord(assignCase({ caseId: '001', openedAt: NOW.toISOString() }, ROSTER, NOW)), emailAmbiguousResends: 2 };
    const item = toItem(record);
    expect(item.caseId).toEqual({ S: '001' });
    expect(item.status).toEqual({ S: 'ASSIGNED' });
    expect(item.emailStatus).toEqual({ S: 'PENDING' });
    expect(item.emailAmbiguousResends).toEqual({ N: '2' });
    expect(fromItem(item)).toMatchObject(record);
  });

  test('the acknowledgement\'s fields round-trip: numbers, a string set, a list of maps', () => {
    const base = newCaseRecord(assignCase({ caseId: '002', openedAt: NOW.toISOString() }, ROSTER, NOW));
    const record = {
      ...base,
      ackRound: 2,
      ackIdHashes: ['hashA', 'hashB'],
      ackLinkExpiresAt: 1_800_000_000,
      ackTaskToken: 'token',
      acknowledgedAt: 't1',
      acknowledgedBy: 'e2',
      acknowledgedIdHash: 'hashA',
      acknowledgedRequestId: 'r1',
      unacknowledgedAt: 't2',
      escalations: [
        { round: 1, employeeId: 'e1', employeeName: 'Ana', assignedAt: 't0', messageId: 'm1', emailedAt: 't0', emailAmbiguousResends: 1, escalatedAt: 't1' },
        { round: 2, employeeId: 'e3', employeeName: 'Cy', assignedAt: 't1', emailAmbiguousResends: 0, escalatedAt: 't2' },
      ],
    };
    const item = toItem(record);
    expect(item.ackIdHashes).toEqual({ SS: ['hashA', 'hashB'] });
    expect(item.ackRound).toEqual({ N: '2' });
    expect(item.escalations.L![1]).toEqual({ M: { round: { N: '2' }, employeeId: { S: 'e3' }, employeeName: { S: 'Cy' }, assignedAt: { S: 't1' }, emailAmbiguousResends: { N: '0' }, escalatedAt: { S: 't2' } } });
    expect(fromItem(item)).toMatchObject(record);
    expect(toItem(fromItem(item))).toEqual(item);
  });

  test('a record without them: the same item as before, and no such keys read back', () => {
    const record = newCaseRecord(assignCase({ caseId: '003', openedAt: NOW.toISOString() }, ROSTER, NOW));
    const item = toItem(record);
    expect(Object.keys(item).sort()).toEqual(['assignedAt', 'caseId', 'emailStatus', 'employeeEmail', 'employeeId', 'employeeName', 'openedAt', 'status', 'updatedAt']);
    const back = fromItem(item) as unknown as Record<string, unknown>;
    for (const key of ['ackRound', 'ackIdHashes', 'ackLinkExpiresAt', 'ackTaskToken', 'acknowledgedAt', 'escalations']) expect(key in back).toBe(false);
    expect(toItem(fromItem(item))).toEqual(item);
  });
});
