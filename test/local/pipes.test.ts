import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { PutEventsEntry, PutEventsResult } from '../../local/aws/event-bus';
import { LocalPipes } from '../../local/pipes';
import type { LocalPipe } from '../../local/stack/model-pipes';
import { useDynamoDbLocal } from './support';

/**
 * The local pipes runtime against DynamoDB Local's real stream, with a scripted enrichment and bus: filtering,
 * bisected retries and the dead-letter queue, and resuming from checkpoints.
 */
const ddb = useDynamoDbLocal();

const pipeOn = (tableName: string, overrides: Partial<LocalPipe> = {}): LocalPipe => ({
  logicalId: 'TestPipe',
  name: `${tableName}Pipe`,
  tableName,
  startingPosition: 'TRIM_HORIZON',
  batchSize: 4,
  maximumRetryAttempts: 2,
  bisectOnFailure: true,
  filters: [{ dynamodb: { Keys: { id: { S: [{ prefix: 'ok_' }, { prefix: 'poison_' }] } } } }],
  enrichment: 'outbound-events',
  busName: 'partner-referrals',
  target: { source: 'test.pipe', detailType: '$.kind' },
  deadLetterQueue: 'Dlq',
  ...overrides,
});

async function streamTable(name: string): Promise<void> {
  await ddb().client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
}

const write = (table: string, ...ids: string[]) =>
  Promise.all(
    ids.map((id) => ddb().client.send(new PutItemCommand({ TableName: table, Item: { id: { S: id } } }))),
  );

interface Harness {
  pipes: LocalPipes;
  put: PutEventsEntry[];
  dead: { queue: string; body: Record<string, unknown> }[];
  enriched: string[][];
}

function harness(pipe: LocalPipe): Harness {
  const h: Omit<Harness, 'pipes'> = { put: [], dead: [], enriched: [] };
  const pipes = new LocalPipes({
    pipes: [pipe],
    dynamoDb: ddb().client,
    dynamoDbEndpoint: ddb().endpoint,
    // One event per record; a batch with a poison record fails whole, as a throwing Lambda does.
    invoke: (_name, event) => {
      const ids = (event as { dynamodb: { Keys: { id: { S: string } } } }[]).map((r) => r.dynamodb.Keys.id.S);
      h.enriched.push(ids);
      if (ids.some((id) => id.startsWith('poison_'))) return Promise.reject(new Error('cannot map'));
      return Promise.resolve(ids.map((id) => ({ kind: 'Seen', id })));
    },
    putEvents: (entries): Promise<PutEventsResult> => {
      h.put.push(...entries);
      return Promise.resolve({ FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `e${i}` })) });
    },
    sendToQueue: (queue, body) => {
      h.dead.push({ queue, body: JSON.parse(body) as Record<string, unknown> });
      return Promise.resolve();
    },
    retryDelayMs: () => 0,
  });
  return { ...h, pipes };
}

const seen = (h: Harness) => h.put.map((e) => (JSON.parse(e.Detail ?? '{}') as { id: string }).id);

describe('local pipes', () => {
  it('filters, bisects a failing batch down to the poison record, dead-letters it and announces the rest', async () => {
    // Prepare: one batch of four with a poison record, and one record the filter drops.
    await streamTable('PipeBisect');
    await write('PipeBisect', 'ok_1');
    await write('PipeBisect', 'poison_2');
    await write('PipeBisect', 'ok_3');
    await write('PipeBisect', 'skip_4');
    const h = harness(pipeOn('PipeBisect'));

    // Act
    await h.pipes.drain();

    // Assess: the good records announced once each, with detail-type from the event; the poison one in the DLQ.
    expect(seen(h)).toEqual(['ok_1', 'ok_3']);
    expect(h.put.map((e) => [e.Source, e.DetailType, e.EventBusName])).toEqual([
      ['test.pipe', 'Seen', 'partner-referrals'],
      ['test.pipe', 'Seen', 'partner-referrals'],
    ]);
    expect(h.enriched[0]).toEqual(['ok_1', 'poison_2', 'ok_3']);
    expect(h.dead).toHaveLength(1);
    expect(h.dead[0]).toMatchObject({
      queue: 'Dlq',
      body: { pipe: 'PipeBisectPipe', errorMessage: 'cannot map', DDBStreamBatchInfo: { batchSize: 1 } },
    });
    expect(h.pipes.failures).toHaveLength(1);
  });

  it('resumes after the checkpoints a previous run left: nothing again, then only what is new', async () => {
    // Prepare: a first run announces two records.
    await streamTable('PipeResume');
    await write('PipeResume', 'ok_a');
    await write('PipeResume', 'ok_b');
    const first = harness(pipeOn('PipeResume'));
    await first.pipes.drain();
    await first.pipes.stop();

    // Act: a second run from the first's journal records, after one more write.
    const second = harness(pipeOn('PipeResume'));
    second.pipes.recover([...first.pipes.snapshot()]);
    await write('PipeResume', 'ok_c');
    await second.pipes.drain();
    await second.pipes.stop();

    // Assess
    expect(seen(first)).toEqual(['ok_a', 'ok_b']);
    expect(seen(second)).toEqual(['ok_c']);
  });
});
