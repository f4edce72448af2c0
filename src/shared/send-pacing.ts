/**
 * Paced sending (docs/design/burst-pacing.md): the arithmetic of send slots, shared by the
 * construct, the Send Email handler and the burst model.
 *
 * One counter item holds `nextAt`, the earliest time the next throttled (or queued) email may go
 * out. A reservation takes the slot `max(nextAt, now + gap)` and moves `nextAt` one gap past it, so
 * reserved slots are spaced `1 / (PACE_FRACTION × R)` apart: SES's bucket refills faster than the
 * slots use it, and a paced send is accepted unless something else spends the account's rate.
 */

/** Share of SES's maximum sending rate that reserved slots use (the rest absorbs timing noise). */
export const PACE_FRACTION = 0.95;

/** Rounds of reserve-wait-send one execution may make before it fails with `EmailThrottled`. */
export const MAX_SEND_SLOT_ROUNDS = 8;

/** Partition key value of the counter item in the case table (no case id can take it: case ids have no `#`). */
export const SEND_SLOT_COUNTER_KEY = '#send-slots';

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
 * yet): the slot is `nextAt`, or one gap from now when the counter is behind the clock; a slot after `latest` (the case's patience) is refused,
 * and the counter is left alone. `behind`: the counter was behind the clock (no backlog), which
 * takes a second conditional write at the edge.
 */
export function reserveSlot(nextAt: number | undefined, now: number, gapMs: number, latest: number): Reservation {
  const behind = nextAt === undefined || nextAt < now;
  // A counter behind the clock means no backlog yet: SES just refused, so its bucket is empty now.
  const slotAt = behind ? now + gapMs : nextAt;
  if (slotAt > latest) return { kind: 'tooLate', slotAt };
  return { kind: 'slot', slotAt, nextAt: slotAt + gapMs, behind };
}

/** Whether a case arriving at `now` finds a backlog (and joins it rather than asking SES). */
export function hasBacklog(nextAt: number | undefined, now: number): boolean {
  return nextAt !== undefined && nextAt > now;
}
