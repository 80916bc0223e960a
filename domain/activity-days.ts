import type { ActivityDay } from './activity';
import { N, S, type UpdateAction } from './attribute-value';
import type { Commission, ReferralState } from './lifecycle';

/**
 * What one referral adds to its partner's daily activity buckets, as a pure function of its state (so of its
 * set of facts, whatever order they came in): the signup on the local day of `signedUpAt`, the conversion on
 * the day of the first invoice, each commission's earnings on the day it was earned, and each reversal
 * (refund, lost dispute, rejection, clawback) on the day of the fact that took the amount back. The workflows
 * apply differences of it (`activityDelta`), as they do with `contributionOf` for the counters.
 *
 * Sums over all days mirror the counters: `signups` = totalSignups, `conversions` = totalPaid,
 * `reversedCents` = reversedEarningsCents, `earningsCents − reversedCents` = totalEarningsCents.
 */
export const ACTIVITY_COUNTS = ['signups', 'conversions', 'earningsCents', 'reversedCents'] as const;
export type ActivityCount = (typeof ACTIVITY_COUNTS)[number];

/** Non-zero counts by local day (`2026-12-01`). */
export type ActivityByDay = Record<string, Partial<Record<ActivityCount, number>>>;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (`YYYY-MM-DD`) an instant falls on in a zone. */
export function localDayOf(instant: string | number | Date, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    // en-CA formats dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format.format(new Date(instant));
}

function add(into: ActivityByDay, day: string, count: ActivityCount, amount: number): void {
  if (amount === 0) return;
  const counts = (into[day] ??= {});
  const sum = (counts[count] ?? 0) + amount;
  if (sum === 0) delete counts[count];
  else counts[count] = sum;
  if (Object.keys(counts).length === 0) delete into[day];
}

/**
 * A commission's reversals by day: each step of its history that lowers what it is worth takes the difference
 * back on its own day (a step that raises it gives some back), so the days sum to what the row lost in all.
 */
function addReversals(into: ActivityByDay, commission: Commission, timeZone: string): void {
  let worth = commission.type === 'clawback' ? 0 : commission.earningsCents;
  for (const step of commission.history) {
    add(into, localDayOf(step.at, timeZone), 'reversedCents', worth - step.netCents);
    worth = step.netCents;
  }
}

export function activityOf(state: ReferralState | undefined, timeZone: string): ActivityByDay {
  const days: ActivityByDay = {};
  if (!state) return days;
  const { referral, commissions } = state;
  add(days, localDayOf(referral.signedUpAt, timeZone), 'signups', 1);
  if (referral.paidAt) add(days, localDayOf(referral.paidAt, timeZone), 'conversions', 1);
  for (const c of commissions) {
    if (c.type === 'invoice') add(days, localDayOf(c.earnedAt, timeZone), 'earningsCents', c.earningsCents);
    addReversals(days, c, timeZone);
  }
  return days;
}

/** `after − before`, day by day, non-zero counts only. */
export function activityDelta(before: ActivityByDay | undefined, after: ActivityByDay): ActivityByDay {
  const delta: ActivityByDay = {};
  for (const [day, counts] of Object.entries(after))
    for (const count of ACTIVITY_COUNTS) add(delta, day, count, counts[count] ?? 0);
  for (const [day, counts] of Object.entries(before ?? {}))
    for (const count of ACTIVITY_COUNTS) add(delta, day, count, -(counts[count] ?? 0));
  return delta;
}

/** Adds `more` onto `into` (several pending changes applied in one write). */
export function addActivity(into: ActivityByDay, more: ActivityByDay): ActivityByDay {
  for (const [day, counts] of Object.entries(more))
    for (const count of ACTIVITY_COUNTS) add(into, day, count, counts[count] ?? 0);
  return into;
}

/** An empty day of the view. */
export const emptyActivityDay = (day: string): ActivityDay => ({
  day,
  clicks: 0,
  signups: 0,
  conversions: 0,
  earningsCents: 0,
  reversedCents: 0,
});

/**
 * One `ADD` per day of the day's non-zero counts to the partner's bucket item (created by the first ADD).
 * Only ever inside a transaction that removes the markers the change was recorded with, so it applies once.
 */
export function activityBucketUpdates(
  table: string,
  partnerId: string,
  byDay: ActivityByDay,
): UpdateAction[] {
  // Days in order: a change read back from the referral's map comes in DynamoDB's key order, and the same
  // markers must give the same request under the same ClientRequestToken (else IdempotentParameterMismatch).
  const days = Object.entries(byDay).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return days.flatMap(([day, counts]) => {
    const present = ACTIVITY_COUNTS.filter((c) => (counts[c] ?? 0) !== 0);
    if (present.length === 0) return [];
    return [
      {
        Update: {
          TableName: table,
          Key: { partnerId: S(partnerId), day: S(day) },
          UpdateExpression: `ADD ${present.map((c) => `${c} :${c}`).join(', ')}`,
          ExpressionAttributeValues: Object.fromEntries(present.map((c) => [`:${c}`, N(counts[c] ?? 0)])),
        },
      },
    ];
  });
}
