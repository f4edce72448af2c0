/**
 * The handlers' time bounds, shared by the handlers (which apply them) and the construct (whose
 * synth checks make sure `handlerTimeout` fits them: see `workflow-limits.ts`).
 *
 * `REQUEST_TIMEOUTS`: bounds on every SDK request the handlers make: no call may hang until the
 * function times out; it fails (a `TimeoutError`, retried by the SDK and then by the state
 * machine) instead. `throwOnRequestTimeout` matters: since @smithy/node-http-handler 4.x a
 * `requestTimeout` alone only logs a warning when an answer is late, and no socket timeout is set
 * by default, so a connection whose answer never comes would hold the invocation until Lambda
 * stops it. The request timeout runs from the start of the request (connecting included).
 */
export const REQUEST_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } as const;

/** Time a handler keeps after its deadline: to throw the step's error and for Lambda to deliver it. */
export const DEADLINE_MARGIN_MS = 1_000;
