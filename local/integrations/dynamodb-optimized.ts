import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { callDynamoDb, DynamoDbCallFailed, pascalAction } from './dynamodb-call';
import { optimizedTaskError } from './dynamodb-errors';
import { dynamoDbMetadata } from './sdk-metadata';

/** The only actions of `arn:aws:states:::dynamodb:*` (AWS rejects e.g. `dynamodb:query` at definition time). */
export const OPTIMIZED_DYNAMODB_ACTIONS = ['getItem', 'putItem', 'updateItem', 'deleteItem'] as const;

/** `arn:aws:states:::dynamodb:<action>`: the SDK response plus SdkHttpMetadata/SdkResponseMetadata. */
export async function invokeOptimizedDynamoDb(
  client: DynamoDBClient,
  action: string,
  parameters: unknown,
): Promise<Record<string, unknown>> {
  try {
    const { response, body, requestId } = await callDynamoDb(client, pascalAction(action), parameters);
    return { ...response, ...dynamoDbMetadata(requestId, body) };
  } catch (err) {
    if (err instanceof DynamoDbCallFailed) throw optimizedTaskError(err.failure);
    throw err;
  }
}
