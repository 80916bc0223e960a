import type { CommissionRule, CommissionSchedule, PlanChoice } from './config';
import { InvalidAmountError } from './errors';

const BASIS_POINTS_PER_WHOLE = 10_000n;

/** Throws `InvalidAmount` unless `value` is a non-negative safe integer (cents). */
export function assertCents(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidAmountError(field, value);
  }
}

/**
 * The partner's earnings on one payment, in cents. Percent rules are in basis points and rounded half
 * up, in integer arithmetic: `floor((amount × bp + 5000) / 10000)`. Flat rules pay their amount.
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

/** The commission the schedule grants for a plan × cycle paid `amountPaidCents`. */
export function commissionFor(
  choice: PlanChoice,
  amountPaidCents: number,
  schedule: CommissionSchedule,
): number {
  return earningsCents(amountPaidCents, schedule[choice.planType][choice.billingCycle]);
}
