import { DEFAULT_COMMISSION_SCHEDULE, type CommissionRule } from '../../domain/config';
import { commissionFor, earningsCents } from '../../domain/earnings';
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
    [29_999, 7500], // 7499.75
  ])('pays 25%% of %i cents as %i cents, rounded half up', (amount, expected) => {
    // Act
    const cents = earningsCents(amount, quarter);

    // Assess
    expect(cents).toBe(expected);
  });

  it('computes exactly for amounts whose product exceeds 2^53', () => {
    // Prepare: 9e15 cents × 3333 bp would lose precision in floating point
    const amount = 900_719_925_474_099;

    // Act
    const cents = earningsCents(amount, { kind: 'percent', basisPoints: 3333 });

    // Assess: floor((amount × 3333 + 5000) / 10000) in exact integer arithmetic
    expect(cents).toBe(Number((BigInt(amount) * 3333n + 5000n) / 10000n));
  });

  it('pays a flat rule its amount whatever was paid', () => {
    expect(earningsCents(2999, { kind: 'flat', cents: 500 })).toBe(500);
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

  it('rejects a percent rule outside 0..10000 basis points', () => {
    expect(() => earningsCents(100, { kind: 'percent', basisPoints: 10_001 })).toThrow(InvalidAmountError);
  });
});

describe('commissionFor', () => {
  it('looks up the plan × cycle rule in the schedule', () => {
    // Prepare
    const schedule = {
      ...DEFAULT_COMMISSION_SCHEDULE,
      AF: { Monthly: { kind: 'flat', cents: 300 } as CommissionRule, Annual: quarter },
    };

    // Act
    const afMonthly = commissionFor({ planType: 'AF', billingCycle: 'Monthly' }, 999, schedule);
    const afPlusMonthly = commissionFor({ planType: 'AFPlus', billingCycle: 'Monthly' }, 2999, schedule);

    // Assess
    expect(afMonthly).toBe(300);
    expect(afPlusMonthly).toBe(750);
  });
});
