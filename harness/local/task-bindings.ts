/**
 * Binds each Task of the definition to what it invokes on AWS: the harness Task that plays a
 * JSONata Wait (jsonata-wait.ts), the DynamoDB and SNS service integrations (sns-publish.ts), a
 * function, through the Lambda binding (lambda-binding.ts), or a function that waits for a
 * callback (callback-task.ts).
 */
import { DynamoDBClient, UpdateItemCommand, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { bindCallbackTask, LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN, OutstandingTokens } from './callback-task';
import type { LocalFunctions } from './functions';
import { bindLambdaTask, BoundTask, LambdaAccount } from './lambda-binding';
import { PublishedMessage, SNS_PUBLISH, snsPublish } from './sns-publish';
import type { TaskTokens } from './task-tokens';
import { MAX_TIMER_SECONDS, TASK_DEFAULT_TIMEOUT_SECONDS } from './time-scale';
import type { JsonataWaits } from '../jsonata-wait';
import { REGION, TemplateResolver } from '../template-resolver';

type Json = any;

export const DYNAMODB_UPDATE_ITEM = 'arn:aws:states:::dynamodb:updateItem';

/** The Tasks of a definition, bound. */
export interface TaskBindings {
  readonly handlers: Record<string, BoundTask>;
  /** Lambda Tasks whose timeout the binding enforces (the runner is given none for them). */
  readonly slotTimedTasks: ReadonlySet<string>;
  /** Per state, which retriers jitter (JitterStrategy FULL): the ones whose jitter can be seeded. */
  readonly fullJitter: ReadonlyMap<string, readonly boolean[]>;
}

/** The DynamoDB `updateItem` integration, its errors named as Step Functions names them. */
function dynamodbUpdateItem(endpoint: string | undefined): BoundTask {
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return async (input) => {
    try {
      return await client.send(new UpdateItemCommand(input as UpdateItemCommandInput));
    } catch (err) {
      // Step Functions names service-integration errors `<Service>.<ErrorName>`.
      const e = new Error((err as Error).message);
      e.name = `DynamoDB.${(err as Error).name}`;
      throw e;
    }
  };
}

/** What the service integrations beyond DynamoDB's bind to. */
export interface IntegrationServices {
  /** The task tokens of callback Tasks. */
  readonly tokens: TaskTokens;
  readonly outstanding: OutstandingTokens;
  /** Where published SNS messages go. */
  readonly published: PublishedMessage[];
  /** ARNs of the template's topics. */
  readonly topics: ReadonlySet<string>;
}

/** Binds every Task of `runnable` (the definition with its JSONata Waits turned into Tasks). */
export function bindTasks(
  runnable: Json, jsonataWaits: JsonataWaits, resolver: TemplateResolver, local: LocalFunctions,
  sdkEnv: Record<string, string>, account: LambdaAccount, services: IntegrationServices,
): TaskBindings {
  const { functions, timeouts } = local;
  const { timeScale, allowanceMs } = account;
  const handlers: Record<string, BoundTask> = {};
  /** Lambda Tasks whose timeout the binding enforces (see below). */
  const slotTimedTasks = new Set<string>();
  /** Per state, which retriers jitter (JitterStrategy FULL): the ones whose jitter can be seeded. */
  const fullJitter = new Map<string, boolean[]>();
  for (const [stateName, state] of Object.entries<any>(runnable.States)) {
    if (jsonataWaits.handlers[stateName]) {
      handlers[stateName] = jsonataWaits.handlers[stateName];
      continue;
    }
    if (state.Retry?.some((r: { JitterStrategy?: string }) => r.JitterStrategy === 'FULL')) {
      fullJitter.set(stateName, state.Retry.map((r: { JitterStrategy?: string }) => r.JitterStrategy === 'FULL'));
    }
    if (state.Type !== 'Task') continue;
    if (state.Resource === DYNAMODB_UPDATE_ITEM) {
      handlers[stateName] = dynamodbUpdateItem(sdkEnv.AWS_ENDPOINT_URL_DYNAMODB);
      continue;
    }
    if (state.Resource === SNS_PUBLISH) {
      handlers[stateName] = snsPublish(stateName, services.topics, services.published);
      continue;
    }
    const callback = state.Resource === LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN;
    const target = callback ? state.Parameters?.FunctionName : state.Resource;
    const fnId = typeof target === 'string' ? resolver.functionOfArn(target) : undefined;
    const fn = fnId && functions.get(fnId);
    if (!fn) throw new Error(`state ${stateName}: no local binding for ${state.Resource}${callback ? ` (FunctionName ${JSON.stringify(target)})` : ''}`);
    const timeoutSeconds = timeouts.get(fnId)!;
    // The Task's own timeout, enforced here with the function's (the runner is given none for this Task).
    const taskTimeoutMs = state.TimeoutSecondsPath === undefined
      ? Math.min(((state.TimeoutSeconds ?? TASK_DEFAULT_TIMEOUT_SECONDS) * 1000) / timeScale + allowanceMs, MAX_TIMER_SECONDS * 1000)
      : undefined;
    if (taskTimeoutMs !== undefined) slotTimedTasks.add(stateName);
    if (callback) {
      // The Task's timeout covers the invocation and the wait for the callback (callback-task.ts).
      const invoke = bindLambdaTask(account, { stateName, fnId, fn, timeoutSeconds, taskTimeoutMs: undefined });
      handlers[stateName] = bindCallbackTask(services.tokens, services.outstanding, { stateName, invoke, timeoutMs: taskTimeoutMs });
      continue;
    }
    handlers[stateName] = bindLambdaTask(account, { stateName, fnId, fn, timeoutSeconds, taskTimeoutMs });
  }
  return { handlers, slotTimedTasks, fullJitter };
}
