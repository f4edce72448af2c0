import { Token } from 'aws-cdk-lib';
import { isValidEmailAddress } from './handlers/case-logic';
import { ENV, RosterEmployee } from './handlers/case-types';

/** An employee who can be assigned support cases. */
export interface Employee {
  /**
   * Stable identifier of the employee (for example a staff number).
   *
   * The assignment of a case depends on it, so keep it stable when names or addresses change.
   */
  readonly id: string;

  /** Display name, used to greet the employee in the notification email. */
  readonly name: string;

  /** Address the notification email is sent to. */
  readonly email: string;
}

/**
 * Largest roster, in bytes of JSON, that fits the Lambda environment (4 KB for all
 * variables together) with room for the other variables.
 */
const MAX_ROSTER_JSON_BYTES = 3_000;

/**
 * The employees that Assign Case chooses from.
 *
 * Assignment is fair and deterministic: each case goes to the employee with the highest
 * hash score for that case id (rendezvous hashing), so cases spread evenly, a retried
 * Assign Case picks the same person, and adding or removing one employee moves only that
 * employee's share of new cases.
 */
export abstract class EmployeeRoster {
  /**
   * A fixed roster, deployed with the function.
   *
   * @param employees at least one employee; ids must be unique
   */
  public static fromEmployees(employees: Employee[]): EmployeeRoster {
    return new StaticEmployeeRoster(employees);
  }

  /**
   * Problems with this roster, each naming the offending field; empty when valid.
   * @internal
   */
  public abstract _validate(propName: string): string[];

  /**
   * Environment variables that give the roster to the Assign Case function.
   * @internal
   */
  public abstract _environment(): Record<string, string>;
}

class StaticEmployeeRoster extends EmployeeRoster {
  constructor(private readonly employees: Employee[]) {
    super();
  }

  public _validate(propName: string): string[] {
    const problems: string[] = [];
    if (this.employees.length === 0) {
      return [`${propName}: the roster must hold at least one employee`];
    }
    const seen = new Set<string>();
    this.employees.forEach((e, i) => {
      const where = `${propName}[${i}]`;
      if (Token.isUnresolved(e.id) || Token.isUnresolved(e.name) || Token.isUnresolved(e.email)) {
        problems.push(`${where}: employee fields must be literal strings, not tokens`);
        return;
      }
      if (e.id.trim() === '') problems.push(`${where}.id: must not be empty`);
      else if (seen.has(e.id)) problems.push(`${where}.id: duplicate employee id ${JSON.stringify(e.id)}`);
      seen.add(e.id);
      if (e.name.trim() === '') problems.push(`${where}.name: must not be empty`);
      if (!isValidEmailAddress(e.email)) problems.push(`${where}.email: ${JSON.stringify(e.email)} is not a valid email address`);
    });
    const bytes = Buffer.byteLength(this.json());
    if (bytes > MAX_ROSTER_JSON_BYTES) {
      problems.push(`${propName}: the roster takes ${bytes} bytes, more than the ${MAX_ROSTER_JSON_BYTES} that fit in the Lambda environment`);
    }
    return problems;
  }

  public _environment(): Record<string, string> {
    return { [ENV.ROSTER]: this.json() };
  }

  private json(): string {
    const employees: RosterEmployee[] = this.employees.map(({ id, name, email }) => ({ id, name, email }));
    return JSON.stringify(employees);
  }
}
