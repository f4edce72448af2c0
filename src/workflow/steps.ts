/**
 * The workflow's steps, in order: the one table that the construct's functions, log groups,
 * public fields, definition chain, nag acknowledgements and monitoring iterate over, and the
 * harness's bench tables too. Adding a step takes a row here, its handler
 * (`src/handlers/<name>.lambda.ts`, from which projen generates the function class) and its state
 * name in the contract (src/shared/contract.ts).
 */
import { aws_lambda as lambda, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AssignCaseFunction } from '../handlers/assign-case-function';
import { OpenCaseFunction } from '../handlers/open-case-function';
import { SendEmailFunction } from '../handlers/send-email-function';
import { PACING_INPUT } from '../paced-sending';
import { STATE_NAMES } from '../shared/contract';

/**
 * Where a step's errors go, tried in the order listed (definition.ts adds them):
 * - `failExecution`: every error ends the execution at once (Case Failed), nothing recorded;
 * - `caseConflict`: `CaseConflict` (someone else's case) fails the execution, the record untouched;
 * - `emailSentNotRecorded`: an email SES accepted is recorded by the state machine (Record Sent Email);
 * - `sendSlot`: `EmailSlotReserved` waits for the send slot (Wait For Send Slot) and runs the step again;
 * - `recordFailure`: every error marks the case record FAILED (Record Failure), then fails the execution.
 */
export type StepCatch = 'failExecution' | 'caseConflict' | 'emailSentNotRecorded' | 'sendSlot' | 'recordFailure';

/**
 * Retriers a step adds to those every step has (Lambda service errors, Lambda throttling, a
 * killed function): `dependency` (`DependencyUnavailable`) and `emailInProgress` (another
 * attempt's email claim); retries.ts holds the policies.
 */
export type StepRetry = 'dependency' | 'emailInProgress';

/**
 * Errors a step raises by design, left out of its error alarm: `invalidInputs` (execution inputs
 * Open Case refused) and `pacing` (SES throttles and cases paced behind a backlog).
 */
export type StepExpectedErrors = 'invalidInputs' | 'pacing';

/** A step's generated function class (src/handlers/*-function.ts). */
export type StepFunctionClass = new (scope: Construct, id: string, props: lambda.FunctionOptions) => lambda.Function;

/** One step of the workflow. */
export interface WorkflowStep {
  /** Names the step's public fields (`<key>Function`, `<key>LogGroup`, `<key>ErrorsAlarm`) and its bench rows. */
  readonly key: string;
  /** The Task state's name (`STATE_NAMES` of the contract). */
  readonly stateName: string;
  /** Prefix of the construct ids: the Task `<id>`, `<id>Function`, `<id>Role`, `<id>Logs`, `<id>ErrorsAlarm`. */
  readonly id: string;
  readonly functionClass: StepFunctionClass;
  readonly retries: readonly StepRetry[];
  readonly catches: readonly StepCatch[];
  /** The function's event; default: the state's input as it is. */
  readonly payload?: sfn.TaskInput;
  readonly expectedErrors?: StepExpectedErrors;
}

/** Open Case → Assign Case → Send Email, as in the tutorial. */
export const WORKFLOW_STEPS = [
  {
    key: 'openCase',
    stateName: STATE_NAMES.OPEN_CASE,
    id: 'OpenCase',
    functionClass: OpenCaseFunction,
    retries: [],
    // Open Case's input may not even be an object, so its error replaces it (ResultPath left
    // out, which means "$") rather than joining it; there is no record to mark yet.
    catches: ['failExecution'],
    expectedErrors: 'invalidInputs',
  },
  {
    key: 'assignCase',
    stateName: STATE_NAMES.ASSIGN_CASE,
    id: 'AssignCase',
    functionClass: AssignCaseFunction,
    retries: ['dependency'],
    catches: ['caseConflict', 'recordFailure'],
  },
  {
    key: 'sendEmail',
    stateName: STATE_NAMES.SEND_EMAIL,
    id: 'SendEmail',
    functionClass: SendEmailFunction,
    retries: ['dependency', 'emailInProgress'],
    // The pacing loop's catch comes before the catch-all: catchers are tried in order.
    catches: ['emailSentNotRecorded', 'caseConflict', 'sendSlot', 'recordFailure'],
    // SendEmailInput of the contract: the case, and the execution that owns the email claim.
    payload: sfn.TaskInput.fromObject({ case: sfn.JsonPath.entirePayload, executionId: sfn.JsonPath.executionId, ...PACING_INPUT }),
    expectedErrors: 'pacing',
  },
] as const satisfies readonly WorkflowStep[];

/** The key of a step of the table. */
export type StepKey = (typeof WORKFLOW_STEPS)[number]['key'];

/** One value per step, by key. */
export type PerStep<T> = Record<StepKey, T>;
