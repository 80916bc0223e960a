import { matchesPattern } from '../../local/aws/pattern';
import { parseSchedule } from '../../local/aws/schedule';

const event = {
  source: 'stripe',
  'detail-type': 'payment_intent.succeeded',
  resources: ['arn:a', 'arn:b'],
  detail: {
    amount: 5,
    currency: 'eur',
    status: 'paid',
    tags: ['vip', 'eu'],
    customer: { id: 'cus_123', country: 'FR' },
    nothing: null,
  },
};

describe('matchesPattern', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['exact value', { source: ['stripe'] }, true],
    ['exact value, other', { source: ['paypal'] }, false],
    ['array of values is OR', { source: ['paypal', 'stripe'] }, true],
    ['several fields are AND', { source: ['stripe'], 'detail-type': ['other'] }, false],
    ['prefix', { 'detail-type': [{ prefix: 'payment_intent.' }] }, true],
    ['prefix, no match', { 'detail-type': [{ prefix: 'charge.' }] }, false],
    ['suffix', { 'detail-type': [{ suffix: '.succeeded' }] }, true],
    ['suffix, no match', { 'detail-type': [{ suffix: '.failed' }] }, false],
    ['anything-but value', { source: [{ 'anything-but': 'paypal' }] }, true],
    ['anything-but same value', { source: [{ 'anything-but': 'stripe' }] }, false],
    ['anything-but list', { source: [{ 'anything-but': ['a', 'stripe'] }] }, false],
    ['anything-but prefix', { 'detail-type': [{ 'anything-but': { prefix: 'charge.' } }] }, true],
    ['anything-but prefix, excluded', { 'detail-type': [{ 'anything-but': { prefix: 'payment' } }] }, false],
    ['anything-but on a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['exists true', { detail: { status: [{ exists: true }] } }, true],
    ['exists true, missing', { detail: { missing: [{ exists: true }] } }, false],
    ['exists false, missing', { detail: { missing: [{ exists: false }] } }, true],
    ['exists false, present', { detail: { status: [{ exists: false }] } }, false],
    ['exists false under a missing parent', { detail: { nope: { deeper: [{ exists: false }] } } }, true],
    ['numeric range', { detail: { amount: [{ numeric: ['>', 0, '<=', 5] }] } }, true],
    ['numeric range, outside', { detail: { amount: [{ numeric: ['>', 5] }] } }, false],
    ['numeric equals', { detail: { amount: [{ numeric: ['=', 5] }] } }, true],
    ['numeric on a string', { detail: { currency: [{ numeric: ['>', 0] }] } }, false],
    ['number exact', { detail: { amount: [5] } }, true],
    ['number is not its string', { detail: { amount: ['5'] } }, false],
    ['null exact', { detail: { nothing: [null] } }, true],
    ['nested objects', { detail: { customer: { country: ['FR'] } } }, true],
    ['nested objects, no match', { detail: { customer: { country: ['DE'] } } }, false],
    ['event array: any element', { detail: { tags: ['eu'] } }, true],
    ['event array: none', { detail: { tags: ['us'] } }, false],
    ['top-level array field', { resources: ['arn:b'] }, true],
    ['equals-ignore-case', { detail: { currency: [{ 'equals-ignore-case': 'EUR' }] } }, true],
    ['wildcard', { 'detail-type': [{ wildcard: 'payment_*.succeeded' }] }, true],
    ['empty pattern matches everything', {}, true],
  ])('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('rejects unknown matchers', () => {
    expect(() => matchesPattern({ source: [{ regex: '.*' }] }, event)).toThrow(/Unsupported matcher/);
  });
});

describe('schedule expressions', () => {
  const at = (iso: string) => new Date(iso);

  it('cron(0 3 * * ? *) fires at 03:00 UTC every day', () => {
    const s = parseSchedule('cron(0 3 * * ? *)');
    expect(s.next(at('2025-01-01T02:59:30Z'), at('2025-01-01T00:00:00Z'))).toEqual(
      at('2025-01-01T03:00:00Z'),
    );
    expect(s.next(at('2025-01-01T03:00:00Z'), at('2025-01-01T00:00:00Z'))).toEqual(
      at('2025-01-02T03:00:00Z'),
    );
    expect(s.next(at('2025-12-31T04:00:00Z'), at('2025-01-01T00:00:00Z'))).toEqual(
      at('2026-01-01T03:00:00Z'),
    );
  });

  it('supports lists, ranges, steps, names and day-of-week (1 = Sunday)', () => {
    const anchor = at('2025-01-01T00:00:00Z');
    // 2025-01-01 is a Wednesday.
    expect(parseSchedule('cron(0/15 * * * ? *)').next(at('2025-01-01T10:16:00Z'), anchor)).toEqual(
      at('2025-01-01T10:30:00Z'),
    );
    expect(parseSchedule('cron(0 9 ? * MON-FRI *)').next(at('2025-01-03T10:00:00Z'), anchor)).toEqual(
      at('2025-01-06T09:00:00Z'),
    );
    expect(parseSchedule('cron(30 12 ? * 1 *)').next(anchor, anchor)).toEqual(at('2025-01-05T12:30:00Z'));
    expect(parseSchedule('cron(0 0 1 JAN,JUL ? *)').next(at('2025-02-01T00:00:00Z'), anchor)).toEqual(
      at('2025-07-01T00:00:00Z'),
    );
    expect(parseSchedule('cron(0 0 29 2 ? 2025-2030)').next(anchor, anchor)).toEqual(
      at('2028-02-29T00:00:00Z'),
    );
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html (wildcards)
  it('L in day-of-month is the last day of the month', () => {
    const s = parseSchedule('cron(0 10 L * ? *)');
    const anchor = at('2024-01-01T00:00:00Z');
    expect(s.next(at('2025-02-02T00:00:00Z'), anchor)).toEqual(at('2025-02-28T10:00:00Z'));
    expect(s.next(at('2024-02-01T00:00:00Z'), anchor)).toEqual(at('2024-02-29T10:00:00Z'));
    expect(s.next(at('2025-04-30T10:00:00Z'), anchor)).toEqual(at('2025-05-31T10:00:00Z'));
  });

  it('nL in day-of-week is the last such weekday of the month; L alone is Saturday', () => {
    const anchor = at('2025-01-01T00:00:00Z');
    const lastFriday = parseSchedule('cron(0 10 ? * 6L *)');
    expect(lastFriday.next(anchor, anchor)).toEqual(at('2025-01-31T10:00:00Z'));
    expect(lastFriday.next(at('2025-01-31T10:00:00Z'), anchor)).toEqual(at('2025-02-28T10:00:00Z'));
    // 2025-10-25 is the last Saturday of October; aws-cron-parser's own nL answers 2025-11-29 when the
    // process runs in a zone whose clocks change that week (TZ=Europe/Berlin).
    expect(parseSchedule('cron(0 10 ? * SATL *)').next(at('2025-10-01T00:00:00Z'), anchor)).toEqual(
      at('2025-10-25T10:00:00Z'),
    );
    // 2025-01-01 is a Wednesday; aws-cron-parser never fires a lone L.
    const saturdays = parseSchedule('cron(0 10 ? * L *)');
    expect(saturdays.next(anchor, anchor)).toEqual(at('2025-01-04T10:00:00Z'));
    expect(saturdays.next(at('2025-01-04T10:00:00Z'), anchor)).toEqual(at('2025-01-11T10:00:00Z'));
  });

  it('n#k in day-of-week is the k-th such weekday of the month', () => {
    const thirdFriday = parseSchedule('cron(0 10 ? * 6#3 *)');
    const anchor = at('2025-01-01T00:00:00Z');
    expect(thirdFriday.next(anchor, anchor)).toEqual(at('2025-01-17T10:00:00Z'));
    expect(thirdFriday.next(at('2025-01-17T10:00:00Z'), anchor)).toEqual(at('2025-02-21T10:00:00Z'));
    expect(parseSchedule('cron(0 10 ? * MON#1 *)').next(anchor, anchor)).toEqual(at('2025-01-06T10:00:00Z'));
  });

  it('nW in day-of-month is the weekday nearest day n, within the month', () => {
    const anchor = at('2025-01-01T00:00:00Z');
    const s = parseSchedule('cron(0 10 15W * ? *)');
    // 2025-02-15 is a Saturday, 2025-06-15 a Sunday.
    expect(s.next(at('2025-02-01T00:00:00Z'), anchor)).toEqual(at('2025-02-14T10:00:00Z'));
    expect(s.next(at('2025-06-01T00:00:00Z'), anchor)).toEqual(at('2025-06-16T10:00:00Z'));
    // 2025-03-01 is a Saturday: the nearest weekday in March is Monday the 3rd, not Friday 28 February.
    expect(parseSchedule('cron(0 10 1W * ? *)').next(at('2025-02-15T00:00:00Z'), anchor)).toEqual(
      at('2025-03-03T10:00:00Z'),
    );
  });

  it('skips days a month lacks and reads lists in any order', () => {
    const anchor = at('2025-01-01T00:00:00Z');
    // aws-cron-parser on its own answers 2025-05-01 (31 April, rolled over) and 2025-03-02.
    expect(parseSchedule('cron(0 0 31 * ? *)').next(at('2025-04-02T00:00:00Z'), anchor)).toEqual(
      at('2025-05-31T00:00:00Z'),
    );
    expect(parseSchedule('cron(0 0 1,30 * ? *)').next(at('2025-02-15T00:00:00Z'), anchor)).toEqual(
      at('2025-03-01T00:00:00Z'),
    );
    // aws-cron-parser on its own answers 11:30, skipping 11:00.
    expect(parseSchedule('cron(30,0 * * * ? *)').next(at('2025-01-01T10:31:00Z'), anchor)).toEqual(
      at('2025-01-01T11:00:00Z'),
    );
    expect(() => parseSchedule('cron(0 0 30 2 ? *)').next(anchor, anchor)).toThrow(/never fires/);
  });

  it('rate(n unit) counts from its anchor', () => {
    const anchor = at('2025-01-01T00:00:00Z');
    expect(parseSchedule('rate(5 minutes)').next(at('2025-01-01T00:07:00Z'), anchor)).toEqual(
      at('2025-01-01T00:10:00Z'),
    );
    expect(parseSchedule('rate(1 hour)').next(anchor, anchor)).toEqual(at('2025-01-01T01:00:00Z'));
    expect(parseSchedule('rate(2 days)').next(at('2025-01-02T00:00:00Z'), anchor)).toEqual(
      at('2025-01-03T00:00:00Z'),
    );
  });

  it.each([
    'rate(1 minutes)',
    'rate(5 minute)',
    'rate(0 days)',
    'cron(0 3 * * *)',
    'cron(0 3 * * 1 *)',
    'cron(0 25 * * ? *)',
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html (limits)
    'cron(0 3 ? * ? *)',
    'cron(0 3 L * 6L *)',
    'cron(0 3 * * ? * *)',
    'cron(? 3 * * ? *)',
    'cron(x 3 * * ? *)',
    'cron(0 22-2 * * ? *)',
    'cron(0 3 * * ? 2200)',
    'cron(0 3 L * ? /2)',
    'cron(0 3 ? * 1/2 *)',
    'cron(0 3 15W,L * ? *)',
    'cron(0 3 ? * 6#3,2#1 *)',
    'cron(0 3 ? * 6#6 *)',
    'cron(0 L * * ? *)',
    'daily',
  ])('rejects %s', (expr) => {
    expect(() => parseSchedule(expr)).toThrow(/not valid/);
  });
});
