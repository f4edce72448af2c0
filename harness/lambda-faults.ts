/**
 * Seeded faults of the Lambda service, for LocalWorkflow's Lambda binding (harness/local/lambda-binding.ts):
 * errors before a handler runs, answers lost after it ran, functions killed.
 */
import { NO_CASE } from './fault-proxy';
import { hashedRandom } from './seeded-random';

/** Lambda service errors raised before a handler runs (the ones the state machine retries). */
export const LAMBDA_SERVICE_FAULTS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** The handler ran to completion, then Lambda failed the invocation: its answer is lost. */
export const LAMBDA_LOST_ANSWER = 'after:Lambda.ServiceException';
/** The function was killed after the handler ran (out of memory, say): `Lambda.Unknown`. */
export const LAMBDA_KILLED = 'after:Lambda.Unknown';

/**
 * Share of invocations killed (`Lambda.Unknown`) per unit of fault rate. The state machine
 * retries a killed function only twice, so a kill must stay rare: at rate 0.2 it is 0.01 per
 * invocation, and 3 kills in a row for one step are 1e-6 (about 0.003 over 1,000 cases × 3 steps).
 */
export const LAMBDA_KILL_SHARE = 0.05;

/** Where an invocation is: the key of its fault decision. */
export interface LambdaInvocation {
  /** The execution's name. */
  readonly execution: string;
  /** 1 for the state's first invocation in this execution, 2 for its first retry, ... */
  readonly attempt: number;
}

/**
 * Decides whether the Lambda service fails an invocation: returns the error name, or nothing.
 * A name prefixed `after:` fails it after the handler ran to completion, whether it returned or
 * threw (its answer, result or error, is lost).
 * `invocation` says which execution and which attempt of the state it is (for seeded decisions
 * that do not depend on arrival order).
 */
export type LambdaFaultInjector = (stateName: string, invocation: LambdaInvocation) => string | undefined;

/**
 * A seeded injector of Lambda faults for LocalWorkflow, decided by a hash of (seed, execution,
 * state, n-th invocation): at `rate`, half are service errors before the handler runs (one of
 * LAMBDA_SERVICE_FAULTS), half a lost answer after it ran; at `rate × LAMBDA_KILL_SHARE`, the
 * function is killed after the handler ran.
 */
export function lambdaFaultInjector(rate: number, seed: number): (stateName: string, invocation?: LambdaInvocation) => string | undefined {
  let calls = 0;
  return (stateName, invocation) => {
    const key = ['lambda', invocation?.execution ?? NO_CASE, stateName, invocation?.attempt ?? ++calls];
    const u = hashedRandom(seed, key, 0);
    if (u < rate * LAMBDA_KILL_SHARE) return LAMBDA_KILLED;
    if (u >= rate) return undefined;
    if (hashedRandom(seed, key, 1) < 0.5) return LAMBDA_LOST_ANSWER;
    return LAMBDA_SERVICE_FAULTS[Math.floor(hashedRandom(seed, key, 2) * LAMBDA_SERVICE_FAULTS.length)];
  };
}
