import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { addContributions } from '../domain/contribution';
import { partnerStatsItemSchema, referralItemSchema } from '../domain/items';
import type { Referral } from '../domain/referral';
import { STATS_COUNTERS, zeroCounters, type PartnerStats } from '../domain/stats';
import { TABLE_NAMES } from '../domain/config';
import { itemFrom } from '../lambdas/commons/items';

/** What the tables hold at a point in time, read through the local AWS endpoint with consistent scans. */
export interface Observation {
  referrals: Referral[];
  stats: Map<string, PartnerStats>;
  /** `user#<id>` → the partner its claim names. */
  claims: Map<string, string>;
  /** Parked events: `user#<id>` partition, `parked#<kind>#<key>` sort key. */
  parked: { userId: string; key: string }[];
}

async function scanAll(ddb: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function observe(ddb: DynamoDBClient): Promise<Observation> {
  const referrals: Referral[] = [];
  const claims = new Map<string, string>();
  const parked: Observation['parked'] = [];
  for (const item of await scanAll(ddb, TABLE_NAMES.referrals)) {
    const pk = item.partnerId?.S ?? '';
    const sk = item.referralId?.S ?? '';
    if (pk.startsWith('user#')) {
      const userId = pk.slice('user#'.length);
      if (sk === 'claim') claims.set(userId, item.claimedBy?.S ?? '');
      else if (sk.startsWith('parked#')) parked.push({ userId, key: sk });
    } else if (sk.startsWith('ref_')) {
      referrals.push(itemFrom(referralItemSchema, item, `${pk}/${sk}`));
    }
  }
  const stats = new Map<string, PartnerStats>();
  for (const item of await scanAll(ddb, TABLE_NAMES.stats)) {
    const row = itemFrom(partnerStatsItemSchema, item, 'stats');
    stats.set(row.partnerId, row);
  }
  return { referrals, stats, claims, parked };
}

/** Partners whose stats row differs from the sum of its referrals' contributions, with the fields. */
export function driftFromReferrals(observation: Observation): Map<string, string[]> {
  const byPartner = new Map<string, Referral[]>();
  for (const r of observation.referrals) {
    const list = byPartner.get(r.partnerId);
    if (list) list.push(r);
    else byPartner.set(r.partnerId, [r]);
  }
  const drift = new Map<string, string[]>();
  for (const [partnerId, stats] of observation.stats) {
    const sum = addContributions(zeroCounters(), byPartner.get(partnerId) ?? []);
    const fields = STATS_COUNTERS.filter((k) => stats[k] !== sum[k]);
    if (fields.length > 0) drift.set(partnerId, fields);
  }
  return drift;
}

/** Referrals still carrying a stats marker or a compensation flag. */
export const pendingReferrals = (observation: Observation): Referral[] =>
  observation.referrals.filter((r) => markerCount(r) > 0 || r.statsPendingSince !== undefined);

const markerCount = (r: Referral): number =>
  r.pendingStats === undefined
    ? 0
    : Array.isArray(r.pendingStats)
      ? r.pendingStats.length
      : r.pendingStats.size;
