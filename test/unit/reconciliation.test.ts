import { contributionOf } from '../../domain/contribution';
import {
  accumulate,
  MAX_DRIFT_ENTRIES,
  MAX_TRANSACTION_ACTIONS,
  planCorrection,
  summarize,
  type Accumulation,
  type PartnerResult,
} from '../../domain/reconciliation';
import { zeroCounters } from '../../domain/stats';
import { paidReferral, partnerStats, signedUpReferral } from './builders';

const tables = {
  statsTable: 'PartnerStats',
  referralsTable: 'PartnerReferrals',
  now: '2026-02-01T03:00:00.000Z',
};

describe('accumulate', () => {
  it('sums referrals across pages and collects pending markers', () => {
    // Prepare
    const page1 = [signedUpReferral({ referralId: 'ref_a', pendingStats: new Set(['signup'] as const) })];
    const page2 = [paidReferral({ referralId: 'ref_b', pendingStats: ['verify', 'payment'] })];

    // Act
    const acc = accumulate(accumulate(undefined, page1), page2);

    // Assess
    expect(acc.counters).toMatchObject({ totalSignups: 2, afSignups: 1, afPlusSignups: 1, totalPaid: 1 });
    expect(acc.pending).toEqual([
      { referralId: 'ref_a', keys: ['signup'] },
      { referralId: 'ref_b', keys: ['payment', 'verify'] },
    ]);
  });

  it('counts only ref_ items', () => {
    // Act
    const acc = accumulate(undefined, [signedUpReferral({ referralId: 'claim' }), signedUpReferral()]);

    // Assess
    expect(acc.counters.totalSignups).toBe(1);
  });

  it('does not mutate the prior accumulation', () => {
    // Prepare
    const prior = accumulate(undefined, [signedUpReferral()]);
    const snapshot = structuredClone(prior);

    // Act
    accumulate(prior, [signedUpReferral({ referralId: 'ref_2', pendingStats: ['signup'] })]);

    // Assess
    expect(prior).toEqual(snapshot);
  });
});

describe('planCorrection', () => {
  it('plans nothing when the stats equal the referrals and nothing is pending', () => {
    // Prepare
    const acc = accumulate(undefined, [paidReferral()]);
    const stats = partnerStats({ ...contributionOf(paidReferral()), totalClicks: 9, version: 7 });

    // Act
    const plan = planCorrection({ partnerId: 'partner_1', stats, acc, ...tables });

    // Assess
    expect(plan).toEqual({
      partnerId: 'partner_1',
      corrected: false,
      fields: {},
      transactItems: [],
      morePending: false,
    });
  });

  it('sets every counter under a version condition when they drift, leaving totalClicks alone', () => {
    // Prepare
    const acc = accumulate(undefined, [paidReferral()]);
    const stats = partnerStats({
      ...contributionOf(paidReferral()),
      totalPaid: 2,
      totalClicks: 9,
      version: 7,
    });

    // Act
    const plan = planCorrection({ partnerId: 'partner_1', stats, acc, ...tables });

    // Assess
    expect(plan.corrected).toBe(true);
    expect(plan.fields).toEqual({ totalPaid: { stored: 2, actual: 1 } });
    expect(plan.transactItems).toHaveLength(1);
    const update = plan.transactItems[0]?.Update;
    expect(update).toMatchObject({
      TableName: 'PartnerStats',
      Key: { partnerId: { S: 'partner_1' } },
      ConditionExpression: 'version = :seen',
    });
    expect(update?.UpdateExpression).toMatch(
      /^SET totalSignups = :totalSignups, .* version = :next, lastReconciledAt = :now$/,
    );
    expect(update?.UpdateExpression).not.toContain('totalClicks');
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':totalPaid': { N: '1' },
      ':totalEarningsCents': { N: '750' },
      ':seen': { N: '7' },
      ':next': { N: '8' },
      ':now': { S: tables.now },
    });
  });

  it('clears exactly the markers it saw, each under a contains condition', () => {
    // Prepare: counters agree, but a marker is left over from a failed stats write
    const referral = paidReferral({ pendingStats: ['payment', 'verify'] });
    const acc = accumulate(undefined, [referral]);
    const stats = partnerStats({ ...contributionOf(referral), version: 2 });

    // Act
    const plan = planCorrection({ partnerId: 'partner_1', stats, acc, ...tables });

    // Assess
    expect(plan.corrected).toBe(true);
    expect(plan.fields).toEqual({});
    expect(plan.transactItems[1]).toEqual({
      Update: {
        TableName: 'PartnerReferrals',
        Key: { partnerId: { S: 'partner_1' }, referralId: { S: 'ref_user_1' } },
        UpdateExpression: 'DELETE pendingStats :keys REMOVE statsPendingSince, statsPendingReason',
        ConditionExpression: 'contains(pendingStats, :k0) AND contains(pendingStats, :k1)',
        ExpressionAttributeValues: {
          ':keys': { SS: ['payment', 'verify'] },
          ':k0': { S: 'payment' },
          ':k1': { S: 'verify' },
        },
      },
    });
  });

  it('clears a compensation flag left without markers (the stats write committed, its answer lost)', () => {
    // Prepare: counters agree and no marker is left, but the referral still says stats are pending
    const referral = paidReferral({ statsPendingSince: '2026-01-15T10:00:00.000Z' });
    const acc = accumulate(undefined, [referral]);
    const stats = partnerStats({ ...contributionOf(referral), version: 3 });

    // Act
    const plan = planCorrection({ partnerId: 'partner_1', stats, acc, ...tables });

    // Assess
    expect(acc.pending).toEqual([{ referralId: 'ref_user_1', keys: [] }]);
    expect(plan.fields).toEqual({});
    expect(plan.transactItems[1]).toEqual({
      Update: {
        TableName: 'PartnerReferrals',
        Key: { partnerId: { S: 'partner_1' }, referralId: { S: 'ref_user_1' } },
        UpdateExpression: 'REMOVE statsPendingSince, statsPendingReason',
        ConditionExpression: 'attribute_exists(statsPendingSince)',
      },
    });
  });

  it('keeps the transaction within 100 actions and reports more pending', () => {
    // Prepare
    const acc: Accumulation = {
      counters: zeroCounters(),
      pending: Array.from({ length: 150 }, (_, i) => ({ referralId: `ref_${i}`, keys: ['signup' as const] })),
    };

    // Act
    const plan = planCorrection({ partnerId: 'partner_1', stats: partnerStats(), acc, ...tables });

    // Assess
    expect(plan.transactItems).toHaveLength(MAX_TRANSACTION_ACTIONS);
    expect(plan.morePending).toBe(true);
  });
});

describe('summarize', () => {
  it('counts checked, corrected and skipped partners and lists the drift', () => {
    // Prepare
    const results: PartnerResult[] = [
      { partnerId: 'a', corrected: false, skipped: false, fields: {} },
      { partnerId: 'b', corrected: true, skipped: false, fields: { totalPaid: { stored: 2, actual: 1 } } },
      { partnerId: 'c', corrected: true, skipped: false, fields: {} },
      { partnerId: 'd', corrected: false, skipped: true, fields: {} },
    ];

    // Act
    const summary = summarize(undefined, results);

    // Assess
    expect(summary).toEqual({
      partnersChecked: 4,
      partnersCorrected: 2,
      partnersSkipped: 1,
      drift: [{ partnerId: 'b', fields: { totalPaid: { stored: 2, actual: 1 } } }],
      driftOmitted: 0,
    });
  });

  it('adds onto the prior page and caps the drift list', () => {
    // Prepare
    const drifted = (i: number) => ({
      partnerId: `p${i}`,
      corrected: true,
      fields: { totalPaid: { stored: 1, actual: 0 } },
    });
    const prior = summarize(
      undefined,
      Array.from({ length: MAX_DRIFT_ENTRIES }, (_, i) => drifted(i)),
    );

    // Act
    const summary = summarize(prior, [drifted(1000), drifted(1001)]);

    // Assess
    expect(summary.partnersChecked).toBe(MAX_DRIFT_ENTRIES + 2);
    expect(summary.drift).toHaveLength(MAX_DRIFT_ENTRIES);
    expect(summary.driftOmitted).toBe(2);
  });
});
