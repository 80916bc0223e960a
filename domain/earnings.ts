import type { CommissionRule, PlanCommission } from './config';
import { InvalidAmountError } from './errors';

const BASIS_POINTS_PER_WHOLE = 10_000n;

/** Throws `InvalidAmount` unless `value` is a non-negative safe integer (minor units). */
export function assertCents(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidAmountError(field, value);
  }
}

/** `value × numerator / denominator`, rounded half up, in integer arithmetic (no float ever sees money). */
export function proRata(value: number, numerator: number, denominator: number): number {
  if (denominator <= 0) throw new RangeError('proRata: denominator must be positive');
  const scaled = BigInt(value) * BigInt(numerator) * 2n + BigInt(denominator);
  return Number(scaled / (2n * BigInt(denominator)));
}

/**
 * The partner's earnings on one amount under one rule, in minor units. Percent rules are in basis points,
 * rounded half up: `floor((amount × bp + 5000) / 10000)`. Flat rules pay their amount.
 */
export function earningsCents(amountPaidCents: number, rule: CommissionRule): number {
  assertCents(amountPaidCents, 'amountPaidCents');
  if (rule.kind === 'flat') {
    assertCents(rule.cents, 'rule.cents');
    return rule.cents;
  }
  if (!Number.isSafeInteger(rule.basisPoints) || rule.basisPoints < 0 || rule.basisPoints > 10_000) {
    throw new InvalidAmountError('rule.basisPoints', rule.basisPoints);
  }
  const scaled = BigInt(amountPaidCents) * BigInt(rule.basisPoints) + BASIS_POINTS_PER_WHOLE / 2n;
  return Number(scaled / BASIS_POINTS_PER_WHOLE);
}

/** What the terms pay for an invoice in month `month` (1-based) of its subscription, and the rule used. */
export interface CommissionQuote {
  earningsCents: number;
  rule: string;
}

/** The terms' quote for an invoice of `amountPaidCents` in `month`; `undefined` past the duration. */
export function quoteCommission(
  terms: PlanCommission,
  month: number,
  amountPaidCents: number,
): CommissionQuote | undefined {
  if (terms.durationMonths !== 'lifetime' && month > terms.durationMonths) return undefined;
  const tier = [...terms.tiers].reverse().find((t) => t.fromMonth <= month);
  if (!tier) return undefined;
  const duration = terms.durationMonths === 'lifetime' ? 'lifetime' : `${terms.durationMonths} months`;
  const rate = tier.rule.kind === 'percent' ? `${tier.rule.basisPoints} bp` : `flat ${tier.rule.cents}`;
  return {
    earningsCents: earningsCents(amountPaidCents, tier.rule),
    rule: `${rate} from month ${tier.fromMonth} (month ${month}, ${duration})`,
  };
}
