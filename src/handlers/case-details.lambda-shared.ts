/**
 * Case details as the workflow accepts them: known fields, bounded strings, no control characters
 * other than tab and line breaks, and a `link` that is an absolute http(s) URL without a user-info
 * part, on an allowed host when the deployment names some (`linkHosts`). Plain functions, no AWS.
 */
import { ConfigurationError, InvalidCaseInputError } from './errors.lambda-shared';
import { CASE_DETAIL_LIMITS, CaseDetails, ENV } from '../shared/contract';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `a string of ${value.length} characters` : `a ${typeof value}`;
}

/** Control characters refused in details (tab, LF and CR are allowed; templates make them safe). */
const DETAIL_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
export const DETAIL_FIELDS = Object.keys(CASE_DETAIL_LIMITS) as (keyof CaseDetails)[];

/** `{ details }` when there are details, `{}` otherwise (so outputs without details keep their shape). */
export function withDetails(details: CaseDetails | undefined): { details?: CaseDetails } {
  return details ? { details } : {};
}

/** What the deployment allows in case details, beyond their syntax. */
export interface DetailsPolicy {
  /** Hosts a `link` may point to: exact names, or `*.domain` for any subdomain of it (absent: any host). */
  readonly linkHosts?: readonly string[];
}

/**
 * Reads the allow-list of link hosts from its environment variable (a JSON array of names).
 * @throws ConfigurationError when it is not such an array
 */
export function parseLinkHosts(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  let hosts: unknown;
  try {
    hosts = JSON.parse(raw);
  } catch {
    throw new ConfigurationError(`${ENV.LINK_HOSTS} is not valid JSON`);
  }
  if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every((h) => typeof h === 'string' && h !== '')) {
    throw new ConfigurationError(`${ENV.LINK_HOSTS} must be a JSON array of host names`);
  }
  return hosts.map((h: string) => h.toLowerCase());
}

function hostAllowed(hostname: string, hosts: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return hosts.some((allowed) => (allowed.startsWith('*.') ? host.endsWith(allowed.slice(1)) : host === allowed));
}

/**
 * Checks the optional case details (`CaseDetails`): an object of known fields, each a
 * non-empty string within its limit (`CASE_DETAIL_LIMITS`), without control characters other
 * than tab and line breaks; `link` an absolute http(s) URL without a user name or password (so
 * `https://login.example.com@evil.example/` cannot pass for the first host), on an allowed host
 * when `policy.linkHosts` is set. Returns `undefined` when there is no detail (absent or `{}`),
 * so a case without details looks exactly as before.
 * @throws InvalidCaseInputError naming the field and what is wrong
 */
export function validateCaseDetails(value: unknown, field: string, policy: DetailsPolicy = {}): CaseDetails | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new InvalidCaseInputError(`${field} must be an object, got ${describe(value)}`);
  const unknown = Object.keys(value).filter((k) => !(DETAIL_FIELDS as string[]).includes(k));
  if (unknown.length > 0) {
    throw new InvalidCaseInputError(`${field} has unknown field(s) ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')};`
      + ` known: ${DETAIL_FIELDS.join(', ')}`);
  }
  const details: Record<string, string> = {};
  for (const key of DETAIL_FIELDS) {
    const v = value[key];
    if (v === undefined) continue;
    const name = `${field}.${key}`;
    if (typeof v !== 'string') throw new InvalidCaseInputError(`${name} must be a string, got ${describe(v)}`);
    if (v.trim() === '') throw new InvalidCaseInputError(`${name} must not be empty`);
    if (v.length > CASE_DETAIL_LIMITS[key]) {
      throw new InvalidCaseInputError(`${name} must be at most ${CASE_DETAIL_LIMITS[key]} characters, got ${v.length}`);
    }
    if (DETAIL_CONTROL.test(v)) throw new InvalidCaseInputError(`${name} must not contain control characters other than tab and line breaks`);
    if (key === 'link') checkLink(v, name, policy);
    details[key] = v;
  }
  return Object.keys(details).length > 0 ? details : undefined;
}

function checkLink(value: string, name: string, policy: DetailsPolicy): void {
  let url: URL | undefined;
  try {
    url = /\s/.test(value) ? undefined : new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new InvalidCaseInputError(`${name} must be an absolute http:// or https:// URL without spaces`);
  }
  // The WHATWG parser also reads a user-info part from "https://@host" or "https://:@host": refuse any '@' before the host.
  if (url.username !== '' || url.password !== '' || /^[a-z]+:\/\/[^/?#]*@/i.test(value)) {
    throw new InvalidCaseInputError(`${name} must not carry a user name or password (user@host): it hides the real host`);
  }
  if (policy.linkHosts && !hostAllowed(url.hostname, policy.linkHosts)) {
    throw new InvalidCaseInputError(`${name} must point to one of the allowed hosts (linkHosts)`);
  }
}
