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
    'daily',
  ])('rejects %s', (expr) => {
    expect(() => parseSchedule(expr)).toThrow(/not valid/);
  });
});
