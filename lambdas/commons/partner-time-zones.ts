import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TIMEZONE } from '../../domain/export-range';

/** Zones remembered per warm container: enough for every active partner, bounded against a scan of ids. */
export const PARTNER_TIME_ZONE_CACHE_SIZE = 10_000;

/**
 * A partner's time zone from its stats row (a consistent GetItem projecting only the zone), `undefined` for a
 * partner nobody registered. Zones are fixed at registration, so a found one is cached for the container's
 * life and never goes stale; an unknown id is not cached (it may be registered a moment later). The oldest
 * entry makes room when the cache is full.
 */
export function partnerTimeZones(
  db: DynamoDBDocumentClient,
  table: string,
  maxEntries = PARTNER_TIME_ZONE_CACHE_SIZE,
): (partnerId: string) => Promise<string | undefined> {
  const zones = new Map<string, string>();
  return async (partnerId) => {
    const cached = zones.get(partnerId);
    if (cached !== undefined) return cached;
    const out = await db.send(
      new GetCommand({
        TableName: table,
        Key: { partnerId },
        ProjectionExpression: 'partnerId, #timeZone',
        ExpressionAttributeNames: { '#timeZone': 'timeZone' },
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    // Partners registered before zones were stored count in UTC, the registration default.
    const zone = typeof out.Item.timeZone === 'string' ? out.Item.timeZone : DEFAULT_TIMEZONE;
    if (zones.size >= maxEntries) zones.delete(zones.keys().next().value as string);
    zones.set(partnerId, zone);
    return zone;
  };
}
