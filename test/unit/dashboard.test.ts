import {
  conversionRates,
  dashboardView,
  decodeCursor,
  encodeCursor,
  formatCents,
  rateOf,
} from '../../domain/dashboard';
import { InvalidCursorError } from '../../domain/errors';
import { paidReferral, partnerStats } from './builders';

describe('conversion rates', () => {
  it.each([
    [1, 3, 3333, '33.33%'],
    [2, 3, 6667, '66.67%'],
    [1, 8, 1250, '12.50%'],
    [1, 20_000, 1, '0.01%'], // 0.5 bp rounds half up
    [3, 3, 10_000, '100.00%'],
    [0, 10, 0, '0.00%'],
    [5, 0, 0, '0.00%'], // no denominator: 0, not Infinity
  ])('%i / %i = %i bp (%s)', (numerator, denominator, basisPoints, percent) => {
    expect(rateOf(numerator, denominator)).toEqual({ basisPoints, percent });
  });

  it('derives click→signup and signup→paid from the counters', () => {
    // Act
    const rates = conversionRates({ totalClicks: 200, totalSignups: 50, totalPaid: 10 });

    // Assess
    expect(rates).toEqual({
      clickToSignup: { basisPoints: 2500, percent: '25.00%' },
      signupToPaid: { basisPoints: 2000, percent: '20.00%' },
    });
  });
});

describe('formatCents', () => {
  it.each([
    [750, '$7.50'],
    [0, '$0.00'],
    [5, '$0.05'],
    [123_456_789, '$1,234,567.89'],
    [-5, '-$0.05'],
  ])('formats %i cents as %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });

  it('names currencies without a symbol', () => {
    expect(formatCents(1000, 'chf')).toBe('10.00 CHF');
  });
});

describe('dashboardView', () => {
  it('returns counters in cents with formatted money beside them, rates and referrals', () => {
    // Prepare
    const stats = partnerStats({
      totalClicks: 4,
      totalSignups: 1,
      totalPaid: 1,
      totalEarningsCents: 750,
      version: 3,
    });

    // Act
    const view = dashboardView(stats, [paidReferral()], 'next');

    // Assess
    expect(view.partnerId).toBe('partner_1');
    expect(view.displayName).toBe('partner_1');
    expect(view.stats).toMatchObject({ totalEarningsCents: 750, totalEarnings: '$7.50', totalClicks: 4 });
    expect(view.stats).not.toHaveProperty('version');
    expect(view.conversion.clickToSignup.percent).toBe('25.00%');
    expect(view.recentReferrals).toEqual([
      expect.objectContaining({
        referralId: 'ref_user_1',
        partnerEarningsCents: 750,
        partnerEarnings: '$7.50',
      }),
    ]);
    expect(view.recentReferrals[0]).not.toHaveProperty('stripeCustomerId');
    expect(view.nextCursor).toBe('next');
  });
});

describe('dashboard cursor', () => {
  const key = { partnerId: 'acme', referralId: 'ref_user_1', paidAt: '2026-01-15T10:00:00.000Z' };

  it('round-trips the LastEvaluatedKey as base64url', () => {
    // Act
    const cursor = encodeCursor(key);

    // Assess
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'acme')).toEqual(key);
  });

  it("rejects another partner's cursor", () => {
    // Prepare
    const cursor = encodeCursor({ ...key, partnerId: 'rival' });

    // Act
    const act = (): unknown => decodeCursor(cursor, 'acme');

    // Assess
    expect(act).toThrow(InvalidCursorError);
    expect(act).toThrow(expect.objectContaining({ name: 'InvalidCursor' }));
  });

  it.each([
    ['garbage', 'not*base64'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['an array', Buffer.from('[]').toString('base64url')],
    ['extra keys', Buffer.from(JSON.stringify({ ...key, admin: true })).toString('base64url')],
    ['a number key', Buffer.from(JSON.stringify({ ...key, paidAt: 5 })).toString('base64url')],
  ])('rejects %s', (_label, cursor) => {
    expect(() => decodeCursor(cursor, 'acme')).toThrow(InvalidCursorError);
  });
});
