import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { invokeOptimizedDynamoDb, OPTIMIZED_DYNAMODB_ACTIONS } from './dynamodb-optimized';
import { invokeSdkDynamoDb } from './dynamodb-sdk';
import { putEvents, type PutEventsRecord } from './events-put-events';
import {
  invokeLambdaArn,
  invokeLambdaService,
  type InvokeParameters,
  type LocalLambdas,
} from './lambda-invoke';
import { startExecutionTask, type ExecutionStarter } from './states-start-execution';
import { TaskError, fakeRequestId } from './task-error';

/** What a Task's Resource calls, and how GetExecutionHistory names it (resourceType / resource). */
export type Integration =
  | { kind: 'dynamodb'; resourceType: 'dynamodb'; resource: string }
  | { kind: 'aws-sdk:dynamodb'; resourceType: 'aws-sdk:dynamodb'; resource: string }
  | { kind: 'lambda'; resourceType: 'lambda'; resource: 'invoke' }
  | { kind: 'lambda-arn'; resourceType: 'lambda'; resource: string }
  | { kind: 'events'; resourceType: 'events'; resource: 'putEvents' }
  | { kind: 'states'; resourceType: 'states'; resource: 'startExecution' };

/** Maps a Resource ARN to its integration; undefined when the local runtime cannot run it. */
export function integrationOf(resourceArn: string): Integration | undefined {
  const service = /^arn:aws:states:::([a-z0-9-]+(?::[a-z0-9-]+)?):([A-Za-z0-9]+)$/.exec(resourceArn);
  if (service) {
    const [, api, action] = service as unknown as [string, string, string];
    if (api === 'dynamodb' && (OPTIMIZED_DYNAMODB_ACTIONS as readonly string[]).includes(action)) {
      return { kind: 'dynamodb', resourceType: 'dynamodb', resource: action };
    }
    if (api === 'aws-sdk:dynamodb')
      return { kind: 'aws-sdk:dynamodb', resourceType: 'aws-sdk:dynamodb', resource: action };
    if (api === 'lambda' && action === 'invoke')
      return { kind: 'lambda', resourceType: 'lambda', resource: 'invoke' };
    if (api === 'events' && action === 'putEvents')
      return { kind: 'events', resourceType: 'events', resource: 'putEvents' };
    if (api === 'states' && action === 'startExecution') {
      return { kind: 'states', resourceType: 'states', resource: 'startExecution' };
    }
    return undefined;
  }
  if (/^arn:aws:lambda:[^:]+:\d+:function:[^:]+(?::[^:]+)?$/.test(resourceArn)) {
    return { kind: 'lambda-arn', resourceType: 'lambda', resource: resourceArn };
  }
  return undefined;
}

/** AWS's CreateStateMachine message for a Resource it does not know. */
export function unknownResourceMessage(resourceArn: string, statePath: string): string {
  return `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The resource provided ${resourceArn} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region. at ${statePath}/Resource'`;
}

export interface IntegrationDeps {
  dynamoDb: DynamoDBClient;
  lambdas: LocalLambdas;
  putEventsLog: PutEventsRecord[];
  /** Told of the entries each putEvents call sent (synchronously, so no other call interleaves). */
  onPutEvents?: (records: readonly PutEventsRecord[]) => Promise<void>;
  startExecution: ExecutionStarter;
  sender: { workflow: string; executionArn: string };
}

export async function invokeIntegration(
  integration: Integration,
  parameters: unknown,
  deps: IntegrationDeps,
): Promise<unknown> {
  switch (integration.kind) {
    case 'dynamodb':
      return invokeOptimizedDynamoDb(deps.dynamoDb, integration.resource, parameters);
    case 'aws-sdk:dynamodb':
      return invokeSdkDynamoDb(deps.dynamoDb, integration.resource, parameters);
    case 'lambda':
      return invokeLambdaService(deps.lambdas, (parameters ?? {}) as InvokeParameters);
    case 'lambda-arn':
      return invokeLambdaArn(deps.lambdas, integration.resource, parameters);
    case 'events': {
      const { answer, records } = putEvents(parameters, deps.sender);
      // Forwarded to the local cloud's bus (durable before the task answers), or kept for assertions.
      if (deps.onPutEvents) await deps.onPutEvents(records);
      else deps.putEventsLog.push(...records);
      return answer;
    }
    case 'states':
      try {
        return await startExecutionTask(deps.startExecution, parameters);
      } catch (err) {
        if (err instanceof ExecutionAlreadyExists) {
          throw new TaskError(
            'StepFunctions.ExecutionAlreadyExistsException',
            `${err.message} (Service: AWSStepFunctions; Status Code: 400; Error Code: ExecutionAlreadyExists; Request ID: ${fakeRequestId()}; Proxy: null)`,
          );
        }
        throw err;
      }
  }
}
