/**
 * A Lambda callback Task, locally: `"Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken"`
 * with `Parameters: {FunctionName, Payload: {..., "taskToken.$": "$$.Task.Token"}}`.
 *
 * aws-local-stepfunctions 3.0.0 knows no task tokens (../shared/TOOLCHAIN-NOTES.md): it evaluates
 * `$$.Task.Token` against the run's context object, where it finds nothing and fails the state
 * (`Path expression '$$.Task.Token' does not point to a value`). So the workflow puts a
 * placeholder at `$$.Task.Token` in the context it gives the runner (TASK_TOKEN_PLACEHOLDER), and
 * the binding here, per attempt of the Task (each attempt is a new task on AWS, with a token of
 * its own):
 *  1. issues a token from the local task-token service (task-tokens.ts, the SendTaskSuccess /
 *     SendTaskFailure API the handlers reach at AWS_ENDPOINT_URL_SFN) and puts it into the payload
 *     wherever the placeholder is;
 *  2. invokes the function through the Lambda binding (faults, concurrency and the function's
 *     timeout as for every Lambda Task); the function's error fails the Task with its name, and its
 *     result is discarded: a callback Task's result is what SendTaskSuccess sends
 *     (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token);
 *  3. waits for the token's outcome: SendTaskSuccess's output is the Task's result,
 *     SendTaskFailure fails the Task with its error and cause
 *     (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html);
 *  4. the Task's `TimeoutSeconds` (scaled, with the real-time allowance, as every Task timeout of a
 *     local run: time-scale.ts) counts from the Task's start, the invocation included, and ends it
 *     with `States.Timeout`, however many heartbeats came
 *     (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html);
 *     the token is then timed out, so that a late SendTaskSuccess answers `TaskTimedOut`
 *     (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
 *     Without `TimeoutSeconds` a callback Task waits as long as the execution may run.
 * When an attempt fails, or its execution ends or is aborted, its token is timed out too.
 * `HeartbeatSeconds` is not enforced (the runner does not enforce it for other Tasks either).
 */
import type { BoundTask } from './lambda-binding';
import type { TaskTokens } from './task-tokens';

type Json = any;

/** The Resource of a Lambda callback Task (the optimized integration, wait for a callback). */
export const LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** What `$$.Task.Token` evaluates to in the runner: the binding replaces it with the attempt's token. */
export const TASK_TOKEN_PLACEHOLDER = '\u0000harness-task-token\u0000';

/** The payload with every occurrence of the placeholder (whole or within a string) replaced by `token`. */
export function withTaskToken(value: Json, token: string): Json {
  if (typeof value === 'string') return value.split(TASK_TOKEN_PLACEHOLDER).join(token);
  if (Array.isArray(value)) return value.map((v) => withTaskToken(v, token));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTaskToken(v, token)]));
  return value;
}

/** The tokens each execution is waiting on (timed out when the execution ends). */
export class OutstandingTokens {
  private readonly byExecution = new Map<string, Map<string, () => void>>();

  constructor(private readonly tokens: TaskTokens) {}

  /** Registers a token of `execution`; `end` stops its wait. */
  add(execution: string, token: string, end: () => void): void {
    const open = this.byExecution.get(execution) ?? new Map<string, () => void>();
    open.set(token, end);
    this.byExecution.set(execution, open);
  }

  /** The token's task is over (whatever ended it): later calls find it closed. */
  close(execution: string, token: string): void {
    this.tokens.timedOut(token);
    const open = this.byExecution.get(execution);
    open?.delete(token);
    if (open?.size === 0) this.byExecution.delete(execution);
  }

  /** The execution ended (or was aborted): its tokens time out, and their waits end. */
  endExecution(execution: string): void {
    for (const [token, end] of this.byExecution.get(execution) ?? []) {
      this.tokens.timedOut(token);
      end();
    }
    this.byExecution.delete(execution);
  }
}

/** A Lambda callback Task: its state, the Lambda binding of its function, and its timeout. */
export interface CallbackTask {
  readonly stateName: string;
  /** Invokes the Task's function (the Lambda binding, with no Task timeout of its own). */
  readonly invoke: BoundTask;
  /** The Task's timeout in real milliseconds (scaled, allowance included); undefined: none. */
  readonly timeoutMs: number | undefined;
}

const taskError = (name: string, message: string) => Object.assign(new Error(message), { name });

/** The handler of a Lambda callback Task. */
export function bindCallbackTask(tokens: TaskTokens, outstanding: OutstandingTokens, task: CallbackTask): BoundTask {
  return async (input, invocation) => {
    const { token, outcome } = tokens.issue(task.stateName);
    let timer: NodeJS.Timeout | undefined;
    let endWait!: () => void;
    const ended = new Promise<never>((_, reject) => {
      endWait = () => reject(taskError('States.Timeout', 'the execution ended while the task waited for its callback'));
      if (task.timeoutMs !== undefined) {
        timer = setTimeout(() => reject(taskError('States.Timeout', 'the task timed out waiting for its callback')), task.timeoutMs);
      }
    });
    ended.catch(() => undefined);
    outstanding.add(invocation.execution, token, endWait);
    try {
      const payload = withTaskToken(input?.Payload, token);
      // The invocation's result is not the Task's: a callback Task ends by its token.
      await Promise.race([task.invoke(payload, invocation), ended]);
      const result = await Promise.race([outcome, ended]);
      if (result.kind === 'failure') throw taskError(result.error ?? '', result.cause ?? '');
      return result.output;
    } finally {
      clearTimeout(timer);
      outstanding.close(invocation.execution, token);
    }
  };
}
