import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { clickCounterShardSchema, withClickCounters, type ClickCounterShard } from '../domain/click';
import { addContributions } from '../domain/contribution';
import { TABLE_NAMES } from '../domain/config';
import type { Fact } from '../domain/facts';
import { partnerStatsItemSchema, referralItemSchema } from '../domain/items';
import { isReferralId, type Referral } from '../domain/referral';
import { STATS_COUNTERS, zeroCounters, type PartnerStats } from '../domain/stats';
import { itemFrom } from '../lambdas/commons/items';

/** What the tables hold at a point in time, read through the local AWS endpoint with consistent scans. */
export interface Observation {
  referrals: Referral[];
  /** The referral items as stored (unmarshalled, no defaults), by user. */
  rawReferrals: Map<string, Record<string, unknown>>;
  /**
   * Counters of a stats row missing from the item read as 0 (the schema's default); `totalClicks` with the
   * partner's click counter shards summed in (`withClickCounters`).
   */
  stats: Map<string, PartnerStats>;
  /** `user#<id>` claim → the partner it names. */
  claims: Map<string, string>;
  /** The facts recorded per user (`user#<id>` / `fact#<key>`). */
  facts: Map<string, Fact[]>;
  /** `link#<stripe id>` → the user it is tied to. */
  links: Map<string, string>;
  /** Facts waiting under a Stripe id for a fact that links it to a user (`link#<id>` / `parked#<key>`). */
  parked: { link: string; factKey: string }[];
  /** `PartnerCommissions` rows as stored. */
  commissions: Record<string, unknown>[];
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
  const o: Observation = {
    referrals: [],
    rawReferrals: new Map(),
    stats: new Map(),
    claims: new Map(),
    facts: new Map(),
    links: new Map(),
    parked: [],
    commissions: [],
  };
  for (const item of await scanAll(ddb, TABLE_NAMES.referrals)) {
    const pk = item.partnerId?.S ?? '';
    const sk = item.referralId?.S ?? '';
    if (pk.startsWith('user#')) {
      const userId = pk.slice('user#'.length);
      if (sk === 'claim') o.claims.set(userId, item.claimedBy?.S ?? '');
      else if (sk.startsWith('fact#')) {
        const list = o.facts.get(userId) ?? [];
        list.push(JSON.parse(item.fact?.S ?? '{}') as Fact);
        o.facts.set(userId, list);
      }
    } else if (pk.startsWith('link#')) {
      const link = pk.slice('link#'.length);
      if (sk === 'user') o.links.set(link, item.userId?.S ?? '');
      else if (sk.startsWith('parked#')) o.parked.push({ link, factKey: sk.slice('parked#'.length) });
    } else if (isReferralId(sk)) {
      const referral = itemFrom(referralItemSchema, item, `${pk}/${sk}`);
      o.referrals.push(referral);
      o.rawReferrals.set(referral.referredUserId, unmarshall(item));
    }
  }
  // Clicks count on the partner's counter shards, summed on read as the dashboard sums them.
  const shards = new Map<string, ClickCounterShard[]>();
  for (const item of await scanAll(ddb, TABLE_NAMES.clickCounters)) {
    const partnerId = item.partnerId?.S ?? '';
    shards.set(partnerId, [
      ...(shards.get(partnerId) ?? []),
      itemFrom(clickCounterShardSchema, item, `clickCounters/${item.counterId?.S ?? ''}`),
    ]);
  }
  for (const item of await scanAll(ddb, TABLE_NAMES.stats)) {
    const row = itemFrom(partnerStatsItemSchema, item, 'stats');
    o.stats.set(row.partnerId, withClickCounters(row, shards.get(row.partnerId) ?? []));
  }
  o.commissions = (await scanAll(ddb, TABLE_NAMES.commissions)).map((item) => unmarshall(item));
  return o;
}

/** Partners whose stats row differs from the sum of its referrals' contributions, with the fields. */
export function driftFromReferrals(
  observation: Pick<Observation, 'referrals' | 'stats'>,
): Map<string, string[]> {
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
export const pendingReferrals = (observation: Pick<Observation, 'referrals'>): Referral[] =>
  observation.referrals.filter((r) => markerCount(r) > 0 || r.statsPendingSince !== undefined);

const markerCount = (r: Referral): number =>
  r.pendingStats === undefined
    ? 0
    : Array.isArray(r.pendingStats)
      ? r.pendingStats.length
      : r.pendingStats.size;
