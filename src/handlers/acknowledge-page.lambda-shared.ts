/**
 * The acknowledge page's pure part (docs/design/acknowledgement.md): reading a function URL
 * request (payload format 2.0), deciding what a link may see, and the pages, all HTML-escaped,
 * with no script. The I/O (the record, the write, SendTaskSuccess) is in acknowledge-page.lambda.ts.
 *
 * Nothing helps guessing: an unknown case, a wrong, expired or used id, an escalated or
 * unacknowledged round, and a malformed request (a missing or ill-shaped parameter, a body too
 * large or not form-encoded) all get the one generic page, same status, same bytes. Only the
 * holder of the very id that acknowledged sees "already acknowledged".
 */
import { createHash } from 'node:crypto';
import { hashEquals, hashIsOneOf, isLinkIdShaped, linkIdHash } from './acknowledge-link.lambda-shared';
import { LINK_PARAMS } from '../shared/acknowledgement';
import { CaseRecord, MAX_CASE_ID_LENGTH } from '../shared/contract';
import { escapeHtml } from '../shared/template-engine';

/** The parts of a Lambda function URL event (payload format 2.0) the page reads. */
export interface FunctionUrlEvent {
  readonly requestContext?: { readonly http?: { readonly method?: string } };
  readonly rawQueryString?: string;
  readonly headers?: Record<string, string | undefined>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

/** A function URL response. */
export interface FunctionUrlResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What a request asks, once read: a method the page serves with a well-shaped case id and link id, or not. */
export type PageRequest =
  | { readonly kind: 'GET' | 'POST'; readonly caseId: string; readonly linkId: string }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'method'; readonly method: string };

/** Largest POST body read (the form holds two short fields). */
export const MAX_BODY_BYTES = 1024;
const CASE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Reads the request: GET takes the link's query, POST the form's body (application/x-www-form-urlencoded, maybe base64). */
export function readRequest(event: FunctionUrlEvent): PageRequest {
  const method = (event.requestContext?.http?.method ?? '').toUpperCase();
  if (method !== 'GET' && method !== 'POST') return { kind: 'method', method };
  let params: URLSearchParams;
  if (method === 'GET') {
    params = new URLSearchParams(event.rawQueryString ?? '');
  } else {
    const type = (headerOf(event, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    const raw = event.body ?? '';
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (type !== 'application/x-www-form-urlencoded' || Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) return { kind: 'malformed' };
    params = new URLSearchParams(body);
  }
  const caseIds = params.getAll(LINK_PARAMS.CASE_ID);
  const linkIds = params.getAll(LINK_PARAMS.LINK_ID);
  if (caseIds.length !== 1 || linkIds.length !== 1) return { kind: 'malformed' };
  const [caseId, linkId] = [caseIds[0], linkIds[0]];
  if (caseId.length > MAX_CASE_ID_LENGTH || !CASE_ID_PATTERN.test(caseId) || !isLinkIdShaped(linkId)) return { kind: 'malformed' };
  return { kind: method, caseId, linkId };
}

function headerOf(event: FunctionUrlEvent, name: string): string | undefined {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** What a link may see of a record at `nowSeconds` (epoch seconds). */
export type LinkView = 'case' | 'alreadyAcknowledged' | 'invalid';

export function linkView(record: CaseRecord | undefined, linkId: string, nowSeconds: number): LinkView {
  if (!record) return 'invalid';
  const hash = linkIdHash(linkId);
  if (record.acknowledgedAt !== undefined) return hashEquals(record.acknowledgedIdHash, hash) ? 'alreadyAcknowledged' : 'invalid';
  if (record.unacknowledgedAt !== undefined) return 'invalid';
  if (!hashIsOneOf(hash, record.ackIdHashes)) return 'invalid';
  return record.ackLinkExpiresAt !== undefined && record.ackLinkExpiresAt > nowSeconds ? 'case' : 'invalid';
}

// ---- The pages ----

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}'
  + 'dt{font-weight:600}dd{margin:0 0 .5rem}button{font-size:1.1rem;padding:.5rem 1.5rem}';
const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/** Headers of every answer: never cached, no referrer, no framing, no sniffing, no script (CSP). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
};

function page(statusCode: number, title: string, body: string, headers: Record<string, string> = {}): FunctionUrlResponse {
  const html = '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    + '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">'
    + `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
  return { statusCode, headers: { ...SECURITY_HEADERS, ...headers }, body: html };
}

/** The one answer to every link that is not valid now, and to every malformed request. */
export const INVALID_PAGE = page(404, 'Link not valid',
  '<h1>This link is not valid</h1><p>The link is unknown, has expired, or the case has moved on. '
  + 'If the case is yours, find it in the support console.</p>');

/** The case, and the form whose POST acknowledges it. */
export function casePage(record: CaseRecord, linkId: string): FunctionUrlResponse {
  const d = record.details ?? {};
  const row = (name: string, value: string | undefined) => (value === undefined ? '' : `<dt>${name}</dt><dd>${escapeHtml(value)}</dd>`);
  const before = (record.escalations ?? []).map((r) => r.employeeName);
  const e = escapeHtml;
  return page(200, `Support case ${record.caseId}`,
    `<h1>Support case ${e(record.caseId)}</h1><dl>`
    + row('Title', d.title) + row('Priority', d.priority) + row('Customer', d.customerName)
    + row('Assigned to', record.employeeName) + row('Round', String(record.ackRound ?? 1))
    + row('Had it before', before.length > 0 ? before.join(', ') : undefined)
    + '</dl><form method="post" action="?">'
    + `<input type="hidden" name="${LINK_PARAMS.CASE_ID}" value="${e(record.caseId)}">`
    + `<input type="hidden" name="${LINK_PARAMS.LINK_ID}" value="${e(linkId)}">`
    + '<button type="submit">Acknowledge</button></form>'
    + '<p>Pressing Acknowledge takes the case: it is not escalated to anyone else.</p>');
}

/** The answer to the POST that acknowledged. */
export function acknowledgedPage(caseId: string, employeeName: string): FunctionUrlResponse {
  return page(200, `Case ${caseId} acknowledged`,
    `<h1>Acknowledged</h1><p>Support case ${escapeHtml(caseId)} is yours, ${escapeHtml(employeeName)}. Thank you.</p>`);
}

/** The answer to the holder of the id that acknowledged, later (a second press, a second tab). */
export function alreadyAcknowledgedPage(caseId: string): FunctionUrlResponse {
  return page(200, `Case ${caseId} acknowledged`,
    `<h1>Already acknowledged</h1><p>Support case ${escapeHtml(caseId)} was acknowledged with this link already. Nothing more to do.</p>`);
}

/** DynamoDB did not answer: nothing was changed; the same for every request. */
export const UNAVAILABLE_PAGE = page(503, 'Try again', '<h1>Try again in a minute</h1><p>The page cannot answer right now. Nothing was changed.</p>',
  { 'Retry-After': '60' });

/** Anything the page did not expect: nothing is said about the link. */
export const ERROR_PAGE = page(500, 'Error', '<h1>Something went wrong</h1><p>Nothing was changed. Try again later.</p>');

/** A method other than GET and POST. */
export const METHOD_NOT_ALLOWED = page(405, 'Method not allowed', '<h1>Method not allowed</h1>', { Allow: 'GET, POST' });
