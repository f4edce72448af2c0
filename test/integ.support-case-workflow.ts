/**
 * The first-deployment check of SupportCaseWorkflow on a real AWS account (@aws-cdk/integ-tests-alpha):
 * what the local emulators cannot show (docs/aws-behaviours.md) meets AWS here.
 *
 * One stack, in the conditions the README's "Deploying to AWS" starts from:
 * - a case table encrypted with a customer-managed KMS key (the key grants of table-access.ts);
 * - `logLevel: WARN` (metric lines must pass Lambda's log-level filter);
 * - an account in the SES sandbox, with one verified recipient (`sandboxRecipients`).
 * Then it starts an execution with `{"inputCaseID": "integ-001"}` and asserts:
 * - the execution SUCCEEDED and the case record says `EMAILED` / `SENT`;
 * - the handlers' EMF metric `EmailsSent` reached CloudWatch (a metric of the workflow's
 *   `Workflow` dimension with data in the last 3 hours: a run within 3 hours of another in the
 *   same account and Region could pass on the other's data);
 * - every alarm of the construct is `OK`.
 * integ-runner then destroys the stack (and schedules the key's deletion, 7 days).
 *
 * Offline (the build): `integ-runner` only compares the synthesized app with the committed
 * snapshot in `integ.support-case-workflow.ts.snapshot/` (no AWS account needed), and the
 * build type-checks this file.
 *
 * On a real account (see the README, "Deploying to AWS"): `INTEG_SENDER_EMAIL` is a verified SES
 * identity; `INTEG_RECIPIENT_EMAIL` (default: the sender) is the one employee's address, verified
 * too when the account is in the sandbox.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, aws_dynamodb as dynamodb, aws_kms as kms, aws_lambda as lambda } from 'aws-cdk-lib';
import { EmployeeRoster, SupportCaseWorkflow } from '../src';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_NAMESPACE } from '../src/shared/contract';

const CASE_ID = 'integ-001';
const senderEmail = process.env.INTEG_SENDER_EMAIL ?? 'support@example.com';
const recipientEmail = process.env.INTEG_RECIPIENT_EMAIL ?? senderEmail;

const app = new App({
  // No construct creation stack traces in the snapshot: they hold absolute paths of the
  // machine that made it.
  context: { 'aws:cdk:disable-creation-stack-traces': true },
});
const stack = new Stack(app, 'SupportCaseWorkflowInteg');

const key = new kms.Key(stack, 'CasesKey', {
  description: 'Support case workflow integration test: the case table\'s customer-managed key',
  enableKeyRotation: true,
  removalPolicy: RemovalPolicy.DESTROY,
  pendingWindow: Duration.days(7),
});
const table = new dynamodb.Table(stack, 'Cases', {
  partitionKey: { name: 'caseId', type: dynamodb.AttributeType.STRING },
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
  encryptionKey: key,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  removalPolicy: RemovalPolicy.DESTROY,
});

const workflow = new SupportCaseWorkflow(stack, 'Support', {
  roster: EmployeeRoster.fromEmployees([{ id: 'integ-emp-001', name: 'Integ Tester', email: recipientEmail }]),
  senderEmail,
  table,
  logLevel: lambda.ApplicationLogLevel.WARN,
  sandboxRecipients: [recipientEmail],
});

const integ = new IntegTest(app, 'SupportCaseWorkflowIntegTest', {
  testCases: [stack],
  // The update workflow would first deploy the committed snapshot, then this app over it:
  // twice the deployment time, for a stack whose data lives only as long as the test.
  stackUpdateWorkflow: false,
  // The state machine's log group moved under /aws/vendedlogs/states/: a planned replacement
  // (called out in the README for deployed stacks).
  allowDestroy: ['AWS::Logs::LogGroup'],
});

const start = integ.assertions.awsApiCall('StepFunctions', 'startExecution', {
  stateMachineArn: workflow.stateMachine.stateMachineArn,
  input: JSON.stringify({ inputCaseID: CASE_ID }),
});

const finished = integ.assertions
  .awsApiCall('StepFunctions', 'describeExecution', {
    executionArn: start.getAttString('executionArn'),
  })
  .expect(ExpectedResult.objectLike({ status: 'SUCCEEDED' }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(10) });

const record = integ.assertions
  .awsApiCall('DynamoDB', 'getItem', {
    TableName: workflow.table.tableName,
    Key: { caseId: { S: CASE_ID } },
    ConsistentRead: true,
  })
  .expect(ExpectedResult.objectLike({
    Item: {
      caseId: { S: CASE_ID },
      status: { S: 'EMAILED' },
      emailStatus: { S: 'SENT' },
    },
  }));

// The EMF line of the sent email, through Lambda's filter at WARN, became a metric.
const metric = integ.assertions
  .awsApiCall('CloudWatch', 'listMetrics', {
    Namespace: METRICS_NAMESPACE,
    MetricName: METRIC_NAMES.EMAILS_SENT,
    Dimensions: [{ Name: METRIC_DIMENSIONS.WORKFLOW, Value: workflow.metricsWorkflowName }],
    RecentlyActive: 'PT3H',
  })
  .expect(ExpectedResult.objectLike({
    Metrics: [{ Namespace: METRICS_NAMESPACE, MetricName: METRIC_NAMES.EMAILS_SENT }],
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

// Every alarm evaluated, and none fired (a new alarm starts INSUFFICIENT_DATA).
const alarms = integ.assertions
  .awsApiCall('CloudWatch', 'describeAlarms', {
    AlarmNames: workflow.alarms.map((alarm) => alarm.alarmName),
  })
  .expect(ExpectedResult.objectLike({
    MetricAlarms: workflow.alarms.map(() => ({ StateValue: 'OK' })),
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });

start.next(finished).next(record).next(metric).next(alarms);

app.synth();
