import type { FunctionName } from '../../infra/workflow-manifest';
import { functionNameOf } from '../aws-names';
import type { LocalQueue } from './model-events';
import type { TemplateReader } from './reader';

export interface LocalFunction {
  logicalId: string;
  name: FunctionName;
  /** `Environment.Variables`, resolved to local names (the handler is built from it). */
  environment: Record<string, string>;
  /** Asynchronous invocation (`AWS::Lambda::EventInvokeConfig`): the on-failure queue's name and retries. */
  onFailureQueue?: string;
  maximumRetryAttempts?: number;
}

interface InvokeConfig {
  onFailureQueue?: string;
  maximumRetryAttempts?: number;
}

export function loadFunctions(reader: TemplateReader, queues: readonly LocalQueue[]): LocalFunction[] {
  const configs = invokeConfigs(reader, queues);
  const functions = reader.ids('AWS::Lambda::Function').map((id) => {
    const name = reader.names.identity(id).name as FunctionName;
    const variables = (reader.value(id, 'Environment') as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(variables ?? {})) {
      if (typeof value !== 'string') reader.fail(id, `Environment.Variables.${key}`, 'expected a string');
      environment[key] = value as string;
    }
    return { logicalId: id, name, environment, ...configs.get(name) };
  });
  for (const name of configs.keys()) {
    if (!functions.some((f) => f.name === name))
      throw new Error(`EventInvokeConfig for unknown function ${name}`);
  }
  return functions;
}

function invokeConfigs(reader: TemplateReader, queues: readonly LocalQueue[]): Map<string, InvokeConfig> {
  const configs = new Map<string, InvokeConfig>();
  for (const id of reader.ids('AWS::Lambda::EventInvokeConfig')) {
    const name = functionNameOf(reader.requiredString(id, 'FunctionName'));
    const qualifier = reader.string(id, 'Qualifier');
    if (qualifier !== undefined && qualifier !== '$LATEST') {
      reader.fail(id, 'Qualifier', `only $LATEST runs locally, not ${qualifier}`);
    }
    const destinations = reader.value(id, 'DestinationConfig') as
      { OnFailure?: { Destination?: string }; OnSuccess?: unknown } | undefined;
    if (destinations?.OnSuccess !== undefined) {
      reader.fail(id, 'DestinationConfig.OnSuccess', 'on-success destinations are not run locally');
    }
    const failureArn = destinations?.OnFailure?.Destination;
    const queue = failureArn === undefined ? undefined : queues.find((q) => q.arn === failureArn);
    if (failureArn !== undefined && !queue) {
      reader.fail(id, 'DestinationConfig.OnFailure', `${failureArn} is not a queue of this template`);
    }
    const retries = reader.value(id, 'MaximumRetryAttempts');
    configs.set(name, {
      ...(queue ? { onFailureQueue: queue.name } : {}),
      ...(retries !== undefined ? { maximumRetryAttempts: Number(retries) } : {}),
    });
  }
  return configs;
}
