/**
 * Assign Case's decisions: the roster (fixed, or read from its table), the choice of employee,
 * the record a new assignment writes, and what a stored record says about the assignment (for a
 * retry, or a second opening of the case). Plain functions, no AWS calls.
 */
import { createHash } from 'node:crypto';
import { DETAIL_FIELDS, withDetails } from './case-details.lambda-shared';
import { validateEmployee } from './case-input.lambda-shared';
import { ConfigurationError, RosterUnavailableError } from './errors.lambda-shared';
import { AssignedCase, CaseRecord, CaseStatus, EmailStatus, ENV, OpenedCase, ROSTER_TABLE_PARTITION_KEY, RosterEmployee } from '../shared/contract';

/**
 * Checks the fixed roster the construct put in the function's configuration file (`roster`).
 * @throws ConfigurationError when it is missing, empty or malformed
 */
export function parseRoster(raw: unknown): RosterEmployee[] {
  if (raw === undefined) throw new ConfigurationError('the employee roster is not configured');
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigurationError('the employee roster is empty');
  try {
    return raw.map((e, i) => validateEmployee(e, `roster[${i}]`));
  } catch (e) {
    throw new ConfigurationError((e as Error).message, { cause: e });
  }
}

/** A roster table item, as far as the roster reads it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RosterItem = Record<string, any>;

/**
 * Whether a roster item is active: `active` must be a DynamoDB boolean or absent (absent means
 * active). Anything else (`"false"`, `0`...) is refused rather than guessed: a departed employee
 * marked in the wrong type must not keep receiving cases.
 */
function isActive(item: RosterItem, where: string): boolean {
  const active = item.active as Record<string, unknown> | undefined;
  if (active === undefined) return true;
  if (Object.keys(active).length === 1 && typeof active.BOOL === 'boolean') return active.BOOL;
  throw new RosterUnavailableError(`${where}: active must be a boolean (BOOL) or absent, got ${JSON.stringify(active)}`);
}

/**
 * Reads the employees from the items of a roster table (inactive ones left out).
 * @throws RosterUnavailableError when no active employee remains or an item is malformed
 */
export function rosterFromItems(items: readonly RosterItem[]): RosterEmployee[] {
  const employees: RosterEmployee[] = [];
  for (const item of items) {
    const id = item[ROSTER_TABLE_PARTITION_KEY]?.S as string | undefined;
    const where = `roster item ${JSON.stringify(id ?? '?')}`;
    if (!isActive(item, where)) continue;
    try {
      employees.push(validateEmployee({ id, name: item.name?.S, email: item.email?.S }, where));
    } catch (e) {
      throw new RosterUnavailableError((e as Error).message, e);
    }
  }
  if (employees.length === 0) throw new RosterUnavailableError('the roster table holds no active employee');
  // Same order whatever order the scan returned (the choice does not depend on it, logs do).
  return employees.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function score(caseId: string, employeeId: string): bigint {
  return createHash('sha256').update(caseId).update('\u0000').update(employeeId).digest().readBigUInt64BE(0);
}

/**
 * The roster in rendezvous (highest-random-weight) order for a case: every employee gets a
 * pseudo-random score for the case, highest first (ties: the smaller id first). So the order is a
 * pure function of the case id and the roster (a retry gets the same), first choices spread
 * evenly over the roster, and adding or removing someone moves only that person's place.
 * Escalation walks down this order.
 */
export function rankEmployees(roster: readonly RosterEmployee[], caseId: string): RosterEmployee[] {
  return roster
    .map((employee) => ({ employee, score: score(caseId, employee.id) }))
    .sort((a, b) => (a.score !== b.score ? (a.score > b.score ? -1 : 1) : a.employee.id < b.employee.id ? -1 : a.employee.id > b.employee.id ? 1 : 0))
    .map((ranked) => ranked.employee);
}

/** Chooses the employee for a case: the first of `rankEmployees`. */
export function chooseEmployee(roster: readonly RosterEmployee[], caseId: string): RosterEmployee {
  if (roster.length === 0) throw new ConfigurationError('the employee roster is empty');
  return rankEmployees(roster, caseId)[0];
}

/** Assign Case's decision: the assignment for an opened case. */
export function assignCase(opened: OpenedCase, roster: readonly RosterEmployee[], now: Date): AssignedCase {
  return { ...opened, employee: chooseEmployee(roster, opened.caseId), assignedAt: now.toISOString() };
}

/**
 * Reads the expiry of new records from its environment variable (whole seconds); undefined when unset.
 * @throws ConfigurationError when it is not a positive whole number
 */
export function parseExpiresAfter(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new ConfigurationError(`${ENV.CASE_EXPIRES_AFTER_SECONDS} must be a positive whole number of seconds`);
  return seconds;
}

/**
 * The record Assign Case writes for a new assignment; with `expiresAfterSeconds`, it expires
 * (DynamoDB TTL, epoch seconds) that long after the assignment.
 */
export function newCaseRecord(assigned: AssignedCase, expiresAfterSeconds?: number): CaseRecord {
  return {
    ...(expiresAfterSeconds === undefined ? {} : { expiresAt: Math.floor(Date.parse(assigned.assignedAt) / 1000) + expiresAfterSeconds }),
    caseId: assigned.caseId,
    status: CaseStatus.ASSIGNED,
    employeeId: assigned.employee.id,
    employeeName: assigned.employee.name,
    employeeEmail: assigned.employee.email,
    openedAt: assigned.openedAt,
    assignedAt: assigned.assignedAt,
    updatedAt: assigned.assignedAt,
    emailStatus: EmailStatus.PENDING,
    ...withDetails(assigned.details),
  };
}

/** The assignment a stored record stands for (returned when a retry finds the record). */
export function assignmentFromRecord(record: CaseRecord): AssignedCase {
  return {
    caseId: record.caseId,
    openedAt: record.openedAt,
    assignedAt: record.assignedAt,
    employee: { id: record.employeeId, name: record.employeeName, email: record.employeeEmail },
    ...withDetails(record.details),
  };
}

/**
 * Where a step's input disagrees with the case's stored record: the names of the fields that
 * differ (`employee`, `openedAt`, `assignedAt`, `details.title`...), empty when it agrees. Only
 * what the input carries is compared: Open Case's output has no employee or assignment yet.
 */
export function caseConflicts(input: OpenedCase | AssignedCase, record: CaseRecord): string[] {
  const fields: string[] = [];
  if ('employee' in input) {
    const e = input.employee;
    if (e.id !== record.employeeId || e.name !== record.employeeName || e.email !== record.employeeEmail) fields.push('employee');
    if (input.assignedAt !== record.assignedAt) fields.push('assignedAt');
    if (input.openedAt !== record.openedAt) fields.push('openedAt');
  }
  for (const key of DETAIL_FIELDS) {
    if (input.details?.[key] !== record.details?.[key]) fields.push(`details.${key}`);
  }
  return fields;
}
