import { addContributions, contributionDelta, contributionOf } from '../../domain/contribution';
import { STATS_COUNTERS, zeroCounters } from '../../domain/stats';
import { paidReferral as paid, signedUpReferral as signedUp } from './builders';

describe('contributionOf', () => {
  it('counts nothing for no referral', () => {
    expect(contributionOf(undefined)).toEqual(zeroCounters());
  });

  it('counts a fresh AF signup as one AF signup and nothing else', () => {
    expect(contributionOf(signedUp())).toEqual({ ...zeroCounters(), totalSignups: 1, afSignups: 1 });
  });

  it('counts a verified signup as verified', () => {
    expect(contributionOf(signedUp({ status: 'verified', verifiedAt: '2026-01-10T09:05:00.000Z' }))).toEqual({
      ...zeroCounters(),
      totalSignups: 1,
      afSignups: 1,
      totalVerified: 1,
    });
  });

  it('counts the seed payment in paid, revenue, active subscriptions and pending earnings', () => {
    expect(contributionOf(paid())).toEqual({
      ...zeroCounters(),
      totalSignups: 1,
      afPlusSignups: 1,
      totalVerified: 1,
      totalPaid: 1,
      afPlusPaid: 1,
      afPlusMonthlyPaid: 1,
      activeSubscriptions: 1,
      afPlusActiveSubscriptions: 1,
      totalRevenueCents: 2999,
      netRevenueCents: 2999,
      totalEarningsCents: 750,
      pendingEarningsCents: 750,
    });
  });

  it('counts each earnings status, refunds, disputes and net revenue as the referral states them', () => {
    // Prepare: three invoices; one paid out and partly clawed back, one partly refunded, one on hold
    const referral = paid({
      revenueCents: 3 * 2999,
      refundedCents: 2500,
      invoiceCount: 3,
      refundCount: 2,
      disputeCount: 1,
      paidCents: 750,
      approvedCents: -375,
      pendingCents: 500,
      onHoldCents: 750,
      reversedCents: 625,
      partnerEarningsCents: 1625,
    });

    // Act
    const c = contributionOf(referral);

    // Assess
    expect(c).toMatchObject({
      totalRevenueCents: 8997,
      refundedCents: 2500,
      netRevenueCents: 6497,
      refundCount: 2,
      disputeCount: 1,
      totalEarningsCents: 1625,
      pendingEarningsCents: 500,
      approvedEarningsCents: -375,
      paidEarningsCents: 750,
      onHoldEarningsCents: 750,
      reversedEarningsCents: 625,
    });
  });

  it.each([
    ['AF', 'Monthly', 'afMonthlyPaid', 'afPaid', 'afActiveSubscriptions'],
    ['AF', 'Annual', 'afAnnualPaid', 'afPaid', 'afActiveSubscriptions'],
    ['AFPlus', 'Monthly', 'afPlusMonthlyPaid', 'afPlusPaid', 'afPlusActiveSubscriptions'],
    ['AFPlus', 'Annual', 'afPlusAnnualPaid', 'afPlusPaid', 'afPlusActiveSubscriptions'],
  ] as const)(
    'counts a paid %s %s referral in %s, %s and %s',
    (planType, billingCycle, byCycle, byPlan, active) => {
      // Act
      const c = contributionOf(paid({ planType, billingCycle }));

      // Assess
      expect(c[byCycle]).toBe(1);
      expect(c[byPlan]).toBe(1);
      expect(c[active]).toBe(1);
      expect(c.activeSubscriptions).toBe(1);
      const others = (
        ['afMonthlyPaid', 'afAnnualPaid', 'afPlusMonthlyPaid', 'afPlusAnnualPaid'] as const
      ).filter((k) => k !== byCycle);
      expect(others.map((k) => c[k])).toEqual([0, 0, 0]);
    },
  );

  it('counts a canceled referral as paid but no longer active', () => {
    // Act
    const c = contributionOf(
      paid({ status: 'canceled', subscriptionStatus: 'canceled', canceledAt: '2026-02-01T00:00:00.000Z' }),
    );

    // Assess
    expect(c).toMatchObject({
      totalPaid: 1,
      afPlusPaid: 1,
      activeSubscriptions: 0,
      afPlusActiveSubscriptions: 0,
    });
  });

  it('gives a counter for every counter of the stats row', () => {
    expect(Object.keys(contributionOf(paid())).sort()).toEqual([...STATS_COUNTERS].sort());
  });
});

describe('contributionDelta', () => {
  it('moves the signup from AF to AF+ when the user pays for AF+', () => {
    // Prepare
    const before = signedUp({ verifiedAt: '2026-01-10T09:05:00.000Z', status: 'verified' });

    // Act
    const delta = contributionDelta(before, paid());

    // Assess
    expect(delta).toEqual({
      ...zeroCounters(),
      afSignups: -1,
      afPlusSignups: 1,
      totalPaid: 1,
      afPlusPaid: 1,
      afPlusMonthlyPaid: 1,
      activeSubscriptions: 1,
      afPlusActiveSubscriptions: 1,
      totalRevenueCents: 2999,
      netRevenueCents: 2999,
      totalEarningsCents: 750,
      pendingEarningsCents: 750,
    });
  });

  it('moves earnings between statuses when a commission is approved, paid out, then clawed back', () => {
    // Prepare
    const approved = paid({ pendingCents: 0, approvedCents: 750 });
    const paidOut = paid({ pendingCents: 0, paidCents: 750 });
    const clawedBack = paid({
      pendingCents: 0,
      paidCents: 750,
      approvedCents: -250,
      reversedCents: 250,
      partnerEarningsCents: 500,
      refundedCents: 1000,
      refundCount: 1,
    });

    // Act
    const steps = [
      contributionDelta(paid(), approved),
      contributionDelta(approved, paidOut),
      contributionDelta(paidOut, clawedBack),
    ];

    // Assess
    expect(steps).toEqual([
      { ...zeroCounters(), pendingEarningsCents: -750, approvedEarningsCents: 750 },
      { ...zeroCounters(), approvedEarningsCents: -750, paidEarningsCents: 750 },
      {
        ...zeroCounters(),
        approvedEarningsCents: -250,
        reversedEarningsCents: 250,
        totalEarningsCents: -250,
        refundedCents: 1000,
        netRevenueCents: -1000,
        refundCount: 1,
      },
    ]);
  });

  it('takes the whole contribution away when the referral goes', () => {
    // Act
    const delta = contributionDelta(paid(), undefined);

    // Assess
    const whole = contributionOf(paid());
    for (const k of STATS_COUNTERS) expect(delta[k]).toBe(0 - whole[k]);
  });
});

describe('addContributions', () => {
  it('sums many referrals onto a running total', () => {
    // Act
    const sum = addContributions({ ...zeroCounters(), totalSignups: 5 }, [
      signedUp(),
      paid({ referralId: 'ref_user_2', referredUserId: 'user_2' }),
    ]);

    // Assess
    expect(sum).toMatchObject({
      totalSignups: 7,
      afSignups: 1,
      afPlusSignups: 1,
      totalPaid: 1,
      totalRevenueCents: 2999,
      totalEarningsCents: 750,
      pendingEarningsCents: 750,
    });
  });
});
