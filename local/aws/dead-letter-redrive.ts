import { functionNameOf, localFunctionArn, localStateMachineArn } from '../aws-names';
import type { QueueMessage } from '../durable/queues';
import type { OnFailureRecord } from '../lambda-async';
import type { LocalFunction } from '../stack/model-functions';
import type { LocalRule, LocalRuleTarget } from '../stack/model-events';
import { localApiDestinationArn, localQueueArn } from '../stack/local-names';
import { localRuleArn, type EventBusDispatcher } from './event-bus';
import type { DeadLetterRedrive } from './sqs-move-tasks';

const targetArn = (t: LocalRuleTarget): string =>
  t.kind === 'function'
    ? localFunctionArn(t.name)
    : t.kind === 'stateMachine'
      ? localStateMachineArn(t.name)
      : t.kind === 'apiDestination'
        ? localApiDestinationArn(t.name)
        : localQueueArn(t.name);

/**
 * How the template's non-SQS dead letters go back to their source (StartMessageMoveTask without a
 * destination): a Lambda on-failure record invokes its function again, asynchronously, with the record's
 * requestPayload; an EventBridge dead letter is delivered again to the rule target its RULE_ARN and
 * TARGET_ARN attributes name (or to the only target using that queue).
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/rule-dlq.html
 */
export function deadLetterRedrive(
  model: { functions: readonly LocalFunction[]; rules: readonly LocalRule[] },
  dispatch: EventBusDispatcher,
): DeadLetterRedrive {
  const functionsOf = new Map<string, string[]>();
  for (const f of model.functions)
    if (f.onFailureQueue)
      functionsOf.set(f.onFailureQueue, [...(functionsOf.get(f.onFailureQueue) ?? []), f.name]);
  const targetsOf = new Map<string, { rule: LocalRule; target: LocalRuleTarget }[]>();
  for (const rule of model.rules)
    for (const target of rule.targets)
      if (target.deadLetterQueue)
        targetsOf.set(target.deadLetterQueue, [
          ...(targetsOf.get(target.deadLetterQueue) ?? []),
          { rule, target },
        ]);

  const reinvoke = async (queue: string, message: QueueMessage): Promise<boolean> => {
    let record: Partial<OnFailureRecord>;
    try {
      record = JSON.parse(message.body) as Partial<OnFailureRecord>;
    } catch {
      return false;
    }
    const arn = record.requestContext?.functionArn;
    if (typeof arn !== 'string' || !('requestPayload' in record)) return false;
    const name = functionNameOf(arn);
    if (!functionsOf.get(queue)?.includes(name))
      throw new Error(
        `message ${message.messageId} is a failure of ${name}, which does not dead-letter here`,
      );
    await dispatch.invokeFunction(name, record.requestPayload);
    return true;
  };

  const redeliver = async (queue: string, message: QueueMessage): Promise<void> => {
    const candidates = targetsOf.get(queue) ?? [];
    const ruleArn = message.attributes?.RULE_ARN?.StringValue;
    const arn = message.attributes?.TARGET_ARN?.StringValue;
    const named =
      arn === undefined && ruleArn === undefined
        ? candidates
        : candidates.filter(
            ({ rule, target }) =>
              (arn === undefined || targetArn(target) === arn) &&
              (ruleArn === undefined || localRuleArn(rule.busName, rule.name) === ruleArn),
          );
    const only = named.length === 1 ? named[0] : undefined;
    if (!only)
      throw new Error(
        `message ${message.messageId} names no single rule target of this queue (its RULE_ARN and TARGET_ARN attributes)`,
      );
    const { target } = only;
    if (target.kind === 'apiDestination')
      throw new Error(
        `message ${message.messageId} is a webhook delivery: a move task does not call API destinations locally; put the event on the bus again`,
      );
    if (target.kind === 'queue') await dispatch.sendToQueue(target.name, message.body);
    else if (target.kind === 'function') await dispatch.invokeFunction(target.name, JSON.parse(message.body));
    else await dispatch.startExecution(target.name, JSON.parse(message.body));
  };

  return {
    queues: new Set([...functionsOf.keys(), ...targetsOf.keys()]),
    async redrive(queue, message) {
      if (functionsOf.has(queue) && (await reinvoke(queue, message))) return;
      if (targetsOf.has(queue)) return redeliver(queue, message);
      throw new Error(`message ${message.messageId} is no Lambda on-failure record`);
    },
  };
}
