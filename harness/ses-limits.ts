/**
 * SES's sending limits, played locally in front of the SES emulator (through the fault proxy):
 *
 * - the maximum sending rate: a token bucket refilled at `ratePerSecond` emails per second of
 *   AWS time and holding one second's worth (at least one email); a send that finds it empty
 *   is refused with SES's throttling error, `Throttling` / `Maximum sending rate exceeded.`;
 * - the daily quota: past `dailyQuota` accepted emails every send is refused with the same
 *   error code and the message `Daily message quota exceeded.` (waiting seconds does not help).
 *
 * In scaled time (the harness runs AWS time `timeScale` times faster), R emails per second
 * of AWS time are R × timeScale emails per real second: the bucket refills that fast.
 */

/** SES's messages for its two throttling refusals (HTTP 400, code `Throttling`). */
export const SES_RATE_EXCEEDED = 'Maximum sending rate exceeded.';
export const SES_DAILY_QUOTA_EXCEEDED = 'Daily message quota exceeded.';

/** What SES's `GetSendQuota` tells: the account's limits (the rate in emails per real second of the run). */
export interface SesSendQuota {
  readonly maxSendRate: number;
  readonly max24HourSend: number;
}

/** SES v1's `GetSendQuota` answer (query API, XML), as the SDK parses it. */
export function answerGetSendQuota(res: import('node:http').ServerResponse, quota: SesSendQuota, sentLast24Hours: number): void {
  res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fault-proxy' });
  res.end('<GetSendQuotaResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><GetSendQuotaResult>'
    + `<SentLast24Hours>${sentLast24Hours}</SentLast24Hours><Max24HourSend>${quota.max24HourSend}</Max24HourSend>`
    + `<MaxSendRate>${quota.maxSendRate}</MaxSendRate></GetSendQuotaResult>`
    + '<ResponseMetadata><RequestId>fault-proxy</RequestId></ResponseMetadata></GetSendQuotaResponse>');
}

export interface SesLimitsOptions {
  /** Emails per second of AWS time. Default: no rate limit. */
  readonly ratePerSecond?: number;
  /** Emails per day. Default: no quota. */
  readonly dailyQuota?: number;
  /** How much faster than AWS time the local run goes. Default 1. */
  readonly timeScale?: number;
  /** The clock, in real milliseconds (for tests). Default `performance.now`. */
  readonly now?: () => number;
}

export interface SesSendingLimiter {
  /** Emails let through, and sends refused for the rate and for the daily quota. */
  readonly counts: { accepted: number; rateRefused: number; quotaRefused: number };
  /** When the last email was let through (the clock's milliseconds), if any. */
  readonly lastAcceptedAt: () => number | undefined;
  /** Takes one email's permission: undefined if SES accepts it, else the refusal's message. */
  take(): string | undefined;
}

export function sesSendingLimiter(options: SesLimitsOptions): SesSendingLimiter {
  const now = options.now ?? (() => performance.now());
  const scale = options.timeScale ?? 1;
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(rate > 0)) throw new Error(`ratePerSecond must be positive, got ${rate}`);
  if (options.dailyQuota !== undefined && !(options.dailyQuota >= 0)) throw new Error(`dailyQuota must be 0 or more, got ${options.dailyQuota}`);
  const capacity = rate === undefined ? Infinity : Math.max(1, rate);
  /** Tokens refilled per real millisecond. */
  const refillPerMs = rate === undefined ? 0 : (rate * scale) / 1000;
  let tokens = capacity;
  let last = now();
  const counts = { accepted: 0, rateRefused: 0, quotaRefused: 0 };
  let lastAcceptedAt: number | undefined;
  return {
    counts,
    lastAcceptedAt: () => lastAcceptedAt,
    take: () => {
      if (options.dailyQuota !== undefined && counts.accepted >= options.dailyQuota) {
        counts.quotaRefused++;
        return SES_DAILY_QUOTA_EXCEEDED;
      }
      if (rate !== undefined) {
        const t = now();
        tokens = Math.min(capacity, tokens + (t - last) * refillPerMs);
        last = t;
        if (tokens < 1) {
          counts.rateRefused++;
          return SES_RATE_EXCEEDED;
        }
        tokens -= 1;
      }
      counts.accepted++;
      lastAcceptedAt = now();
      return undefined;
    },
  };
}
