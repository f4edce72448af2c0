/**
 * Shared types of the support-case workflow: what flows between the three steps, what is
 * stored in the case table, and the names (environment variables, error names) that the
 * construct and the handlers must agree on.
 *
 * The contract between the construct and the handlers, in one place: both sides import this
 * module (it holds no AWS code), so each name is defined once. Handler-only code lives in
 * `src/handlers/*.lambda-shared.ts`; the construct imports nothing from `src/handlers/` but the
 * generated `*-function.ts` classes (an eslint rule in .projenrc.ts keeps it so).
 */

/** Environment variables the construct sets on the step functions. */
export const ENV = {
  /** Name of the DynamoDB case table. */
  TABLE_NAME: 'CASE_TABLE_NAME',
  /**
   * Folder of the function's configuration files (those too large for environment variables):
   * `/opt/support-case-workflow` on Lambda, where the function's configuration layer puts them.
   */
  CONFIG_DIR: 'SUPPORT_CASE_CONFIG_DIR',
  /** Name of the DynamoDB table holding the roster, for a roster kept in a table. */
  ROSTER_TABLE_NAME: 'ROSTER_TABLE_NAME',
  /** Seconds a roster read from its table is reused before it is read again. */
  ROSTER_CACHE_SECONDS: 'ROSTER_CACHE_SECONDS',
  /** Verified SES identity the notification is sent from. */
  SENDER_EMAIL: 'SENDER_EMAIL',
  /** SES configuration set the email is sent through (optional). */
  CONFIGURATION_SET: 'SES_CONFIGURATION_SET',
  /** Seconds after which an unfinished email claim of another execution may be taken over. */
  EMAIL_LEASE_SECONDS: 'EMAIL_LEASE_SECONDS',
  /**
   * Seconds after which an unfinished email claim of an earlier attempt of the same execution
   * may be taken over (that attempt's function has stopped by then).
   */
  EMAIL_OWN_LEASE_SECONDS: 'EMAIL_OWN_LEASE_SECONDS',
  /** Display name shown with the sender address (absent: the bare address). */
  SENDER_NAME: 'SENDER_NAME',
  /** JSON array of reply-to addresses (absent: no Reply-To). */
  REPLY_TO_ADDRESSES: 'REPLY_TO_ADDRESSES',
  /**
   * Set (to `CONFIG_FILES.SEND_EMAIL`) when the team's email templates are in Send Email's
   * configuration file, as `{"templates": {subject?, text?, html?}}` (absent, or a missing part:
   * the default wording).
   */
  EMAIL_TEMPLATES_FILE: 'EMAIL_TEMPLATES_FILE',
  /**
   * Seconds between two send slots (docs/design/burst-pacing.md), when the construct knows SES's
   * rate (`emailSendRate`); absent: the function reads SES's maximum sending rate itself.
   */
  EMAIL_SEND_SLOT_SECONDS: 'EMAIL_SEND_SLOT_SECONDS',
  /** Seconds after its execution's start beyond which a case takes no send slot (`emailThrottlePatience`). */
  EMAIL_THROTTLE_PATIENCE_SECONDS: 'EMAIL_THROTTLE_PATIENCE_SECONDS',
  /**
   * Resolution of a Wait state's timestamp, in seconds (Step Functions truncates the
   * milliseconds): a slot's time is rounded up to it, so that no paced send goes early.
   */
  SEND_SLOT_RESOLUTION_SECONDS: 'SEND_SLOT_RESOLUTION_SECONDS',
  /** JSON array of the hosts a case's `link` may point to (absent: any http(s) host). Open Case and Assign Case. */
  LINK_HOSTS: 'LINK_HOSTS',
  /**
   * Seconds after its assignment at which a case record expires (DynamoDB TTL on `expiresAt`):
   * the execution timeout plus the construct's `closedCaseRetention`. Absent: records never expire.
   */
  CASE_EXPIRES_AFTER_SECONDS: 'CASE_EXPIRES_AFTER_SECONDS',
  /**
   * Acknowledgement (src/shared/acknowledgement.ts), set only when the construct's `acknowledgement`
   * prop is: the acknowledge page's base URL (the function URL), for Send Email's links.
   */
  ACK_PAGE_URL: 'ACK_PAGE_URL',
  /** Seconds each round waits for an acknowledgement (`acknowledgement.escalateAfter`). */
  ACK_ESCALATE_AFTER_SECONDS: 'ACK_ESCALATE_AFTER_SECONDS',
  /** Seconds an acknowledge link stays valid after its email is claimed (past the round's wait: see acknowledgement.ts). */
  ACK_LINK_TTL_SECONDS: 'ACK_LINK_TTL_SECONDS',
  /** Emails per case at most, the first included (`acknowledgement.maxRounds`). */
  ACK_MAX_ROUNDS: 'ACK_MAX_ROUNDS',
} as const;

/**
 * Error names the handlers throw. Step Functions sees them as the `Error` of a failed task,
 * so the state machine's Retry and Catch rules are written against these names.
 */
export const CaseErrorName = {
  /** The execution input (or a step's input) is not a valid case. Never retried. */
  INVALID_CASE_INPUT: 'InvalidCaseInput',
  /** The function is deployed with missing or malformed configuration. Never retried. */
  CONFIGURATION: 'ConfigurationError',
  /** The case record that a step needs is not in the table. Never retried. */
  CASE_NOT_FOUND: 'CaseNotFound',
  /** SES refused the email for good (for example an unverified sender). Never retried. */
  EMAIL_REJECTED: 'EmailRejected',
  /** DynamoDB or SES was throttled, failed or unreachable: retried with backoff. */
  DEPENDENCY_UNAVAILABLE: 'DependencyUnavailable',
  /** Another execution holds the email claim for this case right now: retried with backoff. */
  EMAIL_SEND_IN_PROGRESS: 'EmailSendInProgress',
  /** The roster table is empty, unreadable or holds malformed entries. Never retried. */
  ROSTER_UNAVAILABLE: 'RosterUnavailable',
  /**
   * The case table holds a row for this case id that the workflow did not write (no `emailStatus`,
   * or no assignment). Never retried: nothing is overwritten and nothing is sent.
   */
  UNRECOGNIZED_CASE_RECORD: 'UnrecognizedCaseRecord',
  /**
   * SES accepted the email (its message id is known) but recording it as sent failed for now. The
   * state machine records it itself (its own retries), so the email is never sent again.
   */
  EMAIL_SENT_NOT_RECORDED: 'EmailSentNotRecorded',
  /**
   * SES's maximum sending rate was exceeded and the case could not take a send slot within its
   * patience (or used up its rounds): nothing was sent; never retried.
   */
  EMAIL_THROTTLED: 'EmailThrottled',
  /**
   * The case took a send slot (SES refused for its rate, or a backlog was waiting): nothing was
   * claimed or sent; the state machine waits for the slot (Wait For Send Slot) and sends again.
   * The message is JSON: `SendSlot`.
   */
  EMAIL_SLOT_RESERVED: 'EmailSlotReserved',
  /** SES's daily sending quota is used up: nothing was sent; never retried (waiting seconds does not help). */
  DAILY_QUOTA_EXCEEDED: 'DailyQuotaExceeded',
  /**
   * The step's input disagrees with the case's stored record (another recipient, other details):
   * a second opening of a case with other details, or a forged Send Email input. Never retried;
   * nothing is written or sent, and the record is left as it is (not even marked FAILED).
   */
  CASE_CONFLICT: 'CaseConflict',
  /**
   * Wait For Acknowledgement found the case acknowledged already (the employee pressed the link
   * before the wait stored its task token): the state machine goes to Escalate Case, which ends
   * the execution as acknowledged. Not a failure.
   */
  CASE_ACKNOWLEDGED: 'CaseAcknowledged',
  /** Every round of escalation ran out with no acknowledgement: the Fail state's error (alarm). */
  CASE_UNACKNOWLEDGED: 'CaseUnacknowledged',
} as const;

/** The execution input, as the seed tutorial defines it: `{"inputCaseID": "001"}`. */
export interface OpenCaseInput {
  readonly inputCaseID: string;
}

/** Longest accepted case id (characters). */
export const MAX_CASE_ID_LENGTH = 64;

/** An employee who can be assigned cases. */
export interface RosterEmployee {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

/**
 * Optional details of a case, given in the execution input next to `inputCaseID`
 * (`{"inputCaseID": "001", "details": {"title": "..."}}`), stored on the case record and
 * available to the email templates. Every field is optional; unknown fields are refused.
 */
export interface CaseDetails {
  /** Short description of the case. */
  readonly title?: string;
  /** Priority as the team names it (`P1`, `high`, ...). */
  readonly priority?: string;
  /** Name of the customer who opened the case. */
  readonly customerName?: string;
  /** `http://` or `https://` URL of the ticket. */
  readonly link?: string;
}

/**
 * Longest accepted value of each detail, in UTF-16 code units (a character outside the
 * Basic Multilingual Plane, such as most emoji, counts 2). All four together are at most
 * 3,280 units, that is at most about 10 KB of UTF-8: far below Step Functions' 256 KB payload limit.
 */
export const CASE_DETAIL_LIMITS = {
  title: 1000,
  priority: 32,
  customerName: 200,
  link: 2048,
} as const satisfies Record<keyof CaseDetails, number>;

/** Output of Open Case, input of Assign Case. */
export interface OpenedCase {
  readonly caseId: string;
  readonly openedAt: string;
  /** Present only when the execution input carried at least one detail. */
  readonly details?: CaseDetails;
}

/** Output of Assign Case. */
export interface AssignedCase extends OpenedCase {
  readonly employee: RosterEmployee;
  readonly assignedAt: string;
}

/** Input of Send Email: the assigned case plus the execution that asks for the email. */
export interface SendEmailInput {
  readonly case: AssignedCase;
  /** Step Functions execution ARN (`$$.Execution.Id`): owner of the email claim. */
  readonly executionId: string;
}

/** Final output of the workflow (output of Send Email). */
export interface CaseResult {
  readonly caseId: string;
  readonly employee: RosterEmployee;
  readonly messageId: string;
  readonly assignedAt: string;
  readonly emailedAt: string;
  /** The case's stored details, when it has any. */
  readonly details?: CaseDetails;
}

/**
 * An email SES accepted, as Send Email hands it to the state machine when it cannot record it
 * itself (`EmailSentNotRecorded`): the state machine's Record Sent Email step writes it. Ids and
 * times only (the error lands in the execution history): no name, address or case detail.
 * Numbers travel as strings (DynamoDB's `N` type).
 */
export interface SentEmail {
  readonly caseId: string;
  readonly messageId: string;
  readonly attemptId: string;
  readonly emailedAt: string;
  /** The record's `emailAmbiguousResends` once this email is recorded (absolute, so a repeated write is harmless). */
  readonly emailAmbiguousResends: string;
}

/**
 * Recording a sent email: SENT with its message id, the case EMAILED, any recorded failure
 * cleared, the counted resends set (absolute, so a repeated write changes nothing). Applies only
 * while the attempt that sent it holds the claim...
 */
export const RECORD_SENT = {
  updateExpression: 'SET emailStatus = :sent, messageId = :mid, emailedAt = :at, updatedAt = :at, #status = :emailed,'
    + ' emailAmbiguousResends = :resends REMOVE failureError',
  // ...or it is recorded already with this very message id (a repeated write whose first answer
  // was lost): writing the same values again is harmless, and the write succeeds.
  conditionExpression: '(emailAttemptId = :attempt AND emailStatus = :sending) OR (emailStatus = :sent AND messageId = :mid)',
} as const;

/** Lifecycle of a case record. */
export const CaseStatus = {
  ASSIGNED: 'ASSIGNED',
  EMAILED: 'EMAILED',
  FAILED: 'FAILED',
  /** Acknowledgement on: the assignee acknowledged the case (`acknowledgedBy`, `acknowledgedAt`). */
  ACKNOWLEDGED: 'ACKNOWLEDGED',
  /** Acknowledgement on: every round ran out with no acknowledgement. */
  UNACKNOWLEDGED: 'UNACKNOWLEDGED',
} as const;
export type CaseStatusValue = (typeof CaseStatus)[keyof typeof CaseStatus];

/** Lifecycle of the notification email of a case. */
export const EmailStatus = {
  /** Not sent yet; free to claim. */
  PENDING: 'PENDING',
  /** Claimed by one attempt that is sending it (or died while sending it: free once the lease ran out). */
  SENDING: 'SENDING',
  /** The attempt that held the claim ended without knowing whether SES accepted the email. */
  UNCERTAIN: 'UNCERTAIN',
  /** SES accepted it; `messageId` is recorded. */
  SENT: 'SENT',
} as const;
export type EmailStatusValue = (typeof EmailStatus)[keyof typeof EmailStatus];

/**
 * A case record in the table. Partition key `caseId` (string), no sort key.
 * Attribute names are part of the table contract documented on the construct.
 */
export interface CaseRecord {
  readonly caseId: string;
  readonly status: CaseStatusValue;
  readonly employeeId: string;
  readonly employeeName: string;
  readonly employeeEmail: string;
  readonly openedAt: string;
  readonly assignedAt: string;
  readonly updatedAt: string;
  readonly emailStatus: EmailStatusValue;
  readonly messageId?: string;
  readonly emailedAt?: string;
  /** Execution that holds (or last held) the email claim. */
  readonly emailOwner?: string;
  /** The single handler attempt that holds the email claim. */
  readonly emailAttemptId?: string;
  readonly emailClaimedAt?: string;
  /** The email status the current claim replaced (PENDING, UNCERTAIN or an abandoned SENDING). */
  readonly emailClaimedFrom?: string;
  /** How many times the email was sent again after an attempt ended with an unknown outcome. */
  readonly emailAmbiguousResends?: number;
  readonly failureError?: string;
  /** The case details (a DynamoDB map of strings), when the case has any. */
  readonly details?: CaseDetails;
  /** When DynamoDB may delete the record (epoch seconds; TTL), if the construct sets an expiry. */
  readonly expiresAt?: number;
  // ---- Acknowledgement on only (src/shared/acknowledgement.ts); absent otherwise ----
  /** The round of the current assignment: 1 for the first email (absent: 1). */
  readonly ackRound?: number;
  /**
   * SHA-256 (base64url) of the link ids in this round's emails (a DynamoDB string set: a counted
   * resend carries its own id). Never the ids themselves. Removed when the round ends.
   */
  readonly ackIdHashes?: readonly string[];
  /** When this round's links stop working (epoch seconds). */
  readonly ackLinkExpiresAt?: number;
  /** The task token of this round's Wait For Acknowledgement (removed when the round ends). */
  readonly ackTaskToken?: string;
  /** When the assignee acknowledged (ISO-8601). */
  readonly acknowledgedAt?: string;
  /** The employee id that acknowledged. */
  readonly acknowledgedBy?: string;
  /** The hash of the link id that acknowledged: its holder sees "already acknowledged". */
  readonly acknowledgedIdHash?: string;
  /**
   * A random id of the page request whose write acknowledged: a request whose write's answer was
   * lost (the SDK wrote again, and the condition failed on its own write) recognises it.
   */
  readonly acknowledgedRequestId?: string;
  /** When the last round ran out (ISO-8601), for an UNACKNOWLEDGED case. */
  readonly unacknowledgedAt?: string;
  /** The earlier rounds, oldest first (a DynamoDB list of maps). */
  readonly escalations?: readonly EscalatedRound[];
}

/** A round that ended without an acknowledgement, as the case record keeps it. */
export interface EscalatedRound {
  readonly round: number;
  readonly employeeId: string;
  readonly employeeName: string;
  readonly assignedAt: string;
  readonly messageId?: string;
  readonly emailedAt?: string;
  /** The round's counted resends. */
  readonly emailAmbiguousResends: number;
  readonly escalatedAt: string;
}

/**
 * A roster kept in a DynamoDB table: one item per employee, partition key `employeeId`
 * (string), attributes `name` and `email` (strings) and optionally `active` (boolean; `false`
 * takes the employee off the roster without deleting the item).
 */
export const ROSTER_TABLE_PARTITION_KEY = 'employeeId';

/** Where a function's configuration layer puts its files: `/opt/` + this folder. */
export const CONFIG_LAYER_FOLDER = 'support-case-workflow';

/** Configuration files, one per function that needs one (JSON objects). */
export const CONFIG_FILES = {
  /** Assign Case: `{ "roster": RosterEmployee[] }` for a fixed roster. */
  ASSIGN_CASE: 'assign-case.json',
  /** Send Email: `{ "templates": { subject?, text?, html? } }`, the team's email templates. */
  SEND_EMAIL: 'send-email.json',
} as const;

/** The case table's TTL attribute (epoch seconds), written when the construct sets `closedCaseRetention`. */
export const CASE_EXPIRY_ATTRIBUTE = 'expiresAt';

/** Partition key attribute of the case table. */
export const CASE_TABLE_PARTITION_KEY = 'caseId';

/** A notification email, composed by the pure logic and sent by Send Email. */
export interface CaseEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Names of the workflow's states. The three steps are named as in the seed tutorial. */
export const STATE_NAMES = {
  OPEN_CASE: 'Open Case',
  ASSIGN_CASE: 'Assign Case',
  SEND_EMAIL: 'Send Email',
  RECORD_FAILURE: 'Record Failure',
  FAILURE_NOT_RECORDED: 'Failure Not Recorded',
  CASE_FAILED: 'Case Failed',
  EMAIL_SENT_NOT_RECORDED: 'Email Sent Not Recorded',
  READ_SENT_EMAIL: 'Read Sent Email',
  RECORD_SENT_EMAIL: 'Record Sent Email',
  EMAIL_RECORDED: 'Email Recorded',
  WAIT_FOR_SEND_SLOT: 'Wait For Send Slot',
  SENT_EMAIL_RESULT: 'Sent Email Result',
  SENT_EMAIL_RESULT_WITH_DETAILS: 'Sent Email Result With Details',
  // Acknowledgement on only (docs/design/acknowledgement.md):
  WAIT_FOR_ACKNOWLEDGEMENT: 'Wait For Acknowledgement',
  ESCALATE_CASE: 'Escalate Case',
  ESCALATION_OUTCOME: 'Escalation Outcome',
  NEXT_ROUND: 'Next Round',
  /** A Choice: the execution's output has details only when the case has any (as Email Recorded). */
  CASE_ACKNOWLEDGED: 'Case Acknowledged',
  ACKNOWLEDGED_RESULT: 'Acknowledged Result',
  ACKNOWLEDGED_RESULT_WITH_DETAILS: 'Acknowledged Result With Details',
  /** Escalate Case found the case acknowledged (the acknowledgement won the race with the time-out). */
  ACKNOWLEDGED_BEFORE_ESCALATION: 'Acknowledged Before Escalation',
  NOTIFY_UNACKNOWLEDGED: 'Notify Unacknowledged',
  CASE_UNACKNOWLEDGED: 'Case Unacknowledged',
};

/** The message of an `EmailSlotReserved` error: when the case sends again, and which round of pacing this is. */
export interface SendSlot {
  readonly caseId: string;
  /** ISO-8601 time of the slot (the Wait For Send Slot state waits until then). */
  readonly sendAt: string;
  /** 1 for the case's first slot. */
  readonly round: number;
}

/** The CloudWatch namespace of the handlers' metrics. */
export const METRICS_NAMESPACE = 'SupportCaseWorkflow';

/** Dimension names. */
export const METRIC_DIMENSIONS = {
  /** One value per construct (set by the construct in `METRICS_ENV.WORKFLOW`). */
  WORKFLOW: 'Workflow',
  /** The employee a case was assigned to (only on `CasesAssigned`). */
  EMPLOYEE_ID: 'EmployeeId',
} as const;

/** Metric names (all counts). */
export const METRIC_NAMES = {
  /** An email SES accepted (first sends and resends). */
  EMAILS_SENT: 'EmailsSent',
  /** An email sent again after an attempt whose SES outcome was unknown (counted in `EmailsSent` too). */
  EMAILS_RESENT: 'EmailsResent',
  /** A send SES refused with its throttling error (rate or daily quota). */
  EMAILS_THROTTLED: 'EmailsThrottled',
  /** A case that found a backlog of paced emails and took a send slot without asking SES. */
  EMAILS_QUEUED: 'EmailsQueued',
  /** A case assigned to an employee (a new assignment, not a retry that finds it). */
  CASES_ASSIGNED: 'CasesAssigned',
  /** An execution input Open Case refused (`InvalidCaseInput`): the caller's mistake, left out of the alarms. */
  INVALID_CASE_INPUTS: 'InvalidCaseInputs',
  // Acknowledgement on only:
  /** A case acknowledged (by the acknowledge page). */
  CASES_ACKNOWLEDGED: 'CasesAcknowledged',
  /** Milliseconds from the case's first email to its acknowledgement (unit Milliseconds; p50/p90 on the dashboard). */
  TIME_TO_ACKNOWLEDGE: 'TimeToAcknowledge',
  /** A case acknowledged within `escalateAfter` of its first email. */
  ACKNOWLEDGED_WITHIN_SLA: 'AcknowledgedWithinSla',
  /** A round that ran out and went to the next employee. */
  CASES_ESCALATED: 'CasesEscalated',
  /** A case whose every round ran out (alarm). */
  CASES_UNACKNOWLEDGED: 'CasesUnacknowledged',
} as const;

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** Environment variables of the metrics. */
export const METRICS_ENV = {
  /** The value of the `Workflow` dimension. */
  WORKFLOW: 'METRICS_WORKFLOW',
} as const;

/** Loose but practical address check (one `@`, a dot in the domain, no spaces or angle brackets). */
const EMAIL_PATTERN = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
const MAX_EMAIL_LENGTH = 254;

/** True for a syntactically valid single email address. */
export function isValidEmailAddress(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(value);
}
