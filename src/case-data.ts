/**
 * How long case data lives and who can read it at rest: the optional KMS key of the execution
 * history and of the case table, and the optional expiry of closed cases (DynamoDB TTL). The
 * construct calls these; the README's "Personal data" section describes the result.
 */
import { Annotations, Duration, Token, aws_dynamodb as dynamodb, aws_kms as kms, aws_lambda as lambda, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CASE_EXPIRY_ATTRIBUTE, ENV } from './shared/contract';

/** What these settings read from the construct's props. */
export interface CaseDataProps {
  readonly encryptionKey?: kms.IKey;
  readonly closedCaseRetention?: Duration;
  readonly table?: dynamodb.ITable;
}

const MIN_RETENTION = Duration.hours(1);

/** Problems with the settings, each naming its prop. */
export function caseDataProblems(props: CaseDataProps): string[] {
  const retention = props.closedCaseRetention;
  if (!retention || Token.isUnresolved(retention.toMilliseconds({ integral: false }))) return [];
  const problems: string[] = [];
  if (retention.toMilliseconds() < MIN_RETENTION.toMilliseconds()) problems.push('closedCaseRetention: must be at least 1 hour');
  if (retention.toMilliseconds() % 1000 !== 0) problems.push(`closedCaseRetention: DynamoDB TTL counts whole seconds, got ${retention.toHumanString()}`);
  return problems;
}

/** The encryption and TTL of the case table the construct creates. */
export function createdTableSettings(props: CaseDataProps): Pick<dynamodb.TableProps, 'encryption' | 'encryptionKey' | 'timeToLiveAttribute'> {
  return {
    encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED,
    encryptionKey: props.encryptionKey,
    timeToLiveAttribute: props.closedCaseRetention ? CASE_EXPIRY_ATTRIBUTE : undefined,
  };
}

/** The state machine's encryption: the key when given (execution history and definition), else AWS-owned keys. */
export function stateMachineEncryption(props: CaseDataProps): sfn.EncryptionConfiguration | undefined {
  return props.encryptionKey ? new sfn.CustomerManagedEncryptionConfiguration(props.encryptionKey) : undefined;
}

/**
 * Tells Assign Case when a new record expires: once the execution can no longer run (its timeout)
 * plus the retention, so a case never expires while its execution may still use it. Notes on a
 * brought table what the construct cannot set on it.
 */
export function configureCaseData(scope: Construct, props: CaseDataProps, assignCase: lambda.Function, executionTimeout: Duration): void {
  if (props.closedCaseRetention) {
    assignCase.addEnvironment(ENV.CASE_EXPIRES_AFTER_SECONDS, String(executionTimeout.toSeconds() + props.closedCaseRetention.toSeconds()));
    if (props.table) {
      Annotations.of(scope).addWarningV2('support-case-workflow:case-ttl', `closedCaseRetention: turn on TTL for the attribute ${CASE_EXPIRY_ATTRIBUTE} of the `
        + 'brought table: the workflow writes it, but only the table\'s owner can enable TTL.');
    }
  }
  if (props.encryptionKey && props.table) {
    Annotations.of(scope).addInfo('encryptionKey: encrypts the execution history only; the brought table keeps its own encryption.');
  }
}
