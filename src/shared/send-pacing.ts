/**
 * Paced sending (docs/design/burst-pacing.md): the arithmetic of send slots, shared by the
 * construct, the Send Email handler and the burst model.
 *
 * One counter item holds `nextAt`, the earliest time the next throttled (or queued) email may go
 * out. A reservation takes the slot `nextAt` (or, with no backlog, ten gaps from now) and moves `nextAt` one gap past it, so
 * reserved slots are spaced `1 / (PACE_FRACTION × R)` apart: SES's bucket refills faster than the
 * slots use it, and a paced send is accepted unless something else spends the account's rate.
 */

/** Share of SES's maximum sending rate that reserved slots use (the rest absorbs timing noise). */
export const PACE_FRACTION = 0.95;

/** Rounds of reserve-wait-send one execution may make before it fails with `EmailThrottled`. */
export const MAX_SEND_SLOT_ROUNDS = 8;

/**
 * From a throttle that starts a backlog to its first slot, in gaps: SES's bucket refills for that
 * long (10 tokens' worth, or its whole second's worth below 10 emails/s). In gaps, not seconds,
 * so that it scales with time as the gap does.
 */
export const FIRST_SLOT_GAPS = 10;

/** Partition key value of the counter item in the case table (no case id can take it: case ids have no `#`). */
export const SEND_SLOT_COUNTER_KEY = '#send-slots';

/** Step Functions' Wait state considers a timestamp up to seconds and truncates its milliseconds. */
export const WAIT_TIMESTAMP_RESOLUTION_SECONDS = 1;

/** The time a slot's case is woken at: the slot rounded up to the Wait state's resolution, so never early. */
export function wakeAt(slotAt: number, resolutionMs: number): number {
  return resolutionMs > 0 ? Math.ceil(slotAt / resolutionMs) * resolutionMs : slotAt;
}

/** Milliseconds between two reserved slots at SES's rate `ratePerSecond`. */
export function slotGapMs(ratePerSecond: number): number {
  if (!(ratePerSecond > 0)) throw new Error(`the sending rate must be positive, got ${ratePerSecond}`);
  return 1000 / (PACE_FRACTION * ratePerSecond);
}

/** What a reservation does to the counter: the slot taken and the counter's new value, or too late. */
export type Reservation =
  | { readonly kind: 'slot'; readonly slotAt: number; readonly nextAt: number; readonly behind: boolean }
  | { readonly kind: 'tooLate'; readonly slotAt: number };

/**
 * The reservation a case makes at `now` when the counter says `nextAt` (undefined: no counter
 * yet): the slot is `nextAt`, or `FIRST_SLOT_GAPS` gaps from now when the counter is behind the clock; a slot after `latest` (the case's patience) is refused,
 * and the counter is left alone. `behind`: the counter was behind the clock (no backlog), which
 * takes a second conditional write at the edge.
 */
export function reserveSlot(nextAt: number | undefined, now: number, gapMs: number, latest: number): Reservation {
  const behind = nextAt === undefined || nextAt < now;
  // A counter behind the clock means no backlog yet: SES just refused, so its bucket is empty.
  // The first slot leaves it a few gaps to refill (SES's bucket holds about a second of its rate),
  // and that slack absorbs the timing noise of the paced sends for the rest of the backlog.
  const slotAt = behind ? now + FIRST_SLOT_GAPS * gapMs : nextAt;
  if (slotAt > latest) return { kind: 'tooLate', slotAt };
  return { kind: 'slot', slotAt, nextAt: slotAt + gapMs, behind };
}

/** What the counter item holds: the next slot, and the gap its slots are spaced by. */
export interface SlotCounter {
  readonly nextAt: number;
  readonly gapMs: number;
}

/**
 * Whether a case arriving at `now` finds a backlog (and joins it rather than asking SES): slots
 * are reserved ahead of the clock, or were until a few gaps ago — paced sends may run a little
 * behind their slots, and a new case asking SES then would take a token one of them needs.
 */
export function hasBacklog(counter: SlotCounter | undefined, now: number): boolean {
  return counter !== undefined && now < counter.nextAt + FIRST_SLOT_GAPS * counter.gapMs;
}
