import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clickCounterShardSchema, partnerClickCounterIds, type ClickCounterShard } from '../../domain/click';
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
  const shards: ClickCounterShard[] = [];
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
            ProjectionExpression: 'clicks, lastClickAt',
            ConsistentRead: consistentRead,
          },
        },
      }),
    );
    for (const [i, item] of (out.Responses?.[table] ?? []).entries())
      shards.push(parseOrThrow(clickCounterShardSchema, item, corrupt, `clickCounters[${i}]`));
    keys = out.UnprocessedKeys?.[table]?.Keys ?? [];
  }
  return shards;
}
