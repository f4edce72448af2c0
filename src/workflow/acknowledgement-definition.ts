/**
 * Acknowledge or escalate, the state machine's side (docs/design/acknowledgement.md): after the
 * email, Wait For Acknowledgement (a `.waitForTaskToken` Lambda task whose timeout is
 * `escalateAfter`) either gets the acknowledge page's `SendTaskSuccess` (Case Acknowledged), or
 * times out into Escalate Case, whose outcome decides: acknowledged after all, the next round
 * (Next Round, back to Send Email), or UNACKNOWLEDGED (Notify Unacknowledged, when a topic is
 * given, then Case Unacknowledged).
 */
import {
  Duration,
  aws_lambda as lambda,
  aws_sns as sns,
  aws_stepfunctions as sfn,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { RETRY } from './retries';
import { EscalationOutcome } from '../shared/acknowledgement';
import { CaseErrorName, STATE_NAMES } from '../shared/contract';

/** What the acknowledgement's states are made of. */
export interface AcknowledgementDefinitionInputs {
  readonly awaitFunction: lambda.IFunction;
  readonly escalateFunction: lambda.IFunction;
  readonly escalateAfter: Duration;
  readonly unacknowledgedTopic?: sns.ITopic;
}

/** The states, not yet linked back to Send Email: `nextRound.next(sendEmail)` closes the loop. */
export interface AcknowledgementStates {
  /** Wait For Acknowledgement: where Send Email (and Record Sent Email) go on. */
  readonly start: sfn.TaskStateBase;
  /** Next Round: its input is Send Email's input for the next round. */
  readonly nextRound: sfn.Pass;
}

/** Where Wait For Acknowledgement's caught time-out goes (Escalate Case reads `$.caseId`, `$.employee`, `$.assignedAt`). */
const WAIT_ERROR_PATH = '$.waitError';

export function acknowledgementStates(
  scope: Construct, inputs: AcknowledgementDefinitionInputs & { readonly taskTimeout: Duration; readonly caseFailed: sfn.Fail },
): AcknowledgementStates {
  const { awaitFunction, escalateFunction, escalateAfter, unacknowledgedTopic, taskTimeout, caseFailed } = inputs;
  const wait = new tasks.LambdaInvoke(scope, 'WaitForAcknowledgement', {
    stateName: STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT,
    comment: 'Stores the task token on the case record and waits for the acknowledge page\'s SendTaskSuccess, up to escalateAfter.',
    lambdaFunction: awaitFunction,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    // AwaitAcknowledgementInput of the contract.
    payload: sfn.TaskInput.fromObject({
      caseId: sfn.JsonPath.stringAt('$.caseId'),
      assignedAt: sfn.JsonPath.stringAt('$.assignedAt'),
      taskToken: sfn.JsonPath.taskToken,
    }),
    // The AcknowledgedCase the page sends.
    resultPath: '$.acknowledgement',
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(escalateAfter),
  });
  for (const retry of [RETRY.lambdaService, RETRY.lambdaThrottled, RETRY.dependency]) wait.addRetry(retry);

  const escalate = new tasks.LambdaInvoke(scope, 'EscalateCase', {
    stateName: STATE_NAMES.ESCALATE_CASE,
    comment: 'Decides in one conditional write: acknowledged after all, the next employee, or UNACKNOWLEDGED.',
    lambdaFunction: escalateFunction,
    // EscalateCaseInput of the contract: the round that ended.
    payload: sfn.TaskInput.fromObject({
      caseId: sfn.JsonPath.stringAt('$.caseId'),
      employeeId: sfn.JsonPath.stringAt('$.employee.id'),
      assignedAt: sfn.JsonPath.stringAt('$.assignedAt'),
    }),
    payloadResponseOnly: true,
    resultPath: '$.escalation',
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(taskTimeout),
  });
  for (const retry of [RETRY.lambdaService, RETRY.lambdaThrottled, RETRY.functionKilled, RETRY.dependency]) escalate.addRetry(retry);
  // The record is left as it is (never FAILED): its round may still be acknowledged.
  escalate.addCatch(caseFailed, { errors: [sfn.Errors.ALL] });

  // A time-out, or an acknowledgement that came before the wait stored its token: Escalate Case decides.
  wait.addCatch(escalate, { errors: [sfn.Errors.TIMEOUT, CaseErrorName.CASE_ACKNOWLEDGED], resultPath: WAIT_ERROR_PATH });
  wait.addCatch(caseFailed, { errors: [sfn.Errors.ALL] });

  const acknowledged = caseAcknowledged(scope);
  wait.next(acknowledged);
  const acknowledgedMeanwhile = new sfn.Pass(scope, 'AcknowledgedBeforeEscalation', {
    stateName: STATE_NAMES.ACKNOWLEDGED_BEFORE_ESCALATION,
    comment: 'The acknowledgement won the race with the time-out: Escalate Case read it from the record.',
    inputPath: '$.escalation.acknowledgement',
    resultPath: '$.acknowledgement',
  }).next(acknowledged);
  const nextRound = new sfn.Pass(scope, 'NextRound', {
    stateName: STATE_NAMES.NEXT_ROUND,
    comment: 'The case as Escalate Case reassigned it: Send Email\'s input for the next round.',
    inputPath: '$.escalation.case',
  });
  const unacknowledged = new sfn.Fail(scope, 'CaseUnacknowledged', {
    stateName: STATE_NAMES.CASE_UNACKNOWLEDGED,
    comment: 'Every round ran out with no acknowledgement (the case record says UNACKNOWLEDGED).',
    error: CaseErrorName.CASE_UNACKNOWLEDGED,
    cause: 'Nobody acknowledged the case within acknowledgement.maxRounds rounds.',
  });
  const outcome = new sfn.Choice(scope, 'EscalationOutcome', { stateName: STATE_NAMES.ESCALATION_OUTCOME })
    .when(sfn.Condition.stringEquals('$.escalation.outcome', EscalationOutcome.ACKNOWLEDGED), acknowledgedMeanwhile)
    .when(sfn.Condition.stringEquals('$.escalation.outcome', EscalationOutcome.ESCALATED), nextRound)
    .when(sfn.Condition.stringEquals('$.escalation.outcome', EscalationOutcome.UNACKNOWLEDGED),
      unacknowledgedTopic ? notifyUnacknowledged(scope, unacknowledgedTopic, taskTimeout, unacknowledged) : unacknowledged);
  escalate.next(outcome);
  return { start: wait, nextRound };
}

/**
 * The execution's output when acknowledged: Send Email's result plus who acknowledged and when, its
 * `details` only when the case has any (JSONPath cannot leave out a missing field, hence the Choice,
 * as Email Recorded does for Record Sent Email).
 */
function caseAcknowledged(scope: Construct): sfn.Choice {
  const result = (withDetails: boolean) => ({
    'caseId.$': '$.caseId',
    'employee.$': '$.employee',
    'messageId.$': '$.messageId',
    'assignedAt.$': '$.assignedAt',
    'emailedAt.$': '$.emailedAt',
    ...(withDetails ? { 'details.$': '$.details' } : {}),
    'acknowledgedBy.$': '$.acknowledgement.acknowledgedBy',
    'acknowledgedAt.$': '$.acknowledgement.acknowledgedAt',
  });
  return new sfn.Choice(scope, 'CaseAcknowledged', {
    stateName: STATE_NAMES.CASE_ACKNOWLEDGED,
    comment: 'The case is acknowledged; the output has details only when the case has any.',
  })
    .when(sfn.Condition.isPresent('$.details'), new sfn.Pass(scope, 'AcknowledgedResultWithDetails', {
      stateName: STATE_NAMES.ACKNOWLEDGED_RESULT_WITH_DETAILS, parameters: result(true),
    }))
    .otherwise(new sfn.Pass(scope, 'AcknowledgedResult', { stateName: STATE_NAMES.ACKNOWLEDGED_RESULT, parameters: result(false) }));
}

/** Publishes the case id and its rounds (ids only) to the topic; a failed notification does not hide the outcome. */
function notifyUnacknowledged(scope: Construct, topic: sns.ITopic, taskTimeout: Duration, then: sfn.IChainable): sfn.IChainable {
  const notify = new tasks.SnsPublish(scope, 'NotifyUnacknowledged', {
    stateName: STATE_NAMES.NOTIFY_UNACKNOWLEDGED,
    comment: 'Tells the unacknowledgedTopic which case ran out of rounds (ids only).',
    topic,
    // Escalate Case's decision as a JSON string (SNS takes a string): {"outcome", "caseId", "round"}, ids only.
    message: sfn.TaskInput.fromText(sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.escalation'))),
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(taskTimeout),
  });
  notify.addRetry(RETRY.recordFailure);
  notify.addCatch(then, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
  return notify.next(then);
}
