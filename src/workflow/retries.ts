/**
 * The retry policies of the workflow's states and their arithmetic: the worst-case wait of a
 * retrier, and the email claim's leases that follow from the handler timeout and from Record Sent
 * Email's retries. Validation (resolve-props.ts) and the definition (definition.ts) read them.
 */
import { Duration, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { CaseErrorName } from '../shared/contract';
import { leaseWaitProblems } from '../workflow-limits';

/** Lambda service errors AWS recommends retrying. */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
];

/**
 * A failed condition of a DynamoDB integration's write (`DynamoDB.` + the API's error code): the
 * record is not ours to change, and retrying cannot change that.
 */
export const CONDITION_FAILED_NOT_RETRIED: sfn.RetryProps = { errors: ['DynamoDB.ConditionalCheckFailedException'], maxAttempts: 0 };

/** Retry policies (backoff with full jitter, as AWS recommends for Lambda and DynamoDB). */
export const RETRY = {
  /** Lambda failed around the handler: 6 retries, 2 s doubling. */
  lambdaService: {
    errors: LAMBDA_TRANSIENT_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, jitterStrategy: sfn.JitterType.FULL,
  },
  /**
   * Lambda throttled the invocation (concurrency limit, which CDK's default retry leaves out): a
   * burst can meet it, so more patience than for other service errors: 12 retries, full jitter,
   * capped at 10 s (about a minute in all on average).
   */
  lambdaThrottled: {
    errors: ['Lambda.TooManyRequestsException'],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 12,
    maxDelay: Duration.seconds(10),
    jitterStrategy: sfn.JitterType.FULL,
  },
  /** The function was killed (timeout, out of memory) or the attempt timed out: tried again twice. */
  functionKilled: {
    errors: ['Lambda.Unknown', 'Sandbox.Timedout', 'States.Timeout'], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 2,
  },
  /**
   * DynamoDB or SES throttled, failed or did not answer (our `DependencyUnavailable`): 10
   * retries, 1 s doubling up to 20 s, full jitter (about a minute in all on average), so that a
   * blip of a minute or two fails no case.
   */
  dependency: {
    errors: [CaseErrorName.DEPENDENCY_UNAVAILABLE],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 10,
    maxDelay: Duration.seconds(20),
    jitterStrategy: sfn.JitterType.FULL,
  },
  /**
   * Record Failure's write, after a failed condition (not retried): every other error (throttling,
   * 5xx, a timed-out attempt), whatever its name: 5 retries, 1 s doubling, full jitter. Naming the
   * transient errors one by one would rely on names that are easy to get wrong (the API's error
   * codes, not the Java SDK's class names).
   */
  recordFailure: {
    errors: [sfn.Errors.ALL], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 5, jitterStrategy: sfn.JitterType.FULL,
  },
} satisfies Record<string, sfn.RetryProps>;

/**
 * Record Sent Email: the email went out, so this write must land. Every error but a failed
 * condition (the claim is no longer this attempt's) is retried: 6 retries, 1 s doubling up to 8 s.
 */
export const RECORD_SENT_RETRY: { notOurs: sfn.RetryProps; any: sfn.RetryProps & { maxAttempts: number }; attemptTimeout: Duration } = {
  notOurs: CONDITION_FAILED_NOT_RETRIED,
  any: {
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(8),
    jitterStrategy: sfn.JitterType.FULL,
  },
  /** Timeout of one attempt (a DynamoDB call). */
  attemptTimeout: Duration.seconds(5),
};

/** Longest total wait of a retrier (every jittered wait at its maximum). */
function worstCaseWaitSeconds(retry: { interval?: Duration; backoffRate?: number; maxAttempts?: number; maxDelay?: Duration }): number {
  let total = 0;
  for (let k = 0; k < (retry.maxAttempts ?? 3); k++) {
    const wait = (retry.interval?.toSeconds() ?? 1) * (retry.backoffRate ?? 2) ** k;
    total += Math.min(wait, retry.maxDelay?.toSeconds() ?? Infinity);
  }
  return total;
}

/**
 * Waiting for another attempt's email claim: no jitter, a quarter lease doubling up to a whole
 * lease, 8 retries (6.75 leases in all). Once past the third, every retry waits a whole lease,
 * so a claim left by a dead attempt is always outlived, even when one execution meets several
 * such claims (the retry count is shared by all of them).
 */
export function emailInProgressRetry(leaseSeconds: number): sfn.RetryProps {
  return {
    errors: [CaseErrorName.EMAIL_SEND_IN_PROGRESS],
    interval: Duration.seconds(Math.ceil(leaseSeconds / 4)),
    backoffRate: 2,
    maxDelay: Duration.seconds(Math.ceil(leaseSeconds)),
    maxAttempts: 8,
    jitterStrategy: sfn.JitterType.NONE,
  };
}

/**
 * An email claim older than this belongs to an attempt that is over: its function has timed out
 * (plus a margin), and the state machine's Record Sent Email step, which records an email the
 * function could not, has run out of retries.
 */
export function emailLeaseSeconds(handlerTimeout: Duration): number {
  const recordSentAttempts = RECORD_SENT_RETRY.any.maxAttempts + 1;
  const recordSentBudget = worstCaseWaitSeconds(RECORD_SENT_RETRY.any) + recordSentAttempts * RECORD_SENT_RETRY.attemptTimeout.toSeconds();
  return handlerTimeout.toSeconds() + CLOCK_MARGIN_SECONDS + recordSentBudget;
}

/** Added to a lease for the clocks of different function instances. */
const CLOCK_MARGIN_SECONDS = 5;

/**
 * An earlier attempt of the same execution has stopped by then: its function's timeout, plus a
 * margin for the clocks.
 */
export function emailOwnLeaseSeconds(handlerTimeout: Duration): number {
  return handlerTimeout.toSeconds() + CLOCK_MARGIN_SECONDS;
}

/**
 * Waiting for another attempt's email claim must outlast the claim's lease, and fit in the task
 * and execution timeouts (the checks are in workflow-limits.ts).
 */
export function emailLeaseWaitProblems(handlerTimeout: Duration, taskTimeout: Duration, executionTimeout: Duration): string[] {
  const lease = emailLeaseSeconds(handlerTimeout);
  const inProgress = emailInProgressRetry(lease);
  return leaseWaitProblems(lease, {
    intervalSeconds: inProgress.interval!.toSeconds(),
    backoffRate: inProgress.backoffRate!,
    maxAttempts: inProgress.maxAttempts!,
    maxDelaySeconds: inProgress.maxDelay?.toSeconds(),
  }, taskTimeout, executionTimeout);
}
