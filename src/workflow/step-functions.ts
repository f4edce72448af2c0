/**
 * The steps' functions (src/workflow/steps.ts), each with its own log group and role: its
 * environment, and what else it needs, given as soon as it exists.
 */
import { aws_dynamodb as dynamodb, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { configureCaseData } from '../case-data';
import { configureLinkHosts } from '../link-hosts';
import { configurePacing } from '../paced-sending';
import { configureEmail } from './email-settings';
import { functionMaker } from './function-settings';
import { SupportCaseWorkflowProps } from './props';
import { ResolvedProps } from './resolve-props';
import { emailOwnLeaseSeconds } from './retries';
import { PerStep, WORKFLOW_STEPS } from './steps';
import { ENV } from '../shared/contract';

/** What the steps' functions are made from. */
export interface StepFunctionInputs {
  readonly table: dynamodb.ITable;
  readonly props: SupportCaseWorkflowProps;
  readonly resolved: ResolvedProps;
  /** The email claim's lease (retries.ts). */
  readonly leaseSeconds: number;
  /** The value of the handlers' `Workflow` metric dimension. */
  readonly metricsWorkflow: string;
}

/** Each step's function and log group, by step key. */
export function stepFunctions(scope: Construct, inputs: StepFunctionInputs) {
  const { table, props, resolved, leaseSeconds, metricsWorkflow } = inputs;
  const environment: Partial<PerStep<Record<string, string>>> = {
    assignCase: { [ENV.TABLE_NAME]: table.tableName },
    sendEmail: {
      [ENV.TABLE_NAME]: table.tableName,
      [ENV.SENDER_EMAIL]: props.senderEmail,
      // An email claim older than its lease belongs to an attempt that is over.
      [ENV.EMAIL_LEASE_SECONDS]: String(leaseSeconds),
      // An earlier attempt of the same execution has stopped by then.
      [ENV.EMAIL_OWN_LEASE_SECONDS]: String(emailOwnLeaseSeconds(resolved.handlerTimeout)),
    },
  };
  const configure: Partial<PerStep<(fn: lambda.Function) => void>> = {
    openCase: (fn) => configureLinkHosts(props.linkHosts, [fn]),
    assignCase: (fn) => {
      props.roster._bind(fn);
      configureLinkHosts(props.linkHosts, [fn]);
      configureCaseData(scope, props, fn, resolved.executionTimeout);
    },
    sendEmail: (fn) => {
      configureEmail(fn, props);
      configurePacing(fn, fn.role!, props.emailSendRate, resolved.emailThrottlePatience);
      if (props.configurationSetName) fn.addEnvironment(ENV.CONFIGURATION_SET, props.configurationSetName);
    },
  };
  const functions = {} as PerStep<lambda.Function>;
  const logGroups = {} as PerStep<logs.LogGroup>;
  const make = functionMaker(scope, resolved, metricsWorkflow);
  for (const step of WORKFLOW_STEPS) {
    ({ fn: functions[step.key], logGroup: logGroups[step.key] } = make(step.id, step.functionClass, environment[step.key] ?? {}));
    configure[step.key]?.(functions[step.key]);
  }
  return { functions, logGroups };
}
