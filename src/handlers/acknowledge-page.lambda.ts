/**
 * The acknowledge page (acknowledgement on), behind a Lambda function URL (docs/design/acknowledgement.md).
 *
 * GET (the link in the email; mail scanners open it too): reads the record and shows the case
 * with a form. It NEVER writes. POST (the form; the id in the body): a read, then ONE conditional write
 * acknowledges the case if the id's hash is on the record, its links have not expired, and the
 * case is neither acknowledged nor unacknowledged; the same write removes the round's ids and
 * task token, and the old record it returns gives the token, for SendTaskSuccess. Escalate Case's
 * write has the mirror condition: exactly one of them wins. If SendTaskSuccess finds the wait over
 * (TaskTimedOut, InvalidToken), Escalate Case finds the acknowledgement on the record.
 *
 * Answers (acknowledge-page.lambda-shared.ts): 200 the case / acknowledged / already acknowledged;
 * 404 one generic page for every invalid or malformed request; 405 other methods; 503 when
 * DynamoDB does not answer (nothing changed). Neither a link id nor a task token is ever logged.
 */
import { randomUUID } from 'node:crypto';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { linkIdHash } from './acknowledge-link.lambda-shared';
import {
  acknowledgedPage, alreadyAcknowledgedPage, casePage, ERROR_PAGE, FunctionUrlEvent, FunctionUrlResponse, INVALID_PAGE, linkView,
  METHOD_NOT_ALLOWED, readRequest, UNAVAILABLE_PAGE,
} from './acknowledge-page.lambda-shared';
import { CaseTable, caseTableName } from './case-table.lambda-shared';
import { Deadline } from './deadline.lambda-shared';
import { DependencyUnavailableError, isTransientAwsError, UnrecognizedCaseRecordError } from './errors.lambda-shared';
import { roundOf } from './escalation.lambda-shared';
import { beginInvocation, caseLogger, CaseLogger, InvocationContext } from './log.lambda-shared';
import { caseAcknowledged, MetricContext } from './metrics.lambda-shared';
import { REQUEST_TIMEOUTS } from './request-timeouts.lambda-shared';
import type { AcknowledgedCase } from '../shared/acknowledgement';
import { CaseRecord, CaseStatus, ENV } from '../shared/contract';

/** One client per function instance. */
const sfn = new SFNClient({ requestHandler: REQUEST_TIMEOUTS });

/** The name the page's log lines carry as their step. */
const PAGE = 'Acknowledge Page';
/** Rounds of SendTaskSuccess (each one the SDK's attempts), while the deadline leaves time for one more. */
const END_WAIT_ROUNDS = 3;

export async function handler(event: FunctionUrlEvent, context?: InvocationContext): Promise<FunctionUrlResponse> {
  const invocation = beginInvocation(context);
  const deadline = new Deadline(context);
  const request = readRequest(event ?? {});
  const log = caseLogger(PAGE, 'caseId' in request ? request.caseId : undefined, invocation);
  try {
    if (request.kind === 'method') return METHOD_NOT_ALLOWED;
    if (request.kind === 'malformed') return INVALID_PAGE;
    const table = new CaseTable(caseTableName(), deadline.signal);
    if (request.kind === 'GET') return await show(table, request.caseId, request.linkId);
    return await acknowledge(table, request.caseId, request.linkId, deadline, log, { caseId: request.caseId, requestId: invocation.requestId });
  } catch (err) {
    if (err instanceof UnrecognizedCaseRecordError) return INVALID_PAGE;
    if (err instanceof DependencyUnavailableError) {
      log.warn('the case table did not answer', { err });
      return UNAVAILABLE_PAGE;
    }
    log.error('the page failed', { err });
    return ERROR_PAGE;
  } finally {
    deadline.end();
  }
}

/** GET: a read, never a write. */
async function show(table: CaseTable, caseId: string, linkId: string): Promise<FunctionUrlResponse> {
  const record = await table.get(caseId);
  const view = linkView(record, linkId, Math.floor(Date.now() / 1000));
  if (view === 'case') return casePage(record!, linkId);
  return view === 'alreadyAcknowledged' ? alreadyAcknowledgedPage(caseId) : INVALID_PAGE;
}

/**
 * POST: the one conditional write, then SendTaskSuccess when the wait stored its token. The
 * record is read first: a link that cannot acknowledge writes nothing, and if the write's answer
 * is lost (the SDK writes again and the condition fails on our own write), the token read before
 * it still ends the wait.
 */
async function acknowledge(
  table: CaseTable, caseId: string, linkId: string, deadline: Deadline, log: CaseLogger, metric: MetricContext,
): Promise<FunctionUrlResponse> {
  const now = new Date();
  const before = await table.get(caseId);
  const view = linkView(before, linkId, Math.floor(now.getTime() / 1000));
  if (view !== 'case') return view === 'alreadyAcknowledged' ? alreadyAcknowledgedPage(caseId) : INVALID_PAGE;
  const hash = linkIdHash(linkId);
  const requestId = randomUUID();
  const outcome = await table.update(caseId, 'acknowledging the case', {
    UpdateExpression: 'SET acknowledgedAt = :now, acknowledgedBy = employeeId, acknowledgedIdHash = :h, acknowledgedRequestId = :rid,'
      + ' #status = :acknowledged, updatedAt = :now REMOVE ackIdHashes, ackTaskToken',
    ConditionExpression: 'contains(ackIdHashes, :h) AND ackLinkExpiresAt > :nowSeconds'
      + ' AND attribute_not_exists(acknowledgedAt) AND attribute_not_exists(unacknowledgedAt)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':now': { S: now.toISOString() },
      ':h': { S: hash },
      ':rid': { S: requestId },
      ':nowSeconds': { N: String(Math.floor(now.getTime() / 1000)) },
      ':acknowledged': { S: CaseStatus.ACKNOWLEDGED },
    },
    ReturnValues: 'ALL_OLD',
  });
  let old: CaseRecord;
  if (outcome.applied) {
    old = outcome.old!;
  } else if (outcome.current?.acknowledgedRequestId === requestId) {
    old = before!; // our own write, whose answer was lost
  } else {
    // A second press or tab of the id that acknowledged; anything else is the generic page.
    return linkView(outcome.current, linkId, Math.floor(now.getTime() / 1000)) === 'alreadyAcknowledged' ? alreadyAcknowledgedPage(caseId) : INVALID_PAGE;
  }
  const acknowledgement: AcknowledgedCase = { caseId, acknowledgedBy: old.employeeId, acknowledgedAt: now.toISOString(), round: roundOf(old) };
  log.info('case acknowledged', { employeeId: old.employeeId, round: acknowledgement.round });
  acknowledgedMetrics(old, now, metric);
  if (old.ackTaskToken !== undefined) await endWait(old.ackTaskToken, acknowledgement, deadline, log);
  else log.info('the wait has not stored its task token yet: it finds the case acknowledged');
  return acknowledgedPage(caseId, old.employeeName);
}

function acknowledgedMetrics(old: CaseRecord, now: Date, metric: MetricContext): void {
  const firstEmail = Date.parse(old.escalations?.[0]?.emailedAt ?? old.emailedAt ?? '');
  const sla = Number(process.env[ENV.ACK_ESCALATE_AFTER_SECONDS]);
  caseAcknowledged(Number.isNaN(firstEmail) ? undefined : Math.max(0, now.getTime() - firstEmail),
    Number.isFinite(sla) && sla > 0 ? sla * 1000 : undefined, metric);
}

/** Ends the wait (SendTaskSuccess); a wait that is over already is fine: Escalate Case finds the acknowledgement. */
async function endWait(taskToken: string, acknowledgement: AcknowledgedCase, deadline: Deadline, log: CaseLogger): Promise<void> {
  for (let round = 1; ; round++) {
    try {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(acknowledgement) }), { abortSignal: deadline.signal });
      return;
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TaskTimedOut' || name === 'InvalidToken' || name === 'TaskDoesNotExist') {
        log.info('the wait was over already; Escalate Case finds the acknowledgement', { errorName: name });
        return;
      }
      if (isTransientAwsError(err) && round < END_WAIT_ROUNDS && deadline.allows(REQUEST_TIMEOUTS.requestTimeout)) continue;
      log.error('could not end the wait; Escalate Case finds the acknowledgement when the wait times out', { errorName: name });
      return;
    }
  }
}
