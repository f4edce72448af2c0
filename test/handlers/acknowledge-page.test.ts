/** The acknowledge page's pure part: reading requests, what a link may see, and the pages (escaped, no script, one generic answer). */
import { linkIdHash, newLinkId } from '../../src/handlers/acknowledge-link.lambda-shared';
import { casePage, INVALID_PAGE, linkView, readRequest, SECURITY_HEADERS } from '../../src/handlers/acknowledge-page.lambda-shared';
import { CaseRecord } from '../../src/shared/contract';

const ID = newLinkId();
const NOW_S = 1_800_000_000;
const RECORD = {
  caseId: 'c-1',
  status: 'EMAILED',
  employeeId: 'e1',
  employeeName: 'Ana "<b>"',
  employeeEmail: 'ana@example.com',
  openedAt: 't',
  assignedAt: 't',
  updatedAt: 't',
  emailStatus: 'SENT',
  ackRound: 2,
  ackIdHashes: [linkIdHash(newLinkId()), linkIdHash(ID)],
  ackLinkExpiresAt: NOW_S + 60,
  details: { title: '<img src=x onerror=alert(1)>', customerName: 'O\'Brien & Co' },
  escalations: [{ round: 1, employeeId: 'e0', employeeName: '<Zed>', assignedAt: 't', emailAmbiguousResends: 0, escalatedAt: 't' }],
} as CaseRecord;

const get = (q: string) => ({ requestContext: { http: { method: 'GET' } }, rawQueryString: q });
const post = (body: string, headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' }) =>
  ({ requestContext: { http: { method: 'POST' } }, headers, body });

describe('readRequest', () => {
  test('GET takes the query, POST the form body (plain or base64)', () => {
    expect(readRequest(get(`case=c-1&id=${ID}`))).toEqual({ kind: 'GET', caseId: 'c-1', linkId: ID });
    expect(readRequest(post(`case=c-1&id=${ID}`))).toEqual({ kind: 'POST', caseId: 'c-1', linkId: ID });
    expect(readRequest({ ...post(Buffer.from(`id=${ID}&case=c-1`).toString('base64')), isBase64Encoded: true })).toEqual({ kind: 'POST', caseId: 'c-1', linkId: ID });
  });

  test.each([
    ['no id', get('case=c-1')],
    ['two ids', get(`case=c-1&id=${ID}&id=${ID}`)],
    ['an id of another shape', get(`case=c-1&id=${ID}x`)],
    ['a case id of another shape', get(`case=../c&id=${ID}`)],
    ['a POST with the id only in the URL', { ...post('case=c-1'), rawQueryString: `id=${ID}` }],
    ['a POST that is not form-encoded', post(`case=c-1&id=${ID}`, { 'content-type': 'application/json' })],
    ['a POST body too large', post(`case=c-1&id=${ID}&pad=${'x'.repeat(2000)}`)],
  ])('%s: malformed', (_what, event) => expect(readRequest(event)).toEqual({ kind: 'malformed' }));

  test('other methods', () => {
    expect(readRequest({ requestContext: { http: { method: 'HEAD' } } })).toEqual({ kind: 'method', method: 'HEAD' });
    expect(readRequest({})).toEqual({ kind: 'method', method: '' });
  });
});

describe('linkView', () => {
  test('a valid id of the round before its expiry sees the case', () => {
    expect(linkView(RECORD, ID, NOW_S)).toBe('case');
  });
  test.each([
    ['no record', undefined, ID],
    ['another id', RECORD, newLinkId()],
    ['expired', { ...RECORD, ackLinkExpiresAt: NOW_S }, ID],
    ['the round ended (no hashes)', { ...RECORD, ackIdHashes: undefined }, ID],
    ['unacknowledged', { ...RECORD, unacknowledgedAt: 't' }, ID],
    ['acknowledged by another id', { ...RECORD, acknowledgedAt: 't', acknowledgedIdHash: linkIdHash(newLinkId()) }, ID],
  ])('%s: invalid', (_what, record, id) => expect(linkView(record as CaseRecord | undefined, id, NOW_S)).toBe('invalid'));
  test('the id that acknowledged sees "already acknowledged", even expired', () => {
    expect(linkView({ ...RECORD, ackIdHashes: undefined, acknowledgedAt: 't', acknowledgedIdHash: linkIdHash(ID) }, ID, NOW_S + 10_000)).toBe('alreadyAcknowledged');
  });
});

describe('pages', () => {
  test('the case page escapes every value, has no script, and posts case and id', () => {
    const { body, statusCode } = casePage(RECORD, ID);
    expect(statusCode).toBe(200);
    expect(body).not.toMatch(/<script|<img|<b>|<Zed>/);
    expect(body).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(body).toContain('O&#39;Brien &#38; Co');
    expect(body).toContain('<dt>Had it before</dt><dd>&#60;Zed&#62;</dd>');
    expect(body).toContain('<dt>Round</dt><dd>2</dd>');
    expect(body).toContain(`<input type="hidden" name="case" value="c-1"><input type="hidden" name="id" value="${ID}">`);
  });
  test('the strict headers on every page; the generic page tells nothing', () => {
    expect(INVALID_PAGE.headers).toEqual(SECURITY_HEADERS);
    expect(SECURITY_HEADERS['Content-Security-Policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'/);
    expect(INVALID_PAGE.statusCode).toBe(404);
    expect(INVALID_PAGE.body).not.toContain('c-1');
  });
});
