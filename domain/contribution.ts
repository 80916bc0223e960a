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
  }
  const active = referral.subscriptionStatus === 'active' ? 1 : 0;
  c.activeSubscriptions = active;
  c.afActiveSubscriptions = isAfPlus ? 0 : active;
  c.afPlusActiveSubscriptions = isAfPlus ? active : 0;
  c.totalRevenueCents = referral.revenueCents ?? 0;
  c.refundedCents = referral.refundedCents ?? 0;
  c.disputeLostCents = referral.disputeLostCents ?? 0;
  c.netRevenueCents = c.totalRevenueCents - c.refundedCents - c.disputeLostCents;
  c.refundCount = referral.refundCount ?? 0;
  c.disputeCount = referral.disputeCount ?? 0;
  c.totalEarningsCents = referral.partnerEarningsCents ?? 0;
  c.pendingEarningsCents = referral.pendingCents ?? 0;
  c.approvedEarningsCents = referral.approvedCents ?? 0;
  c.paidEarningsCents = referral.paidCents ?? 0;
  c.onHoldEarningsCents = referral.onHoldCents ?? 0;
  c.reversedEarningsCents = referral.reversedCents ?? 0;
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
