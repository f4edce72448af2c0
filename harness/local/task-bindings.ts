/**
 * Binds each Task of the definition to what it invokes on AWS: the harness Task that plays a
 * JSONata Wait (jsonata-wait.ts), the DynamoDB service integration, or a function, through the
 * Lambda binding (lambda-binding.ts).
 */
import { DynamoDBClient, UpdateItemCommand, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { LocalFunctions } from './functions';
import { bindLambdaTask, BoundTask, LambdaAccount } from './lambda-binding';
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

/** Binds every Task of `runnable` (the definition with its JSONata Waits turned into Tasks). */
export function bindTasks(
  runnable: Json, jsonataWaits: JsonataWaits, resolver: TemplateResolver, local: LocalFunctions,
  sdkEnv: Record<string, string>, account: LambdaAccount,
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
    const fnId = resolver.functionOfArn(state.Resource);
    const fn = fnId && functions.get(fnId);
    if (!fn) throw new Error(`state ${stateName}: no local binding for ${state.Resource}`);
    const timeoutSeconds = timeouts.get(fnId)!;
    // The Task's own timeout, enforced here with the function's (the runner is given none for this Task).
    const taskTimeoutMs = state.TimeoutSecondsPath === undefined
      ? Math.min(((state.TimeoutSeconds ?? TASK_DEFAULT_TIMEOUT_SECONDS) * 1000) / timeScale + allowanceMs, MAX_TIMER_SECONDS * 1000)
      : undefined;
    if (taskTimeoutMs !== undefined) slotTimedTasks.add(stateName);
    handlers[stateName] = bindLambdaTask(account, { stateName, fnId, fn, timeoutSeconds, taskTimeoutMs });
  }
  return { handlers, slotTimedTasks, fullJitter };
}
