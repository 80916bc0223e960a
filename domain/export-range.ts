import { InvalidRequestError } from './errors';

/**
 * The time range of an export: `from` (inclusive) and `to` (exclusive) as ISO 8601 UTC instants, either
 * absent. A request gives each as a day (`2026-01-31`, read in its `timezone`: `from` is the day's first
 * instant, `to` includes the whole day) or as an ISO 8601 timestamp with its offset (`2026-01-31T12:00:00Z`,
 * `…+09:00`), taken as is.
 */
export interface TimeRange {
  from?: string;
  to?: string;
}

export const DEFAULT_TIMEZONE = 'UTC';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Date, time to the minute at least, and an explicit offset: a timestamp without one names no instant. */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const BOUND_RULE =
  'expected a day (YYYY-MM-DD) or an ISO 8601 timestamp with an offset (2026-01-31T12:00:00Z)';

/** An IANA time zone (`Europe/Berlin`, `UTC`) in its canonical spelling, else a 400 naming `field`. */
export function timeZoneOf(text: string | undefined, field = 'timezone'): string {
  if (text === undefined) return DEFAULT_TIMEZONE;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    throw new InvalidRequestError(field, `expected an IANA time zone such as Europe/Berlin, got "${text}"`);
  }
}

interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

/** The calendar day of a `YYYY-MM-DD` that exists (no February 30th). */
function calendarDay(match: RegExpExecArray): CalendarDay | undefined {
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year); // years 0-99 would otherwise be 1900-1999
  const exists =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return exists ? { year, month, day } : undefined;
}

/** The zone's local date and time of an instant, as milliseconds of a UTC clock showing them. */
function wallClockMs(instantMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instantMs));
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value);
  const wall = new Date(0);
  wall.setUTCFullYear(part('year'), part('month') - 1, part('day'));
  wall.setUTCHours(part('hour'), part('minute'), part('second'), 0);
  return wall.getTime();
}

const HOUR_MS = 3_600_000;

/**
 * The first instant of a calendar day in a zone. Local midnight is tried under each offset the zone has
 * around that day (a zone changes its offset at most once near a midnight); the earliest candidate that
 * falls on the day wins, so a day whose midnight is skipped by a DST change (clocks from 00:00 to 01:00)
 * starts at 01:00, and a midnight that happens twice counts from its first.
 */
export function startOfDay({ year, month, day }: CalendarDay, timeZone: string): Date {
  const midnight = new Date(0);
  midnight.setUTCFullYear(year, month - 1, day);
  const wallMidnight = midnight.getTime();
  const offsets = new Set(
    [-36, 0, 36].map((h) => wallClockMs(wallMidnight + h * HOUR_MS, timeZone) - (wallMidnight + h * HOUR_MS)),
  );
  const onTheDay = [...offsets]
    .map((offset) => wallMidnight - offset)
    .filter((instant) => {
      const wall = wallClockMs(instant, timeZone);
      return wall >= wallMidnight && wall < wallMidnight + 24 * HOUR_MS;
    });
  return new Date(Math.min(...onTheDay));
}

const nextDay = ({ year, month, day }: CalendarDay): CalendarDay => {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day + 1);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
};

/** One bound → its instant: a day's start (for `to`, the next day's), or the timestamp's own instant. */
function instantOf(field: 'from' | 'to', text: string, timeZone: string): string {
  const day = DAY.exec(text);
  if (day) {
    const calendar = calendarDay(day);
    if (!calendar) throw new InvalidRequestError(field, `${text} is not a day of the calendar`);
    return startOfDay(field === 'to' ? nextDay(calendar) : calendar, timeZone).toISOString();
  }
  const stamp = TIMESTAMP.exec(text);
  const ms = stamp ? Date.parse(text) : NaN;
  if (!stamp || Number.isNaN(ms) || !calendarDay(stamp) || Number(stamp[4]) > 23 || Number(stamp[5]) > 59)
    throw new InvalidRequestError(field, `${BOUND_RULE}, got "${text}"`);
  return new Date(ms).toISOString();
}

/** The request's `from`, `to` and `timezone` → the range; a 400 naming the field for anything wrong. */
export function timeRangeOf(query: { from?: string; to?: string; timezone?: string }): TimeRange {
  const timeZone = timeZoneOf(query.timezone);
  const from = query.from === undefined ? undefined : instantOf('from', query.from, timeZone);
  const to = query.to === undefined ? undefined : instantOf('to', query.to, timeZone);
  if (from !== undefined && to !== undefined && from >= to)
    throw new InvalidRequestError('to', `the range ends (${to}) at or before it starts (${from})`);
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}
