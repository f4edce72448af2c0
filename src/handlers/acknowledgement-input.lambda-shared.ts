/**
 * The inputs of Wait For Acknowledgement and Escalate Case (src/shared/acknowledgement.ts), as the
 * state machine passes them. Each check returns the typed input or throws `InvalidCaseInput`
 * before anything is read or written. Plain functions, no AWS calls.
 */
import { describe, isPlainObject } from './case-details.lambda-shared';
import { validateCaseId } from './case-input.lambda-shared';
import { InvalidCaseInputError } from './errors.lambda-shared';
import type { AwaitAcknowledgementInput, EscalateCaseInput } from '../shared/acknowledgement';
import { STATE_NAMES } from '../shared/contract';

/**
 * Longest task token accepted: SendTaskSuccess takes 1 to 2,048 characters
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
 */
const MAX_TASK_TOKEN_LENGTH = 2048;
/** An ISO-8601 UTC timestamp as the handlers write them (`Date.toISOString()`). */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function field(input: Record<string, unknown>, key: string, what: string, check: (v: unknown) => boolean, rule: string): string {
  const value = input[key];
  if (!check(value)) throw new InvalidCaseInputError(`${what} input: ${key} must be ${rule}, got ${describe(value)}`);
  return value as string;
}

const isTimestamp = (v: unknown) => typeof v === 'string' && ISO_TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v));

/** Wait For Acknowledgement's input: `{caseId, assignedAt, taskToken}`, nothing else. */
export function parseAwaitAcknowledgementInput(input: unknown): AwaitAcknowledgementInput {
  const what = STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT;
  if (!isPlainObject(input)) throw new InvalidCaseInputError(`${what} input must be an object, got ${describe(input)}`);
  refuseUnknown(input, ['caseId', 'assignedAt', 'taskToken'], what);
  return {
    caseId: validateCaseId(input.caseId, 'caseId'),
    assignedAt: field(input, 'assignedAt', what, isTimestamp, 'an ISO-8601 timestamp'),
    taskToken: field(input, 'taskToken', what, (v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_TASK_TOKEN_LENGTH,
      `a string of 1 to ${MAX_TASK_TOKEN_LENGTH} characters`),
  };
}

/** Escalate Case's input: `{caseId, employeeId, assignedAt}`, nothing else. */
export function parseEscalateCaseInput(input: unknown): EscalateCaseInput {
  const what = STATE_NAMES.ESCALATE_CASE;
  if (!isPlainObject(input)) throw new InvalidCaseInputError(`${what} input must be an object, got ${describe(input)}`);
  refuseUnknown(input, ['caseId', 'employeeId', 'assignedAt'], what);
  return {
    caseId: validateCaseId(input.caseId, 'caseId'),
    employeeId: field(input, 'employeeId', what, (v) => typeof v === 'string' && v.trim() !== '', 'a non-empty string'),
    assignedAt: field(input, 'assignedAt', what, isTimestamp, 'an ISO-8601 timestamp'),
  };
}

function refuseUnknown(input: Record<string, unknown>, known: readonly string[], what: string): void {
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new InvalidCaseInputError(`${what} input has unknown fields: ${unknown.join(', ')}`);
}
