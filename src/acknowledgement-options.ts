import { Duration, aws_sns as sns } from 'aws-cdk-lib';

/**
 * Acknowledge or escalate: each email carries a link, and a case that nobody acknowledges in
 * time goes to the next employee (Standard workflows only).
 *
 * The flow, per round: Send Email emails the assignee a link to the acknowledge page (a Lambda
 * function URL) -> Wait For Acknowledgement waits up to `escalateAfter` -> the assignee opens the
 * link (a GET only shows the case and an Acknowledge button; mail scanners that fetch links change
 * nothing) and presses Acknowledge (a POST): the execution succeeds with `acknowledgedBy` and
 * `acknowledgedAt`. With no acknowledgement in time, Escalate Case reassigns the case to the next
 * employee in the roster's assignment order (skipping those who had it, and those who left the
 * roster or are inactive) and the next round starts with a new email. After `maxRounds` emails the
 * case ends `UNACKNOWLEDGED`: the execution fails with `CaseUnacknowledged` (an alarm), and
 * `unacknowledgedTopic`, when given, gets the case id.
 *
 * Security model: the link carries the case id and a random id of 128 bits, never the Step
 * Functions task token; the record keeps only the id's SHA-256 hash. A link stops working when its
 * round ends (acknowledged or escalated) or `escalateAfter` plus 15 minutes after its email, and
 * the page answers unknown, expired and used ids with one and the same page. The page's function
 * may only read and update the case table and call `states:SendTaskSuccess` on this state machine,
 * and `pageConcurrency` throttles it. Anyone who holds a link sees the case's details and the
 * names of its earlier assignees (see the README's "Personal data").
 */
export interface AcknowledgementOptions {
  /**
   * How long each round waits for an acknowledgement before the case goes to the next employee
   * (the Wait For Acknowledgement task's timeout). Whole seconds, at least 1 minute; all rounds
   * together must fit in `executionTimeout` (and Step Functions' one-year execution limit).
   *
   * @default Duration.minutes(15)
   */
  readonly escalateAfter?: Duration;

  /**
   * Emails per case at most, the first included: after this many rounds without an
   * acknowledgement, the case ends `UNACKNOWLEDGED`. A whole number from 1 (no escalation: one
   * email, one wait) to 10. A round also ends early when nobody is left to escalate to.
   *
   * @default 3
   */
  readonly maxRounds?: number;

  /**
   * Topic notified when a case ends `UNACKNOWLEDGED`: a JSON message
   * `{"outcome": "UNACKNOWLEDGED", "caseId": ..., "round": ...}` (the last round), ids only, no
   * names or addresses. The state machine may publish to it
   * (and use its KMS key, if it has one).
   *
   * @default - no notification; the `CasesUnacknowledged` alarm still fires
   */
  readonly unacknowledgedTopic?: sns.ITopic;

  /**
   * Reserved concurrency of the acknowledge page's function: how many requests it serves at once.
   * Requests beyond it are throttled by Lambda (HTTP 429), which also bounds how fast anyone can
   * try link ids. A whole number from 1 to 100; it is taken from the account's concurrency.
   *
   * @default 5
   */
  readonly pageConcurrency?: number;
}
