/** The acknowledge link: a 128-bit id, its hash, the URL, constant-time comparison, the settings and the placeholders' values. */
import { createHash } from 'node:crypto';
import {
  acknowledgeUrl, claimLink, formatDuration, hashEquals, hashIsOneOf, isLinkIdShaped, linkIdHash, newLinkId, sendEmailAckSettings,
} from '../../src/handlers/acknowledge-link.lambda-shared';
import { CaseErrorName, ENV } from '../../src/shared/contract';

describe('link ids', () => {
  test('16 random bytes, base64url; distinct; the hash is SHA-256 base64url of the id', () => {
    const ids = new Set(Array.from({ length: 1000 }, newLinkId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(isLinkIdShaped(id)).toBe(true);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    const id = newLinkId();
    expect(linkIdHash(id)).toBe(createHash('sha256').update(id).digest('base64url'));
    expect(isLinkIdShaped(`${id}=`)).toBe(false);
    expect(isLinkIdShaped(id.slice(1))).toBe(false);
  });

  test('comparison: equal only when equal, any entry of a set', () => {
    const [a, b] = [linkIdHash(newLinkId()), linkIdHash(newLinkId())];
    expect(hashEquals(a, a)).toBe(true);
    expect(hashEquals(a, b)).toBe(false);
    expect(hashEquals(undefined, a)).toBe(false);
    expect(hashEquals(a, a.slice(1))).toBe(false);
    expect(hashIsOneOf(b, [a, b])).toBe(true);
    expect(hashIsOneOf(b, [a])).toBe(false);
    expect(hashIsOneOf(b, undefined)).toBe(false);
  });

  test('the URL carries the case id (encoded) and the id; a page URL with a query keeps it', () => {
    expect(acknowledgeUrl('https://x.lambda-url.eu-west-1.on.aws/', 'c.1_a', 'ID')).toBe('https://x.lambda-url.eu-west-1.on.aws/?case=c.1_a&id=ID');
    expect(acknowledgeUrl('https://p.example/ack?team=1', 'c 1', 'ID')).toBe('https://p.example/ack?team=1&case=c+1&id=ID');
  });

  test('a claim\'s link: its hash, expiry and round go into the claim\'s write, never the id', () => {
    const link = claimLink({ pageUrl: 'https://p.example/', escalateAfterSeconds: 900, linkTtlSeconds: 1800 }, 'c1', new Date(1_000_000));
    const id = new URL(link.url).searchParams.get('id')!;
    expect(link.extra.values).toEqual({ ':ack_exp': { N: '2800' }, ':ack_one': { N: '1' }, ':ack_h': { SS: [linkIdHash(id)] } });
    expect(JSON.stringify(link.extra)).not.toContain(id);
  });
});

describe('settings', () => {
  const keys = [ENV.ACK_PAGE_URL, ENV.ACK_ESCALATE_AFTER_SECONDS, ENV.ACK_LINK_TTL_SECONDS, ENV.ACK_MAX_ROUNDS];
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    for (const k of keys) delete process.env[k];
  });
  afterEach(() => {
    for (const k of keys) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  });

  test('off without ACK_PAGE_URL; read whole when set; malformed is a ConfigurationError', () => {
    expect(sendEmailAckSettings()).toBeUndefined();
    Object.assign(process.env, { [ENV.ACK_PAGE_URL]: 'https://p.example/', [ENV.ACK_ESCALATE_AFTER_SECONDS]: '900', [ENV.ACK_LINK_TTL_SECONDS]: '1800', [ENV.ACK_MAX_ROUNDS]: '3' });
    expect(sendEmailAckSettings()).toEqual({ pageUrl: 'https://p.example/', escalateAfterSeconds: 900, linkTtlSeconds: 1800 });
    process.env[ENV.ACK_LINK_TTL_SECONDS] = '0';
    expect(() => sendEmailAckSettings()).toThrow(expect.objectContaining({ name: CaseErrorName.CONFIGURATION }));
  });

  test('durations for people', () => {
    expect(formatDuration(900)).toBe('15 minutes');
    expect(formatDuration(3600)).toBe('1 hour');
    expect(formatDuration(5400)).toBe('1 hour 30 minutes');
    expect(formatDuration(61)).toBe('1 minute 1 second');
    expect(formatDuration(2 * 86400)).toBe('2 days');
  });
});
