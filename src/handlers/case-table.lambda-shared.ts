/**
 * The case table, as the handlers use it: every read and conditional write of a case record in
 * one place (the persistence layer), so that each handler reads as the protocol it implements.
 *
 * Every write is conditional (optimistic locking on the record). A write whose condition fails
 * answers with the record as it stands: DynamoDB returns it with the failure
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`); where it does not (older local emulators),
 * one consistent read fetches it instead.
 */
import {
  AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { parseCaseRecord, toItem } from './case-logic.lambda-shared';
import { ConfigurationError, rethrowAwsError } from './errors.lambda-shared';
import { REQUEST_TIMEOUTS } from './request-timeouts.lambda-shared';
import { AssignedCase, CASE_DETAIL_LIMITS, CASE_TABLE_PARTITION_KEY, CaseDetails, CaseRecord, CaseStatus, EmailStatus, EmailStatusValue, ENV, RECORD_SENT } from '../shared/contract';


/** One client per function instance (module scope: created at cold start, reused). */
const dynamodb = new DynamoDBClient({ requestHandler: REQUEST_TIMEOUTS });

type Item = Record<string, AttributeValue>;

/** Name of the case table, from the function's configuration. */
export function caseTableName(): string {
  const name = process.env[ENV.TABLE_NAME];
  if (!name) throw new ConfigurationError(`${ENV.TABLE_NAME} is not set`);
  return name;
}

/** A conditional write either applied, or found the record in another state (undefined: no record). */
export type WriteOutcome = { readonly applied: true; readonly old?: CaseRecord } | { readonly applied: false; readonly current?: CaseRecord };

export class CaseTable {
  /** `abortSignal`: the invocation's deadline (see deadline.lambda-shared.ts), bounding every request. */
  constructor(private readonly tableName: string, private readonly abortSignal?: AbortSignal) {}

  /** The case record (consistent read), or undefined when the case has none. */
  async get(caseId: string): Promise<CaseRecord | undefined> {
    try {
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: this.tableName, Key: key(caseId), ConsistentRead: true }), this.options());
      return Item ? parseCaseRecord(caseId, Item) : undefined;
    } catch (err) {
      return rethrowAwsError(err, 'reading the case record');
    }
  }

  /** Writes a new case record unless the case has one already. */
  async create(record: CaseRecord): Promise<WriteOutcome> {
    return this.conditional(record.caseId, 'writing the case record', () => dynamodb.send(new PutItemCommand({
      TableName: this.tableName,
      Item: toItem(record),
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': CASE_TABLE_PARTITION_KEY },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }), this.options()));
  }

  /**
   * Claims a free email (PENDING or UNCERTAIN) for one attempt. `emailClaimedFrom` keeps the
   * status the claim replaced: it decides whether a possible email of this attempt is a resend.
   */
  async claimEmail(caseId: string, claim: Claim, expected: AssignedCase, from: EmailStatusValue = EmailStatus.PENDING): Promise<WriteOutcome> {
    const match = matchesCase(expected);
    // A claim from UNCERTAIN counts the email it may send as a resend now, in the claim itself:
    // if this attempt or its execution dies after sending, the record already tells the truth.
    const count = from === EmailStatus.UNCERTAIN ? ', emailAmbiguousResends = if_not_exists(emailAmbiguousResends, :zero) + :one' : '';
    return this.update(caseId, 'claiming the email', {
      UpdateExpression: 'SET emailClaimedFrom = emailStatus, emailStatus = :sending, emailOwner = :owner, emailAttemptId = :attempt,'
        + ` emailClaimedAt = :now, updatedAt = :now${count}`,
      // Only the case the input names, as stored: an input naming another recipient or other
      // content changes nothing (the caller tells the conflict from the record returned).
      ConditionExpression: `attribute_exists(#pk) AND emailStatus = :from AND ${match.condition}`,
      ExpressionAttributeNames: { '#pk': CASE_TABLE_PARTITION_KEY, ...match.names },
      ExpressionAttributeValues: {
        ...claimValues(claim),
        ':from': { S: from },
        ...(count ? { ':zero': { N: '0' }, ':one': { N: '1' } } : {}),
        ...match.values,
      },
      ReturnValues: 'ALL_OLD',
    });
  }

  /**
   * Takes over the claim of an attempt that is over (lease run out). That attempt may have sent
   * the email, so the new claim replaces UNCERTAIN (or `claimedFrom`, when it surely did not
   * send), and the counted resends become `resends` (which count the email this claim may send).
   */
  async takeOverEmail(
    caseId: string, abandonedAttemptId: string, claim: Claim, resends: number, claimedFrom: EmailStatusValue = EmailStatus.UNCERTAIN,
  ): Promise<WriteOutcome> {
    return this.update(caseId, 'taking over the email claim', {
      UpdateExpression: 'SET emailClaimedFrom = :claimedFrom, emailStatus = :sending, emailOwner = :owner, emailAttemptId = :attempt,'
        + ' emailClaimedAt = :now, updatedAt = :now, emailAmbiguousResends = :resends,'
        // How often the case's claim was taken over (for people and for the demo's summary).
        + ' emailTakeovers = if_not_exists(emailTakeovers, :zero) + :one',
      ConditionExpression: 'emailStatus = :sending AND emailAttemptId = :abandoned',
      ExpressionAttributeValues: {
        ...claimValues(claim),
        ':claimedFrom': { S: claimedFrom },
        ':abandoned': { S: abandonedAttemptId },
        ':resends': { N: String(resends) },
        ':zero': { N: '0' },
        ':one': { N: '1' },
      },
    });
  }

  /**
   * Ends this attempt's claim without a sent email. `outcome`:
   * - `notSent`: SES surely sent nothing (or was never called): the email goes back to the
   *   status the claim replaced (PENDING stays PENDING, UNCERTAIN stays UNCERTAIN), and a claim
   *   from UNCERTAIN gives back the resend it counted (`claimedFrom`);
   * - `unknown`: SES may have sent it: UNCERTAIN, keeping the resend the claim counted.
   */
  async endClaim(
    caseId: string, attemptId: string, outcome: { notSent: true; claimedFrom: EmailStatusValue } | { unknown: true },
  ): Promise<WriteOutcome> {
    const common = {
      ConditionExpression: 'emailAttemptId = :attempt AND emailStatus = :sending',
      ExpressionAttributeValues: { ':attempt': { S: attemptId }, ':sending': { S: EmailStatus.SENDING } } as Item,
    };
    if ('notSent' in outcome) {
      const fromUncertain = outcome.claimedFrom === EmailStatus.UNCERTAIN;
      return this.update(caseId, 'releasing the email claim', {
        ConditionExpression: `${common.ConditionExpression} AND emailClaimedFrom = :from`,
        UpdateExpression: `SET emailStatus = emailClaimedFrom${fromUncertain ? ', emailAmbiguousResends = emailAmbiguousResends - :one' : ''}`
          + ' REMOVE emailAttemptId, emailClaimedAt',
        ExpressionAttributeValues: {
          ...common.ExpressionAttributeValues,
          ':from': { S: outcome.claimedFrom },
          ...(fromUncertain ? { ':one': { N: '1' } } : {}),
        },
      });
    }
    return this.update(caseId, 'marking the email uncertain', {
      ...common,
      UpdateExpression: 'SET emailStatus = :uncertain REMOVE emailAttemptId, emailClaimedAt',
      ExpressionAttributeValues: { ...common.ExpressionAttributeValues, ':uncertain': { S: EmailStatus.UNCERTAIN } },
    });
  }

  /**
   * Records the email SES accepted, if this attempt still holds the claim. Also clears a
   * failure another execution may have recorded meanwhile: a case whose email went out is EMAILED.
   */
  async recordSent(caseId: string, sent: { attemptId: string; messageId: string; emailedAt: string; resends: number }): Promise<WriteOutcome> {
    return this.update(caseId, 'recording the sent email', recordSentUpdate(sent));
  }

  private async update(caseId: string, what: string, input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>): Promise<WriteOutcome> {
    return this.conditional(caseId, what, () => dynamodb.send(new UpdateItemCommand({
      TableName: this.tableName,
      Key: key(caseId),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ...input,
    }), this.options()));
  }

  private options(): { abortSignal?: AbortSignal } {
    return this.abortSignal ? { abortSignal: this.abortSignal } : {};
  }

  private async conditional(caseId: string, what: string, write: () => Promise<{ Attributes?: Item }>): Promise<WriteOutcome> {
    try {
      const { Attributes } = await write();
      return { applied: true, old: Attributes && Object.keys(Attributes).length > 0 ? parseCaseRecord(caseId, Attributes) : undefined };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) return rethrowAwsError(err, what);
      const item = (err as ConditionalCheckFailedException & { Item?: Item }).Item;
      return { applied: false, current: item ? parseCaseRecord(caseId, item) : await this.get(caseId) };
    }
  }
}

/** Who claims the email: the execution (for people reading the record) and the one attempt that owns the claim. */
export interface Claim {
  readonly owner: string;
  readonly attemptId: string;
  readonly now: Date;
}

function claimValues(claim: Claim): Item {
  return {
    ':sending': { S: EmailStatus.SENDING },
    ':owner': { S: claim.owner },
    ':attempt': { S: claim.attemptId },
    ':now': { S: claim.now.toISOString() },
  };
}

/**
 * A condition that holds only for the record of `c` as stored: same assignee, same times, same
 * details (a detail the case does not have must be absent from the record too).
 */
function matchesCase(c: AssignedCase): { condition: string; names: Record<string, string>; values: Item } {
  const terms = ['employeeId = :m_id', 'employeeName = :m_name', 'employeeEmail = :m_email', 'openedAt = :m_opened', 'assignedAt = :m_assigned'];
  const names: Record<string, string> = { '#m_details': 'details' };
  const values: Item = {
    ':m_id': { S: c.employee.id },
    ':m_name': { S: c.employee.name },
    ':m_email': { S: c.employee.email },
    ':m_opened': { S: c.openedAt },
    ':m_assigned': { S: c.assignedAt },
  };
  if (!c.details) {
    terms.push('attribute_not_exists(#m_details)');
  } else {
    for (const field of Object.keys(CASE_DETAIL_LIMITS) as (keyof CaseDetails)[]) {
      names[`#m_${field}`] = field;
      const value = c.details[field];
      if (value === undefined) {
        terms.push(`attribute_not_exists(#m_details.#m_${field})`);
      } else {
        terms.push(`#m_details.#m_${field} = :m_${field}`);
        values[`:m_${field}`] = { S: value };
      }
    }
  }
  return { condition: `(${terms.join(' AND ')})`, names, values };
}

function key(caseId: string): Item {
  return { [CASE_TABLE_PARTITION_KEY]: { S: caseId } };
}

/**
 * The write that records a sent email. The state machine's Record Sent Email step makes the same
 * write (same expression and condition) when the handler could not: see the construct.
 */
export function recordSentUpdate(sent: { attemptId: string; messageId: string; emailedAt: string; resends: number }) {
  return {
    UpdateExpression: RECORD_SENT.updateExpression,
    ConditionExpression: RECORD_SENT.conditionExpression,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':sent': { S: EmailStatus.SENT },
      ':emailed': { S: CaseStatus.EMAILED },
      ':sending': { S: EmailStatus.SENDING },
      ':attempt': { S: sent.attemptId },
      ':mid': { S: sent.messageId },
      ':at': { S: sent.emailedAt },
      ':resends': { N: String(sent.resends) },
    } as Item,
  };
}
