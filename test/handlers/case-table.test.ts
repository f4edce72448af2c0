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
});
