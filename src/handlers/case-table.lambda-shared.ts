/**
 * The case table, as the handlers use it: the item format of a case record (record <-> DynamoDB
 * item, one `Item` type), its reads, and the conditional writes every protocol builds on (the
 * email claim's own writes are in `email-claim.lambda-shared.ts`).
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
import { DETAIL_FIELDS, isPlainObject, withDetails } from './case-details.lambda-shared';
import { ConfigurationError, rethrowAwsError, UnrecognizedCaseRecordError } from './errors.lambda-shared';
import { REQUEST_TIMEOUTS } from './request-timeouts.lambda-shared';
import { AssignedCase, CASE_DETAIL_LIMITS, CASE_TABLE_PARTITION_KEY, CaseDetails, CaseRecord, CaseStatus, CaseStatusValue, EmailStatus, EmailStatusValue, ENV, EscalatedRound } from '../shared/contract';


/** One client per function instance (module scope: created at cold start, reused). */
const dynamodb = new DynamoDBClient({ requestHandler: REQUEST_TIMEOUTS });

/** A DynamoDB item: a case record, a key, or expression values. */
export type Item = Record<string, AttributeValue>;

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
      const read = new GetItemCommand({ TableName: this.tableName, Key: caseKey(caseId), ConsistentRead: true });
      const { Item } = await dynamodb.send(read, this.options());
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

  /** A conditional update of the case's record; `what` names it in errors. */
  async update(caseId: string, what: string, input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>): Promise<WriteOutcome> {
    return this.conditional(caseId, what, () => dynamodb.send(new UpdateItemCommand({
      TableName: this.tableName,
      Key: caseKey(caseId),
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

/**
 * A condition that holds only for the record of `c` as stored: same assignee, same times, same
 * details (a detail the case does not have must be absent from the record too).
 */
export function matchesStoredCase(c: AssignedCase): { condition: string; names: Record<string, string>; values: Item } {
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

function caseKey(caseId: string): Item {
  return { [CASE_TABLE_PARTITION_KEY]: { S: caseId } };
}

const CASE_STATUSES = new Set<string>(Object.values(CaseStatus));
const EMAIL_STATUSES = new Set<string>(Object.values(EmailStatus));

/**
 * DynamoDB item -> case record, checking that the workflow wrote it (a case table may be brought
 * and hold rows of other writers).
 * @throws UnrecognizedCaseRecordError when the row lacks what the workflow always writes
 */
export function parseCaseRecord(caseId: string, item: Item): CaseRecord {
  const record = fromItem(item);
  const missing = (['employeeId', 'employeeName', 'employeeEmail', 'openedAt', 'assignedAt'] as const).filter((k) => typeof record[k] !== 'string');
  if (!EMAIL_STATUSES.has(record.emailStatus)) {
    throw new UnrecognizedCaseRecordError(caseId, record.emailStatus === undefined ? 'it has no emailStatus' : `emailStatus is ${JSON.stringify(record.emailStatus)}`);
  }
  if (!CASE_STATUSES.has(record.status)) throw new UnrecognizedCaseRecordError(caseId, `status is ${JSON.stringify(record.status ?? null)}`);
  if (missing.length > 0) throw new UnrecognizedCaseRecordError(caseId, `it has no ${missing.join(', ')}`);
  return record;
}

function stringMap(value: Record<string, unknown>): Record<string, { S: string }> {
  const map: Record<string, { S: string }> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') map[k] = { S: v };
  return map;
}

/** Case record → DynamoDB item. */
export function toItem(record: CaseRecord): Item {
  const item: Item = {};
  for (const [key, value] of Object.entries(record)) {
    const attribute = attributeOf(key, value);
    if (attribute) item[key] = attribute;
  }
  return item;
}

/** One attribute of a case record (undefined: left out of the item). */
function attributeOf(key: string, value: unknown): AttributeValue | undefined {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  // A string set: DynamoDB refuses an empty one, so an empty list is left out.
  if (key === 'ackIdHashes' && Array.isArray(value)) return value.length > 0 ? { SS: [...value] } : undefined;
  if (key === 'escalations' && Array.isArray(value)) return { L: value.map((round: EscalatedRound) => ({ M: escalatedRoundItem(round) })) };
  if (isPlainObject(value)) return { M: stringMap(value) }; // the details
  return undefined;
}

/** One ended round (`escalations` entry) → a DynamoDB map (strings S, numbers N). */
export function escalatedRoundItem(round: EscalatedRound): Item {
  const map: Item = {};
  for (const [k, v] of Object.entries(round)) {
    if (typeof v === 'string') map[k] = { S: v };
    else if (typeof v === 'number') map[k] = { N: String(v) };
  }
  return map;
}

function escalatedRoundOf(map: Item): EscalatedRound {
  const s = (key: string) => map[key]?.S;
  return {
    round: Number(map.round?.N),
    employeeId: s('employeeId')!,
    employeeName: s('employeeName')!,
    assignedAt: s('assignedAt')!,
    ...(s('messageId') === undefined ? {} : { messageId: s('messageId') }),
    ...(s('emailedAt') === undefined ? {} : { emailedAt: s('emailedAt') }),
    emailAmbiguousResends: Number(map.emailAmbiguousResends?.N ?? 0),
    escalatedAt: s('escalatedAt')!,
  };
}

/** The acknowledgement attributes of an item (acknowledgement on only): only those present. */
function acknowledgementFields(item: Item): Partial<CaseRecord> {
  const fields: Record<string, unknown> = {};
  for (const key of ['ackTaskToken', 'acknowledgedAt', 'acknowledgedBy', 'acknowledgedIdHash', 'acknowledgedRequestId', 'unacknowledgedAt'] as const) {
    if (item[key]?.S !== undefined) fields[key] = item[key].S;
  }
  for (const key of ['ackRound', 'ackLinkExpiresAt'] as const) {
    if (item[key]?.N !== undefined) fields[key] = Number(item[key].N);
  }
  if (item.ackIdHashes?.SS) fields.ackIdHashes = [...item.ackIdHashes.SS].sort();
  if (item.escalations?.L) fields.escalations = item.escalations.L.map((v) => escalatedRoundOf(v.M ?? {}));
  return fields as Partial<CaseRecord>;
}

/** DynamoDB item → case record. */
export function fromItem(item: Item): CaseRecord {
  const s = (key: string) => item[key]?.S;
  const n = (key: string) => (item[key]?.N === undefined ? undefined : Number(item[key]!.N));
  return {
    caseId: s('caseId')!,
    status: s('status') as CaseStatusValue,
    employeeId: s('employeeId')!,
    employeeName: s('employeeName')!,
    employeeEmail: s('employeeEmail')!,
    openedAt: s('openedAt')!,
    assignedAt: s('assignedAt')!,
    updatedAt: s('updatedAt')!,
    emailStatus: s('emailStatus') as EmailStatusValue,
    messageId: s('messageId'),
    emailedAt: s('emailedAt'),
    emailOwner: s('emailOwner'),
    emailAttemptId: s('emailAttemptId'),
    emailClaimedAt: s('emailClaimedAt'),
    emailClaimedFrom: s('emailClaimedFrom'),
    emailAmbiguousResends: n('emailAmbiguousResends'),
    failureError: s('failureError'),
    expiresAt: n('expiresAt'),
    ...withDetails(detailsFromMap(item.details?.M)),
    ...acknowledgementFields(item),
  };
}

function detailsFromMap(map: Item | undefined): CaseDetails | undefined {
  if (!map) return undefined;
  const details: Record<string, string> = {};
  for (const key of DETAIL_FIELDS) {
    const v = map[key]?.S;
    if (v !== undefined) details[key] = v;
  }
  return Object.keys(details).length > 0 ? details : undefined;
}
