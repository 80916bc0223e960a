import { createHash } from 'node:crypto';
import { N, S, toAttributeMap, toAttributeValue, type TransactWriteItem } from './attribute-value';
import {
  activityBucketUpdates,
  activityDelta,
  activityOf,
  addActivity,
  type ActivityByDay,
} from './activity-days';
import { contributionDelta } from './contribution';
import { DEFAULT_TIMEZONE } from './export-range';
import type { Fact } from './facts';
import { commissionItemOf } from './ledger';
import { referralStateOf, type Commission, type ProgramTerms, type ReferralState } from './lifecycle';
import type { Referral } from './referral';
import { STATS_COUNTERS, zeroCounters, type ReferralCounters, type StatsCounter } from './stats';
import { statsUpdateFor } from './stats-update';

/**
 * The lifecycle workflows' pure step: from the user's facts and the stored referral, the write that brings
 * the truth (the referral and its ledger rows, in one transaction, conditional on the referral as read) up to
 * date, and the stats change that follows it (applied exactly once through the write's marker).
 *
 * Each marker's change is recorded on the referral next to it (`pendingChanges.<marker>`), so that any
 * execution can apply a change whose own execution stopped short: one whose truth write committed but whose
 * response was lost re-reads the referral, finds it up to date, and applies the pending changes itself.
 */

export interface Tables {
  referrals: string;
  stats: string;
  commissions: string;
  activity: string;
}

export interface WritePlanInput {
  userId: string;
  facts: readonly Fact[];
  /** The referral as read (absent before the first write). */
  stored: Referral | undefined;
  /**
   * The changes recorded on the stored referral with its markers (`pendingChanges`), by marker; absent when
   * the stored referral has no such map.
   */
  pendingChanges?: Readonly<Record<string, StatsChange>>;
  terms: ProgramTerms;
  tables: Tables;
  /**
   * The partner's zone as the signup read it from the stats row; a stored referral keeps the zone it was
   * written with (`timeZone`), so its days never move. Absent on both: UTC.
   */
  timeZone?: string;
}

/** One write's change to its partner's counters, as recorded with the write's marker until it is applied. */
export interface StatsChange {
  /** The write's latest fact time (the stats row's `lastActivityAt`). */
  at: string;
  /** The counters that move, in `STATS_COUNTERS` order; the others stay. */
  delta: Partial<Record<StatsCounter, number>>;
  /** The activity buckets that move (`activityDelta`); absent when none do. */
  byDay?: ActivityByDay;
}

export interface StatsWrite {
  ClientRequestToken: string;
  TransactItems: TransactWriteItem[];
}

export interface WriteSummary {
  status: Referral['status'];
  factCount: number;
  commissionsWritten: string[];
  commissionsDeleted: string[];
  /** The markers whose stats change the plan's stats write applies. */
  statsMarkers: string[];
}

export type WritePlan =
  | { outcome: 'awaitingSignup'; factCount: number }
  | {
      outcome: 'upToDate';
      partnerId: string;
      referralId: string;
      factCount: number;
      /** Present when the referral carries markers with recorded changes: they are applied now. */
      statsWrite?: StatsWrite;
      summary?: WriteSummary;
    }
  | {
      outcome: 'changed';
      partnerId: string;
      referralId: string;
      truthWrite: { TransactItems: TransactWriteItem[] };
      /** Absent when the counters do not move. */
      statsWrite?: StatsWrite;
      summary: WriteSummary;
    };

/** DynamoDB's limit on actions per transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** The stats write's own actions (stats row, referral marker): the rest of a transaction is bucket days. */
const STATS_WRITE_BASE_ACTIONS = 2;
const MAX_BUCKET_DAYS = MAX_TRANSACTION_ACTIONS - STATS_WRITE_BASE_ACTIONS;

/** More ledger rows change in one step than one transaction holds (never seen: one fact moves a few rows). */
export class TooManyLedgerChangesError extends Error {
  override readonly name = 'TooManyLedgerChanges';
}

/** The state fields a referral write owns; bookkeeping (pending stats, compensation marks) is left alone. */
const STATE_FIELDS = [
  'referredUserId',
  'status',
  'planType',
  'billingCycle',
  'signedUpAt',
  'verifiedAt',
  'paidAt',
  'canceledAt',
  'paymentAmountCents',
  'partnerEarningsCents',
  'pendingCents',
  'approvedCents',
  'paidCents',
  'onHoldCents',
  'reversedCents',
  'revenueCents',
  'refundedCents',
  'disputeLostCents',
  'invoiceCount',
  'refundCount',
  'disputeCount',
  'currency',
  'subscriptionStatus',
  'stripeCustomerId',
  'stripeSubscriptionId',
  'stripeInvoiceId',
  'selfReferral',
] as const satisfies readonly (keyof ReferralState['referral'])[];

const keysOf = (referral: Referral | undefined): Set<string> => new Set(referral?.factKeys ?? []);

/** The stored referral's markers that have a recorded change, in marker order, with their changes. */
function pendingOf(
  stored: Referral | undefined,
  changes: Readonly<Record<string, StatsChange>>,
): [marker: string, change: StatsChange][] {
  const markers = [...(stored?.pendingStats ?? [])].filter((m) => Object.hasOwn(changes, m));
  const order = (m: string): number => Number(m.slice(1));
  return markers.sort((a, b) => order(a) - order(b)).map((m) => [m, changes[m] as StatsChange]);
}

export function planReferralWrite({
  userId,
  facts,
  stored,
  pendingChanges,
  terms,
  tables,
  timeZone: partnerTimeZone,
}: WritePlanInput): WritePlan {
  const next = referralStateOf(userId, facts, terms);
  const factKeys = [...new Set(facts.map((f) => f.key))].sort();
  if (!next) return { outcome: 'awaitingSignup', factCount: factKeys.length };
  const { partnerId, referralId } = next.referral;
  const key = { partnerId: S(partnerId), referralId: S(referralId) };
  const folded = keysOf(stored);
  const pending = fittingChanges(pendingOf(stored, pendingChanges ?? {}));
  // Facts only grow, and every writer read them before writing: a stored set at least as large has ours.
  if (stored && factKeys.every((k) => folded.has(k))) {
    const upToDate = { outcome: 'upToDate', partnerId, referralId, factCount: folded.size } as const;
    if (pending.length === 0) return upToDate;
    return {
      ...upToDate,
      statsWrite: statsWriteFor(tables, key, pending),
      summary: {
        status: stored.status,
        factCount: folded.size,
        commissionsWritten: [],
        commissionsDeleted: [],
        statsMarkers: pending.map(([m]) => m),
      },
    };
  }
  const previous = stored
    ? referralStateOf(
        userId,
        facts.filter((f) => folded.has(f.key)),
        terms,
      )
    : undefined;

  const delta = contributionDelta(stored, next.referral as Referral);
  const timeZone = stored?.timeZone ?? partnerTimeZone ?? DEFAULT_TIMEZONE;
  const activityDays = activityOf(next, timeZone);
  const byDay = activityDelta(stored?.activityDays, activityDays);
  if (Object.keys(byDay).length > MAX_BUCKET_DAYS) {
    throw new TooManyLedgerChangesError(
      `${Object.keys(byDay).length} activity days change for ${referralId}`,
    );
  }
  const movesStats = STATS_COUNTERS.some((k) => delta[k] !== 0) || Object.keys(byDay).length > 0;
  const marker = `w${factKeys.length}`;

  const ledger = ledgerChanges(previous?.commissions ?? [], next.commissions, tables.commissions);
  if (ledger.actions.length + 1 > MAX_TRANSACTION_ACTIONS) {
    throw new TooManyLedgerChangesError(`${ledger.actions.length} ledger rows change for ${referralId}`);
  }
  const change = movesStats ? changeOf(delta, byDay, latestFactTime(facts)) : undefined;
  const truthWrite = {
    TransactItems: [
      referralUpdate(
        tables.referrals,
        key,
        stored,
        next,
        factKeys,
        { timeZone, activityDays },
        {
          ...(change ? { marker, change } : {}),
          mapExists: stored !== undefined && pendingChanges !== undefined,
        },
      ),
      ...ledger.actions,
    ],
  };
  const summary: WriteSummary = {
    status: next.referral.status,
    factCount: factKeys.length,
    commissionsWritten: ledger.written,
    commissionsDeleted: ledger.deleted,
    statsMarkers: change ? [marker] : [],
  };
  if (!change) return { outcome: 'changed', partnerId, referralId, truthWrite, summary };
  return {
    outcome: 'changed',
    partnerId,
    referralId,
    truthWrite,
    statsWrite: statsWriteFor(tables, key, [[marker, change]]),
    summary,
  };
}

const latestFactTime = (facts: readonly Fact[]): string =>
  facts.map((f) => f.at).reduce((a, b) => (a > b ? a : b));

const later = (a: string, b: string): string => (a > b ? a : b);

function changeOf(delta: ReferralCounters, byDay: ActivityByDay, at: string): StatsChange {
  return {
    at,
    delta: Object.fromEntries(STATS_COUNTERS.filter((k) => delta[k] !== 0).map((k) => [k, delta[k]])),
    ...(Object.keys(byDay).length > 0 ? { byDay } : {}),
  };
}

/**
 * The pending changes one stats write applies: the oldest markers whose bucket days fit one transaction
 * (always the first; each change alone fits, see `MAX_BUCKET_DAYS`). The rest wait for the next write.
 */
function fittingChanges(
  changes: readonly [marker: string, change: StatsChange][],
): [marker: string, change: StatsChange][] {
  const days = new Set<string>();
  const fitting: [string, StatsChange][] = [];
  for (const entry of changes) {
    const more = Object.keys(entry[1].byDay ?? {}).filter((d) => !days.has(d));
    if (fitting.length > 0 && days.size + more.length > MAX_BUCKET_DAYS) break;
    more.forEach((d) => days.add(d));
    fitting.push(entry);
  }
  return fitting;
}

/**
 * Adds the changes to the partner's counters and removes their markers and recorded changes, in one
 * transaction conditional on every marker still being there. The same markers always give the same token and
 * the same request, so two executions applying one marker within DynamoDB's 10-minute idempotency window get
 * one application (and no IdempotentParameterMismatch); later, the marker condition refuses the second.
 */
function statsWriteFor(
  tables: Tables,
  key: { partnerId: { S: string }; referralId: { S: string } },
  changes: readonly (readonly [marker: string, change: StatsChange])[],
): StatsWrite {
  const markers = changes.map(([m]) => m);
  const delta = zeroCounters();
  for (const [, change] of changes) {
    for (const k of STATS_COUNTERS) delta[k] += change.delta[k] ?? 0;
  }
  const at = changes.map(([, c]) => c.at).reduce(later);
  const byDay: ActivityByDay = {};
  for (const [, change] of changes) addActivity(byDay, change.byDay ?? {});
  const names: Record<string, string> = {};
  const values: Record<string, ReturnType<typeof toAttributeValue>> = { ':markers': { SS: markers } };
  markers.forEach((m, i) => {
    names[`#m${i}`] = m;
    values[`:m${i}`] = S(m);
  });
  return {
    ClientRequestToken: createHash('md5')
      .update(`${key.partnerId.S}|${key.referralId.S}|${markers.join(',')}`)
      .digest('hex'),
    TransactItems: [
      {
        Update: {
          TableName: tables.stats,
          Key: { partnerId: key.partnerId },
          ...statsUpdateFor(delta, at),
          ConditionExpression: 'attribute_exists(partnerId)',
        },
      },
      {
        Update: {
          TableName: tables.referrals,
          Key: key,
          UpdateExpression: `DELETE pendingStats :markers REMOVE ${markers.map((_, i) => `pendingChanges.#m${i}`).join(', ')}`,
          ConditionExpression: markers.map((_, i) => `contains(pendingStats, :m${i})`).join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      // Last: the workflow reads the referral's cancellation reason at index 1.
      ...activityBucketUpdates(tables.activity, key.partnerId.S, byDay),
    ],
  };
}

/**
 * SET every state field and this write's recorded change, REMOVE the fields the new state no longer has,
 * conditional on the referral as read. The change goes in as one entry (`pendingChanges.<marker>`), never by
 * rewriting the map: a stats write may remove an entry between our read and this write (it does not move
 * the fact count), and a whole map written back would bring that entry back. The map itself is written
 * whole only where the referral has none yet, so that it exists whenever an entry is set or removed.
 */
function referralUpdate(
  table: string,
  key: { partnerId: { S: string }; referralId: { S: string } },
  stored: Referral | undefined,
  next: ReferralState,
  factKeys: string[],
  activity: { timeZone: string; activityDays: ActivityByDay },
  recording: { marker?: string; change?: StatsChange; mapExists: boolean },
): TransactWriteItem {
  const names: Record<string, string> = {};
  const values: Record<string, ReturnType<typeof toAttributeValue>> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  STATE_FIELDS.forEach((field, i) => {
    const value = next.referral[field];
    if (value === undefined) {
      if (stored && stored[field] !== undefined) {
        names[`#f${i}`] = field;
        removes.push(`#f${i}`);
      }
      return;
    }
    names[`#f${i}`] = field;
    values[`:v${i}`] = toAttributeValue(value);
    sets.push(`#f${i} = :v${i}`);
  });
  sets.push('factKeys = :factKeys', 'factCount = :factCount');
  // Placeholders: DynamoDB reserves many words (ZONE, DAYS among them).
  names['#timeZone'] = 'timeZone';
  names['#activityDays'] = 'activityDays';
  sets.push('#timeZone = :timeZone', '#activityDays = :activityDays');
  values[':timeZone'] = S(activity.timeZone);
  values[':activityDays'] = toAttributeValue(activity.activityDays);
  values[':factKeys'] = { SS: factKeys };
  values[':factCount'] = N(factKeys.length);
  const { marker, change, mapExists } = recording;
  if (!mapExists) {
    sets.push('pendingChanges = :pendingChanges');
    values[':pendingChanges'] = toAttributeValue(marker && change ? { [marker]: change } : {});
  } else if (marker && change) {
    names['#pendingChange'] = marker;
    sets.push('pendingChanges.#pendingChange = :pendingChange');
    values[':pendingChange'] = toAttributeValue(change);
  }
  let expression = `SET ${sets.join(', ')}`;
  if (removes.length > 0) expression += ` REMOVE ${removes.join(', ')}`;
  if (marker) {
    expression += ' ADD pendingStats :marker';
    values[':marker'] = { SS: [marker] };
  }
  let condition = 'attribute_not_exists(referralId)';
  if (stored) {
    condition = stored.factCount === undefined ? 'attribute_not_exists(factCount)' : 'factCount = :readCount';
    if (stored.factCount !== undefined) values[':readCount'] = N(stored.factCount);
  }
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: expression,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Puts for the rows that changed, deletes for rows the facts no longer give (an earlier invoice arrived). */
function ledgerChanges(before: readonly Commission[], after: readonly Commission[], table: string) {
  const old = new Map(before.map((c) => [c.commissionId, JSON.stringify(commissionItemOf(c))]));
  const actions: TransactWriteItem[] = [];
  const written: string[] = [];
  const deleted: string[] = [];
  const kept = new Set<string>();
  for (const c of after) {
    kept.add(c.commissionId);
    const item = commissionItemOf(c);
    if (old.get(c.commissionId) === JSON.stringify(item)) continue;
    actions.push({ Put: { TableName: table, Item: toAttributeMap({ ...item }) } });
    written.push(c.commissionId);
  }
  for (const c of before) {
    if (kept.has(c.commissionId)) continue;
    actions.push({
      Delete: { TableName: table, Key: { partnerId: S(c.partnerId), commissionId: S(c.commissionId) } },
    });
    deleted.push(c.commissionId);
  }
  return { actions, written, deleted };
}
