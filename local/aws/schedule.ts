/**
 * EventBridge schedule expressions, in UTC as AWS evaluates them
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html):
 * `rate(n minute|minutes|hour|hours|day|days)` (aws-cron-parser has no rate), and
 * `cron(minutes hours day-of-month month day-of-week year)` computed by aws-cron-parser. The library assumes AWS has validated the expression, so the grammar of
 * the doc's field table is checked here; where the library gets AWS's semantics wrong, `next` corrects it.
 */
import awsCronParser from 'aws-cron-parser';

export interface Schedule {
  /** The first fire time strictly after `after`. `anchor` is when a rate schedule started. */
  next(after: Date, anchor: Date): Date;
}

export class InvalidScheduleError extends Error {
  override readonly name = 'ValidationException';
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

/** What PutRule answers (AWS's message), with the expression. */
const invalid = (expression: string): InvalidScheduleError =>
  new InvalidScheduleError(`Parameter ScheduleExpression is not valid: ${expression}`);

export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = RATE_UNITS[rate[2] as string];
    if (!unit || n < 1 || (n === 1) !== !(rate[2] as string).endsWith('s')) throw invalid(expression);
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
  if (!cron) throw invalid(expression);
  return parseCron(cron[1] as string, expression);
}

/** `*`, a list of values and ranges, or one stepped item (the library reads `/` only alone in its field). */
const listOf = (value: string, stepped = true): string => {
  const range = `(?:${value})(?:-(?:${value}))?`;
  return `\\*|${range}(?:,${range})*${stepped ? `|(?:\\*|${range})/\\d+` : ''}`;
};
const MONTH = `\\d+|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC`;
const DAY = `[1-7]|SUN|MON|TUE|WED|THU|FRI|SAT`;
// The wildcards each field allows, from the doc's table; `#` alone in its field, as the doc says.
const FIELDS = [
  listOf('\\d+'),
  listOf('\\d+'),
  `\\?|L|\\d+W|${listOf('\\d+')}`,
  listOf(MONTH),
  `\\?|L|(?:${DAY})(?:L|#[1-5])|${listOf(DAY, false)}`,
  listOf('\\d+'),
].map((field) => new RegExp(`^(?:${field})$`));

function parseCron(body: string, expression: string): Schedule {
  const fields = body.trim().toUpperCase().split(/\s+/);
  if (fields.length !== FIELDS.length || fields.some((f, i) => !FIELDS[i]?.test(f)))
    throw invalid(expression);
  const [dom, dow] = [fields[2] as string, fields[4] as string];
  // AWS: one of day-of-month and day-of-week is `?`, never both.
  if ((dom === '?') === (dow === '?')) throw invalid(expression);
  // aws-cron-parser never fires a lone `L` (the last day of the week, SAT), and finds `nL` (the last
  // such weekday of the month) by adding 168 hours to a local midnight, which falls short across a
  // DST change (7L, October 2025, TZ=Europe/Berlin: 29 November). So it gets the plain weekday, and
  // fire times outside the month's last seven days are skipped here, in UTC.
  const lastWeekOfMonth = /^.+L$/.test(dow);
  fields[4] = dow === 'L' ? '7' : lastWeekOfMonth ? dow.slice(0, -1) : dow;

  let parsed: ReturnType<typeof awsCronParser.parse>;
  try {
    parsed = awsCronParser.parse(fields.join(' '));
  } catch {
    throw invalid(expression); // a number out of its field's range
  }
  const { minutes, hours, daysOfMonth, months, daysOfWeek, years } = parsed;
  const rules = [minutes, hours, daysOfMonth, months, daysOfWeek, years];
  // An empty field is a reversed range (`22-2`); `?` is the only empty field AWS allows.
  if (rules.some((rule, i) => rule.length === 0 && fields[i] !== '?')) throw invalid(expression);
  const numeric = (rule: (string | number)[]): boolean =>
    rule.length > 0 && rule.every((v) => typeof v === 'number');
  // The library takes the first listed value past the current one, so lists must be ascending (`30,0`).
  for (const rule of rules) if (numeric(rule)) rule.sort((a, b) => Number(a) - Number(b));
  const listedDays = numeric(daysOfMonth) ? new Set(daysOfMonth) : undefined;

  return {
    next: (after) => {
      let from = after;
      for (;;) {
        let fire: Date | null;
        try {
          fire = awsCronParser.next(parsed, from);
        } catch (cause) {
          // Its recursion guard gives up on rare dates (the fifth Monday of February).
          throw new Error(`aws-cron-parser cannot compute ${expression} after ${from.toISOString()}`, {
            cause,
          });
        }
        if (!fire)
          throw new InvalidScheduleError(`Schedule ${expression} never fires after ${after.toISOString()}`);
        const [year, month, day] = [fire.getUTCFullYear(), fire.getUTCMonth(), fire.getUTCDate()];
        if (listedDays && !listedDays.has(day)) {
          // A listed day a month lacks (31 APR) comes back rolled over (1 MAY), past that month's last
          // real fire time: search again from the start of the month it rolled into.
          from = new Date(Date.UTC(year, month, 1) - 1);
        } else if (lastWeekOfMonth && day + 7 <= new Date(Date.UTC(year, month + 1, 0)).getUTCDate()) {
          from = new Date(Date.UTC(year, month, day + 1) - 1);
        } else {
          return fire;
        }
      }
    },
  };
}
