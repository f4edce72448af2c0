/**
 * The acknowledge link (docs/design/acknowledgement.md): a random id of 128 bits per email
 * claim, of which only the SHA-256 hash is stored on the case record; the link itself goes only
 * into the email. Send Email makes and hashes the ids, the acknowledge page hashes what it is
 * given and compares in constant time. The acknowledgement settings come from the function's
 * environment (set by the construct only when the `acknowledgement` prop is). Plain functions,
 * no AWS calls. Never log a link id.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ClaimExtra } from './email-claim.lambda-shared';
import { ConfigurationError } from './errors.lambda-shared';
import { LINK_ID_BYTES, LINK_PARAMS } from '../shared/acknowledgement';
import { CaseRecord, ENV } from '../shared/contract';
import type { TemplateValues } from '../shared/template-engine';

/** A new link id: LINK_ID_BYTES random bytes, base64url (22 characters). */
export function newLinkId(): string {
  return randomBytes(LINK_ID_BYTES).toString('base64url');
}

/** The shape of a link id (base64url of LINK_ID_BYTES bytes, no padding). */
const LINK_ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((LINK_ID_BYTES * 8) / 6)}}$`);

/** True when `value` has the shape of a link id (anything else cannot be one: no lookup needed). */
export function isLinkIdShaped(value: unknown): value is string {
  return typeof value === 'string' && LINK_ID_PATTERN.test(value);
}

/** SHA-256 of a link id, base64url: what the record stores. */
export function linkIdHash(linkId: string): string {
  return createHash('sha256').update(linkId, 'utf8').digest('base64url');
}

/** Constant-time equality of two hashes (false for different lengths, without comparing). */
export function hashEquals(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when `hash` is one of `hashes`; every entry is compared, in constant time each. */
export function hashIsOneOf(hash: string, hashes: readonly string[] | undefined): boolean {
  let found = false;
  for (const stored of hashes ?? []) found = hashEquals(stored, hash) || found;
  return found;
}

/** The link in the email: `<page>?case=<caseId>&id=<linkId>` (the page URL may carry a query of its own). */
export function acknowledgeUrl(pageUrl: string, caseId: string, linkId: string): string {
  const query = new URLSearchParams({ [LINK_PARAMS.CASE_ID]: caseId, [LINK_PARAMS.LINK_ID]: linkId }).toString();
  return `${pageUrl}${pageUrl.includes('?') ? '&' : '?'}${query}`;
}

/** Send Email's acknowledgement settings (undefined: acknowledgement is off). */
export interface AckSettings {
  /** The acknowledge page: the links' base URL. */
  readonly pageUrl: string;
  readonly escalateAfterSeconds: number;
  readonly linkTtlSeconds: number;
}

function positiveInteger(name: string): number {
  const raw = process.env[name];
  const value = Number(raw);
  if (!raw || !Number.isInteger(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive whole number, got ${JSON.stringify(raw ?? null)}`);
  return value;
}

/**
 * Send Email's settings: undefined without ACK_PAGE_URL (acknowledgement off: today's emails and
 * writes exactly).
 * @throws ConfigurationError when the page URL is set but the others are missing or malformed
 */
export function sendEmailAckSettings(): AckSettings | undefined {
  const pageUrl = process.env[ENV.ACK_PAGE_URL];
  if (!pageUrl) return undefined;
  if (!/^https?:\/\//.test(pageUrl)) throw new ConfigurationError(`${ENV.ACK_PAGE_URL} must be an http(s) URL`);
  return {
    pageUrl,
    escalateAfterSeconds: positiveInteger(ENV.ACK_ESCALATE_AFTER_SECONDS),
    linkTtlSeconds: positiveInteger(ENV.ACK_LINK_TTL_SECONDS),
  };
}

/** Escalate Case's setting: emails per case at most (ACK_MAX_ROUNDS; no default: a missing one is a ConfigurationError). */
export function maxRoundsSetting(): number {
  return positiveInteger(ENV.ACK_MAX_ROUNDS);
}

/** One email claim's link: the id (into the email only) and what the claim writes (hash, expiry, round). */
export interface ClaimLink {
  readonly url: string;
  /** Added to the claim's conditional write: its own hash, the links' expiry, the round. */
  readonly extra: ClaimExtra;
}

/** A new link for one claim at `now`: the hash joins the round's set, the expiry is `now + linkTtlSeconds`. */
export function claimLink(settings: AckSettings, caseId: string, now: Date): ClaimLink {
  const linkId = newLinkId();
  return {
    url: acknowledgeUrl(settings.pageUrl, caseId, linkId),
    extra: {
      set: 'ackLinkExpiresAt = :ack_exp, ackRound = if_not_exists(ackRound, :ack_one)',
      add: 'ackIdHashes :ack_h',
      values: {
        ':ack_exp': { N: String(Math.floor(now.getTime() / 1000) + settings.linkTtlSeconds) },
        ':ack_one': { N: '1' },
        ':ack_h': { SS: [linkIdHash(linkId)] },
      },
    },
  };
}

/** "15 minutes", "1 hour 30 minutes", "45 seconds": a wait, for people. */
export function formatDuration(seconds: number): string {
  const units: [number, string][] = [[86_400, 'day'], [3_600, 'hour'], [60, 'minute'], [1, 'second']];
  const parts: string[] = [];
  let left = Math.max(0, Math.round(seconds));
  for (const [size, name] of units) {
    const count = Math.floor(left / size);
    left -= count * size;
    if (count > 0) parts.push(`${count} ${name}${count === 1 ? '' : 's'}`);
  }
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
}

/**
 * The acknowledgement placeholders of an email, from the STORED record: the link, the round,
 * and from round 2 who had the case before and after how long it was escalated.
 */
export function acknowledgementTemplateValues(record: CaseRecord, url: string, escalateAfterSeconds: number): TemplateValues {
  const previous = record.escalations?.[record.escalations.length - 1];
  return {
    acknowledgeUrl: url,
    round: String(record.ackRound ?? 1),
    ...(previous ? { escalatedFrom: previous.employeeName, escalatedAfter: formatDuration(escalateAfterSeconds) } : {}),
  };
}
