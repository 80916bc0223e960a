import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';

/** One DynamoDB Local per test file: call at the top of a describe block. */
export function useDynamoDbLocal(): () => DynamoDbLocal {
  let db: DynamoDbLocal | undefined;
  beforeAll(async () => {
    db = await startDynamoDbLocal();
  });
  afterAll(async () => {
    await db?.stop();
  });
  return () => {
    if (!db) throw new Error('DynamoDB Local is not started');
    return db;
  };
}

/** A simple table keyed by `id` (S). */
export async function createIdTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
}

/** A promise with its resolve function, to hold a Lambda (and so an execution) open. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Captures what a call throws. */
export async function thrown(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to throw');
}
