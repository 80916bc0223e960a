import { DEFAULT_COMMISSION_SCHEDULE, type CommissionRule, type PlanCommission } from '../../domain/config';
import { assertCents, earningsCents, proRata, quoteCommission } from '../../domain/earnings';
import { InvalidAmountError } from '../../domain/errors';

const quarter: CommissionRule = { kind: 'percent', basisPoints: 2500 };

describe('earningsCents', () => {
  it.each([
    [2999, 750], // the seed: AF+ Monthly $29.99 → $7.50 (749.75 rounds up)
    [0, 0],
    [1, 0], // 0.25 rounds down
    [2, 1], // 0.5 rounds half up
    [3, 1], // 0.75 rounds up
    [4, 1],
    [6, 2], // 1.5 rounds half up
    [100, 25],
    [9990, 2498], // AF Annual $99.90: 2497.5 rounds half up
    [29_999, 7500], // 7499.75
    [99_999_999, 25_000_000], // Stripe's largest amount: 24999999.75
  ])('pays 25%% of %i cents as %i cents, rounded half up', (amount, expected) => {
    // Act
    const cents = earningsCents(amount, quarter);

    // Assess
    expect(cents).toBe(expected);
  });

  it('computes exactly for amounts whose product exceeds 2^53', () => {
    // Prepare: 9e14 cents × 3333 bp would lose precision in floating point
    const amount = 900_719_925_474_099;

    // Act
    const cents = earningsCents(amount, { kind: 'percent', basisPoints: 3333 });

    // Assess: floor((amount × 3333 + 5000) / 10000) in exact integer arithmetic
    expect(cents).toBe(Number((BigInt(amount) * 3333n + 5000n) / 10000n));
  });

  it('pays a flat rule its amount whatever was paid', () => {
    expect(earningsCents(2999, { kind: 'flat', cents: 500 })).toBe(500);
    expect(earningsCents(0, { kind: 'flat', cents: 500 })).toBe(500);
  });

  it.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    'rejects %p cents with InvalidAmount',
    (amount) => {
      // Act
      const act = (): number => earningsCents(amount, quarter);

      // Assess
      expect(act).toThrow(InvalidAmountError);
      expect(act).toThrow(expect.objectContaining({ name: 'InvalidAmount', field: 'amountPaidCents' }));
    },
  );

  it('rejects a percent rule outside 0..10000 basis points and a flat rule of no whole cents', () => {
    expect(() => earningsCents(100, { kind: 'percent', basisPoints: 10_001 })).toThrow(InvalidAmountError);
    expect(() => earningsCents(100, { kind: 'percent', basisPoints: -1 })).toThrow(InvalidAmountError);
    expect(() => earningsCents(100, { kind: 'flat', cents: 2.5 })).toThrow(
      expect.objectContaining({ field: 'rule.cents' }),
    );
  });
});

describe('assertCents', () => {
  it('accepts non-negative safe integers and rejects the rest', () => {
    expect(() => assertCents(0, 'x')).not.toThrow();
    expect(() => assertCents(Number.MAX_SAFE_INTEGER, 'x')).not.toThrow();
    expect(() => assertCents(Number.MAX_SAFE_INTEGER + 1, 'x')).toThrow(InvalidAmountError);
    expect(() => assertCents('5', 'x')).toThrow(expect.objectContaining({ field: 'x' }));
  });
});

describe('proRata', () => {
  it.each([
    [750, 1000, 2999, 250], // the seed refunded $10.00 of $29.99: 250.08
    [750, 2999, 2999, 750], // all of it
    [750, 0, 2999, 0],
    [5, 1, 2, 3], // 2.5 rounds half up
    [1, 1, 3, 0], // 0.33
    [2, 1, 3, 1], // 0.67
    [2498, 4995, 9990, 1249], // half of AF Annual's 2498
  ])('takes %i × %i / %i as %i, rounded half up', (value, numerator, denominator, expected) => {
    expect(proRata(value, numerator, denominator)).toBe(expected);
  });

  it('is exact where the product exceeds 2^53', () => {
    // Prepare
    const value = 25_000_000;
    const numerator = 99_999_998;
    const denominator = 99_999_999;

    // Act
    const share = proRata(value, numerator, denominator);

    // Assess: 24999999.75 rounds up
    expect(share).toBe(25_000_000);
    expect(share).toBe(
      Number((BigInt(value) * BigInt(numerator) * 2n + BigInt(denominator)) / (2n * BigInt(denominator))),
    );
  });

  it('refuses a denominator that is not positive', () => {
    expect(() => proRata(750, 0, 0)).toThrow(RangeError);
    expect(() => proRata(750, 1, -5)).toThrow(RangeError);
  });
});

describe('quoteCommission', () => {
  const firstYear = DEFAULT_COMMISSION_SCHEDULE.AFPlus.Monthly;
  const tiered: PlanCommission = {
    tiers: [
      { fromMonth: 1, rule: { kind: 'percent', basisPoints: 4000 } },
      { fromMonth: 4, rule: { kind: 'percent', basisPoints: 2000 } },
    ],
    durationMonths: 12,
  };

  it('pays the default 25% in months 1 to 12 and nothing from month 13 on', () => {
    expect(quoteCommission(firstYear, 1, 2999)?.earningsCents).toBe(750);
    expect(quoteCommission(firstYear, 12, 2999)?.earningsCents).toBe(750);
    expect(quoteCommission(firstYear, 13, 2999)).toBeUndefined();
  });

  it('takes the rate of the tier the month falls in', () => {
    // Act
    const months = [1, 2, 3, 4, 12].map((month) => quoteCommission(tiered, month, 2999)?.earningsCents);

    // Assess: 1199.6 → 1200 for three months, then 599.8 → 600
    expect(months).toEqual([1200, 1200, 1200, 600, 600]);
    expect(quoteCommission(tiered, 13, 2999)).toBeUndefined();
  });

  it('names the rule it used', () => {
    expect(quoteCommission(tiered, 5, 2999)?.rule).toBe('2000 bp from month 4 (month 5, 12 months)');
    expect(
      quoteCommission(
        { tiers: [{ fromMonth: 1, rule: { kind: 'flat', cents: 500 } }], durationMonths: 'lifetime' },
        40,
        999,
      ),
    ).toEqual({ earningsCents: 500, rule: 'flat 500 from month 1 (month 40, lifetime)' });
  });

  it('pays a lifetime program in every month', () => {
    // Prepare
    const lifetime: PlanCommission = { tiers: firstYear.tiers, durationMonths: 'lifetime' };

    // Act + Assess
    expect(quoteCommission(lifetime, 13, 2999)?.earningsCents).toBe(750);
    expect(quoteCommission(lifetime, 240, 2999)?.earningsCents).toBe(750);
  });

  it('quotes zero on a zero invoice under a percent rule (the ledger books no row for it)', () => {
    expect(quoteCommission(firstYear, 1, 0)).toEqual(expect.objectContaining({ earningsCents: 0 }));
  });

  it('quotes nothing before the first tier', () => {
    expect(quoteCommission(firstYear, 0, 2999)).toBeUndefined();
  });
});
