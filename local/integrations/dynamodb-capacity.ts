import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * An optional per-item write throughput limit, which DynamoDB Local lacks. AWS serves at most 1,000 write
 * units per second on one partition key, in both capacity modes
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html); a test or
 * a benchmark sets a limit to see what a hot item does. Each item has a token bucket that refills at the
 * limit and holds one second's worth. A write costs 1 unit per started KB of the item, a transactional
 * write twice that
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling).
 */
export interface ItemWriteLimit {
  unitsPerSecond: number;
  /** Milliseconds; a test passes a fake clock instead of sleeping. */
  now: () => number;
  /** Buckets by database and item; a new limit starts with full buckets. */
  buckets: Map<string, { units: number; at: number }>;
}

const byClient = new WeakMap<DynamoDBClient, ItemWriteLimit>();
let forAll: ItemWriteLimit | undefined;

/**
 * Limits every item's writes to `unitsPerSecond` for one client's calls, or for every client's (`'all'`);
 * `undefined` lifts the limit. Off by default.
 */
export function setItemWriteLimit(
  scope: DynamoDBClient | 'all',
  unitsPerSecond: number | undefined,
  options: { now?: () => number } = {},
): void {
  if (unitsPerSecond !== undefined && !(unitsPerSecond > 0)) {
    throw new Error(
      `An item write limit must be a positive number of units per second, got ${unitsPerSecond}`,
    );
  }
  const limit =
    unitsPerSecond === undefined
      ? undefined
      : { unitsPerSecond, now: options.now ?? (() => performance.now()), buckets: new Map() };
  if (scope === 'all') forAll = limit;
  else if (limit) byClient.set(scope, limit);
  else byClient.delete(scope);
}

export const itemWriteLimitOf = (client: DynamoDBClient): ItemWriteLimit | undefined =>
  byClient.get(client) ?? forAll;

/**
 * Write units of one write: 1 per started KB of the item written. The item's size is approximated by its
 * wire JSON (a little more than DynamoDB's own count); a write that names only the key (Update, Delete,
 * ConditionCheck) costs 1, since the stored item's size is not known before the write.
 */
export function writeUnitsOf(item: unknown, transactional: boolean): number {
  const bytes = item === undefined ? 0 : Buffer.byteLength(JSON.stringify(item), 'utf8');
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}

/** Above this many buckets, full ones are dropped: a full bucket is the same as none. */
const PRUNE_ABOVE = 10_000;

/**
 * Takes the writes' units from their items' buckets, all or none: returns, per write, whether it was
 * throttled, and takes nothing when any was. A write whose item is unknown (undefined) is never throttled.
 */
export function takeWriteUnits(
  limit: ItemWriteLimit,
  database: string,
  writes: readonly { item: string | undefined; units: number }[],
): boolean[] {
  const now = limit.now();
  const burst = limit.unitsPerSecond;
  const available = writes.map(({ item }) => {
    if (item === undefined) return Infinity;
    const bucket = limit.buckets.get(`${database} ${item}`);
    return bucket ? unitsAt(limit, bucket, now) : burst;
  });
  const throttled = writes.map(({ units }, i) => units > (available[i] ?? 0));
  if (throttled.some(Boolean)) return throttled;
  writes.forEach(({ item, units }, i) => {
    if (item !== undefined) {
      limit.buckets.set(`${database} ${item}`, { units: (available[i] ?? 0) - units, at: now });
    }
  });
  if (limit.buckets.size > PRUNE_ABOVE) prune(limit, now);
  return throttled;
}

/** A bucket's units at `now`: refilled at the limit since it was last taken from, up to one second's worth. */
const unitsAt = (limit: ItemWriteLimit, bucket: { units: number; at: number }, now: number): number =>
  Math.min(limit.unitsPerSecond, bucket.units + ((now - bucket.at) / 1000) * limit.unitsPerSecond);

function prune(limit: ItemWriteLimit, now: number): void {
  for (const [key, bucket] of limit.buckets) {
    if (unitsAt(limit, bucket, now) >= limit.unitsPerSecond) limit.buckets.delete(key);
  }
}
