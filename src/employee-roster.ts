import { Annotations, Duration, Token, aws_dynamodb as dynamodb, aws_lambda as lambda } from 'aws-cdk-lib';
import { addConfigFile } from './config-file';
import { isValidEmailAddress, CONFIG_FILES, ENV, ROSTER_TABLE_PARTITION_KEY, RosterEmployee } from './shared/contract';
import { grantTableKey, tableKeyProblems, warnIfTableKeyUnchecked, warnIfTableKmsKeyUnknown } from './table-access';

/** An employee who can be assigned support cases. */
export interface Employee {
  /**
   * Stable, opaque identifier of the employee (for example a staff number).
   *
   * The assignment of a case depends on it, so keep it stable when names or addresses change.
   * It goes where names and addresses do not: the logs, and the `EmployeeId` dimension of the
   * `CasesAssigned` metric (kept 15 months by CloudWatch, readable by anyone who may list
   * metrics). So it must not be personal data itself: not an email address or a name. Synth warns
   * about an id that looks like an address.
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
 * Most employees a fixed roster holds. Its file is far below Lambda's layer size limit even
 * then; the limit keeps Assign Case's work per case (it scores every employee) small.
 */
const MAX_INLINE_EMPLOYEES = 10_000;

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
   * The roster is a JSON file in a small Lambda layer of the Assign Case function (not in its
   * environment variables), so it holds up to 10,000 employees. Anyone who may read that
   * layer version (`lambda:GetLayerVersion`) or the CDK asset bucket can read the names and
   * addresses; changing the roster means a deployment. For larger rosters, or to change the
   * roster without deploying, use `fromTable`.
   *
   * @param employees at least one employee and at most 10,000; ids must be unique
   */
  public static fromEmployees(employees: Employee[]): EmployeeRoster {
    return new StaticEmployeeRoster(employees);
  }

  /**
   * A roster kept in a DynamoDB table, so a team can add or remove people without a deployment.
   *
   * The table needs a partition key `employeeId` (string) and no sort key (checked at synth for
   * a table defined in the app, a warning for an imported one) and, per employee, the string
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
   * configures where it finds it.
   * @internal
   */
  public abstract _bind(fn: lambda.Function): void;

  /**
   * The addresses cases can be assigned to, when they are known at synth (a fixed roster);
   * undefined otherwise (a roster table changes without a deployment).
   * @internal
   */
  public abstract _recipients(): string[] | undefined;
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
    const problems = tableKeyProblems(this.table, { propName, partitionKey: ROSTER_TABLE_PARTITION_KEY });
    const ttl = this.options.cacheTtl;
    if (ttl && !ttl.isUnresolved() && ttl.toSeconds() > 3600) {
      problems.push(`${propName}.cacheTtl: ${ttl.toHumanString()} is longer than an hour; roster changes would take too long to apply`);
    }
    return problems;
  }

  public _bind(fn: lambda.Function): void {
    warnIfTableKeyUnchecked(fn.node.scope ?? fn, this.table, { propName: 'roster', partitionKey: ROSTER_TABLE_PARTITION_KEY });
    this.table.grant(fn, 'dynamodb:Scan');
    warnIfTableKmsKeyUnknown(fn.node.scope ?? fn, this.table, 'roster');
    grantTableKey(this.table, fn, 'read');
    fn.addEnvironment(ENV.ROSTER_TABLE_NAME, this.table.tableName);
    fn.addEnvironment(ENV.ROSTER_CACHE_SECONDS, String((this.options.cacheTtl ?? Duration.seconds(60)).toSeconds()));
  }

  public _recipients(): undefined {
    return undefined;
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
    if (this.employees.length > MAX_INLINE_EMPLOYEES) {
      problems.push(`${propName}: ${this.employees.length} employees are more than the ${MAX_INLINE_EMPLOYEES} that EmployeeRoster.fromEmployees holds;`
        + ' keep a roster this large in a DynamoDB table (EmployeeRoster.fromTable)');
    }
    return problems;
  }

  public _bind(fn: lambda.Function): void {
    const addressLike = this.employees.filter((e) => !Token.isUnresolved(e.id) && e.id.includes('@')).length;
    if (addressLike > 0) {
      Annotations.of(fn.node.scope ?? fn).addWarningV2('support-case-workflow:employee-id-personal', `roster: ${addressLike} employee id(s) look like `
        + 'email addresses; ids go into logs and the EmployeeId metric dimension, so use opaque ids (a staff number), not personal data.');
    }
    const roster: RosterEmployee[] = this.employees.map(({ id, name, email }) => ({ id, name, email }));
    addConfigFile(fn, CONFIG_FILES.ASSIGN_CASE, { roster });
  }

  public _recipients(): string[] {
    return [...new Set(this.employees.map((e) => e.email))];
  }
}
