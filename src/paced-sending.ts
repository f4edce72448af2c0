import { Duration, Token, aws_cloudwatch as cloudwatch, aws_iam as iam, aws_lambda as lambda, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { handlerMetric, MONITORING_PERIOD } from './monitoring';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { CaseErrorName, ENV, METRIC_NAMES, STATE_NAMES } from './shared/contract';
import { MAX_SEND_SLOT_ROUNDS, PACE_FRACTION, slotGapMs, WAIT_TIMESTAMP_RESOLUTION_SECONDS } from './shared/send-pacing';

/**
 * Paced sending, the construct's side (docs/design/burst-pacing.md): Send Email's
 * `EmailSlotReserved` catch, the Wait For Send Slot state, the Send Email function's settings and
 * its one extra permission. Off the happy path: a case reaches it only when SES refused its email
 * for the sending rate, or when it found other emails waiting for their slots.
 */

/** Where Send Email's catch puts the `EmailSlotReserved` error: the Wait reads the slot from it, and Send Email its round. */
const SLOT_PATH = '$.sendSlot';

/** Highest `emailSendRate` accepted (SES grants rates in the thousands at most). */
const MAX_SEND_RATE = 100_000;

/**
 * Adds the pacing loop to Send Email: `EmailSlotReserved` → Wait For Send Slot (until the slot's
 * time, read with JSONata from the error's message) → Send Email again. Two transitions a round.
 * Add it before Send Email's catch-all: catchers are tried in order.
 */
export function addSendSlotWait(scope: Construct, sendEmail: sfn.TaskStateBase): sfn.Wait {
  const errorField = SLOT_PATH.slice(2);
  const wait = sfn.Wait.jsonata(scope, 'WaitForSendSlot', {
    stateName: STATE_NAMES.WAIT_FOR_SEND_SLOT,
    comment: 'Waits for the send slot Send Email took (SES refused for its rate, or other emails were waiting); '
      + 'the error\'s message is the slot as JSON.',
    time: sfn.WaitTime.timestamp(`{% $parse($parse($states.input.${errorField}.Cause).errorMessage).sendAt %}`),
  });
  sendEmail.addCatch(wait, { errors: [CaseErrorName.EMAIL_SLOT_RESERVED], resultPath: SLOT_PATH });
  wait.next(sendEmail);
  return wait;
}

/**
 * How often the pacing loop can enter its states in one execution (for the history check): Send
 * Email once, and again after each of at most MAX_SEND_SLOT_ROUNDS waits for a slot.
 */
export const PACING_LOOP_ENTRIES: Record<string, number> = {
  [STATE_NAMES.SEND_EMAIL]: 1 + MAX_SEND_SLOT_ROUNDS,
  [STATE_NAMES.WAIT_FOR_SEND_SLOT]: MAX_SEND_SLOT_ROUNDS,
};

/** What Send Email's input carries for pacing: when its execution started (its patience counts from then). */
export const PACING_INPUT = { startedAt: sfn.JsonPath.stringAt('$$.Execution.StartTime') };

/**
 * The Send Email function's pacing settings: the slot spacing (when `emailSendRate` is given) and
 * the patience, in its environment; otherwise it may read SES's rate (`ses:GetSendQuota`, which
 * has no resource-level permission).
 */
export function configurePacing(fn: lambda.Function, role: iam.IRole, emailSendRate: number | undefined, patience: Duration): void {
  fn.addEnvironment(ENV.EMAIL_THROTTLE_PATIENCE_SECONDS, String(patience.toSeconds()));
  fn.addEnvironment(ENV.SEND_SLOT_RESOLUTION_SECONDS, String(WAIT_TIMESTAMP_RESOLUTION_SECONDS));
  if (emailSendRate !== undefined) {
    fn.addEnvironment(ENV.EMAIL_SEND_SLOT_SECONDS, String(slotGapMs(emailSendRate) / 1000));
    return;
  }
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:GetSendQuota'], resources: ['*'] }));
  acknowledgeNagFindings(role, [{
    id: 'AwsSolutions-IAM5',
    appliesTo: 'Resource::*',
    reason: 'ses:GetSendQuota (read the account\'s maximum sending rate, to pace throttled emails) has no resource-level permission.',
  }]);
}

/** `emailSendRate`: a positive number of emails per second, known at synth. */
export function pacingProblems(emailSendRate: number | undefined): string[] {
  if (emailSendRate === undefined) return [];
  if (Token.isUnresolved(emailSendRate)) return ['emailSendRate: must be a number known at synth (tokens cannot be checked)'];
  if (!Number.isFinite(emailSendRate) || emailSendRate <= 0 || emailSendRate > MAX_SEND_RATE) {
    return [`emailSendRate: ${emailSendRate} is not a sending rate (emails per second, more than 0 and at most ${MAX_SEND_RATE})`];
  }
  return [];
}

/**
 * Send Email's failed invocations that are pacing, not faults: each SES throttle (`EmailsThrottled`:
 * a slot taken, or `EmailThrottled` / `DailyQuotaExceeded`) and each case that joined a backlog
 * (`EmailsQueued`) is one failed invocation, and never both.
 */
export function pacingErrorsMetric(workflow: string): cloudwatch.IMetric {
  return new cloudwatch.MathExpression({
    expression: 'FILL(throttled, 0) + FILL(queued, 0)',
    label: 'Send Email errors that are pacing',
    period: MONITORING_PERIOD,
    usingMetrics: {
      throttled: handlerMetric(workflow, METRIC_NAMES.EMAILS_THROTTLED),
      queued: handlerMetric(workflow, METRIC_NAMES.EMAILS_QUEUED),
    },
  });
}

/** What a burst drains without failures, for the synth-time info message. */
export function describePacing(patience: Duration, emailSendRate: number | undefined): string {
  const seconds = patience.toSeconds();
  const drains = (rate: number) => Math.floor(rate + PACE_FRACTION * rate * seconds).toLocaleString('en-US');
  const rates = emailSendRate === undefined ? [1, 14, 50] : [emailSendRate];
  return `Bursts: a throttled case waits for a send slot (paced at ${PACE_FRACTION * 100} % of SES's rate, `
    + `${emailSendRate === undefined ? 'read from SES' : `emailSendRate ${emailSendRate}/s`}) up to ${patience.toHumanString()} `
    + 'after its execution started (emailThrottlePatience), so a burst drains without failures up to about '
    + rates.map((r) => `${drains(r)} cases at ${r} email${r === 1 ? '' : 's'}/s`).join(', ') + '.';
}
