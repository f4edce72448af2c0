/**
 * The state machine definition: the steps of the table (steps.ts) chained in order, each a Lambda
 * task with its retriers and catches, and the failure paths they lead to: Record Failure, Case
 * Failed, and Record Sent Email for an email SES accepted that Send Email could not record.
 */
import { Duration, aws_dynamodb as dynamodb, aws_lambda as lambda, aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { addSendSlotWait } from '../paced-sending';
import { AcknowledgementDefinitionInputs, acknowledgementStates } from './acknowledgement-definition';
import { CONDITION_FAILED_NOT_RETRIED, emailInProgressRetry, RECORD_SENT_RETRY, RETRY } from './retries';
import { StepCatch, StepRetry, WorkflowStep } from './steps';
import { CASE_TABLE_PARTITION_KEY, CaseErrorName, CaseStatus, EmailStatus, RECORD_SENT, STATE_NAMES } from '../shared/contract';

/** What the definition is made of. */
export interface DefinitionInputs {
  readonly table: dynamodb.ITable;
  /** The steps, in order. */
  readonly steps: readonly WorkflowStep[];
  /** Each step's function, by step key. */
  readonly functions: Record<string, lambda.IFunction>;
  readonly taskTimeout: Duration;
  /** The email claim's lease (retries.ts), which the wait for another attempt's claim outlasts. */
  readonly leaseSeconds: number;
  /** Acknowledge or escalate after the email (acknowledgement-definition.ts); undefined: the workflow ends with it. */
  readonly acknowledgement?: AcknowledgementDefinitionInputs;
}

/** The DynamoDB key of the case whose id is at `path`. */
function caseKey(path: string): Record<string, tasks.DynamoAttributeValue> {
  return { [CASE_TABLE_PARTITION_KEY]: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path)) };
}

export function workflowDefinition(scope: Construct, inputs: DefinitionInputs): sfn.IChainable {
  const { table, functions, steps, taskTimeout, leaseSeconds } = inputs;
  const caseFailed = new sfn.Fail(scope, 'CaseFailed', {
    stateName: STATE_NAMES.CASE_FAILED,
    comment: 'Ends the execution with the error name and cause of the step that failed.',
    errorPath: '$.Error',
    causePath: '$.Cause',
  });
  // Record Failure's own failure must not hide the step's error: keep that one.
  const failureNotRecorded = new sfn.Pass(scope, 'FailureNotRecorded', {
    stateName: STATE_NAMES.FAILURE_NOT_RECORDED,
    comment: 'No record to mark (the case failed before it was written, or its email went out).',
    outputPath: '$.error',
  }).next(caseFailed);

  const recordFailure = new tasks.DynamoUpdateItem(scope, 'RecordFailure', {
    stateName: STATE_NAMES.RECORD_FAILURE,
    comment: 'Marks the case record FAILED (if the workflow wrote one and its email was not sent).',
    table,
    key: caseKey('$.caseId'),
    updateExpression: 'SET #status = :failed, failureError = :error, updatedAt = :now',
    // Only a record the workflow wrote (it always has emailStatus), and never one whose email went out.
    conditionExpression: 'attribute_exists(emailStatus) AND #status <> :emailed',
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: {
      ':failed': tasks.DynamoAttributeValue.fromString(CaseStatus.FAILED),
      ':emailed': tasks.DynamoAttributeValue.fromString(CaseStatus.EMAILED),
      ':error': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.error.Error')),
      ':now': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')),
    },
    resultPath: sfn.JsonPath.DISCARD,
    outputPath: '$.error',
    taskTimeout: sfn.Timeout.duration(taskTimeout),
  });
  recordFailure.addRetry(CONDITION_FAILED_NOT_RETRIED);
  recordFailure.addRetry(RETRY.recordFailure);
  recordFailure.addCatch(failureNotRecorded, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
  recordFailure.next(caseFailed);

  const ack = inputs.acknowledgement && acknowledgementStates(scope, { ...inputs.acknowledgement, taskTimeout, caseFailed });
  const recordSentEmail = recordSentEmailPath(scope, table, failureNotRecorded, ack?.start);
  // A conflicting case (CaseConflict: the input disagrees with the stored case) is someone
  // else's case: it fails the execution but must not mark that case FAILED.
  const conflict = { errors: [CaseErrorName.CASE_CONFLICT], resultPath: '$.error' };
  const addCatch: Record<StepCatch, (task: tasks.LambdaInvoke) => void> = {
    failExecution: (task) => task.addCatch(caseFailed, { errors: [sfn.Errors.ALL] }),
    caseConflict: (task) => task.addCatch(failureNotRecorded, conflict),
    emailSentNotRecorded: (task) => task.addCatch(recordSentEmail, { errors: [CaseErrorName.EMAIL_SENT_NOT_RECORDED], resultPath: '$.error' }),
    sendSlot: (task) => addSendSlotWait(scope, task),
    recordFailure: (task) => task.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' }),
  };
  const extraRetry: Record<StepRetry, sfn.RetryProps> = { dependency: RETRY.dependency, emailInProgress: emailInProgressRetry(leaseSeconds) };

  const tasksInOrder = steps.map((step) => {
    const task = new tasks.LambdaInvoke(scope, step.id, {
      stateName: step.stateName,
      lambdaFunction: functions[step.key],
      payload: step.payload,
      // The Task's Resource is the function ARN and its result is the handler's return value,
      // as in the tutorial.
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(taskTimeout),
    });
    const retries = [RETRY.lambdaService, RETRY.lambdaThrottled, RETRY.functionKilled, ...step.retries.map((r) => extraRetry[r])];
    for (const retry of retries) task.addRetry(retry);
    for (const c of step.catches) addCatch[c](task);
    return task;
  });
  const [first, ...rest] = tasksInOrder;
  const chain = rest.reduce((c: sfn.Chain, task) => c.next(task), sfn.Chain.start(first));
  if (!ack) return chain;
  // The last step sends the email; the next round sends again.
  ack.nextRound.next(tasksInOrder[tasksInOrder.length - 1]);
  return chain.next(ack.start);
}

/**
 * The failure path of an email that SES accepted but Send Email could not record: the message
 * id travels in the error (`EmailSentNotRecorded`, its message is a JSON `SentEmail`), and the
 * state machine makes the same conditional write as the handler, with its own retries. So the
 * email is never sent again, and the happy path keeps its three states.
 */
function recordSentEmailPath(scope: Construct, table: dynamodb.ITable, onFailure: sfn.IChainable, then?: sfn.IChainable): sfn.IChainable {
  const unwrapCause = new sfn.Pass(scope, 'EmailSentNotRecorded', {
    stateName: STATE_NAMES.EMAIL_SENT_NOT_RECORDED,
    comment: 'Send Email\'s error cause is the Lambda error as JSON; its message is the sent email.',
    parameters: { 'cause.$': 'States.StringToJson($.error.Cause)' },
    resultPath: '$.sent',
  });
  const readSentEmail = new sfn.Pass(scope, 'ReadSentEmail', {
    stateName: STATE_NAMES.READ_SENT_EMAIL,
    parameters: { 'email.$': 'States.StringToJson($.sent.cause.errorMessage)' },
    resultPath: '$.sent',
  });
  const at = (field: string) => sfn.JsonPath.stringAt(`$.sent.email.${field}`);
  const recordSent = new tasks.DynamoUpdateItem(scope, 'RecordSentEmail', {
    stateName: STATE_NAMES.RECORD_SENT_EMAIL,
    comment: 'Records the email SES accepted (SENT, case EMAILED), as Send Email would have.',
    table,
    key: caseKey('$.sent.email.caseId'),
    updateExpression: RECORD_SENT.updateExpression,
    conditionExpression: RECORD_SENT.conditionExpression,
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: {
      ':sent': tasks.DynamoAttributeValue.fromString(EmailStatus.SENT),
      ':emailed': tasks.DynamoAttributeValue.fromString(CaseStatus.EMAILED),
      ':sending': tasks.DynamoAttributeValue.fromString(EmailStatus.SENDING),
      ':attempt': tasks.DynamoAttributeValue.fromString(at('attemptId')),
      ':mid': tasks.DynamoAttributeValue.fromString(at('messageId')),
      ':at': tasks.DynamoAttributeValue.fromString(at('emailedAt')),
      ':resends': tasks.DynamoAttributeValue.numberFromString(at('emailAmbiguousResends')),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(RECORD_SENT_RETRY.attemptTimeout),
  });
  recordSent.addRetry(RECORD_SENT_RETRY.notOurs);
  recordSent.addRetry(RECORD_SENT_RETRY.any);
  // The email went out: the record must not say FAILED, so skip Record Failure.
  recordSent.addCatch(onFailure, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
  return unwrapCause.next(readSentEmail).next(recordSent).next(sentEmailResult(scope, then));
}

/**
 * The execution's output after Record Sent Email: what Send Email would have returned. The error
 * carries ids only, so the case comes from the state's input, which Send Email checked against the
 * stored record before it sent (an input that differs is CaseConflict, never sent).
 */
function sentEmailResult(scope: Construct, then?: sfn.IChainable): sfn.IChainable {
  const result = (withDetails: boolean) => ({
    'caseId.$': '$.caseId',
    'employee.$': '$.employee',
    'messageId.$': '$.sent.email.messageId',
    'assignedAt.$': '$.assignedAt',
    'emailedAt.$': '$.sent.email.emailedAt',
    ...(withDetails ? { 'details.$': '$.details' } : {}),
  });
  const withDetails = new sfn.Pass(scope, 'SentEmailResultWithDetails', {
    stateName: STATE_NAMES.SENT_EMAIL_RESULT_WITH_DETAILS, parameters: result(true),
  });
  const withoutDetails = new sfn.Pass(scope, 'SentEmailResult', { stateName: STATE_NAMES.SENT_EMAIL_RESULT, parameters: result(false) });
  // With acknowledgement on, a recorded email waits for its acknowledgement like any other.
  if (then) for (const pass of [withDetails, withoutDetails]) pass.next(then);
  return new sfn.Choice(scope, 'EmailRecorded', {
    stateName: STATE_NAMES.EMAIL_RECORDED,
    comment: 'The output has details only when the case has any.',
  })
    .when(sfn.Condition.isPresent('$.details'), withDetails)
    .otherwise(withoutDetails);
}
