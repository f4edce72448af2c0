/**
 * The contract of the optional acknowledge-or-escalate capability (docs/design/acknowledgement.md):
 * what flows between Send Email, Wait For Acknowledgement, Escalate Case, the acknowledge page
 * and the state machine. The names it shares with the rest of the workflow (environment
 * variables, state names, error names, record attributes, metrics) are in contract.ts.
 *
 * The flow, per round: Send Email puts a link with a random id in the email and stores only the
 * id's hash on the record (in the write that claims the email) -> Wait For Acknowledgement stores
 * its task token on the record and waits (TimeoutSeconds = escalateAfter) -> either the employee
 * opens the link (GET: a page, nothing changes) and presses Acknowledge (POST: a conditional
 * write, then SendTaskSuccess with an `AcknowledgedCase`), or the wait times out and Escalate
 * Case decides in one conditional write: acknowledged after all, the next round, or UNACKNOWLEDGED.
 */
import type { AssignedCase } from './contract';

/** Bytes of randomness in a link id (128 bits). */
export const LINK_ID_BYTES = 16;

/** The link's query parameters (GET) and the page form's fields (POST, form-urlencoded). */
export const LINK_PARAMS = {
  CASE_ID: 'case',
  LINK_ID: 'id',
} as const;

/**
 * How long a link stays valid past its round's wait: the round's wait starts after Send Email
 * returns, so a link must outlive `escalateAfter` by Send Email's own time. Escalation or the
 * acknowledgement ends a link sooner (its hash leaves the record).
 */
export const LINK_GRACE_SECONDS = 15 * 60;

/** Input of Wait For Acknowledgement (a `.waitForTaskToken` Lambda task). */
export interface AwaitAcknowledgementInput {
  readonly caseId: string;
  /** The round's assignment time (`$.assignedAt` of Send Email's output): which round waits. */
  readonly assignedAt: string;
  /** `$$.Task.Token`. */
  readonly taskToken: string;
}

/**
 * What the acknowledge page sends with SendTaskSuccess, and what Escalate Case returns for a case
 * it finds acknowledged: ids and times only (it lands in the execution history).
 */
export interface AcknowledgedCase {
  readonly caseId: string;
  /** The employee id. */
  readonly acknowledgedBy: string;
  readonly acknowledgedAt: string;
  readonly round: number;
}

/** Input of Escalate Case: the round that ended, as Send Email's output names it. */
export interface EscalateCaseInput {
  readonly caseId: string;
  /** The employee the round was assigned to (`$.employee.id`). */
  readonly employeeId: string;
  /** The round's assignment time (`$.assignedAt`). */
  readonly assignedAt: string;
}

/** What Escalate Case decided (its output, at `$.escalation`). */
export const EscalationOutcome = {
  /** Acknowledged after all (it raced the time-out and won): `acknowledgement` is set. */
  ACKNOWLEDGED: 'ACKNOWLEDGED',
  /** Reassigned to the next employee: `case` is Send Email's input for the next round. */
  ESCALATED: 'ESCALATED',
  /** The last round ran out (or nobody is left to ask): the case is UNACKNOWLEDGED. */
  UNACKNOWLEDGED: 'UNACKNOWLEDGED',
} as const;
export type EscalationOutcomeValue = (typeof EscalationOutcome)[keyof typeof EscalationOutcome];

/** Output of Escalate Case. */
export interface EscalationResult {
  readonly outcome: EscalationOutcomeValue;
  readonly caseId: string;
  /** The round that is now current (ESCALATED), or the last round (otherwise). */
  readonly round: number;
  /** ESCALATED only. */
  readonly case?: AssignedCase;
  /** ACKNOWLEDGED only. */
  readonly acknowledgement?: AcknowledgedCase;
}
