import type { Referral } from './referral';
import { STATS_COUNTERS, type ReferralCounters, zeroCounters } from './stats';

/**
 * What one referral adds to its partner's counters. The single definition of "stats are a view of
 * referrals": workflows apply differences of it, reconciliation sums it.
 */
export function contributionOf(referral: Referral | undefined): ReferralCounters {
  const c = zeroCounters();
  if (!referral) return c;
  const isAfPlus = referral.planType === 'AFPlus';
  c.totalSignups = 1;
  c.afSignups = isAfPlus ? 0 : 1;
  c.afPlusSignups = isAfPlus ? 1 : 0;
  c.totalVerified = referral.verifiedAt ? 1 : 0;
  if (referral.paidAt) {
    const annual = referral.billingCycle === 'Annual';
    c.totalPaid = 1;
    c.afPaid = isAfPlus ? 0 : 1;
    c.afPlusPaid = isAfPlus ? 1 : 0;
    c.afMonthlyPaid = !isAfPlus && !annual ? 1 : 0;
    c.afAnnualPaid = !isAfPlus && annual ? 1 : 0;
    c.afPlusMonthlyPaid = isAfPlus && !annual ? 1 : 0;
    c.afPlusAnnualPaid = isAfPlus && annual ? 1 : 0;
    c.totalRevenueCents = referral.paymentAmountCents ?? 0;
    c.totalEarningsCents = referral.partnerEarningsCents ?? 0;
    c.pendingEarningsCents =
      referral.commissionStatus === 'pending' ? (referral.partnerEarningsCents ?? 0) : 0;
  }
  c.activeSubscriptions = referral.subscriptionStatus === 'active' ? 1 : 0;
  return c;
}

/** The change to the counters when a referral moves from `before` to `after`. */
export function contributionDelta(
  before: Referral | undefined,
  after: Referral | undefined,
): ReferralCounters {
  const a = contributionOf(after);
  const b = contributionOf(before);
  const delta = zeroCounters();
  for (const k of STATS_COUNTERS) delta[k] = a[k] - b[k];
  return delta;
}

/** Sum of the contributions of many referrals, added onto `into`. */
export function addContributions(into: ReferralCounters, referrals: Iterable<Referral>): ReferralCounters {
  for (const r of referrals) {
    const c = contributionOf(r);
    for (const k of STATS_COUNTERS) into[k] += c[k];
  }
  return into;
}
