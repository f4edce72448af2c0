/**
 * Integration test of SupportCaseWorkflow on a real AWS account (@aws-cdk/integ-tests-alpha).
 *
 * Deploys one stack with the workflow, starts an execution with `{"inputCaseID": "integ-001"}`,
 * waits until it has SUCCEEDED, and checks that the case record says the email was sent.
 *
 * Offline (the build): `integ-runner` only compares the synthesized app with the committed
 * snapshot in `integ.support-case-workflow.ts.snapshot/` (no AWS account needed).
 *
 * On a real account: the sender must be a verified SES identity. The one roster employee has
 * the sender's own address, so even an account in the SES sandbox (where recipients must be
 * verified too) can run the test with one verified address. Set `INTEG_SENDER_EMAIL` to that
 * address and run `integ-runner --update-on-failed` (see the README / projen tasks for the
 * full command line); this deploys, runs the assertions, destroys the stacks and updates the
 * snapshot, which then holds that address.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { EmployeeRoster, SupportCaseWorkflow } from '../src';

const CASE_ID = 'integ-001';
const senderEmail = process.env.INTEG_SENDER_EMAIL ?? 'support@example.com';

const app = new App({
  // No construct creation stack traces in the snapshot: they hold absolute paths of the
  // machine that made it.
  context: { 'aws:cdk:disable-creation-stack-traces': true },
});
const stack = new Stack(app, 'SupportCaseWorkflowInteg');

const workflow = new SupportCaseWorkflow(stack, 'Support', {
  roster: EmployeeRoster.fromEmployees([{ id: 'integ-emp-001', name: 'Integ Tester', email: senderEmail }]),
  senderEmail,
  tableRemovalPolicy: RemovalPolicy.DESTROY,
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

start.next(finished).next(record);

app.synth();
