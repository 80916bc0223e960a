/**
 * EventBridge schedule expressions, in UTC as AWS evaluates them:
 * `rate(n minute|minutes|hour|hours|day|days)` and `cron(minutes hours day-of-month month day-of-week year)`
 * with `*`, `?`, `,`, `-`, `/`, month names (JAN…DEC) and day names (SUN…SAT, 1 = Sunday).
 * `L`, `W` and `#` are not supported (the project's rules do not use them) and are rejected.
 */

export interface Schedule {
  /** The first fire time strictly after `after`. `anchor` is when a rate schedule started. */
  next(after: Date, anchor: Date): Date;
}

const MINUTE = 60_000;
const RATE_UNITS: Record<string, number> = {
  minute: MINUTE,
  minutes: MINUTE,
  hour: 60 * MINUTE,
  hours: 60 * MINUTE,
  day: 24 * 60 * MINUTE,
  days: 24 * 60 * MINUTE,
};
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class InvalidScheduleError extends Error {
  override readonly name = 'ValidationException';
}

export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = RATE_UNITS[rate[2] as string];
    if (!unit || n < 1 || (n === 1) !== !(rate[2] as string).endsWith('s')) {
      throw new InvalidScheduleError(`Parameter ScheduleExpression is not valid: ${expression}`);
    }
    const period = n * unit;
    return {
      next: (after, anchor) => {
        const elapsed = after.getTime() - anchor.getTime();
        const k = elapsed < 0 ? 1 : Math.floor(elapsed / period) + 1;
        return new Date(anchor.getTime() + k * period);
      },
    };
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron) throw new InvalidScheduleError(`Parameter ScheduleExpression is not valid: ${expression}`);
  return parseCron(cron[1] as string, expression);
}

type FieldSet = Set<number> | 'any';

function parseField(
  text: string,
  min: number,
  max: number,
  names: string[],
  offset: number,
  expr: string,
): FieldSet {
  if (text === '*' || text === '?') return 'any';
  const bad = (): never => {
    throw new InvalidScheduleError(`Parameter ScheduleExpression is not valid: ${expr}`);
  };
  const value = (v: string): number => {
    const byName = names.indexOf(v.toUpperCase());
    const n = byName >= 0 ? byName + offset : /^\d+$/.test(v) ? Number(v) : bad();
    return n < min || n > max ? bad() : n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part) ?? bad();
    const range = m[1] as string;
    const step = m[2] !== undefined ? Number(m[2]) : 1;
    if (step < 1) bad();
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      from = value(a ?? '');
      to = value(b ?? '');
    } else {
      from = value(range);
      to = m[2] !== undefined ? max : from;
    }
    if (from > to) bad();
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

const has = (set: FieldSet, v: number): boolean => set === 'any' || set.has(v);

function parseCron(body: string, expr: string): Schedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new InvalidScheduleError(`Parameter ScheduleExpression is not valid: ${expr}`);
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    // AWS: exactly one of day-of-month and day-of-week is `?`.
    throw new InvalidScheduleError(`Parameter ScheduleExpression is not valid: ${expr}`);
  }
  const minutes = parseField(min, 0, 59, [], 0, expr);
  const hours = parseField(hour, 0, 23, [], 0, expr);
  const days = parseField(dom, 1, 31, [], 0, expr);
  const months = parseField(month, 1, 12, MONTHS, 1, expr);
  const weekdays = parseField(dow, 1, 7, DAYS, 1, expr);
  const years = parseField(year, 1970, 2199, [], 0, expr);

  return {
    next: (after) => {
      const d = new Date(after.getTime());
      d.setUTCSeconds(0, 0);
      d.setUTCMinutes(d.getUTCMinutes() + 1);
      // Jump field by field; bounded so an impossible expression (31 FEB) ends.
      for (let guard = 0; guard < 200_000; guard++) {
        if (d.getUTCFullYear() > 2199) break;
        if (!has(years, d.getUTCFullYear())) {
          d.setUTCFullYear(d.getUTCFullYear() + 1, 0, 1);
          d.setUTCHours(0, 0, 0, 0);
        } else if (!has(months, d.getUTCMonth() + 1)) {
          d.setUTCMonth(d.getUTCMonth() + 1, 1);
          d.setUTCHours(0, 0, 0, 0);
        } else if (!has(days, d.getUTCDate()) || !has(weekdays, d.getUTCDay() + 1)) {
          d.setUTCDate(d.getUTCDate() + 1);
          d.setUTCHours(0, 0, 0, 0);
        } else if (!has(hours, d.getUTCHours())) {
          d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
        } else if (!has(minutes, d.getUTCMinutes())) {
          d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
        } else {
          return d;
        }
      }
      throw new InvalidScheduleError(`Schedule ${expr} never fires after ${after.toISOString()}`);
    },
  };
}
