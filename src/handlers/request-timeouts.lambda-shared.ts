/**
 * Bounds on every SDK request the handlers make: no call may hang until the function times out;
 * it fails (a `TimeoutError`, retried by the SDK and then by the state machine) instead.
 *
 * `throwOnRequestTimeout` matters: since @smithy/node-http-handler 4.x a `requestTimeout`
 * alone only logs a warning when an answer is late, and no socket timeout is set by default,
 * so a connection whose answer never comes would hold the invocation until Lambda stops it.
 * The local harness reads these values too: they are the handlers' bounds on real I/O (see
 * `harness/local-workflow.ts`).
 */
export const REQUEST_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true } as const;
