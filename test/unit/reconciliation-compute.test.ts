import { marshall } from '@aws-sdk/util-dynamodb';
import { contributionOf } from '../../domain/contribution';
import type { Accumulation, CorrectionPlan, ReconciliationSummary } from '../../domain/reconciliation';
import { handler as compute } from '../../lambdas/reconciliation-compute';
import { paidReferral, partnerStats, signedUpReferral } from './builders';
import { lambdaContext } from './lambda-context';

const context = lambdaContext('reconciliation-compute');
const handler = (input: unknown) => compute(input, context);
const item = (value: object) => marshall(value, { removeUndefinedValues: true });

describe('reconciliation-compute handler', () => {
  it('accumulates a page of AttributeValue items, skipping non-referrals', async () => {
    // Prepare
    const items = [
      item({ ...paidReferral(), pendingStats: new Set(['payment']) }),
      item({ partnerId: 'partner_1', referralId: 'note', anything: 1 }),
    ];

    // Act
    const acc = (await handler({
      action: 'accumulate',
      partnerId: 'partner_1',
      items,
      acc: null,
    })) as Accumulation;

    // Assess
    expect(acc.counters).toEqual(contributionOf(paidReferral()));
    expect(acc.pending).toEqual([{ referralId: 'ref_user_1', keys: ['payment'] }]);
  });

  it('continues from the accumulation of the previous page', async () => {
    // Prepare
    const first = (await handler({
      action: 'accumulate',
      partnerId: 'partner_1',
      items: [item(signedUpReferral({ referralId: 'ref_a' }))],
    })) as Accumulation;

    // Act
    const second = (await handler({
      action: 'accumulate',
      partnerId: 'partner_1',
      items: [item(signedUpReferral({ referralId: 'ref_b' }))],
      acc: first,
    })) as Accumulation;

    // Assess
    expect(second.counters.totalSignups).toBe(2);
  });

  it('plans a correction from the stats item and the accumulation', async () => {
    // Prepare
    const acc = (await handler({
      action: 'accumulate',
      partnerId: 'partner_1',
      items: [item(paidReferral())],
    })) as Accumulation;
    const stats = item(partnerStats({ totalPaid: 3, totalClicks: 12, version: 41 }));

    // Act
    const plan = (await handler({
      action: 'plan',
      partnerId: 'partner_1',
      stats,
      acc,
      statsTable: 'PartnerStats',
      referralsTable: 'PartnerReferrals',
      now: '2026-02-01T03:00:00.000Z',
    })) as CorrectionPlan;

    // Assess
    expect(plan.corrected).toBe(true);
    expect(plan.fields.totalPaid).toEqual({ stored: 3, actual: 1 });
    expect(plan.transactItems[0]?.Update.ExpressionAttributeValues?.[':seen']).toEqual({ N: '41' });
  });

  it('summarizes a page of partner results onto the prior summary', async () => {
    // Act
    const summary = (await handler({
      action: 'summarize',
      results: [
        { partnerId: 'a', corrected: true, skipped: false, fields: { totalPaid: { stored: 3, actual: 1 } } },
      ],
      prior: { partnersChecked: 5, partnersCorrected: 0, partnersSkipped: 1, drift: [] },
    })) as ReconciliationSummary;

    // Assess
    expect(summary).toMatchObject({ partnersChecked: 6, partnersCorrected: 1, partnersSkipped: 1 });
    expect(summary.drift).toEqual([{ partnerId: 'a', fields: { totalPaid: { stored: 3, actual: 1 } } }]);
  });

  it.each([
    ['action', { action: 'explode' }],
    [
      'stats.version',
      {
        action: 'plan',
        partnerId: 'p',
        stats: item({ partnerId: 'p', registeredAt: 'x' }),
        acc: { counters: contributionOf(undefined), pending: [] },
        statsTable: 's',
        referralsTable: 'r',
        now: 'n',
      },
    ],
    [
      'items[0].planType',
      { action: 'accumulate', partnerId: 'p', items: [item({ ...signedUpReferral(), planType: 'Gold' })] },
    ],
  ])('rejects malformed input naming %s', async (field, input) => {
    await expect(handler(input)).rejects.toMatchObject({ name: 'MalformedEvent', field });
  });
});
