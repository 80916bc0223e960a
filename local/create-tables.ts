import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { TABLE_SPECS, type KeySpec, type TableSpec } from '../infra/table-specs';

const keySchema = (pk: KeySpec, sk?: KeySpec): KeySchemaElement[] => [
  { AttributeName: pk.name, KeyType: 'HASH' },
  ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
];

/** The CreateTable request for one spec: on-demand, its stream, every GSI projecting ALL, each key attribute defined once. */
export function createTableInput(spec: TableSpec): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const define = (key?: KeySpec): void => {
    if (key && !attributes.has(key.name)) {
      attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
    }
  };
  define(spec.partitionKey);
  define(spec.sortKey);
  for (const index of spec.globalSecondaryIndexes) {
    define(index.partitionKey);
    define(index.sortKey);
  }
  return {
    TableName: spec.tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: keySchema(spec.partitionKey, spec.sortKey),
    ...(spec.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: spec.stream } } : {}),
    ...(spec.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes: spec.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} is not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Creates the tables (idempotent: existing tables are kept), enables TTL and waits until they are ACTIVE. */
export async function createTables(
  client: DynamoDBClient,
  specs: readonly TableSpec[] = TABLE_SPECS,
): Promise<void> {
  for (const spec of specs) {
    try {
      await client.send(new CreateTableCommand(createTableInput(spec)));
    } catch (err) {
      if ((err as Error).name !== 'ResourceInUseException') throw err;
    }
    await waitUntilActive(client, spec.tableName);
    if (spec.timeToLiveAttribute) {
      try {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: spec.tableName,
            TimeToLiveSpecification: { AttributeName: spec.timeToLiveAttribute, Enabled: true },
          }),
        );
      } catch (err) {
        // A second run finds TTL already enabled.
        if (!/already enabled/i.test((err as Error).message)) throw err;
      }
    }
  }
}
