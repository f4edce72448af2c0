import { assignCase, assignmentFromRecord, chooseEmployee, composeCaseEmail, fromItem, newCaseRecord, openCase, parseOpenedCase, parseRoster, parseSendEmailInput, rosterFromItems, toItem, emailClaimState, claimedFromOf, resendsOnClaim } from '../../src/handlers/case-logic.lambda-shared';
import { CASE_DETAIL_LIMITS, CaseErrorName, RosterEmployee } from '../../src/shared/contract';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const ROSTER: RosterEmployee[] = [
  { id: 'e1', name: 'Ana', email: 'ana@example.com' },
  { id: 'e2', name: 'Bo', email: 'bo@example.com' },
  { id: 'e3', name: 'Cy', email: 'cy@example.com' },
  { id: 'e4', name: 'Di', email: 'di@example.com' },
];

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('openCase', () => {
  test("accepts the tutorial's input and ignores extra fields", () => {
    expect(openCase({ inputCaseID: '001' }, NOW)).toEqual({ caseId: '001', openedAt: NOW.toISOString() });
    expect(openCase({ inputCaseID: 'CASE-2026.42_a', priority: 'high' }, NOW).caseId).toBe('CASE-2026.42_a');
  });

  test.each([
    ['missing', {}, /has no inputCaseID/],
    ['empty', { inputCaseID: '' }, /must not be empty/],
    ['a number', { inputCaseID: 1 }, /must be a string, got a number/],
    ['null', { inputCaseID: null }, /must be a string, got null/],
    ['oversized', { inputCaseID: 'x'.repeat(65) }, /at most 64 characters, got 65/],
    ['with spaces', { inputCaseID: ' 001' }, /may hold only ASCII letters/],
    ['unicode', { inputCaseID: 'caso-ñ' }, /may hold only ASCII letters/],
    ['injection-looking', { inputCaseID: "1' OR '1'='1" }, /may hold only ASCII letters/],
    ['input not an object', [{ inputCaseID: '001' }], /must be a JSON object with inputCaseID, got an array/],
    ['input a string', '001', /must be a JSON object/],
  ])('rejects an inputCaseID that is %s with InvalidCaseInput', (_what, input, message) => {
    const err = errorOf(() => openCase(input, NOW));
    expect(err.name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect(err.message).toMatch(message);
  });

  test('accepts exactly 64 characters', () => {
    expect(openCase({ inputCaseID: 'a'.repeat(64) }, NOW).caseId).toHaveLength(64);
  });
});

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

describe('step inputs', () => {
  const opened = openCase({ inputCaseID: '001' }, NOW);
  const assigned = assignCase(opened, ROSTER, NOW);

  test('Assign Case accepts what Open Case returns, and rejects anything else', () => {
    expect(parseOpenedCase(JSON.parse(JSON.stringify(opened)))).toEqual(opened);
    expect(errorOf(() => parseOpenedCase({ caseId: '001' })).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect(errorOf(() => parseOpenedCase(null)).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
  });

  test('Send Email accepts the assigned case with an execution id, and rejects anything else', () => {
    const input = { case: assigned, executionId: 'arn:exec' };
    expect(parseSendEmailInput(JSON.parse(JSON.stringify(input)))).toEqual(input);
    expect(errorOf(() => parseSendEmailInput({ case: assigned })).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    // a named error keeps the error it stands for (ES2022 cause)
    const bad = errorOf(() => parseSendEmailInput({ case: { ...assigned, employee: { id: 'x' } }, executionId: 'e' }));
    expect(bad.name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect((bad.cause as Error).message).toBe(bad.message);
    expect(errorOf(() => parseSendEmailInput({ case: { ...assigned, employee: { id: 'x' } }, executionId: 'e' })).name)
      .toBe(CaseErrorName.INVALID_CASE_INPUT);
  });
});

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

describe('composeCaseEmail', () => {
  const assigned = assignCase({ caseId: '001', openedAt: NOW.toISOString() }, [{ id: 'x', name: 'Zoë <Admin>', email: 'z@example.com' }], NOW);
  const email = composeCaseEmail(assigned);

  test('is addressed to the assigned employee and names the case', () => {
    expect(email.to).toBe('z@example.com');
    expect(email.subject).toBe('New support case 001 is assigned to you');
    expect(email.text).toContain('Support case 001');
    expect(email.text).toContain('What to do next:');
    expect(email.html).toContain('<strong>001</strong>');
  });

  test('escapes HTML in names', () => {
    expect(email.html).toContain('Zoë &#60;Admin&#62;');
    expect(email.html).not.toContain('<Admin>');
    expect(email.text).toContain('Hello Zoë <Admin>,');
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

  // Regression (issue 8, sequence 6): a departed employee marked in the wrong type kept getting cases.
  test.each([
    ['the string "false"', { S: 'false' }],
    ['the number 0', { N: '0' }],
    ['null', { NULL: true }],
  ])('6. active given as %s is RosterUnavailable naming the item, never a guess', (_what, active) => {
    const err = errorOf(() => rosterFromItems([item('a'), { ...item('gone'), active }]));
    expect(err.name).toBe(CaseErrorName.ROSTER_UNAVAILABLE);
    expect(err.message).toMatch(/roster item "gone": active must be a boolean \(BOOL\) or absent/);
  });
});

describe('email claim protocol decisions', () => {
  const base = { emailAmbiguousResends: 0 } as any;
  const now = new Date('2026-11-25T10:00:00.000Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();

  test.each([
    ['PENDING', {}, 'free'],
    ['UNCERTAIN', {}, 'free'],
    ['SENT', {}, 'sent'],
    ['SENDING', { emailAttemptId: 'me', emailClaimedAt: ago(0) }, 'ours'],
    ['SENDING', { emailAttemptId: 'other', emailClaimedAt: ago(10) }, 'held'],
    ['SENDING', { emailAttemptId: 'other', emailClaimedAt: ago(60) }, 'abandoned'],
    ['SENDING', { emailAttemptId: 'other' }, 'abandoned'],
  ])('%s %j is %s', (emailStatus, extra, kind) => {
    expect(emailClaimState({ ...base, emailStatus, ...extra }, 'me', now, 60).kind).toBe(kind);
  });

  test('only a claim replacing PENDING can be a first email; anything else counts as a possible resend', () => {
    expect(claimedFromOf({ emailClaimedFrom: 'PENDING' })).toBe('PENDING');
    for (const v of ['UNCERTAIN', 'SENDING', undefined]) expect(claimedFromOf({ emailClaimedFrom: v })).toBe('UNCERTAIN');
    expect(resendsOnClaim('PENDING', 0)).toBe(0);
    expect(resendsOnClaim('UNCERTAIN', 2)).toBe(3);
  });
});

describe('case details', () => {
  const details = { title: 'Printer on fire', priority: 'P1', customerName: 'ACME', link: 'https://tickets.example.com/42' };

  test('are optional: the tutorial input gives exactly what it gave before', () => {
    expect(openCase({ inputCaseID: '001' }, NOW)).toStrictEqual({ caseId: '001', openedAt: NOW.toISOString() });
    expect(openCase({ inputCaseID: '001', details: {} }, NOW)).toStrictEqual({ caseId: '001', openedAt: NOW.toISOString() });
  });

  test('are carried from Open Case through Assign Case and Send Email and stored on the record', () => {
    const opened = openCase({ inputCaseID: '001', details }, NOW);
    expect(opened.details).toEqual(details);
    expect(parseOpenedCase(JSON.parse(JSON.stringify(opened)))).toEqual(opened);
    const assigned = assignCase(parseOpenedCase(opened), ROSTER, NOW);
    expect(parseSendEmailInput({ case: assigned, executionId: 'arn:x' }).case.details).toEqual(details);
    const item = toItem(newCaseRecord(assigned));
    expect(item.details).toEqual({ M: { title: { S: details.title }, priority: { S: 'P1' }, customerName: { S: 'ACME' }, link: { S: details.link } } });
    expect(fromItem(item).details).toEqual(details);
    expect(assignmentFromRecord(fromItem(item))).toEqual(assigned);
  });

  test('a record without details reads back without them', () => {
    const record = newCaseRecord(assignCase(openCase({ inputCaseID: '001' }, NOW), ROSTER, NOW));
    expect(toItem(record).details).toBeUndefined();
    expect('details' in fromItem(toItem(record))).toBe(false);
    expect('details' in assignmentFromRecord(fromItem(toItem(record)))).toBe(false);
  });

  test('the limits bound the whole execution payload far below 256 KB', () => {
    const biggest = Object.fromEntries(Object.entries(CASE_DETAIL_LIMITS).map(([k, n]) => [k, k === 'link' ? 'https://e.example/' + '\u4e00'.repeat(n - 18) : '\u4e00'.repeat(n)]));
    const opened = openCase({ inputCaseID: 'x'.repeat(64), details: biggest }, NOW);
    expect(Buffer.byteLength(JSON.stringify(opened))).toBeLessThan(12 * 1024);
  });

  test.each([
    ['not an object', 'P1', /details must be an object, got a string of 2 characters/],
    ['null', null, /details must be an object, got null/],
    ['an unknown field', { title: 't', severity: 'x' }, /details has unknown field\(s\) "severity"; known: title, priority, customerName, link/],
    ['a number', { priority: 1 }, /details.priority must be a string, got a number/],
    ['an empty string', { title: '  ' }, /details.title must not be empty/],
    ['a 1,001-character title', { title: 'x'.repeat(1001) }, /details.title must be at most 1000 characters, got 1001/],
    ['a long customer name', { customerName: 'x'.repeat(201) }, /details.customerName must be at most 200 characters/],
    ['a javascript: link', { link: 'javascript:alert(1)' }, /details.link must be an absolute http:\/\/ or https:\/\/ URL/],
    ['a relative link', { link: '/tickets/1' }, /details.link must be an absolute/],
    ['a link with spaces', { link: 'https://e.example/a b' }, /details.link must be an absolute/],
    ['a NUL character', { title: 'a\u0000b' }, /details.title must not contain control characters other than tab and line breaks/],
  ])('%s fails Open Case with InvalidCaseInput', (_what, value, message) => {
    const err = errorOf(() => openCase({ inputCaseID: '001', details: value }, NOW));
    expect(err.name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect(err.message).toMatch(message);
  });

  test('CR/LF, tabs, emoji and right-to-left marks are accepted (the templates make them safe)', () => {
    const tricky = { title: 'a\r\nb\tc 😀 \u200F\u202E' };
    expect(openCase({ inputCaseID: '001', details: tricky }, NOW).details).toEqual(tricky);
  });
});
