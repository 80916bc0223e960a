import { marshall } from '@aws-sdk/util-dynamodb';
import { contributionOf } from '../../domain/contribution';
import type {
  Accumulation,
  CorrectionPlan,
  LedgerAccumulation,
  LedgerCheck,
  ReconciliationSummary,
} from '../../domain/reconciliation';
import { handler as compute, type FailureCause } from '../../lambdas/reconciliation-compute';
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
    expect(acc.earnings).toEqual({ ref_user_1: [null, 750, 0, 0, 0, 0] });
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
    expect(summary).toMatchObject({ partnersWithLedgerDrift: 0, ledgerDrift: [] });
  });

  it('checks ledger pages (as the Query projects them) against the referrals, then confirms on the re-read', async () => {
    // Prepare: the referral's row, edited by hand (net 700, not 750), and a row of no referral
    const acc = (await handler({
      action: 'accumulate',
      partnerId: 'partner_1',
      items: [item(paidReferral({ factCount: 2 }))],
    })) as Accumulation;
    const projected = (referralId: string, netCents: number) =>
      item({
        referralId,
        type: 'invoice',
        status: 'pending',
        earningsCents: 750,
        reversedCents: 0,
        netCents,
      });

    // Act
    const ledger = (await handler({
      action: 'accumulateLedger',
      partnerId: 'partner_1',
      items: [projected('ref_user_1', 700)],
      acc,
      ledger: null,
    })) as LedgerAccumulation;
    const last = (await handler({
      action: 'accumulateLedger',
      partnerId: 'partner_1',
      items: [projected('ref_ghost', 750)],
      acc,
      ledger,
    })) as LedgerAccumulation;
    const check = (await handler({
      action: 'confirmLedger',
      partnerId: 'partner_1',
      acc,
      ledger: last,
      // The recheck Map's iterations: the GetItem results (no Item: no such referral)
      recheck: [
        {
          partnerId: 'partner_1',
          referralId: 'ref_ghost',
          current: {},
        },
        {
          partnerId: 'partner_1',
          referralId: 'ref_user_1',
          current: { Item: item({ factCount: 2, pendingCents: 750 }) },
        },
      ],
    })) as LedgerCheck;

    // Assess
    expect(last).toMatchObject({ suspects: ['ref_ghost', 'ref_user_1'], mismatched: 2 });
    expect(check).toEqual({
      ledgerDrift: [
        { referralId: 'ref_ghost', field: 'referral', ledger: 1, referral: null },
        { referralId: 'ref_user_1', field: 'pendingCents', ledger: 700, referral: 750 },
      ],
      ledgerDriftOmitted: 0,
    });
  });

  it('summarizes a failed partner from what its Catch reported, and reports the failures as a Fail cause', async () => {
    // Act
    const summary = (await handler({
      action: 'summarize',
      results: [
        {
          partnerId: 'a',
          corrected: false,
          failure: { Error: 'MalformedEvent', Cause: '{"errorMessage":"items[0].status"}' },
        },
        { partnerId: 'b', corrected: false, failure: { Error: 'States.Timeout' } },
      ],
      prior: null,
    })) as ReconciliationSummary;
    const { cause } = (await handler({ action: 'reportFailures', summary })) as FailureCause;

    // Assess
    expect(summary).toMatchObject({
      partnersChecked: 2,
      partnersFailed: 2,
      failures: [
        { partnerId: 'a', error: 'MalformedEvent', cause: '{"errorMessage":"items[0].status"}' },
        { partnerId: 'b', error: 'States.Timeout', cause: '' },
      ],
    });
    expect(JSON.parse(cause)).toEqual({
      pages: 1,
      partnersChecked: 2,
      partnersCorrected: 0,
      partnersSkipped: 0,
      partnersWithLedgerDrift: 0,
      partnersFailed: 2,
      failures: summary.failures,
      failuresOmitted: 0,
    });
  });

  it('summarizes the partners with ledger drift', async () => {
    // Prepare
    const ledgerDrift = [{ referralId: 'ref_a', field: 'pendingCents', ledger: 700, referral: 750 }];

    // Act
    const summary = (await handler({
      action: 'summarize',
      results: [
        { partnerId: 'a', corrected: false, skipped: false, fields: {}, ledgerDrift, ledgerDriftOmitted: 0 },
        {
          partnerId: 'b',
          corrected: false,
          skipped: true,
          fields: {},
          ledgerDrift: [],
          ledgerDriftOmitted: 0,
        },
      ],
      prior: {
        partnersChecked: 0,
        partnersCorrected: 0,
        partnersSkipped: 0,
        drift: [],
        partnersWithLedgerDrift: 0,
        ledgerDrift: [],
      },
    })) as ReconciliationSummary;

    // Assess
    expect(summary).toMatchObject({
      partnersWithLedgerDrift: 1,
      ledgerDrift: [{ partnerId: 'a', ledgerDrift }],
    });
  });

  it.each([
    ['action', { action: 'explode' }],
    [
      'stats.version',
      {
        action: 'plan',
        partnerId: 'p',
        stats: item({ partnerId: 'p', registeredAt: 'x' }),
        acc: { counters: contributionOf(undefined), pending: [], earnings: {} },
        statsTable: 's',
        referralsTable: 'r',
        now: 'n',
      },
    ],
    [
      'items[0].planType',
      { action: 'accumulate', partnerId: 'p', items: [item({ ...signedUpReferral(), planType: 'Gold' })] },
    ],
    [
      'items[0].netCents',
      {
        action: 'accumulateLedger',
        partnerId: 'p',
        items: [
          item({
            referralId: 'ref_a',
            type: 'invoice',
            status: 'pending',
            earningsCents: 750,
            reversedCents: 0,
          }),
        ],
        acc: { counters: contributionOf(undefined), pending: [], earnings: {} },
      },
    ],
    [
      'recheck[0].current.Item.factCount',
      {
        action: 'confirmLedger',
        partnerId: 'p',
        acc: { counters: contributionOf(undefined), pending: [], earnings: {} },
        ledger: { rows: {}, suspects: ['ref_a'], mismatched: 1 },
        recheck: [{ referralId: 'ref_a', current: { Item: item({ factCount: 'x' }) } }],
      },
    ],
  ])('rejects malformed input naming %s', async (field, input) => {
    await expect(handler(input)).rejects.toMatchObject({ name: 'MalformedEvent', field });
  });
});
