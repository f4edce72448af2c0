import { Token } from 'aws-cdk-lib';

/**
 * The characters a `stateMachineName` may hold: the state machine's log group is named after it
 * (`/aws/vendedlogs/states/<name>`), so it must be valid for both services.
 * - Step Functions: at most 80 characters; no whitespace, `? *`, `< > { } [ ]`,
 *   `" # % \ ^ | ~ \` $ & , ; : /` or control characters; non-ASCII is accepted but does not work
 *   with CloudWatch (Step Functions Developer Guide, "Step Functions service quotas", names:
 *   https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 * - CloudWatch Logs: a log group name holds only `a-z A-Z 0-9 _ - / . #` (CreateLogGroup,
 *   https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html).
 * What both allow: ASCII letters, digits, `_`, `-` and `.`.
 */
const STATE_MACHINE_NAME = /^[A-Za-z0-9_.-]{1,80}$/;

/** Problems of `stateMachineName`, naming the prop; none for a token (checked by CloudFormation). */
export function stateMachineNameProblems(name: string | undefined): string[] {
  if (name === undefined || Token.isUnresolved(name) || STATE_MACHINE_NAME.test(name)) return [];
  return [`stateMachineName: ${JSON.stringify(name)} may hold only ASCII letters, digits, ".", "_" and "-" (1 to 80 characters):`
    + ' Step Functions\' naming rules, and the state machine\'s log group (/aws/vendedlogs/states/<name>) takes the name too'];
}
