/**
 * Bounds on every SDK request the handlers make (see `../shared/time-budget.ts`). The local
 * harness reads these values too: they are the handlers' bounds on real I/O (see
 * `harness/local/time-scale.ts`).
 */
export { REQUEST_TIMEOUTS } from '../shared/time-budget';
