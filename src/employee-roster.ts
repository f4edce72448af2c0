import { Duration, Token, aws_dynamodb as dynamodb, aws_iam as iam } from 'aws-cdk-lib';
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

/** Options of a roster kept in a DynamoDB table. */
export interface TableRosterOptions {
  /**
   * How long Assign Case reuses the roster it read before reading the table again.
   *
   * Changes to the table reach new assignments within this time. Zero reads it for every case.
   *
   * @default Duration.seconds(60)
   */
  readonly cacheTtl?: Duration;
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
   * A roster kept in a DynamoDB table, so a team can add or remove people without a deployment.
   *
   * The table needs a partition key `employeeId` (string) and, per employee, the string
   * attributes `name` and `email`; an optional boolean `active` set to `false` takes an
   * employee off the roster. Assign Case reads the whole table (rosters are small) and keeps
   * it for `cacheTtl`. An empty or unreadable roster fails Assign Case with
   * `RosterUnavailable`. Assignment stays deterministic for a given roster; a retry that
   * finds the case already assigned keeps that assignment even if the roster changed.
   *
   * @param table the roster table; Assign Case gets `dynamodb:Scan` on it
   */
  public static fromTable(table: dynamodb.ITable, options: TableRosterOptions = {}): EmployeeRoster {
    return new TableEmployeeRoster(table, options);
  }

  /** Rosters are made by `fromEmployees()` and `fromTable()` only (no public constructor). */
  private constructor() {}

  /**
   * Problems with this roster, each naming the offending field; empty when valid.
   * @internal
   */
  public abstract _validate(propName: string): string[];

  /**
   * Gives the roster to the Assign Case function: grants what it needs to read it and
   * returns the environment variables that locate it.
   * @internal
   */
  public abstract _bind(grantee: iam.IGrantable): Record<string, string>;
}

/**
 * The base of the roster implementations below. `EmployeeRoster`'s constructor is private, so
 * that the API (and its docs in every language) offers no constructor; at run time this is
 * `EmployeeRoster` itself.
 */
const RosterBase = EmployeeRoster as unknown as abstract new () => EmployeeRoster;

class TableEmployeeRoster extends RosterBase {
  constructor(private readonly table: dynamodb.ITable, private readonly options: TableRosterOptions) {
    super();
  }

  public _validate(propName: string): string[] {
    const ttl = this.options.cacheTtl;
    if (ttl && !ttl.isUnresolved() && ttl.toSeconds() > 3600) {
      return [`${propName}.cacheTtl: ${ttl.toHumanString()} is longer than an hour; roster changes would take too long to apply`];
    }
    return [];
  }

  public _bind(grantee: iam.IGrantable): Record<string, string> {
    this.table.grant(grantee, 'dynamodb:Scan');
    this.table.encryptionKey?.grantDecrypt(grantee);
    return {
      [ENV.ROSTER_TABLE_NAME]: this.table.tableName,
      [ENV.ROSTER_CACHE_SECONDS]: String((this.options.cacheTtl ?? Duration.seconds(60)).toSeconds()),
    };
  }
}

class StaticEmployeeRoster extends RosterBase {
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

  public _bind(_grantee: iam.IGrantable): Record<string, string> {
    return { [ENV.ROSTER]: this.json() };
  }

  private json(): string {
    const employees: RosterEmployee[] = this.employees.map(({ id, name, email }) => ({ id, name, email }));
    return JSON.stringify(employees);
  }
}
