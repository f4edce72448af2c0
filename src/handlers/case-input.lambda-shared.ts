/**
 * The steps' inputs as the workflow accepts them: the execution input (Open Case), and each
 * step's input from the step before (Assign Case, Send Email). Each check returns the input as a
 * typed value or throws `InvalidCaseInput` saying what is wrong, before anything is written or sent.
 * Plain functions, no AWS calls.
 */
import { DetailsPolicy, describe, isPlainObject, validateCaseDetails, withDetails } from './case-details.lambda-shared';
import { InvalidCaseInputError } from './errors.lambda-shared';
import { isValidEmailAddress, MAX_CASE_ID_LENGTH, OpenedCase, RosterEmployee, SendEmailInput } from '../shared/contract';

/** Case ids: ASCII letters, digits, `.`, `_`, `-`; starting with a letter or digit. */
const CASE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks a case id; returns it unchanged or throws `InvalidCaseInput` saying why. */
export function validateCaseId(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new InvalidCaseInputError(`${field} must be a string, got ${describe(value)}`);
  }
  if (value.length === 0) throw new InvalidCaseInputError(`${field} must not be empty`);
  if (value.length > MAX_CASE_ID_LENGTH) {
    throw new InvalidCaseInputError(`${field} must be at most ${MAX_CASE_ID_LENGTH} characters, got ${value.length}`);
  }
  if (!CASE_ID_PATTERN.test(value)) {
    throw new InvalidCaseInputError(
      `${field} may hold only ASCII letters, digits, '.', '_' and '-', starting with a letter or digit`,
    );
  }
  return value;
}

/**
 * Open Case: validates the execution input (`{"inputCaseID": "001"}`, optionally with
 * `details`; other fields ignored) and opens the case.
 */
export function openCase(input: unknown, now: Date, policy: DetailsPolicy = {}): OpenedCase {
  if (!isPlainObject(input)) {
    throw new InvalidCaseInputError(`execution input must be a JSON object with inputCaseID, got ${describe(input)}`);
  }
  if (!('inputCaseID' in input)) throw new InvalidCaseInputError('execution input has no inputCaseID');
  const caseId = validateCaseId(input.inputCaseID, 'inputCaseID');
  return { caseId, openedAt: now.toISOString(), ...withDetails(validateCaseDetails(input.details, 'details', policy)) };
}

function validateTimestamp(value: unknown, field: string): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new InvalidCaseInputError(`${field} must be an ISO-8601 timestamp`);
  }
  return value;
}

/** Assign Case's input check: the output of Open Case. */
export function parseOpenedCase(input: unknown, policy: DetailsPolicy = {}): OpenedCase {
  if (!isPlainObject(input)) throw new InvalidCaseInputError(`Assign Case input must be an object, got ${describe(input)}`);
  return {
    caseId: validateCaseId(input.caseId, 'caseId'),
    openedAt: validateTimestamp(input.openedAt, 'openedAt'),
    ...withDetails(validateCaseDetails(input.details, 'details', policy)),
  };
}

/** Checks one roster entry; `where` names it in the error. */
export function validateEmployee(value: unknown, where: string): RosterEmployee {
  if (!isPlainObject(value)) throw new Error(`${where} must be an object`);
  const { id, name, email } = value;
  if (typeof id !== 'string' || id.trim() === '') throw new Error(`${where}.id must be a non-empty string`);
  if (typeof name !== 'string' || name.trim() === '') throw new Error(`${where}.name must be a non-empty string`);
  if (!isValidEmailAddress(email)) throw new Error(`${where}.email is not a valid email address`);
  return { id, name, email };
}

/** Send Email's input check: the output of Assign Case plus the execution id. */
export function parseSendEmailInput(input: unknown): SendEmailInput {
  if (!isPlainObject(input) || !isPlainObject(input.case)) {
    throw new InvalidCaseInputError('Send Email input must be an object with a case object');
  }
  const c = input.case;
  if (typeof input.executionId !== 'string' || input.executionId === '') {
    throw new InvalidCaseInputError('Send Email input must carry executionId');
  }
  let employee: RosterEmployee;
  try {
    employee = validateEmployee(c.employee, 'case.employee');
  } catch (e) {
    throw new InvalidCaseInputError((e as Error).message, { cause: e });
  }
  return {
    executionId: input.executionId,
    case: {
      caseId: validateCaseId(c.caseId, 'case.caseId'),
      openedAt: validateTimestamp(c.openedAt, 'case.openedAt'),
      assignedAt: validateTimestamp(c.assignedAt, 'case.assignedAt'),
      employee,
      ...withDetails(validateCaseDetails(c.details, 'case.details')),
    },
  };
}
