/**
 * The invocation's deadline: every SDK call of a handler is bounded by the time Lambda leaves
 * the invocation (`context.getRemainingTimeInMillis()`) minus a margin, through one abort signal,
 * so that a handler always ends, and says what it did, before Lambda stops it. A sent email's
 * id then always leaves in `EmailSentNotRecorded`, even when DynamoDB stalls.
 *
 * The timer is the handler's `setTimeout`, armed once per invocation (a local run scales it with
 * the rest of the handler's time).
 */
import { DEADLINE_MARGIN_MS } from '../shared/time-budget';

/** The part of Lambda's context the deadline reads (absent in unit tests: no deadline). */
export interface DeadlineContext {
  getRemainingTimeInMillis?(): number;
}

export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly context?: DeadlineContext, private readonly marginMs = DEADLINE_MARGIN_MS) {
    const left = this.remainingMs();
    if (left !== undefined) {
      this.timer = setTimeout(() => this.controller.abort(new Error('the invocation\'s deadline was reached')), Math.max(0, left));
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Aborts every SDK call it is passed to once the deadline is reached. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Milliseconds left before the deadline, or undefined when the invocation has none. */
  remainingMs(): number | undefined {
    const left = this.context?.getRemainingTimeInMillis?.();
    return typeof left === 'number' && Number.isFinite(left) ? left - this.marginMs : undefined;
  }

  /** True when `ms` more fit before the deadline. */
  allows(ms: number): boolean {
    if (this.controller.signal.aborted) return false;
    const left = this.remainingMs();
    return left === undefined || left >= ms;
  }

  /** Stops the timer (at the end of the invocation). */
  end(): void {
    clearTimeout(this.timer);
  }
}
