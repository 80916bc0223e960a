import { ACTIVITY_RANGES, type ActivityDay, type ActivityRange, type ActivityView } from './activity';
import { ACTIVITY_COUNTS, emptyActivityDay, localDayOf, type ActivityCount } from './activity-days';
import { InvalidRequestError } from './errors';

/** The longest range, in days: the bucket Query's `Limit`. */
export const MAX_ACTIVITY_DAYS = 366;
export const DEFAULT_ACTIVITY_RANGE: ActivityRange = '30d';

const RANGE_DAYS: Record<Exclude<ActivityRange, '24h'>, number> = {
  '7d': 7,
  '30d': 30,
  '90d': 90,
  '1y': 365,
};
const DAY_MS = 86_400_000;

/** The `range` query parameter, else a 400 naming `range`. */
export function activityRangeOf(text: string | undefined): ActivityRange {
  if (text === undefined) return DEFAULT_ACTIVITY_RANGE;
  const range = ACTIVITY_RANGES.find((r) => r === text);
  if (!range)
    throw new InvalidRequestError('range', `expected one of ${ACTIVITY_RANGES.join(', ')}, got "${text}"`);
  return range;
}

/** A calendar day `n` days after `day` (zone-free: calendar arithmetic on the date itself). */
export function addCalendarDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The local days a range covers at `now`, oldest first. `Nd` is today and the N − 1 days before it; `1y`
 * is 365 days; `24h` is the local days the last 24 hours touch (yesterday and today, or today alone at
 * local midnight exactly), so a chart of it shows whole days like the others.
 */
export function rangeDays(range: ActivityRange, now: Date, timeZone: string): string[] {
  const to = localDayOf(now, timeZone);
  const from =
    range === '24h'
      ? localDayOf(now.getTime() - DAY_MS + 1, timeZone)
      : addCalendarDays(to, 1 - RANGE_DAYS[range]);
  const days: string[] = [];
  for (let day = from; day <= to; day = addCalendarDays(day, 1)) days.push(day);
  return days;
}

/** One bucket item as read (`PartnerActivity`), counts possibly missing. */
export type ActivityBucket = { day: string } & Partial<Record<ActivityCount, number>>;

/** Every day of the range, zeros filled: the buckets' counts and the clicks counted on each day. */
export function activityView(args: {
  partnerId: string;
  timeZone: string;
  range: ActivityRange;
  currency: string;
  days: readonly string[];
  buckets: readonly ActivityBucket[];
  clicksByDay: ReadonlyMap<string, number>;
}): ActivityView {
  const byDay = new Map(args.buckets.map((b) => [b.day, b]));
  const days: ActivityDay[] = args.days.map((day) => {
    const out = emptyActivityDay(day);
    const bucket = byDay.get(day);
    for (const count of ACTIVITY_COUNTS) out[count] = bucket?.[count] ?? 0;
    out.clicks = args.clicksByDay.get(day) ?? 0;
    return out;
  });
  return {
    partnerId: args.partnerId,
    timeZone: args.timeZone,
    range: args.range,
    currency: args.currency,
    from: args.days[0] ?? '',
    to: args.days[args.days.length - 1] ?? '',
    days,
  };
}
