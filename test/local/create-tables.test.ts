import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput, createTables } from '../../local/create-tables';
import { REFERRALS_TABLE, STATS_TABLE, TABLE_SPECS } from '../../infra/table-specs';
import { useDynamoDbLocal } from './support';

describe('createTableInput', () => {
  it('builds an on-demand table with ALL-projected GSIs and each attribute defined once', () => {
    const input = createTableInput(REFERRALS_TABLE);
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.KeySchema).toEqual([
      { AttributeName: 'partnerId', KeyType: 'HASH' },
      { AttributeName: 'referralId', KeyType: 'RANGE' },
    ]);
    expect(input.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual([
      'paidAt',
      'partnerId',
      'referralId',
      'referredUserId',
    ]);
    expect(input.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType])).toEqual([
      ['referredUserId-index', 'ALL'],
      ['partnerId-paidAt-index', 'ALL'],
    ]);
  });

  it('leaves GlobalSecondaryIndexes out when a table has none', () => {
    expect(createTableInput(STATS_TABLE).GlobalSecondaryIndexes).toBeUndefined();
  });
});

describe('createTables on DynamoDB Local', () => {
  const db = useDynamoDbLocal();

  it('creates every table ACTIVE with TTL, and a second run is a no-op', async () => {
    await createTables(db().client);
    await createTables(db().client);
    for (const spec of TABLE_SPECS) {
      const { Table } = await db().client.send(new DescribeTableCommand({ TableName: spec.tableName }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      const ttl = await db().client.send(new DescribeTimeToLiveCommand({ TableName: spec.tableName }));
      expect(ttl.TimeToLiveDescription?.AttributeName).toBe(spec.timeToLiveAttribute);
    }
  });
});
