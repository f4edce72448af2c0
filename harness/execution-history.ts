/**
 * Step Functions' execution history, as far as its size goes: a Standard execution's history holds
 * at most 25,000 events, a hard quota, and an execution that reaches it fails (Step Functions
 * Developer Guide, "Step Functions service quotas", quotas related to state machine executions:
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). It fails as a whole:
 * no Retry or Catch of the state machine runs. Express executions keep no such history.
 *
 * The events counted, after the history event types of the API (GetExecutionHistory, HistoryEvent:
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html):
 * ExecutionStarted and the execution's end (1 each); per state entered, its `...StateEntered`
 * and, when it leaves, `...StateExited` (1 each); per Task attempt, Scheduled, Started and
 * Succeeded/Failed/TimedOut (3: `LambdaFunction...` or `Task...`).
 *
 * The error the execution fails with is not documented: the harness uses `States.Runtime` (the
 * name Step Functions gives failures no retrier or catcher may handle). Unverified on AWS.
 */

/** AWS's quota on a Standard execution's history. */
export const STANDARD_HISTORY_EVENT_LIMIT = 25_000;
/** Events of one Task attempt: scheduled, started, and its result. */
export const EVENTS_PER_TASK_ATTEMPT = 3;
/** The error of an execution whose history reached the limit (see the module's doc). */
export const HISTORY_LIMIT_ERROR = 'States.Runtime';

/** Counts one execution's history events and says when it passes the limit (once). */
export class ExecutionHistory {
  /** ExecutionStarted. */
  private count = 1;
  private exceeded = false;

  /** `limit` undefined: no limit (Express). `onExceeded` is called once, when an event would pass it. */
  constructor(private readonly limit: number | undefined, private readonly onExceeded: () => void) {}

  get events(): number {
    return this.count;
  }

  get limitReached(): boolean {
    return this.exceeded;
  }

  /** Records `n` events; false (and `onExceeded`, the first time) once the history is past its limit. */
  add(n: number): boolean {
    if (this.exceeded) return false;
    this.count += n;
    if (this.limit !== undefined && this.count > this.limit) {
      this.exceeded = true;
      this.onExceeded();
      return false;
    }
    return true;
  }

  /** Why the execution failed, as the outcome reports it. */
  cause(): string {
    return `the execution's history reached ${this.limit} events (Step Functions' quota): it fails, and no Catch runs`;
  }
}
