import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { callDynamoDb, DynamoDbCallFailed, pascalAction } from './dynamodb-call';
import { sdkTaskError } from './dynamodb-errors';

/** `arn:aws:states:::aws-sdk:dynamodb:<action>`: the plain SDK response, no metadata blocks (putItem → `{}`). */
export async function invokeSdkDynamoDb(
  client: DynamoDBClient,
  action: string,
  parameters: unknown,
): Promise<Record<string, unknown>> {
  try {
    return (await callDynamoDb(client, pascalAction(action), parameters)).response;
  } catch (err) {
    if (err instanceof DynamoDbCallFailed) throw sdkTaskError(err.failure);
    throw err;
  }
}
