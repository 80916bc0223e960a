import { addContributions, contributionDelta, contributionOf } from '../../domain/contribution';
import { zeroCounters } from '../../domain/stats';
import { paidReferral, signedUpReferral } from './builders';

describe('contribution', () => {
  it('counts a fresh AF signup as one AF signup and nothing else', () => {
    // Act
    const c = contributionOf(signedUpReferral());

    // Assess
    expect(c).toEqual({ ...zeroCounters(), totalSignups: 1, afSignups: 1 });
  });

  it('counts a paid AF+ monthly referral in revenue, earnings, pending earnings and active subscriptions', () => {
    // Act
    const c = contributionOf(paidReferral());

    // Assess
    expect(c).toEqual({
      ...zeroCounters(),
      totalSignups: 1,
      afPlusSignups: 1,
      totalVerified: 1,
      totalPaid: 1,
      afPlusPaid: 1,
      afPlusMonthlyPaid: 1,
      activeSubscriptions: 1,
      totalRevenueCents: 2999,
      totalEarningsCents: 750,
      pendingEarningsCents: 750,
    });
  });

  it('moves the signup from AF to AF+ when the user pays for AF+', () => {
    // Prepare
    const before = signedUpReferral({ verifiedAt: '2026-01-10T09:05:00.000Z', status: 'verified' });

    // Act
    const delta = contributionDelta(before, paidReferral());

    // Assess
    expect(delta).toMatchObject({
      totalSignups: 0,
      afSignups: -1,
      afPlusSignups: 1,
      totalVerified: 0,
      totalPaid: 1,
    });
  });

  it('sums many referrals onto a running total', () => {
    // Act
    const sum = addContributions(zeroCounters(), [
      signedUpReferral(),
      paidReferral({ referralId: 'ref_user_2' }),
    ]);

    // Assess
    expect(sum).toMatchObject({
      totalSignups: 2,
      afSignups: 1,
      afPlusSignups: 1,
      totalPaid: 1,
      totalEarningsCents: 750,
    });
  });
});
