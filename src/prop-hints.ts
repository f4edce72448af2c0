/**
 * Synth-time problems that say how to fix them: the value that would fit, the prop to use
 * instead, and which values are defaults (a user may not know that a prop they never set has a
 * value). Each problem is one line starting with the prop it is about.
 */
import { Duration } from 'aws-cdk-lib';
import { isValidEmailAddress } from './shared/contract';

/** `30 seconds` or, for a value the user did not set, `30 seconds, the default`. */
export function described(value: Duration, isDefault: boolean): string {
  return isDefault ? `${value.toHumanString()}, the default` : value.toHumanString();
}

/**
 * `senderEmail` is the address SES sends from: it names the `ses:FromAddress` the Send Email
 * function may use, so a display name or a bare domain cannot stand in for it.
 */
export function senderEmailProblem(senderEmail: string): string | undefined {
  if (isValidEmailAddress(senderEmail)) return undefined;
  const named = /^\s*"?([^"<]*?)"?\s*<([^<>]+)>\s*$/.exec(senderEmail);
  if (named && isValidEmailAddress(named[2])) {
    const name = named[1].trim();
    return `senderEmail: ${JSON.stringify(senderEmail)} holds a display name: set senderEmail: ${JSON.stringify(named[2])}`
      + (name ? ` and senderName: ${JSON.stringify(name)}` : ' (and senderName for the name)');
  }
  if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(senderEmail)) {
    return `senderEmail: ${JSON.stringify(senderEmail)} is a domain, not an address: give the address to send from,`
      + ` e.g. "support@${senderEmail}" (its verified SES identity may be the address or the domain ${senderEmail})`;
  }
  return `senderEmail: ${JSON.stringify(senderEmail)} is not a valid email address`;
}

/** The timeouts as resolved, and whether each was set by the user. */
export interface TimeoutsSet {
  readonly handlerTimeout: Duration;
  readonly taskTimeout: Duration;
  readonly handlerTimeoutSet: boolean;
  readonly taskTimeoutSet: boolean;
  /** Seconds of Lambda's init phase, which count against the task but not the function. */
  readonly initSeconds: number;
}

/**
 * A task attempt must outlast the function plus its init: blames the prop the user set, and
 * names defaults.
 */
export function taskTimeoutProblem(t: TimeoutsSet): string | undefined {
  const need = t.handlerTimeout.toMilliseconds() / 1000 + t.initSeconds;
  if (t.taskTimeout.toMilliseconds() / 1000 >= need) return undefined;
  const handler = described(t.handlerTimeout, !t.handlerTimeoutSet);
  const task = described(t.taskTimeout, !t.taskTimeoutSet);
  const init = `${t.initSeconds} s for Lambda's init, which counts against the task but not the function`;
  if (t.handlerTimeoutSet && !t.taskTimeoutSet) {
    const most = t.taskTimeout.toMilliseconds() / 1000 - t.initSeconds;
    return `handlerTimeout: ${handler} plus ${init}, must fit in taskTimeout (${task}): lower handlerTimeout to at most ${most} s,`
      + ` or set taskTimeout to at least ${need} s`;
  }
  return `taskTimeout: ${task} must be at least handlerTimeout (${handler}) plus ${init}: at least ${need} s`;
}

/** What the throttled-email patience is checked against. */
export interface PatienceFit {
  readonly patience: Duration;
  readonly patienceSet: boolean;
  readonly executionTimeout: Duration;
  readonly executionTimeoutSet: boolean;
  readonly express: boolean;
  /** The longest an Express execution may run. */
  readonly expressMax: Duration;
  /** Seconds the throttle retries of a patience may wait, at worst. */
  readonly worstWaitSeconds: (patience: Duration) => number;
  /** Seconds kept for the steps themselves besides the retries' waits. */
  readonly stepsSeconds: number;
}

/** The longest patience (whole seconds) whose retries fit in `limitSeconds`; 0 when none does. */
export function largestFittingPatience(fit: PatienceFit, limitSeconds: number): number {
  const fits = (s: number) => fit.worstWaitSeconds(Duration.seconds(s)) + fit.stepsSeconds <= limitSeconds;
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = Math.max(2, limitSeconds);
  while (fits(hi)) hi *= 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid; else hi = mid;
  }
  return lo;
}

/** The patience's retries, with a minute for the steps, must fit in the execution timeout. */
export function throttlePatienceProblem(fit: PatienceFit): string | undefined {
  const budget = fit.worstWaitSeconds(fit.patience);
  const timeoutSeconds = fit.executionTimeout.toSeconds();
  if (budget + fit.stepsSeconds <= timeoutSeconds) return undefined;
  const largest = largestFittingPatience(fit, timeoutSeconds);
  const fixes: string[] = [];
  if (largest > 0) fixes.push(`set emailThrottlePatience to at most ${Duration.seconds(largest).toHumanString()}`);
  if (!fit.express) {
    fixes.push('raise executionTimeout');
  } else if (timeoutSeconds < fit.expressMax.toSeconds()) {
    const atMax = largestFittingPatience(fit, fit.expressMax.toSeconds());
    fixes.push(`raise executionTimeout to ${fit.expressMax.toHumanString()}, the Express maximum (patience up to ${Duration.seconds(atMax).toHumanString()})`);
  }
  if (fit.express) fixes.push('use a Standard workflow (workflowType: STANDARD) for a longer patience');
  return `emailThrottlePatience: ${described(fit.patience, !fit.patienceSet)} lets a case wait for a send slot up to ${Duration.seconds(budget).toHumanString()},`
    + ` which with ${Duration.seconds(fit.stepsSeconds).toHumanString()} for the steps does not fit in executionTimeout`
    + ` (${described(fit.executionTimeout, !fit.executionTimeoutSet)}): ${fixes.join('; or ')}`;
}

/**
 * The frames of a stack trace that belong to the user's code: without this library's and the
 * CDK's own frames, a props error is its lines of problems and the line of the app that made it.
 */
export function userFrames(stack: string): string {
  const lines = stack.split('\n');
  const frameStart = lines.findIndex((l) => /^\s+at /.test(l));
  if (frameStart < 0) return stack;
  const ours = /[/\\](support-case-workflow[/\\](lib|src)|node_modules[/\\](aws-cdk-lib|constructs))[/\\]|\((node:|internal[/\\])|^\s+at (node:|internal[/\\])|[/\\]src[/\\](workflow[/\\][\w-]+|prop-hints)\.ts/;
  const kept = lines.slice(frameStart).filter((l) => !ours.test(l));
  return [...lines.slice(0, frameStart), ...kept.slice(0, 3)].join('\n');
}
