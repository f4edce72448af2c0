/**
 * The SNS `publish` service integration (`arn:aws:states:::sns:publish`), locally: there is no local
 * SNS server, so each message the state machine publishes is recorded here (LocalWorkflow exposes
 * them). The Task's result has the shape Step Functions gives it (`MessageId` and the SDK's
 * metadata), and a refused publish fails the Task with the error named as Step Functions names a
 * service integration's errors, `SNS.<ErrorName>`
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-sns.html,
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
import { randomUUID } from 'node:crypto';
import type { BoundTask } from './lambda-binding';

type Json = any;

export const SNS_PUBLISH = 'arn:aws:states:::sns:publish';

/** One message published by a Task. */
export interface PublishedMessage {
  readonly stateName: string;
  /** The execution that published it. */
  readonly execution: string;
  readonly topicArn: string;
  /** The message as SNS holds it (a string: a JSON `Message` is serialized). */
  readonly message: string;
  readonly subject?: string;
  readonly messageAttributes?: Json;
  readonly messageId: string;
  readonly at: number;
}

const snsError = (name: string, message: string) => Object.assign(new Error(message), { name: `SNS.${name}` });

/**
 * The handler of an SNS publish Task. `topics` are the ARNs of the template's topics: a publish to
 * another topic is refused as SNS refuses a topic that does not exist (`NotFound`).
 */
export function snsPublish(stateName: string, topics: ReadonlySet<string>, published: PublishedMessage[]): BoundTask {
  return async (input, invocation) => {
    const topicArn = input?.TopicArn ?? input?.TargetArn;
    if (typeof topicArn !== 'string') throw snsError('InvalidParameterException', 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    if (input?.Message === undefined || input.Message === null) throw snsError('InvalidParameterException', 'Invalid parameter: Message Reason: no value for required parameter');
    if (!topics.has(topicArn)) throw snsError('NotFoundException', 'Topic does not exist');
    const messageId = randomUUID();
    published.push({
      stateName,
      execution: invocation.execution,
      topicArn,
      message: typeof input.Message === 'string' ? input.Message : JSON.stringify(input.Message),
      subject: input.Subject,
      messageAttributes: input.MessageAttributes,
      messageId,
      at: Date.now(),
    });
    return { MessageId: messageId, SdkHttpMetadata: { HttpStatusCode: 200 }, SdkResponseMetadata: { RequestId: randomUUID() } };
  };
}
