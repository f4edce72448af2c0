/** Escalate Case's decision, as properties: never someone who had the case or is off the roster, deterministic, rounds bounded; and the outcome a record tells. */
import fc from 'fast-check';
import { NOW } from './unit-fixtures';
import { parseEscalateCaseInput } from '../../src/handlers/acknowledgement-input.lambda-shared';
import { chooseEmployee, rankEmployees } from '../../src/handlers/case-assignment.lambda-shared';
import { decideEscalation, recordedOutcome } from '../../src/handlers/escalation.lambda-shared';
import { EscalationOutcome } from '../../src/shared/acknowledgement';
import { CaseErrorName, CaseRecord, RosterEmployee } from '../../src/shared/contract';

const employee = (id: string): RosterEmployee => ({ id, name: `N${id}`, email: `${id}@example.com` });
const ids = fc.uniqueArray(fc.stringMatching(/^e[0-9]{1,3}$/), { minLength: 1, maxLength: 12 });

/** A record in some round: its assignee and earlier assignees from `pool`, with the roster now a subset. */
const scenario = fc.record({ caseId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/), pool: ids, maxRounds: fc.integer({ min: 1, max: 6 }) })
  .chain(({ caseId, pool, maxRounds }) => fc.record({
    caseId: fc.constant(caseId),
    maxRounds: fc.constant(maxRounds),
    had: fc.subarray(pool, { minLength: 1 }),
    roster: fc.subarray(pool),
  }))
  .map(({ caseId, maxRounds, had, roster }) => {
    const [current, ...earlier] = [...had].reverse();
    const record = {
      caseId,
      status: 'EMAILED',
      employeeId: current,
      employeeName: `N${current}`,
      employeeEmail: `${current}@example.com`,
      openedAt: NOW.toISOString(),
      assignedAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      emailStatus: 'SENT',
      ackRound: earlier.length + 1,
      escalations: earlier.reverse().map((id, i) => ({ round: i + 1, employeeId: id, employeeName: `N${id}`, assignedAt: NOW.toISOString(), emailAmbiguousResends: 0, escalatedAt: NOW.toISOString() })),
    } as CaseRecord;
    return { record, roster: roster.map(employee), maxRounds, had: new Set(had) };
  });

describe('decideEscalation', () => {
  test('never someone who had the case, never someone off the roster; deterministic; rounds bounded', () => {
    fc.assert(fc.property(scenario, ({ record, roster, maxRounds, had }) => {
      const decision = decideEscalation(record, roster, NOW, maxRounds);
      expect(decideEscalation(record, [...roster].reverse(), NOW, maxRounds)).toEqual(decision);
      const round = record.ackRound!;
      if (decision.kind === 'escalate') {
        expect(had.has(decision.next.id)).toBe(false);
        expect(roster.map((e) => e.id)).toContain(decision.next.id);
        expect(decision.round).toBe(round + 1);
        expect(decision.round).toBeLessThanOrEqual(maxRounds);
        // the first one down the rendezvous order who did not have it
        expect(decision.next).toEqual(rankEmployees(roster, record.caseId).find((e) => !had.has(e.id)));
        expect(decision.ended).toMatchObject({ round, employeeId: record.employeeId, assignedAt: record.assignedAt });
      } else {
        expect(decision.kind).toBe('unacknowledged');
        expect(round >= maxRounds || roster.every((e) => had.has(e.id))).toBe(true);
      }
    }));
  });

  test('an acknowledged record is never escalated', () => {
    fc.assert(fc.property(scenario, ({ record, roster, maxRounds }) => {
      expect(decideEscalation({ ...record, acknowledgedAt: NOW.toISOString() }, roster, NOW, maxRounds)).toEqual({ kind: 'acknowledged' });
    }));
  });
});

describe('rankEmployees', () => {
  test('a permutation of the roster whose first is chooseEmployee\'s choice (Assign Case unchanged)', () => {
    fc.assert(fc.property(ids, fc.string({ minLength: 1, maxLength: 20 }), (pool, caseId) => {
      const roster = pool.map(employee);
      const ranked = rankEmployees(roster, caseId);
      expect([...ranked].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...roster].sort((a, b) => a.id.localeCompare(b.id)));
      expect(ranked[0]).toEqual(chooseEmployee(roster, caseId));
      expect(rankEmployees([...roster].reverse(), caseId)).toEqual(ranked);
    }));
  });
});

describe('recordedOutcome', () => {
  const base = {
    caseId: 'c1',
    status: 'ASSIGNED',
    employeeId: 'e2',
    employeeName: 'Bo',
    employeeEmail: 'bo@example.com',
    openedAt: 't0',
    assignedAt: '2026-11-25T10:15:00.000Z',
    updatedAt: 't',
    emailStatus: 'PENDING',
    ackRound: 2,
    escalations: [{ round: 1, employeeId: 'e1', employeeName: 'Ana', assignedAt: '2026-11-25T10:00:00.000Z', emailAmbiguousResends: 0, escalatedAt: 't' }],
  } as CaseRecord;
  const ended = { caseId: 'c1', employeeId: 'e1', assignedAt: '2026-11-25T10:00:00.000Z' };

  test('a retry of the escalation that applied finds ESCALATED with the new round\'s case', () => {
    expect(recordedOutcome(base, ended)).toMatchObject({ outcome: EscalationOutcome.ESCALATED, round: 2, case: { employee: { id: 'e2' }, assignedAt: base.assignedAt } });
  });
  test('the open round is not decided yet; an unexplained round is not ours', () => {
    expect(recordedOutcome(base, { caseId: 'c1', employeeId: 'e2', assignedAt: base.assignedAt })).toBeUndefined();
    expect(recordedOutcome(base, { ...ended, assignedAt: '2026-01-01T00:00:00.000Z' })).toBeUndefined();
  });
  test('an acknowledgement wins whenever it came', () => {
    const acked = { ...base, acknowledgedAt: 'ta', acknowledgedBy: 'e2' };
    expect(recordedOutcome(acked, ended)).toEqual({ outcome: EscalationOutcome.ACKNOWLEDGED, caseId: 'c1', round: 2, acknowledgement: { caseId: 'c1', acknowledgedBy: 'e2', acknowledgedAt: 'ta', round: 2 } });
  });
});

describe('Escalate Case input', () => {
  test.each([
    ['not an object', 'x'],
    ['no employeeId', { caseId: 'c1', assignedAt: '2026-11-25T10:00:00.000Z' }],
    ['a bad case id', { caseId: '../x', employeeId: 'e1', assignedAt: '2026-11-25T10:00:00.000Z' }],
    ['a bad time', { caseId: 'c1', employeeId: 'e1', assignedAt: 'now' }],
    ['an unknown field', { caseId: 'c1', employeeId: 'e1', assignedAt: '2026-11-25T10:00:00.000Z', round: 3 }],
  ])('%s: InvalidCaseInput', (_what, input) => {
    expect(() => parseEscalateCaseInput(input)).toThrow(expect.objectContaining({ name: CaseErrorName.INVALID_CASE_INPUT }));
  });
});
