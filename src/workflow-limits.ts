/**
 * Synth-time arithmetic on the workflow's time and history limits (issue 17): each check returns
 * the problems it finds, each naming the prop to change. Kept apart from the construct so that the
 * numbers and their sources are in one small place.
 */
import { Duration } from 'aws-cdk-lib';
import { DEADLINE_MARGIN_MS, REQUEST_TIMEOUTS } from './shared/time-budget';

/**
 * Lambda's init phase may take up to 10 s, and it counts against the Task's timeout but not the
 * function's ("The Init phase is limited to 10 seconds", Lambda execution environment lifecycle:
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
 */
export const LAMBDA_INIT_SECONDS = 10;

/**
 * Step Functions Standard caps an execution's history at 25,000 events (a hard quota; past it the
 * execution fails and no Catch runs: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 * The checks keep the worst case under this share of it.
 */
export const HISTORY_EVENT_LIMIT = 25_000;
export const HISTORY_EVENT_BUDGET = 20_000;
/** Events of one Task attempt (scheduled, started, succeeded / failed / timed out). */
const EVENTS_PER_TASK_ATTEMPT = 3;
/** Events of entering and leaving a state. */
const EVENTS_PER_STATE = 2;
/** Events of the execution itself (started, and succeeded / failed / timed out). */
const EVENTS_PER_EXECUTION = 2;

/**
 * The handler's work that must fit in `handlerTimeout`: Send Email's claim, its send and its
 * record, one SDK request each at the configured request timeout, and the deadline's margin.
 */
export function handlerBudgetProblems(handlerTimeout: Duration): string[] {
  const needMs = 3 * REQUEST_TIMEOUTS.requestTimeout + DEADLINE_MARGIN_MS;
  if (handlerTimeout.toMilliseconds() >= needMs) return [];
  return [`handlerTimeout: ${handlerTimeout.toHumanString()} does not fit Send Email's claim, send and record (one request each, `
    + `${REQUEST_TIMEOUTS.requestTimeout / 1000} s request timeout) and the ${DEADLINE_MARGIN_MS / 1000} s deadline margin: `
    + `at least ${Duration.millis(needMs).toHumanString()}`];
}

/** A Task attempt must outlast its function's invocation, init included. */
export function taskTimeoutProblems(handlerTimeout: Duration, taskTimeout: Duration): string[] {
  const need = handlerTimeout.toMilliseconds() / 1000 + LAMBDA_INIT_SECONDS;
  if (taskTimeout.toMilliseconds() / 1000 >= need) return [];
  return [`taskTimeout: ${taskTimeout.toHumanString()} must be at least handlerTimeout (${handlerTimeout.toHumanString()}) plus `
    + `${LAMBDA_INIT_SECONDS} s for Lambda's init, which counts against the task but not the function: at least ${need} s`];
}

/** A retrier as the check reads it (the state machine's Retry fields, seconds). */
export interface RetrierShape {
  readonly intervalSeconds: number;
  readonly backoffRate: number;
  readonly maxAttempts: number;
  readonly maxDelaySeconds?: number;
}

/** The waits of a retrier, without jitter (each at its maximum). */
function waits(r: RetrierShape): number[] {
  return Array.from({ length: r.maxAttempts }, (_, k) => Math.min(r.intervalSeconds * r.backoffRate ** k, r.maxDelaySeconds ?? Infinity));
}

/**
 * An attempt that dies holding the email claim (its Task times out) leaves the claim to its lease;
 * another execution waits it out with its `EmailSendInProgress` retries, then sends. All of it
 * must fit in `executionTimeout`: the dead attempt, the retries' waits up to the first one past
 * the lease, and one more attempt.
 */
export function leaseWaitProblems(leaseSeconds: number, inProgress: RetrierShape, taskTimeout: Duration, executionTimeout: Duration): string[] {
  let waited = 0;
  let retriesUntilLease: number | undefined;
  for (const [k, w] of waits(inProgress).entries()) {
    waited += w;
    if (waited >= leaseSeconds) {
      retriesUntilLease = k + 1;
      break;
    }
  }
  const needed = retriesUntilLease === undefined ? Infinity : waited + 2 * taskTimeout.toMilliseconds() / 1000;
  if (needed <= executionTimeout.toMilliseconds() / 1000) return [];
  return [`handlerTimeout: its email lease (${leaseSeconds} s, from handlerTimeout) is outwaited only ${Number.isFinite(needed)
    ? `${needed} s into an execution (a dead attempt's taskTimeout, ${waited} s of EmailSendInProgress retries, one more attempt)`
    : 'never (the EmailSendInProgress retries end first)'}, which does not fit in executionTimeout (${executionTimeout.toHumanString()}): `
    + 'lower handlerTimeout or taskTimeout, or raise executionTimeout'];
}

/** The part of an Amazon States Language state the history check reads. */
interface AslState {
  readonly Type: string;
  readonly Retry?: ReadonlyArray<{ readonly MaxAttempts?: number }>;
}

/**
 * The most history events an execution can write, from the states and retriers actually
 * configured: every state entered as often as `entries` says (once unless named: a loop's states
 * more often), every Task attempt of every retrier used up on each entry (a state's retry counts
 * start again when it is entered again). Retrier counts are separate per error, so the worst case
 * is their sum.
 */
export function worstCaseHistoryEvents(states: Record<string, AslState>, entries: Record<string, number> = {}): number {
  let events = EVENTS_PER_EXECUTION;
  for (const [name, state] of Object.entries(states)) {
    const times = entries[name] ?? 1;
    events += EVENTS_PER_STATE * times;
    if (state.Type !== 'Task') continue;
    const attempts = 1 + (state.Retry ?? []).reduce((n, r) => n + (r.MaxAttempts ?? 3), 0);
    events += EVENTS_PER_TASK_ATTEMPT * attempts * times;
  }
  return events;
}

/** The worst case must stay under HISTORY_EVENT_BUDGET; the retriers that can grow are named by `prop`. */
export function historyEventProblems(states: Record<string, AslState>, prop: string, entries: Record<string, number> = {}): string[] {
  const events = worstCaseHistoryEvents(states, entries);
  if (events <= HISTORY_EVENT_BUDGET) return [];
  return [`${prop}: an execution may write up to ${events} history events (about ${EVENTS_PER_TASK_ATTEMPT} per Lambda attempt, every `
    + `retrier used up), over the ${HISTORY_EVENT_BUDGET} this construct allows under Step Functions' hard limit of ${HISTORY_EVENT_LIMIT}; `
    + `past it an execution fails with no Record Failure: lower ${prop}`];
}
