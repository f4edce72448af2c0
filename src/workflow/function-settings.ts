/**
 * How the construct makes each of its functions (the steps' and the acknowledgement's): its own
 * log group, and its own role, which may write only that log group and trace; the same Lambda
 * settings for all of them, from the resolved props.
 */
import { aws_iam as iam, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeNagFindings } from '../nag-acknowledgements';
import { FunctionMaker } from './acknowledgement-functions';
import { ResolvedProps } from './resolve-props';
import { StepFunctionClass } from './steps';
import { METRICS_ENV } from '../shared/contract';

/** Makes a function in `scope` with its own log group (`<id>Logs`), role (`<id>Role`) and the construct's settings. */
export function functionMaker(scope: Construct, resolved: ResolvedProps, metricsWorkflowName: string): FunctionMaker {
  return (id: string, functionClass: StepFunctionClass, environment: Record<string, string>, extra?: Partial<lambda.FunctionOptions>) => {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: resolved.logRetention, removalPolicy: resolved.logRemovalPolicy });
    const settings = functionProps(scope, id, logGroup, { ...environment, [METRICS_ENV.WORKFLOW]: metricsWorkflowName }, resolved);
    const fn = new functionClass(scope, `${id}Function`, { ...settings, ...extra });
    return { fn, logGroup };
  };
}

/** A function's settings: its own log group and role (which may write only that log group, and trace). */
function functionProps(
  scope: Construct, name: string, logGroup: logs.LogGroup, environment: Record<string, string>, resolved: ResolvedProps,
): lambda.FunctionOptions {
  const role = new iam.Role(scope, `${name}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Runs the ${name} step of the support case workflow`,
  });
  logGroup.grantWrite(role);
  acknowledgeNagFindings(role, [{
    id: 'AwsSolutions-IAM5',
    appliesTo: 'Resource::*',
    reason: 'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) is on "*": X-Ray has no resource-level permissions.',
  }]);
  return {
    role,
    logGroup,
    architecture: resolved.architecture,
    memorySize: resolved.memorySize,
    timeout: resolved.handlerTimeout,
    tracing: resolved.tracingEnabled ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
    // Platform lines (START, END, REPORT) as JSON too; the handlers write JSON lines themselves.
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: resolved.logLevel,
    systemLogLevelV2: lambda.SystemLogLevel.INFO,
    environment,
    description: `Support case workflow: ${name} step`,
  };
}
