/** Assign Case's decisions: the choice of employee and the roster it chooses from. */
import { errorOf, ROSTER } from './unit-fixtures';
import { chooseEmployee, parseRoster, rosterFromItems } from '../../src/handlers/case-assignment.lambda-shared';
import { CaseErrorName } from '../../src/shared/contract';

describe('chooseEmployee', () => {
  test('is deterministic per case', () => {
    for (let i = 0; i < 50; i++) {
      expect(chooseEmployee(ROSTER, `case-${i}`)).toEqual(chooseEmployee([...ROSTER].reverse(), `case-${i}`));
    }
  });

  test('spreads cases fairly over the roster', () => {
    const counts = new Map<string, number>();
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const e = chooseEmployee(ROSTER, String(i).padStart(4, '0'));
      counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
    }
    expect(counts.size).toBe(ROSTER.length);
    for (const c of counts.values()) {
      // expected 1000 each; 10 % is more than six standard deviations here
      expect(Math.abs(c - n / ROSTER.length)).toBeLessThan(100);
    }
  });

  test('removing an employee moves only that employee\'s cases', () => {
    const smaller = ROSTER.filter((e) => e.id !== 'e2');
    for (let i = 0; i < 500; i++) {
      const before = chooseEmployee(ROSTER, `c${i}`);
      if (before.id !== 'e2') expect(chooseEmployee(smaller, `c${i}`)).toEqual(before);
    }
  });

  test('an empty roster is a ConfigurationError', () => {
    expect(errorOf(() => chooseEmployee([], '001')).name).toBe(CaseErrorName.CONFIGURATION);
  });
});

describe('parseRoster', () => {
  test('reads the roster the construct writes', () => {
    expect(parseRoster(JSON.parse(JSON.stringify(ROSTER)))).toEqual(ROSTER);
  });

  test.each([
    [undefined, /not configured/],
    ['not a list', /empty/],
    [[], /empty/],
    [[{ id: 'a', name: 'A', email: 'nope' }], /roster\[0\]\.email is not a valid email address/],
  ])('rejects %p with ConfigurationError', (raw, message) => {
    const err = errorOf(() => parseRoster(raw));
    expect(err.name).toBe(CaseErrorName.CONFIGURATION);
    expect(err.message).toMatch(message);
  });
});

describe('rosterFromItems', () => {
  const item = (id: string, active?: boolean) => ({
    employeeId: { S: id }, name: { S: `Name ${id}` }, email: { S: `${id}@example.com` }, ...(active === undefined ? {} : { active: { BOOL: active } }),
  });

  test('reads active employees, sorted by id', () => {
    expect(rosterFromItems([item('b'), item('a', true), item('c', false)]).map((e) => e.id)).toEqual(['a', 'b']);
  });

  test.each([
    ['no items', []],
    ['only inactive employees', [item('a', false)]],
    ['an item without email', [{ employeeId: { S: 'a' }, name: { S: 'A' } }]],
  ])('%s is RosterUnavailable', (_what, items) => {
    expect(errorOf(() => rosterFromItems(items as any)).name).toBe(CaseErrorName.ROSTER_UNAVAILABLE);
  });

  // Regression: a departed employee marked in the wrong type kept getting cases.
  test.each([
    ['the string "false"', { S: 'false' }],
    ['the number 0', { N: '0' }],
    ['null', { NULL: true }],
  ])('a departed employee marked in the wrong type gets no case: active given as %s is RosterUnavailable naming the item, never a guess', (_what, active) => {
    const err = errorOf(() => rosterFromItems([item('a'), { ...item('gone'), active }]));
    expect(err.name).toBe(CaseErrorName.ROSTER_UNAVAILABLE);
    expect(err.message).toMatch(/roster item "gone": active must be a boolean \(BOOL\) or absent/);
  });
});
