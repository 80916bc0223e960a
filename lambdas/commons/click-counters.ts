import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  clickCounterShardSchema,
  clickDayAttribute,
  partnerClickCounterIds,
  type ClickCounterShard,
} from '../../domain/click';
import { MalformedEventError } from '../../domain/errors';
import { parseOrThrow } from '../../domain/validation';

/** Rounds of BatchGetItem for the keys DynamoDB left unprocessed before the read gives up. */
const MAX_ROUNDS = 8;
const BASE_DELAY_MS = 10;

const corrupt = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every existing shard of a partner's click counter: one BatchGetItem of all its keys (64, under the call's
 * limit of 100). DynamoDB may leave some keys unprocessed (throttling, the 16 MB answer limit); those are
 * asked again with exponential backoff and full jitter, as the DynamoDB developer guide recommends for
 * batch operations (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html#Programming.Errors.BatchOperations).
 */
export async function readClickCounterShards(
  db: DynamoDBDocumentClient,
  table: string,
  partnerId: string,
  { consistentRead = false }: { consistentRead?: boolean } = {},
): Promise<ClickCounterShard[]> {
  const items = await batchGetShards(
    db,
    table,
    partnerId,
    { ProjectionExpression: 'clicks, lastClickAt' },
    consistentRead,
  );
  return items.map((item, i) => parseOrThrow(clickCounterShardSchema, item, corrupt, `clickCounters[${i}]`));
}

/**
 * A partner's clicks by local day: the sum over its shards of each day's attribute (`clickDayAttribute`),
 * one BatchGetItem projecting only the days asked for.
 */
export async function readClicksByDay(
  db: DynamoDBDocumentClient,
  table: string,
  partnerId: string,
  days: readonly string[],
): Promise<Map<string, number>> {
  const names = Object.fromEntries(days.map((day, i) => [`#d${i}`, clickDayAttribute(day)]));
  const items = await batchGetShards(
    db,
    table,
    partnerId,
    { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names },
    false,
  );
  const clicks = new Map<string, number>();
  items.forEach((item, i) =>
    days.forEach((day) => {
      const value = item[clickDayAttribute(day)];
      if (value === undefined) return;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        throw corrupt(`clickCounters[${i}].${clickDayAttribute(day)}`, 'expected a non-negative integer');
      clicks.set(day, (clicks.get(day) ?? 0) + value);
    }),
  );
  return clicks;
}

async function batchGetShards(
  db: DynamoDBDocumentClient,
  table: string,
  partnerId: string,
  projection: { ProjectionExpression: string; ExpressionAttributeNames?: Record<string, string> },
  consistentRead: boolean,
): Promise<Record<string, unknown>[]> {
  const shards: Record<string, unknown>[] = [];
  let keys: Record<string, unknown>[] = partnerClickCounterIds(partnerId).map((counterId) => ({ counterId }));
  for (let round = 0; keys.length > 0; round++) {
    if (round === MAX_ROUNDS)
      throw new Error(`click counters of ${partnerId}: ${keys.length} keys still unprocessed`);
    if (round > 0) await pause(Math.random() * BASE_DELAY_MS * 2 ** round);
    const out = await db.send(
      new BatchGetCommand({
        RequestItems: {
          [table]: {
            Keys: keys,
            ...projection,
            ConsistentRead: consistentRead,
          },
        },
      }),
    );
    shards.push(...(out.Responses?.[table] ?? []));
    keys = out.UnprocessedKeys?.[table]?.Keys ?? [];
  }
  return shards;
}
