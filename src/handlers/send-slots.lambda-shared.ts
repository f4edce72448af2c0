/**
 * Paced sending, as Send Email does it (docs/design/burst-pacing.md): the send-slot counter (one
 * item of the case table), the gate that sends a case to the back of a backlog, and the
 * reservation that ends an attempt with `EmailSlotReserved` for the state machine to wait on.
 *
 * Pacing happens between attempts, never while an attempt holds the email claim: a case that
 * takes a slot has claimed nothing (the gate) or has given its claim back (SES refused for its
 * rate, so nothing was sent). The counter decides when an attempt runs, never whether an email
 * is sent.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSendQuotaCommand, SESClient } from '@aws-sdk/client-ses';
import { CaseError, EmailThrottledError, rethrowAwsError } from './errors.lambda-shared';
import type { CaseLogger } from './log.lambda-shared';
import { REQUEST_TIMEOUTS } from './request-timeouts.lambda-shared';
import { CASE_TABLE_PARTITION_KEY, CaseErrorName, ENV, SendSlot } from '../shared/contract';
import { MAX_SEND_SLOT_ROUNDS, Reservation, reserveSlot, SEND_SLOT_COUNTER_KEY, SlotCounter, slotGapMs, WAIT_TIMESTAMP_RESOLUTION_SECONDS, wakeAt } from '../shared/send-pacing';

const dynamodb = new DynamoDBClient({ requestHandler: REQUEST_TIMEOUTS });
const COUNTER = { [CASE_TABLE_PARTITION_KEY]: { S: SEND_SLOT_COUNTER_KEY } };
/** The counter's attributes: the earliest time (epoch ms) of the next slot, and the gap between slots (ms). */
const NEXT = 'nextSlotAt';
const GAP = 'slotGapMs';

/** The case took a send slot: the state machine waits until `sendAt` and runs Send Email again. */
export class EmailSlotReservedError extends CaseError {
  constructor(slot: SendSlot) {
    super(CaseErrorName.EMAIL_SLOT_RESERVED, JSON.stringify(slot));
  }
}

/** Where this attempt stands in pacing: the round of the slot it was woken for (0: none). */
export interface Pacing {
  readonly round: number;
}

/**
 * Reads the slot an attempt was woken for from its input: after Wait For Send Slot the case
 * carries the `EmailSlotReserved` error of the attempt that took it (`sendSlot`, as Step
 * Functions' Catch wrote it). Anything unreadable counts as no slot.
 */
export function pacingOf(event: unknown): Pacing {
  try {
    const cause = (event as { case?: { sendSlot?: { Cause?: string } } })?.case?.sendSlot?.Cause;
    if (typeof cause !== 'string') return { round: 0 };
    const slot = JSON.parse(JSON.parse(cause).errorMessage) as SendSlot;
    return { round: Number.isInteger(slot.round) && slot.round > 0 ? slot.round : 0 };
  } catch {
    return { round: 0 };
  }
}

/** When the execution started (`startedAt` in Send Email's input), or undefined. */
export function startedAtOf(event: unknown): string {
  const startedAt = (event as { startedAt?: unknown })?.startedAt;
  return typeof startedAt === 'string' ? startedAt : '';
}

/**
 * When the case's patience starts: the execution's start (`startedAt`); with acknowledgement on,
 * each round's email has a patience of its own, from the round's assignment (`roundAssignedAt`,
 * the later of the two): an escalated round comes an `escalateAfter` or more after the start, in
 * bursts as the first emails do. The construct's execution timeout holds a patience per round.
 */
export function patienceStartOf(startedAt: string, roundAssignedAt?: string): string {
  const round = roundAssignedAt === undefined ? NaN : Date.parse(roundAssignedAt);
  if (Number.isNaN(round)) return startedAt;
  const started = Date.parse(startedAt);
  return Number.isNaN(started) || round > started ? roundAssignedAt! : startedAt;
}

const numberOf = (n: string | undefined) => (n === undefined ? undefined : Number(n));

async function readCounter(tableName: string, consistent: boolean, abortSignal?: AbortSignal): Promise<SlotCounter | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({
    TableName: tableName, Key: COUNTER, ProjectionExpression: '#next, #gap', ExpressionAttributeNames: { '#next': NEXT, '#gap': GAP }, ConsistentRead: consistent,
  }), { abortSignal });
  const nextAt = numberOf(Item?.[NEXT]?.N);
  return nextAt === undefined ? undefined : { nextAt, gapMs: numberOf(Item?.[GAP]?.N) ?? 0 };
}

/** The counter, or undefined (no counter, or unreadable: the gate is advice, a failed read lets the case ask SES). */
export async function readSlotCounter(req: SlotRequest): Promise<SlotCounter | undefined> {
  try {
    return await readCounter(req.tableName, false, req.abortSignal);
  } catch (err) {
    req.log.warn('could not read the send-slot counter; sending without the gate', { err });
    return undefined;
  }
}

/**
 * Reserves a slot: `nextSlotAt` if it is ahead of the clock (one conditional write: move it a gap
 * on), else one gap from now (a second conditional write sets it from the clock). A slot later
 * than `latest` is not taken. A few rounds at most: each failed condition means another case
 * moved the counter meanwhile. `abortSignal`: the invocation's deadline, bounding every request.
 */
export async function reserveSendSlot(
  tableName: string, now: number, gapMs: number, latest: number, abortSignal?: AbortSignal,
): Promise<Reservation> {
  for (let round = 0; round < 3; round++) {
    let current: number | undefined;
    try {
      const out = await dynamodb.send(new UpdateItemCommand({
        TableName: tableName,
        Key: COUNTER,
        UpdateExpression: 'SET #next = #next + :gap, #gap = :gap',
        ConditionExpression: '#next >= :now AND #next <= :latest',
        ExpressionAttributeNames: { '#next': NEXT, '#gap': GAP },
        ExpressionAttributeValues: { ':gap': { N: String(gapMs) }, ':now': { N: String(now) }, ':latest': { N: String(latest) } },
        ReturnValues: 'UPDATED_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }), { abortSignal });
      const slotAt = Number(out.Attributes![NEXT].N);
      return { kind: 'slot', slotAt, nextAt: slotAt + gapMs, behind: false };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) return rethrowAwsError(err, 'reserving a send slot');
      // DynamoDB returns the item with the failure; where it does not (older emulators), read it.
      current = err.Item ? numberOf(err.Item[NEXT]?.N) : (await readCounter(tableName, true, abortSignal))?.nextAt;
    }
    const decided = reserveSlot(current, now, gapMs, latest);
    if (decided.kind === 'tooLate' || !decided.behind) {
      if (decided.kind === 'tooLate') return decided;
      continue; // the counter moved ahead of the clock meanwhile: take it as a backlog
    }
    try {
      await dynamodb.send(new UpdateItemCommand({
        TableName: tableName,
        Key: COUNTER,
        UpdateExpression: 'SET #next = :next, #gap = :gap',
        ConditionExpression: 'attribute_not_exists(#next) OR #next < :now',
        ExpressionAttributeNames: { '#next': NEXT, '#gap': GAP },
        ExpressionAttributeValues: { ':next': { N: String(decided.nextAt) }, ':now': { N: String(now) }, ':gap': { N: String(gapMs) } },
      }), { abortSignal });
      return decided;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) return rethrowAwsError(err, 'reserving a send slot');
    }
  }
  return rethrowAwsError(Object.assign(new Error('the send-slot counter kept moving'), { name: 'ThrottlingException' }), 'reserving a send slot');
}

const RATE_CACHE_MS = 5 * 60 * 1000;
/** SES's sandbox rate: the pace when SES's own figure cannot be read. */
const FALLBACK_RATE = 1;
let cachedRate: { rate: number; until: number } | undefined;

/**
 * Milliseconds between two slots: from the construct (`emailSendRate`), else from SES's maximum
 * sending rate (`GetSendQuota`), read when first needed and kept for five minutes.
 */
export async function slotGap(ses: SESClient, log: CaseLogger, abortSignal?: AbortSignal): Promise<number> {
  const configured = Number(process.env[ENV.EMAIL_SEND_SLOT_SECONDS]);
  if (configured > 0) return configured * 1000;
  const now = Date.now();
  if (!cachedRate || cachedRate.until < now) {
    let rate = FALLBACK_RATE;
    try {
      const quota = await ses.send(new GetSendQuotaCommand({}), { abortSignal });
      if (quota.MaxSendRate && quota.MaxSendRate > 0) rate = quota.MaxSendRate;
    } catch (err) {
      log.warn(`could not read SES's maximum sending rate; pacing at ${FALLBACK_RATE} email/s`, { err });
    }
    cachedRate = { rate, until: now + RATE_CACHE_MS };
  }
  return slotGapMs(cachedRate.rate);
}

export interface SlotRequest {
  readonly tableName: string;
  readonly caseId: string;
  /** When the execution started (its patience counts from then). */
  readonly startedAt: string;
  readonly pacing: Pacing;
  readonly ses: SESClient;
  readonly log: CaseLogger;
  /** The invocation's deadline (see deadline.lambda-shared.ts), bounding every request. */
  readonly abortSignal?: AbortSignal;
}

/**
 * Takes the case's next send slot and throws `EmailSlotReserved` (the state machine waits for
 * it); or, when the slot would come after the case's patience or the case has used its rounds,
 * `EmailThrottled` (nothing sent, never retried). `why`: for the logs and the final error.
 */
export async function waitForSendSlot(req: SlotRequest, why: string, cause?: unknown): Promise<never> {
  const round = req.pacing.round + 1;
  const giveUp = (detail: string) => new EmailThrottledError(`${why}; ${detail}: the email of case ${req.caseId} was not sent`, cause);
  if (round > MAX_SEND_SLOT_ROUNDS) throw giveUp(`it already waited for ${MAX_SEND_SLOT_ROUNDS} send slots`);
  const patienceMs = Number(process.env[ENV.EMAIL_THROTTLE_PATIENCE_SECONDS] ?? 0) * 1000;
  const started = Date.parse(req.startedAt);
  const now = Date.now();
  const latest = (Number.isFinite(started) ? started : now) + patienceMs;
  const reservation = await reserveSendSlot(req.tableName, now, await slotGap(req.ses, req.log, req.abortSignal), latest, req.abortSignal);
  if (reservation.kind === 'tooLate') {
    throw giveUp(`the next send slot (${new Date(reservation.slotAt).toISOString()}) is past the case's patience`);
  }
  // Step Functions' Wait reads the timestamp to the second: rounded up, the case is never woken early.
  const resolution = Number(process.env[ENV.SEND_SLOT_RESOLUTION_SECONDS] ?? WAIT_TIMESTAMP_RESOLUTION_SECONDS);
  const sendAt = wakeAt(reservation.slotAt, (Number.isFinite(resolution) ? resolution : WAIT_TIMESTAMP_RESOLUTION_SECONDS) * 1000);
  const slot: SendSlot = { caseId: req.caseId, sendAt: new Date(sendAt).toISOString(), round };
  req.log.info(`${why}; waiting for a send slot`, { sendAt: slot.sendAt, round });
  throw new EmailSlotReservedError(slot);
}
