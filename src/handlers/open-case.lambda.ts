/**
 * Step 1, Open Case: validates the execution input (`{"inputCaseID": "001"}`) and opens the case.
 * Throws `InvalidCaseInput` for anything else, before anything is written or sent.
 */
import { parseLinkHosts } from './case-details.lambda-shared';
import { openCase } from './case-input.lambda-shared';
import { InvalidCaseInputError } from './errors.lambda-shared';
import { beginInvocation, caseLogger, InvocationContext } from './log.lambda-shared';
import { caseInputRejected } from './metrics.lambda-shared';
import { ENV, OpenedCase, STATE_NAMES } from '../shared/contract';

export async function handler(event: unknown, context?: InvocationContext): Promise<OpenedCase> {
  const invocation = beginInvocation(context);
  try {
    const opened = openCase(event, new Date(), { linkHosts: parseLinkHosts(process.env[ENV.LINK_HOSTS]) });
    caseLogger(STATE_NAMES.OPEN_CASE, opened.caseId, invocation).info('case opened');
    return opened;
  } catch (err) {
    caseLogger(STATE_NAMES.OPEN_CASE, undefined, invocation).warn('rejected execution input', { err });
    // Counted, so that the alarms can leave the callers' mistakes out (the execution still fails).
    if (err instanceof InvalidCaseInputError) caseInputRejected({ requestId: invocation.requestId });
    throw err;
  }
}
