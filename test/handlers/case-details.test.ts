/** Case details: optional, carried from Open Case to the record, bounded and checked; links that cannot be shaped for phishing. */
import { errorOf, NOW, ROSTER } from './unit-fixtures';
import { assignCase, assignmentFromRecord, newCaseRecord } from '../../src/handlers/case-assignment.lambda-shared';
import { parseLinkHosts, validateCaseDetails } from '../../src/handlers/case-details.lambda-shared';
import { openCase, parseOpenedCase, parseSendEmailInput } from '../../src/handlers/case-input.lambda-shared';
import { fromItem, toItem } from '../../src/handlers/case-table.lambda-shared';
import { CASE_DETAIL_LIMITS, CaseErrorName } from '../../src/shared/contract';

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

// Link hygiene: a link is a caller's text sent from the company's address; it may not be shaped for phishing.
describe('links', () => {
  test.each([
    'https://login.example.com@evil.example/',
    'https://user:pass@tickets.example.com/1',
    'http://:x@tickets.example.com/',
  ])('a link with a user-info part is InvalidCaseInput: %s', (link) => {
    const err = errorOf(() => openCase({ inputCaseID: '1', details: { link } }, NOW));
    expect(err.name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect(err.message).toMatch(/details\.link must not carry a user name or password/);
  });

  test('an allow-list of hosts: exact names, and *.domain for its subdomains; case-insensitive', () => {
    const hosts = parseLinkHosts(JSON.stringify(['tickets.example.com', '*.helpdesk.example']));
    const ok = (link: string) => validateCaseDetails({ link }, 'details', { linkHosts: hosts });
    expect(ok('https://TICKETS.example.com/1')).toEqual({ link: 'https://TICKETS.example.com/1' });
    expect(ok('https://eu.helpdesk.example/2')).toBeDefined();
    for (const link of ['https://evil.example/', 'https://tickets.example.com.evil.example/', 'https://helpdesk.example/', 'https://xhelpdesk.example/']) {
      const err = errorOf(() => ok(link));
      expect(err.name).toBe(CaseErrorName.INVALID_CASE_INPUT);
      expect(err.message).toMatch(/details\.link must point to one of the allowed hosts/);
    }
    // no allow-list: any http(s) host
    expect(validateCaseDetails({ link: 'https://evil.example/' }, 'details')).toBeDefined();
  });

  test('a malformed allow-list in the environment is a ConfigurationError', () => {
    expect(parseLinkHosts(undefined)).toBeUndefined();
    expect(errorOf(() => parseLinkHosts('not json')).name).toBe(CaseErrorName.CONFIGURATION);
    expect(errorOf(() => parseLinkHosts('[1]')).name).toBe(CaseErrorName.CONFIGURATION);
  });
});
