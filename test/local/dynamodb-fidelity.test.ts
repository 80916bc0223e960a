import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from '../../local/dynamodb-local';
import { setItemWriteLimit } from '../../local/integrations/dynamodb-capacity';
import {
  callDynamoDb,
  DynamoDbCallFailed,
  setBeforeForwardHook,
} from '../../local/integrations/dynamodb-call';
import { AWS_HOLD_WINDOW_MS } from '../../local/integrations/dynamodb-contention';
import { invokeOptimizedDynamoDb } from '../../local/integrations/dynamodb-optimized';
import { invokeSdkDynamoDb } from '../../local/integrations/dynamodb-sdk';
import { createIdTable, deferred, thrown, useDynamoDbLocal } from './support';

const TABLE = 'FidelityItems';
const PAIRS = 'FidelityPairs';
const PROVISIONED = 'FidelityProvisioned';
const REQUEST_ID = '[A-Za-z0-9-]+';
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}`;
const ONGOING = 'Transaction is ongoing for the item';
const ON_DEMAND_THROTTLED =
  'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html';
const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const key = (id: string) => ({ id: { S: id } });
const update = (id: string, n = 1, table = TABLE) => ({
  TableName: table,
  Key: key(id),
  UpdateExpression: 'SET n = :n',
  ExpressionAttributeValues: { ':n': { N: String(n) } },
});
const transaction = (...updates: ReturnType<typeof update>[]) => ({
  TransactItems: updates.map((u) => ({ Update: u })),
});

/** The failure a direct call was rejected with. */
async function failureOf(call: Promise<unknown>) {
  const err = await thrown(() => call);
  if (!(err instanceof DynamoDbCallFailed)) throw err;
  return err.failure;
}

/**
 * Holds the next call of `action` after it is admitted (its items held) and before DynamoDB Local sees
 * it, so a test can issue other calls while it is in flight.
 */
function holdNext(action: string): { reached: Promise<void>; release: () => void } {
  const reached = deferred();
  const gate = deferred();
  let armed = true;
  setBeforeForwardHook((called) => {
    if (!armed || called !== action) return undefined;
    armed = false;
    reached.resolve();
    return gate.promise;
  });
  return { reached: reached.promise, release: () => gate.resolve() };
}

/**
 * A proxy in front of DynamoDB Local that keeps the first request it gets until `release`, as a busy
 * machine keeps DynamoDB Local's answer: the call is forwarded and in flight, and nothing answers it.
 */
async function slowProxy(endpoint: string) {
  const first = { reached: deferred(), gate: deferred() };
  let requests = 0;
  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      requests += 1;
      const held = requests === 1 ? (first.reached.resolve(), first.gate.promise) : Promise.resolve();
      void held.then(() => {
        const upstream = http.request(endpoint, { method: 'POST', headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        });
        upstream.end(Buffer.concat(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    client: localDynamoDbClient(`http://127.0.0.1:${port}`),
    firstReached: first.reached.promise,
    release: () => first.gate.resolve(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('DynamoDB fidelity: transaction conflicts and per-item throttling', () => {
  const db = useDynamoDbLocal();
  const client = (): DynamoDBClient => db().client;
  const n = async (id: string, table = TABLE): Promise<string | undefined> =>
    (await client().send(new GetItemCommand({ TableName: table, Key: key(id), ConsistentRead: true }))).Item
      ?.n?.N;

  beforeAll(async () => {
    await createIdTable(client(), TABLE);
    await client().send(
      new CreateTableCommand({
        TableName: PAIRS,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    await client().send(
      new CreateTableCommand({
        TableName: PROVISIONED,
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
  });
  afterEach(() => {
    setBeforeForwardHook(undefined);
    setItemWriteLimit('all', undefined);
  });

  describe('transaction conflicts (on by default)', () => {
    it('two concurrent transactions on one item: exactly one commits, the other is cancelled as AWS cancels it', async () => {
      // Issued in the same tick: the second is admitted while the first is still waiting for DynamoDB Local.
      const results = await Promise.allSettled([
        callDynamoDb(client(), 'TransactWriteItems', transaction(update('c1-a', 1), update('c1-shared', 1))),
        callDynamoDb(client(), 'TransactWriteItems', transaction(update('c1-b', 2), update('c1-shared', 2))),
      ]);

      const committed = results.findIndex((r) => r.status === 'fulfilled');
      const cancelled = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failure = (cancelled?.reason as DynamoDbCallFailed).failure;
      expect(failure).toEqual({
        code: 'TransactionCanceledException',
        message:
          'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
        statusCode: 400,
        requestId: expect.stringMatching(/^[A-Z0-9]+$/) as unknown,
        cancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict', Message: ONGOING }],
      });
      // The winner's writes, none of the loser's: it was rejected before DynamoDB Local saw it.
      expect(await n('c1-shared')).toBe(String(committed + 1));
      expect(await n(committed === 0 ? 'c1-b' : 'c1-a')).toBeUndefined();
    });

    it("a forwarded transaction holds its items for AWS's window, not for as long as DynamoDB Local takes to answer", async () => {
      // Prepare: the first transaction reaches DynamoDB Local's door and gets no answer
      const proxy = await slowProxy(db().endpoint);
      try {
        const slow = callDynamoDb(proxy.client, 'TransactWriteItems', transaction(update('w1-shared', 1)));
        await proxy.firstReached;
        // A timer set after the window's own (and longer) fires after it: the window has closed.
        await new Promise((resolve) => setTimeout(resolve, AWS_HOLD_WINDOW_MS * 2));

        // Act: a second transaction on the same item, while the first is still unanswered
        await callDynamoDb(proxy.client, 'TransactWriteItems', transaction(update('w1-shared', 2)));
        proxy.release();
        await slow;

        // Assess: both committed, in the order DynamoDB Local received them (the second went straight through)
        expect(await n('w1-shared')).toBe('1');
      } finally {
        proxy.release();
        proxy.client.destroy();
        await proxy.close();
      }
    });

    it("a Put's item is identified through the table's key schema (attribute order does not matter)", async () => {
      const held = holdNext('TransactWriteItems');
      const put = callDynamoDb(client(), 'TransactWriteItems', {
        TransactItems: [
          { Put: { TableName: PAIRS, Item: { sk: { S: 's' }, note: { S: 'x' }, pk: { S: 'p' } } } },
        ],
      });
      await held.reached;
      const failure = await failureOf(
        callDynamoDb(client(), 'TransactWriteItems', {
          TransactItems: [
            {
              ConditionCheck: {
                TableName: PAIRS,
                Key: { sk: { S: 'other' }, pk: { S: 'p' } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Delete: { TableName: PAIRS, Key: { pk: { S: 'p' }, sk: { S: 's' } } } },
          ],
        }),
      );
      held.release();
      await put;
      expect(failure.cancellationReasons).toEqual([
        { Code: 'None' },
        { Code: 'TransactionConflict', Message: ONGOING },
      ]);
    });

    it('through the SDK integration a conflict is DynamoDb.TransactionCanceledException with the reasons in the cause', async () => {
      const held = holdNext('TransactWriteItems');
      const first = invokeSdkDynamoDb(client(), 'transactWriteItems', transaction(update('c2-shared', 1)));
      await held.reached;
      const err = await thrown(() =>
        invokeSdkDynamoDb(
          client(),
          'transactWriteItems',
          transaction(update('c2-other'), update('c2-shared', 2)),
        ),
      );
      held.release();
      await first;
      expect(err.name).toBe('DynamoDb.TransactionCanceledException');
      expect(err.message).toMatch(
        new RegExp(
          `^Transaction cancelled, please refer cancellation reasons for specific reasons \\[None, TransactionConflict\\] \\(Service: DynamoDb, Status Code: 400, Request ID: ${REQUEST_ID}\\)$`,
        ),
      );
      expect(await n('c2-shared')).toBe('1');
      expect(await n('c2-other')).toBeUndefined();
    });

    it('a single write on an item an in-flight transaction holds is TransactionConflictException, through both integrations', async () => {
      const held = holdNext('TransactWriteItems');
      const tx = invokeSdkDynamoDb(client(), 'transactWriteItems', transaction(update('c3', 1)));
      await held.reached;

      const sdk = await thrown(() => invokeSdkDynamoDb(client(), 'updateItem', update('c3', 2)));
      const optimized = await thrown(() =>
        invokeOptimizedDynamoDb(client(), 'putItem', {
          TableName: TABLE,
          Item: { ...key('c3'), n: { N: '3' } },
        }),
      );
      const optimizedDelete = await thrown(() =>
        invokeOptimizedDynamoDb(client(), 'deleteItem', { TableName: TABLE, Key: key('c3') }),
      );
      held.release();
      await tx;

      expect(sdk.name).toBe('DynamoDb.TransactionConflictException');
      expect(sdk.message).toMatch(
        new RegExp(`^${ONGOING} \\(Service: DynamoDb, Status Code: 400, Request ID: ${REQUEST_ID}\\)$`),
      );
      for (const err of [optimized, optimizedDelete]) {
        expect(err.name).toBe('DynamoDB.TransactionConflictException');
        expect(err.message).toMatch(
          new RegExp(
            `^${ONGOING} \\(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: TransactionConflictException; Request ID: ${REQUEST_ID}; Proxy: null\\)$`,
          ),
        );
      }
      // Only the transaction wrote; once it answered, the item is free again.
      expect(await n('c3')).toBe('1');
      await invokeSdkDynamoDb(client(), 'updateItem', update('c3', 4));
      expect(await n('c3')).toBe('4');
    });

    it('every client of the database sees the transactions in flight, whatever its access key (-sharedDb)', async () => {
      const sameKey = localDynamoDbClient(db().endpoint);
      const otherKey = new DynamoDBClient({
        endpoint: db().endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'other', secretAccessKey: 'x' },
        maxAttempts: 1,
      });
      try {
        const held = holdNext('TransactWriteItems');
        const tx = callDynamoDb(client(), 'TransactWriteItems', transaction(update('c4', 1)));
        await held.reached;
        const same = await failureOf(callDynamoDb(sameKey, 'UpdateItem', update('c4', 2)));
        const other = await failureOf(callDynamoDb(otherKey, 'UpdateItem', update('c4', 3)));
        held.release();
        await tx;
        expect(same.code).toBe('TransactionConflictException');
        expect(other.code).toBe('TransactionConflictException');
        // Once the transaction answered, another access key writes the same item.
        await callDynamoDb(otherKey, 'UpdateItem', update('c4', 5));
        expect(await n('c4')).toBe('5');
      } finally {
        sameKey.destroy();
        otherKey.destroy();
      }
    });

    it('transactions on different items do not conflict, and a transaction releases its items when it fails', async () => {
      const held = holdNext('TransactWriteItems');
      const first = callDynamoDb(client(), 'TransactWriteItems', transaction(update('c5-a', 1)));
      await held.reached;
      await callDynamoDb(client(), 'TransactWriteItems', transaction(update('c5-b', 1), update('c5-c', 1)));
      await invokeSdkDynamoDb(client(), 'updateItem', update('c5-b', 2));
      held.release();
      await first;

      const cancelled = await failureOf(
        callDynamoDb(client(), 'TransactWriteItems', {
          TransactItems: [
            { Update: { ...update('c5-a', 5), ConditionExpression: 'attribute_not_exists(id)' } },
          ],
        }),
      );
      expect(cancelled.cancellationReasons).toEqual([
        { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
      ]);
      await callDynamoDb(client(), 'TransactWriteItems', transaction(update('c5-a', 6)));
      expect([await n('c5-a'), await n('c5-b'), await n('c5-c')]).toEqual(['6', '2', '1']);
    });

    it('single writes do not hold their item against each other, but TransactGetItems conflicts with any write in flight', async () => {
      const held = holdNext('PutItem');
      const put = callDynamoDb(client(), 'PutItem', {
        TableName: TABLE,
        Item: { ...key('c6'), n: { N: '1' } },
      });
      await held.reached;
      await callDynamoDb(client(), 'UpdateItem', update('c6-elsewhere', 1));
      const read = await failureOf(
        callDynamoDb(client(), 'TransactGetItems', {
          TransactItems: [
            { Get: { TableName: TABLE, Key: key('c6-elsewhere') } },
            { Get: { TableName: TABLE, Key: key('c6') } },
          ],
        }),
      );
      const write = callDynamoDb(client(), 'UpdateItem', update('c6', 2));
      held.release();
      await Promise.all([put, write]);
      expect(read.code).toBe('TransactionCanceledException');
      expect(read.cancellationReasons).toEqual([
        { Code: 'None' },
        { Code: 'TransactionConflict', Message: ONGOING },
      ]);
    });
  });

  describe('per-item write limit (off by default)', () => {
    let now = 0;
    const limitTo = (unitsPerSecond: number, scope: DynamoDBClient | 'all' = 'all') =>
      setItemWriteLimit(scope, unitsPerSecond, { now: () => now });
    beforeEach(() => {
      now = 0;
    });

    it('throttles the write past the limit in a second with ThrottlingException and its reason; the bucket refills at the limit', async () => {
      limitTo(3);
      for (let i = 1; i <= 3; i++) await callDynamoDb(client(), 'UpdateItem', update('t1', i));
      const failure = await failureOf(callDynamoDb(client(), 'UpdateItem', update('t1', 4)));
      expect(failure).toEqual({
        code: 'ThrottlingException',
        message: ON_DEMAND_THROTTLED,
        statusCode: 400,
        requestId: expect.stringMatching(/^[A-Z0-9]+$/) as unknown,
        throttlingReasons: [{ reason: 'TableWriteKeyRangeThroughputExceeded', resource: TABLE_ARN }],
      });
      expect(await n('t1')).toBe('3');
      // Another item has its own throughput.
      await callDynamoDb(client(), 'UpdateItem', update('t1-other', 1));

      now = 1000 / 3; // one unit back
      await callDynamoDb(client(), 'UpdateItem', update('t1', 5));
      expect((await failureOf(callDynamoDb(client(), 'UpdateItem', update('t1', 6)))).code).toBe(
        'ThrottlingException',
      );
      now = 60_000; // a long pause refills one second's worth, no more
      for (let i = 7; i <= 9; i++) await callDynamoDb(client(), 'UpdateItem', update('t1', i));
      expect((await failureOf(callDynamoDb(client(), 'UpdateItem', update('t1', 10)))).code).toBe(
        'ThrottlingException',
      );
      expect(await n('t1')).toBe('9');
    });

    it('through both integrations a throttled write is DynamoDB.ThrottlingException / DynamoDb.ThrottlingException', async () => {
      limitTo(1);
      await invokeOptimizedDynamoDb(client(), 'updateItem', update('t2'));
      const optimized = await thrown(() => invokeOptimizedDynamoDb(client(), 'updateItem', update('t2')));
      const sdk = await thrown(() =>
        invokeSdkDynamoDb(client(), 'putItem', { TableName: TABLE, Item: key('t2') }),
      );
      expect(optimized.name).toBe('DynamoDB.ThrottlingException');
      expect(optimized.message).toMatch(
        new RegExp(
          `^${escaped(ON_DEMAND_THROTTLED)} \\(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ThrottlingException; Request ID: ${REQUEST_ID}; Proxy: null\\)$`,
        ),
      );
      expect(sdk.name).toBe('DynamoDb.ThrottlingException');
      expect(sdk.message).toMatch(
        new RegExp(
          `^${escaped(ON_DEMAND_THROTTLED)} \\(Service: DynamoDb, Status Code: 400, Request ID: ${REQUEST_ID}\\)$`,
        ),
      );
    });

    it('a transactional write costs twice: the transaction is cancelled with ThrottlingError at the throttled index', async () => {
      limitTo(3);
      await callDynamoDb(client(), 'TransactWriteItems', transaction(update('t3', 1))); // 2 of 3 units
      const err = await thrown(() =>
        invokeSdkDynamoDb(
          client(),
          'transactWriteItems',
          transaction(update('t3-fresh', 2), update('t3', 2)),
        ),
      );
      expect(err.name).toBe('DynamoDb.TransactionCanceledException');
      expect(err.message).toMatch(
        new RegExp(
          `^Transaction cancelled, please refer cancellation reasons for specific reasons \\[None, ThrottlingError\\] \\(Service: DynamoDb, Status Code: 400, Request ID: ${REQUEST_ID}\\)$`,
        ),
      );
      const direct = await failureOf(
        callDynamoDb(client(), 'TransactWriteItems', transaction(update('t3-fresh', 3), update('t3', 3))),
      );
      expect(direct.cancellationReasons).toEqual([
        { Code: 'None' },
        { Code: 'ThrottlingError', Message: ON_DEMAND_THROTTLED },
      ]);
      // All or nothing: the fresh item's units were not taken, and nothing was written.
      expect([await n('t3'), await n('t3-fresh')]).toEqual(['1', undefined]);
      await callDynamoDb(client(), 'UpdateItem', update('t3', 4)); // the third unit
      expect((await failureOf(callDynamoDb(client(), 'UpdateItem', update('t3', 5)))).code).toBe(
        'ThrottlingException',
      );
      await callDynamoDb(client(), 'TransactWriteItems', transaction(update('t3-fresh', 6)));
    });

    it('a write costs one unit per started KB of the item', async () => {
      limitTo(3);
      const large = { TableName: TABLE, Item: { ...key('t4'), blob: { S: 'x'.repeat(1500) } } };
      await callDynamoDb(client(), 'PutItem', large); // 2 units
      await callDynamoDb(client(), 'UpdateItem', update('t4')); // 1 unit
      expect((await failureOf(callDynamoDb(client(), 'UpdateItem', update('t4')))).code).toBe(
        'ThrottlingException',
      );
    });

    it('a provisioned table answers ProvisionedThroughputExceeded, worded for provisioned capacity', async () => {
      limitTo(2);
      await callDynamoDb(client(), 'TransactWriteItems', transaction(update('t5', 1, PROVISIONED)));
      const message =
        'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.';
      const single = await failureOf(callDynamoDb(client(), 'UpdateItem', update('t5', 2, PROVISIONED)));
      expect(single).toMatchObject({
        code: 'ProvisionedThroughputExceededException',
        message,
        throttlingReasons: [
          {
            reason: 'TableWriteKeyRangeThroughputExceeded',
            resource: `arn:aws:dynamodb:us-east-1:000000000000:table/${PROVISIONED}`,
          },
        ],
      });
      const tx = await failureOf(
        callDynamoDb(client(), 'TransactWriteItems', transaction(update('t5', 3, PROVISIONED))),
      );
      expect(tx.cancellationReasons).toEqual([{ Code: 'ProvisionedThroughputExceeded', Message: message }]);
      const optimized = await thrown(() =>
        invokeOptimizedDynamoDb(client(), 'updateItem', update('t5', 4, PROVISIONED)),
      );
      expect(optimized.name).toBe('DynamoDB.ProvisionedThroughputExceededException');
    });

    it("a limit set for one client throttles only that client's calls", async () => {
      const other = localDynamoDbClient(db().endpoint);
      try {
        limitTo(1, other);
        await callDynamoDb(other, 'UpdateItem', update('t6'));
        expect((await failureOf(callDynamoDb(other, 'UpdateItem', update('t6')))).code).toBe(
          'ThrottlingException',
        );
        for (let i = 0; i < 3; i++) await callDynamoDb(client(), 'UpdateItem', update('t6'));
      } finally {
        setItemWriteLimit(other, undefined);
        other.destroy();
      }
    });
  });
});
