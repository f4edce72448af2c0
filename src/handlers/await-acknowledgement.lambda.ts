/**
 * Wait For Acknowledgement (acknowledgement on): a `.waitForTaskToken` task. It stores the task
 * token on the case record, for the acknowledge page to end the wait with SendTaskSuccess, and
 * returns; the state machine then waits until the page does, or the task's timeout (escalateAfter)
 * sends the case to Escalate Case. It needs no Step Functions permission.
 *
 * The write applies only to the round the input names (`assignedAt`) while the case is neither
 * acknowledged nor unacknowledged. A case acknowledged before the token was stored (the link
 * pressed quickly) throws `CaseAcknowledged`: the state machine goes to Escalate Case, which ends
 * the execution as acknowledged. Another round, or no such case, is a `CaseConflict` /
 * `CaseNotFound`; nothing is written. The token is never logged.
 */
import { parseAwaitAcknowledgementInput } from './acknowledgement-input.lambda-shared';
import { CaseTable, caseTableName } from './case-table.lambda-shared';
import { Deadline } from './deadline.lambda-shared';
import { CaseAcknowledgedError, CaseConflictError, CaseNotFoundError } from './errors.lambda-shared';
import { beginInvocation, caseLogger, InvocationContext } from './log.lambda-shared';
import { STATE_NAMES } from '../shared/contract';

export async function handler(event: unknown, context?: InvocationContext): Promise<void> {
  const invocation = beginInvocation(context);
  const input = parseAwaitAcknowledgementInput(event);
  const log = caseLogger(STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT, input.caseId, invocation);
  const deadline = new Deadline(context);
  try {
    const table = new CaseTable(caseTableName(), deadline.signal);
    const outcome = await table.update(input.caseId, 'storing the task token', {
      UpdateExpression: 'SET ackTaskToken = :t',
      ConditionExpression: 'assignedAt = :a AND attribute_not_exists(acknowledgedAt) AND attribute_not_exists(unacknowledgedAt)',
      ExpressionAttributeValues: { ':t': { S: input.taskToken }, ':a': { S: input.assignedAt } },
    });
    if (outcome.applied) {
      log.info('waiting for the acknowledgement');
      return;
    }
    if (!outcome.current) throw new CaseNotFoundError(input.caseId);
    if (outcome.current.acknowledgedAt !== undefined) {
      log.info('the case is acknowledged already');
      throw new CaseAcknowledgedError(input.caseId);
    }
    throw new CaseConflictError(input.caseId, ['assignedAt'], 'Wait For Acknowledgement waits only for the round the record is in');
  } finally {
    deadline.end();
  }
}
