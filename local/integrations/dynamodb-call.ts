import * as dynamodb from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { failureFromSdkError, validateRequest, type DynamoDbFailure } from './dynamodb-errors';

type CommandClass = new (input: unknown) => Parameters<DynamoDBClient['send']>[0];

export class DynamoDbCallFailed extends Error {
  constructor(readonly failure: DynamoDbFailure) {
    super(failure.message);
    this.name = failure.code;
  }
}

export interface DynamoDbCallResult {
  /** The response as JSON (no `$metadata`, no undefined members). */
  response: Record<string, unknown>;
  /** The exact JSON body length basis for the metadata headers. */
  body: string;
  requestId: string;
}

/** `query` → `Query`. */
export const pascalAction = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);

/** Calls any DynamoDB action by its PascalCase name with AttributeValue-form parameters. */
export async function callDynamoDb(
  client: DynamoDBClient,
  action: string,
  params: unknown,
): Promise<DynamoDbCallResult> {
  const input = (params && typeof params === 'object' ? params : {}) as Record<string, unknown>;
  const invalid = validateRequest(action, input);
  if (invalid) throw new DynamoDbCallFailed(invalid);
  const Command = (dynamodb as unknown as Record<string, unknown>)[`${action}Command`];
  if (typeof Command !== 'function') {
    throw new Error(`DynamoDB has no action ${action}: the local runtime cannot run this resource`);
  }
  let output: Record<string, unknown>;
  try {
    output = (await client.send(new (Command as CommandClass)(input))) as unknown as Record<string, unknown>;
  } catch (err) {
    throw new DynamoDbCallFailed(failureFromSdkError(err));
  }
  const { $metadata, ...rest } = output as { $metadata?: { requestId?: string } } & Record<string, unknown>;
  const body = JSON.stringify(rest);
  return {
    response: JSON.parse(body) as Record<string, unknown>,
    body,
    requestId: $metadata?.requestId ?? '',
  };
}
