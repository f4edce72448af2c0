/**
 * Acknowledge or escalate, the functions' side: Wait For Acknowledgement, Escalate Case and the
 * acknowledge page (behind a function URL), each with its own role and log group like the steps
 * (steps.ts), their environment, and exactly the permissions each needs.
 *
 * Least privilege: Wait For Acknowledgement may only `UpdateItem` the case table (it stores the
 * task token); Escalate Case `GetItem`/`UpdateItem` it and reads the roster as Assign Case does;
 * the page `GetItem`/`UpdateItem` it and may call `states:SendTaskSuccess` on this state machine
 * only. That last statement is a policy of its own (`bindStateMachine`): Send Email's environment
 * holds the page's URL and the state machine invokes Send Email, so a statement naming the state
 * machine in the role's default policy, on which the page's function depends, would close a cycle.
 */
import { Duration, aws_dynamodb as dynamodb, aws_iam as iam, aws_lambda as lambda, aws_logs as logs, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EmployeeRoster } from '../employee-roster';
import { ResolvedAcknowledgement } from './acknowledgement-props';
import { StepFunctionClass } from './steps';
import { AcknowledgePageFunction } from '../handlers/acknowledge-page-function';
import { AwaitAcknowledgementFunction } from '../handlers/await-acknowledgement-function';
import { EscalateCaseFunction } from '../handlers/escalate-case-function';
import { LINK_GRACE_SECONDS } from '../shared/acknowledgement';
import { ENV, STATE_NAMES } from '../shared/contract';

/** The acknowledgement's functions: like the steps' table, the rows the construct and its monitoring iterate over. */
export const ACKNOWLEDGEMENT_FUNCTIONS = [
  { key: 'awaitAcknowledgement', name: STATE_NAMES.WAIT_FOR_ACKNOWLEDGEMENT, id: 'WaitForAcknowledgement', functionClass: AwaitAcknowledgementFunction },
  { key: 'escalateCase', name: STATE_NAMES.ESCALATE_CASE, id: 'EscalateCase', functionClass: EscalateCaseFunction },
  // Not a state: the page behind the link in the email.
  { key: 'acknowledgePage', name: 'Acknowledge page', id: 'AcknowledgePage', functionClass: AcknowledgePageFunction },
] as const satisfies ReadonlyArray<{ key: string; name: string; id: string; functionClass: StepFunctionClass }>;

export type AcknowledgementKey = (typeof ACKNOWLEDGEMENT_FUNCTIONS)[number]['key'];

/** Makes one function the way the construct makes its steps' (own role and log group). */
export type FunctionMaker = (
  id: string, functionClass: StepFunctionClass, environment: Record<string, string>, extra?: Partial<lambda.FunctionOptions>,
) => { fn: lambda.Function; logGroup: logs.LogGroup };

/** What the wiring needs from the construct. */
export interface AcknowledgementWiringInputs {
  readonly settings: ResolvedAcknowledgement;
  readonly table: dynamodb.ITable;
  readonly roster: EmployeeRoster;
  readonly sendEmail: lambda.Function;
  readonly make: FunctionMaker;
  /** Grants the table actions (and its key, when it has one). */
  readonly grantTable: (fn: lambda.IFunction, ...actions: string[]) => void;
}

/** The acknowledgement's functions, their URL, and the one grant that needs the state machine. */
export class AcknowledgementWiring {
  public readonly functions: Record<AcknowledgementKey, lambda.Function>;
  public readonly logGroups: Record<AcknowledgementKey, logs.LogGroup>;
  public readonly pageUrl: lambda.FunctionUrl;
  private readonly settings: ResolvedAcknowledgement;

  constructor(private readonly scope: Construct, inputs: AcknowledgementWiringInputs) {
    const { settings, table, make } = inputs;
    this.settings = settings;
    const escalateAfterSeconds = String(settings.escalateAfter.toSeconds());
    const environment: Record<AcknowledgementKey, Record<string, string>> = {
      awaitAcknowledgement: { [ENV.TABLE_NAME]: table.tableName },
      escalateCase: {
        [ENV.TABLE_NAME]: table.tableName,
        [ENV.ACK_MAX_ROUNDS]: String(settings.maxRounds),
        [ENV.ACK_ESCALATE_AFTER_SECONDS]: escalateAfterSeconds,
      },
      acknowledgePage: { [ENV.TABLE_NAME]: table.tableName, [ENV.ACK_ESCALATE_AFTER_SECONDS]: escalateAfterSeconds },
    };
    // The page's throttle: requests beyond its reserved concurrency get 429 from Lambda.
    const extra: Partial<Record<AcknowledgementKey, Partial<lambda.FunctionOptions>>> = {
      acknowledgePage: { reservedConcurrentExecutions: settings.pageConcurrency },
    };
    this.functions = {} as Record<AcknowledgementKey, lambda.Function>;
    this.logGroups = {} as Record<AcknowledgementKey, logs.LogGroup>;
    for (const row of ACKNOWLEDGEMENT_FUNCTIONS) {
      const made = make(row.id, row.functionClass, environment[row.key], extra[row.key]);
      this.functions[row.key] = made.fn;
      this.logGroups[row.key] = made.logGroup;
    }
    const { awaitAcknowledgement, escalateCase, acknowledgePage } = this.functions;
    inputs.grantTable(awaitAcknowledgement, 'dynamodb:UpdateItem');
    inputs.grantTable(escalateCase, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // The next employee comes from the same roster, read the same way, as Assign Case's.
    inputs.roster._bind(escalateCase);
    inputs.grantTable(acknowledgePage, 'dynamodb:GetItem', 'dynamodb:UpdateItem');

    // Employees open the link from an email, with no AWS credentials: no IAM auth. CDK adds the
    // public resource policy AWS requires for it (lambda:InvokeFunctionUrl with
    // FunctionUrlAuthType NONE, and lambda:InvokeFunction only when invoked via the function URL).
    // No CORS: the page posts its own form, and no other origin needs to read it.
    this.pageUrl = acknowledgePage.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    inputs.sendEmail.addEnvironment(ENV.ACK_PAGE_URL, this.pageUrl.url);
    inputs.sendEmail.addEnvironment(ENV.ACK_ESCALATE_AFTER_SECONDS, escalateAfterSeconds);
    // A link outlives its round's wait by Send Email's own time (acknowledgement.ts).
    inputs.sendEmail.addEnvironment(ENV.ACK_LINK_TTL_SECONDS, String(settings.escalateAfter.plus(Duration.seconds(LINK_GRACE_SECONDS)).toSeconds()));
  }

  /**
   * The page may end this state machine's waits, and nothing else of Step Functions; the state
   * machine may use the unacknowledged topic's KMS key, if it has one, to publish to it.
   */
  public bindStateMachine(stateMachine: sfn.StateMachine): void {
    const role = this.functions.acknowledgePage.role!;
    new iam.Policy(this.scope, 'AcknowledgePageSendTaskSuccess', {
      roles: [role],
      statements: [new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [stateMachine.stateMachineArn] })],
    });
    const key = this.settings.unacknowledgedTopic?.masterKey;
    if (key) {
      // SnsPublish grants sns:Publish only. A publisher to an encrypted topic needs kms:GenerateDataKey
      // and kms:Decrypt on its key (Amazon SNS Developer Guide, "Encryption at rest", key management:
      // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html), here through SNS only.
      iam.Grant.addToPrincipal({
        grantee: stateMachine,
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resourceArns: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${stateMachine.env.region}.amazonaws.com` } },
      });
    }
  }
}
