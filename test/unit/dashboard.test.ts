import fc from 'fast-check';
import {
  conversionRates,
  dashboardView,
  decodeCursor,
  encodeCursor,
  formatMinorUnits,
  nextDashboardCursor,
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

describe('formatMinorUnits', () => {
  it.each([
    [750, '$7.50'],
    [0, '$0.00'],
    [5, '$0.05'],
    [123_456_789, '$1,234,567.89'],
    [-5, '-$0.05'],
  ])('formats %i cents as %s', (cents, text) => {
    expect(formatMinorUnits(cents, 'usd')).toBe(text);
  });

  it.each([
    [1234, 'jpy', '¥1,234'],
    [-5, 'JPY', '-¥5'],
    [1_000_000, 'krw', '1,000,000 KRW'],
    [1234, 'kwd', '1.234 KWD'],
    [5, 'bhd', '0.005 BHD'],
    [1999, 'eur', '€19.99'],
    [1000, 'chf', '10.00 CHF'],
  ])('formats %i in %s with its exponent as %s', (amount, currency, text) => {
    expect(formatMinorUnits(amount, currency)).toBe(text);
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
    const view = dashboardView(stats, [paidReferral()], 'next', 'usd');

    // Assess
    expect(view.partnerId).toBe('partner_1');
    expect(view.displayName).toBe('partner_1');
    expect(view.currency).toBe('usd');
    expect(view.stats).toMatchObject({ totalEarningsCents: 750, totalEarnings: '$7.50', totalClicks: 4 });
    expect(view.stats).not.toHaveProperty('version');
    expect(view.conversion.clickToSignup.percent).toBe('25.00%');
    expect(view.recentReferrals).toEqual([
      expect.objectContaining({
        referralId: 'ref_user_1',
        partnerEarningsCents: 750,
        partnerEarnings: '$7.50',
        revenueCents: 2999,
        revenue: '$29.99',
      }),
    ]);
    expect(view.recentReferrals[0]).not.toHaveProperty('stripeCustomerId');
    expect(view.recentReferrals[0]).not.toHaveProperty('commissionStatus');
    expect(view.nextCursor).toBe('next');
  });

  it("shows the partner's earnings by status from the counters, in cents and formatted", () => {
    // Prepare
    const stats = partnerStats({
      pendingEarningsCents: 750,
      approvedEarningsCents: 1500,
      paidEarningsCents: 225_000,
      onHoldEarningsCents: 300,
      reversedEarningsCents: 5,
      refundedCents: 2999,
      netRevenueCents: 1000,
    });

    // Act
    const view = dashboardView(stats, [], null, 'usd');

    // Assess
    expect(view.earnings).toEqual({
      pendingCents: 750,
      pending: '$7.50',
      approvedCents: 1500,
      approved: '$15.00',
      paidCents: 225_000,
      paid: '$2,250.00',
      onHoldCents: 300,
      onHold: '$3.00',
      reversedCents: 5,
      reversed: '$0.05',
      balanceCents: 1500,
      balance: '$15.00',
    });
    expect(view.stats).toMatchObject({
      approvedEarningsCents: 1500,
      approvedEarnings: '$15.00',
      refundedCents: 2999,
      refunded: '$29.99',
      netRevenue: '$10.00',
    });
  });

  it("shows each referral's own earnings by status and revenue", () => {
    // Prepare
    const r = paidReferral({
      pendingCents: 250,
      approvedCents: 500,
      paidCents: 750,
      onHoldCents: 0,
      reversedCents: 100,
      partnerEarningsCents: 1500,
      revenueCents: 8997,
    });

    // Act
    const [row] = dashboardView(partnerStats(), [r], null, 'usd').recentReferrals;

    // Assess
    expect(row).toMatchObject({
      revenueCents: 8997,
      revenue: '$89.97',
      partnerEarningsCents: 1500,
      earnings: {
        pendingCents: 250,
        pending: '$2.50',
        approvedCents: 500,
        paidCents: 750,
        paid: '$7.50',
        onHoldCents: 0,
        reversedCents: 100,
        reversed: '$1.00',
      },
    });
  });

  it('formats in the program currency with its exponent (jpy has no decimals)', () => {
    // Prepare
    const stats = partnerStats({ totalRevenueCents: 120_000, pendingEarningsCents: 30_000 });
    const r = paidReferral({
      currency: undefined,
      revenueCents: 3000,
      partnerEarningsCents: 750,
      pendingCents: 750,
    });

    // Act
    const view = dashboardView(stats, [r], null, 'jpy');

    // Assess
    expect(view.stats.totalRevenue).toBe('¥120,000');
    expect(view.earnings).toMatchObject({ pendingCents: 30_000, pending: '¥30,000' });
    expect(view.recentReferrals[0]).toMatchObject({
      currency: 'jpy',
      revenue: '¥3,000',
      partnerEarnings: '¥750',
      earnings: { pending: '¥750' },
    });
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

  it("is Node's base64url of the key's JSON for any text, so cursors issued before stay valid", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.string(),
        fc.string(),
        (partnerId, referralId, paidAt) => {
          // Act
          const cursor = encodeCursor({ partnerId, referralId, paidAt });

          // Assess
          const json = JSON.stringify({ partnerId, referralId, paidAt });
          expect(cursor).toBe(Buffer.from(json, 'utf8').toString('base64url'));
          if (cursor.length <= 1024)
            expect(decodeCursor(cursor, partnerId)).toEqual({ partnerId, referralId, paidAt });
        },
      ),
    );
  });

  it('rejects base64 that does not decode (a length of 4n+1)', () => {
    expect(() => decodeCursor('abcde', 'acme')).toThrow(InvalidCursorError);
  });

  it('the next cursor comes from a complete LastEvaluatedKey only', () => {
    expect(nextDashboardCursor({ ...key, extra: 'x' })).toBe(encodeCursor(key));
    expect(nextDashboardCursor({ partnerId: 'acme', referralId: 'ref_user_1' })).toBeNull();
    expect(nextDashboardCursor(undefined)).toBeNull();
  });
});
