import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { localDayOf } from './activity-days';
import {
  CLICK_CONTENTION_RETRIES,
  CLICK_COUNTER_SHARDS,
  CLICK_LOG_TTL_DAYS,
  USER_AGENT_MAX_LENGTH,
} from './config';
import { nonNegativeIntegerSchema } from './validation';
import { expiresAfterDays } from './workflow-inputs';

/** The click workflow's input: what the click log stores (never the raw IP), and where the click is counted. */
export interface ClickWorkflowInput {
  clickId: string;
  partnerId: string;
  clickedAt: string;
  ipHash: string;
  userAgent: string;
  /** The shard attribute of the click's local day in the partner's zone (`clickDayAttribute`). */
  dayAttribute: string;
  /** Epoch seconds: the click log's TTL. */
  expiresAt: number;
  /** Tries so far that contention cancelled; the workflow adds one on each back-off. */
  attempt: number;
  /** The counter shard this try adds the click to: `counterIds[attempt]`. */
  counterId: string;
  /** One shard per try, all different, so a retry spreads contention instead of queueing on one item. */
  counterIds: string[];
}

/** Salted SHA-256 of an IP address, hex. */
export function hashIp(ip: string, salt: string): string {
  return createHash('sha256').update(salt, 'utf8').update('\u0000').update(ip, 'utf8').digest('hex');
}

/** At most `USER_AGENT_MAX_LENGTH` characters, never splitting a surrogate pair; `unknown` when absent. */
export function truncateUserAgent(userAgent: string | undefined): string {
  if (!userAgent) return 'unknown';
  const chars = Array.from(userAgent);
  return chars.length <= USER_AGENT_MAX_LENGTH ? userAgent : chars.slice(0, USER_AGENT_MAX_LENGTH).join('');
}

/**
 * The shard attribute counting one local day's clicks (`d2026-12-01`), added with the shard's `clicks` in the
 * click's own transaction, so exactly once. About 20 bytes a day: some 7 KB per shard per year.
 */
export const clickDayAttribute = (day: string): string => `d${day}`;

/** The key of one shard of a partner's click counter (partner ids never contain `#`). */
export const clickCounterId = (partnerId: string, shard: number): string => `${partnerId}#${shard}`;

/** Every shard key of a partner's click counter, the keys a reader sums. */
export const partnerClickCounterIds = (partnerId: string, shards = CLICK_COUNTER_SHARDS): string[] =>
  Array.from({ length: shards }, (_, shard) => clickCounterId(partnerId, shard));

/**
 * The shard of each try of a click, from the hash of its id: the first is `hash % shards`, each next one a
 * step further, the step odd and also from the hash. An odd step is coprime with a power-of-two shard count,
 * so up to `shards` tries never repeat a shard, and clicks that met on one shard part on their next try.
 */
export function clickShards(clickId: string, tries: number, shards = CLICK_COUNTER_SHARDS): number[] {
  const digest = createHash('sha256').update(clickId, 'utf8').digest();
  const first = digest.readUInt32BE(0) % shards;
  const step = (2 * digest.readUInt32BE(4) + 1) % shards;
  return Array.from({ length: tries }, (_, attempt) => (first + attempt * step) % shards);
}

export function clickWorkflowInput(args: {
  partnerId: string;
  ip: string;
  userAgent: string | undefined;
  now: Date;
  /** The partner's IANA zone: the click counts on its local day there. */
  timeZone: string;
  clickId: string;
  salt: string;
}): ClickWorkflowInput {
  const counterIds = clickShards(args.clickId, CLICK_CONTENTION_RETRIES + 1).map((shard) =>
    clickCounterId(args.partnerId, shard),
  );
  return {
    clickId: args.clickId,
    partnerId: args.partnerId,
    clickedAt: args.now.toISOString(),
    ipHash: hashIp(args.ip, args.salt),
    userAgent: truncateUserAgent(args.userAgent),
    dayAttribute: clickDayAttribute(localDayOf(args.now, args.timeZone)),
    expiresAt: expiresAfterDays(args.now.getTime() / 1000, CLICK_LOG_TTL_DAYS),
    attempt: 0,
    counterId: counterIds[0] as string,
    counterIds,
  };
}

/** A `PartnerClickCounters` item as the readers need it. */
export const clickCounterShardSchema = z.object({
  clicks: z._default(nonNegativeIntegerSchema, 0),
  lastClickAt: z.optional(z.string()),
});
export type ClickCounterShard = z.output<typeof clickCounterShardSchema>;

export interface PartnerClicks {
  totalClicks: number;
  /** The latest click a shard saw; `undefined` before the first sharded click. */
  lastClickAt: string | undefined;
}

/**
 * A partner's clicks: the stats row's `totalClicks` (what the unsharded design counted before, never
 * incremented now) plus every shard's. Missing shards (never clicked) count 0.
 */
export function partnerClicks(statsTotalClicks: number, shards: readonly ClickCounterShard[]): PartnerClicks {
  let totalClicks = statsTotalClicks;
  let lastClickAt: string | undefined;
  for (const shard of shards) {
    totalClicks += shard.clicks;
    if (shard.lastClickAt !== undefined && (lastClickAt === undefined || shard.lastClickAt > lastClickAt))
      lastClickAt = shard.lastClickAt;
  }
  return { totalClicks, lastClickAt };
}

/** A stats row with its clicks summed from the shards and its last activity including the last click. */
export function withClickCounters<S extends { totalClicks: number; lastActivityAt?: string }>(
  stats: S,
  shards: readonly ClickCounterShard[],
): S {
  const { totalClicks, lastClickAt } = partnerClicks(stats.totalClicks, shards);
  const latest =
    lastClickAt !== undefined && (stats.lastActivityAt === undefined || lastClickAt > stats.lastActivityAt)
      ? lastClickAt
      : stats.lastActivityAt;
  return { ...stats, totalClicks, ...(latest !== undefined ? { lastActivityAt: latest } : {}) };
}

/**
 * Where a click redirects: the landing page with its own query parameters, then the tracking link's (UTM
 * tags and the like, repeated ones kept, in order), then ours: `ref` and `click` replace any the visitor sent,
 * so a crafted link cannot credit another partner or name another click.
 */
export function landingLocation(args: {
  landingUrl: string;
  trackingQuery: string;
  partnerId: string;
  clickId: string;
}): string {
  const location = new URL(args.landingUrl);
  for (const [name, value] of new URLSearchParams(args.trackingQuery))
    location.searchParams.append(name, value);
  location.searchParams.delete('ref');
  location.searchParams.delete('click');
  location.searchParams.append('ref', args.partnerId);
  location.searchParams.append('click', args.clickId);
  return location.toString();
}
