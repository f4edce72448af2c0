/**
 * Acknowledge or escalate, the props' side: the resolved settings (defaults in resolve-props.ts),
 * their synth-time checks (each naming its prop), and the rounds' arithmetic that the execution
 * timeout and the history check read.
 */
import { Duration, Token, aws_sns as sns, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { PACING_LOOP_ENTRIES } from '../paced-sending';
import { SupportCaseWorkflowProps } from './props';
import { STATE_NAMES } from '../shared/contract';

/** `acknowledgement` with every default applied. */
export interface ResolvedAcknowledgement {
  readonly escalateAfter: Duration;
  readonly maxRounds: number;
  readonly pageConcurrency: number;
  readonly unacknowledgedTopic?: sns.ITopic;
}

/** What the checks read of the resolved props. */
interface ResolvedForChecks {
  readonly workflowType: sfn.StateMachineType;
  readonly executionTimeout: Duration;
  readonly emailThrottlePatience: Duration;
  readonly acknowledgement?: ResolvedAcknowledgement;
}

/**
 * A round's steps besides its wait (Send Email, the wait's own invocation, Escalate Case), when
 * nothing is retried: what each round adds to `escalateAfter` in the timeout checks.
 */
export const ROUND_STEPS = Duration.minutes(1);

export const MAX_ROUNDS_LIMIT = 10;
const MIN_ESCALATE_AFTER = Duration.minutes(1);
const MAX_PAGE_CONCURRENCY = 100;
/**
 * A Standard execution runs at most one year (Step Functions quotas, "Maximum execution time"):
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const STANDARD_MAX_DURATION = Duration.days(365);

/** Every round's wait and steps: `maxRounds × (escalateAfter + ROUND_STEPS)`. */
export function roundsDuration(ack: ResolvedAcknowledgement): Duration {
  const seconds = ack.escalateAfter.toSeconds({ integral: false }) + ROUND_STEPS.toSeconds();
  return Duration.seconds(Math.ceil(ack.maxRounds * seconds));
}

function wholeNumberProblem(name: string, value: number, min: number, max: number): string[] {
  if (Token.isUnresolved(value)) return [`${name}: must be a number known at synth (tokens cannot be checked)`];
  if (!Number.isInteger(value) || value < min || value > max) return [`${name}: ${value} is not a whole number from ${min} to ${max}`];
  return [];
}

function escalateAfterProblems(escalateAfter: Duration): string[] {
  if (escalateAfter.isUnresolved()) return ['acknowledgement.escalateAfter: must be a duration known at synth (tokens cannot be checked)'];
  const ms = escalateAfter.toMilliseconds({ integral: false });
  const problems: string[] = [];
  if (ms < MIN_ESCALATE_AFTER.toMilliseconds()) problems.push(`acknowledgement.escalateAfter: ${escalateAfter.toHumanString()} is shorter than 1 minute`);
  if (ms % 1000 !== 0) problems.push(`acknowledgement.escalateAfter: Step Functions' TimeoutSeconds takes whole seconds, got ${escalateAfter.toHumanString()}`);
  return problems;
}

/** The acknowledgement's problems, each naming its prop (both props where two disagree). */
export function acknowledgementProblems(props: SupportCaseWorkflowProps, resolved: ResolvedForChecks): string[] {
  const ack = resolved.acknowledgement;
  if (!ack) return [];
  if (resolved.workflowType === sfn.StateMachineType.EXPRESS) {
    return ['acknowledgement: needs workflowType STANDARD: an Express workflow cannot wait for a callback (.waitForTaskToken); '
      + 'remove acknowledgement or set workflowType to sfn.StateMachineType.STANDARD'];
  }
  const problems = [
    ...escalateAfterProblems(ack.escalateAfter),
    ...wholeNumberProblem('acknowledgement.maxRounds', ack.maxRounds, 1, MAX_ROUNDS_LIMIT),
    ...wholeNumberProblem('acknowledgement.pageConcurrency', ack.pageConcurrency, 1, MAX_PAGE_CONCURRENCY),
  ];
  if (problems.length > 0) return problems;
  // Every round's wait, after the email's patience (which counts from the execution's start).
  const needed = resolved.emailThrottlePatience.plus(roundsDuration(ack));
  const neededSeconds = needed.toSeconds({ integral: false });
  if (neededSeconds > STANDARD_MAX_DURATION.toSeconds()) {
    problems.push(`acknowledgement.maxRounds: ${ack.maxRounds} rounds of acknowledgement.escalateAfter (${ack.escalateAfter.toHumanString()}) `
      + 'plus emailThrottlePatience do not fit in a Standard execution\'s limit of one year: lower acknowledgement.maxRounds or acknowledgement.escalateAfter');
  } else if (props.executionTimeout && !props.executionTimeout.isUnresolved()
    && neededSeconds > props.executionTimeout.toSeconds({ integral: false })) {
    problems.push(`executionTimeout: ${props.executionTimeout.toHumanString()} is shorter than acknowledgement.maxRounds (${ack.maxRounds}) `
      + `rounds of acknowledgement.escalateAfter (${ack.escalateAfter.toHumanString()}) plus ${ROUND_STEPS.toHumanString()} of steps each, `
      + `after emailThrottlePatience (${resolved.emailThrottlePatience.toHumanString()}): at least ${needed.toHumanString()}; `
      + 'raise executionTimeout (or leave it out) or lower acknowledgement.maxRounds or acknowledgement.escalateAfter');
  }
  return problems;
}

/**
 * How often each state of the loop can be entered in one execution (for the history check): the
 * pacing loop once per round, and the wait, the escalation and its choice once per round.
 */
export function acknowledgementLoopEntries(maxRounds: number): Record<string, number> {
  const entries: Record<string, number> = {};
  for (const [state, times] of Object.entries(PACING_LOOP_ENTRIES)) entries[state] = times * maxRounds;
  for (const state of [STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT, STATE_NAMES.ESCALATE_CASE, STATE_NAMES.ESCALATION_OUTCOME]) entries[state] = maxRounds;
  entries[STATE_NAMES.NEXT_ROUND] = maxRounds - 1;
  return entries;
}
