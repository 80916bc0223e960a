import fc from 'fast-check';
import {
  MAX_PAYOUT_LINES,
  planPayout,
  planTransition,
  PayoutStatusConflictError,
  summarizePayoutPage,
  type PayableCommission,
  type PayoutPlanInput,
  type PayoutRunSummary,
} from '../../domain/payout-plan';
import { PAYOUT_STATUSES, type Payout } from '../../domain/payouts';

const commission = (i: number, netCents: number): PayableCommission => ({
  commissionId: netCents < 0 ? `clawback#in_${i}` : `inv#in_${i}`,
  referredUserId: `u${i}`,
  netCents,
  earnedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  currency: 'usd',
});

const input = (approved: PayableCommission[], more: Partial<PayoutPlanInput> = {}): PayoutPlanInput => ({
  partnerId: 'acme',
  runId: 'run-1',
  cutoff: '2026-12-01T06:00:00.000Z',
  now: '2026-12-01T06:00:00.000Z',
  approved,
  approvedMore: false,
  claimed: [],
  attempt: 1,
  minimumPayoutCents: 5000,
  payoutsTable: 'PartnerPayouts',
  ...more,
});

describe('planPayout', () => {
  it('one payout of every unclaimed approved commission at or above the minimum, with a claim for each', () => {
    // Act
    const plan = planPayout(input([commission(1, 4000), commission(2, 2000), commission(3, -500)]));
    // Assess
    expect(plan).toMatchObject({ outcome: 'created', amountCents: 5500, lines: 3, more: false });
    if (plan.outcome !== 'created') throw new Error('expected a payout');
    expect(plan.payoutId).toMatch(/^po_20261201T060000Z_[0-9a-f]{12}$/);
    expect(plan.transactItems).toHaveLength(4);
    expect(
      plan.transactItems.every(
        (t) => 'Put' in t && t.Put.ConditionExpression === 'attribute_not_exists(payoutId)',
      ),
    ).toBe(true);
  });

  it('carries a balance under the minimum, a negative one, and nothing payable', () => {
    expect(planPayout(input([commission(1, 4999)]))).toEqual({
      outcome: 'carried',
      reason: 'below_minimum',
      balanceCents: 4999,
    });
    expect(planPayout(input([commission(1, 6000), commission(2, -7000)]))).toEqual({
      outcome: 'carried',
      reason: 'negative_balance',
      balanceCents: -1000,
    });
    expect(planPayout(input([commission(1, 6000)], { claimed: ['inv#in_1'] }))).toEqual({
      outcome: 'carried',
      reason: 'nothing_payable',
      balanceCents: 0,
    });
  });

  it('the same run, partner and attempt give the same payout id; another attempt another', () => {
    const a = planPayout(input([commission(1, 6000)]));
    const b = planPayout(input([commission(1, 6000)]));
    const c = planPayout(input([commission(1, 6000)], { attempt: 2 }));
    expect(a.outcome === 'created' && b.outcome === 'created' && c.outcome === 'created').toBe(true);
    if (a.outcome !== 'created' || b.outcome !== 'created' || c.outcome !== 'created') return;
    expect(a.payoutId).toBe(b.payoutId);
    expect(a.clientRequestToken).toBe(b.clientRequestToken);
    expect(c.payoutId).not.toBe(a.payoutId);
  });

  it('property: a payout holds only unclaimed commissions, at most 99, never less than the minimum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3000, max: 3000 }), { maxLength: 250 }),
        fc.array(fc.nat({ max: 249 }), { maxLength: 50 }),
        fc.integer({ min: 1, max: 20_000 }),
        (amounts, claimedIdx, minimum) => {
          const approved = amounts.map((a, i) => commission(i, a));
          const claimed = claimedIdx.filter((i) => i < approved.length).map((i) => approved[i]!.commissionId);
          const plan = planPayout(input(approved, { claimed, minimumPayoutCents: minimum }));
          const unclaimed = approved.filter((c) => !claimed.includes(c.commissionId));
          const balance = unclaimed.reduce((s, c) => s + c.netCents, 0);
          if (plan.outcome === 'carried') {
            expect(plan.reason === 'nothing_payable' || plan.balanceCents === balance).toBe(true);
            return;
          }
          const ids = plan.transactItems.slice(1).map((t) => ('Put' in t ? t.Put.Item.payoutId : undefined));
          expect(ids.length).toBe(plan.lines);
          expect(plan.lines).toBeLessThanOrEqual(MAX_PAYOUT_LINES);
          expect(plan.amountCents).toBeGreaterThanOrEqual(minimum);
          for (const id of ids)
            expect(claimed).not.toContain(String((id as { S: string }).S).slice('claim#'.length));
          expect(plan.more).toBe(unclaimed.length > plan.lines);
          // Every negative commission goes first when they do not all fit.
          if (plan.more) {
            const negatives = unclaimed.filter((c) => c.netCents < 0).length;
            const inPayout = plan.transactItems.slice(1, 1 + Math.min(negatives, MAX_PAYOUT_LINES));
            expect(
              inPayout.every(
                (t) => 'Put' in t && (t.Put.Item.payoutId as { S: string }).S.startsWith('claim#clawback#'),
              ),
            ).toBe(true);
          }
        },
      ),
    );
  });
});

const payout = (over: Partial<Payout> = {}): Payout => ({
  partnerId: 'acme',
  payoutId: 'po_20261201T060000Z_abc',
  status: 'pending',
  amountCents: 6000,
  currency: 'usd',
  lines: [
    { commissionId: 'inv#in_1', referredUserId: 'u1', netCents: 6750 },
    { commissionId: 'clawback#in_2', referredUserId: 'u2', netCents: -750 },
  ],
  periodStart: '2026-01-01T00:00:00.000Z',
  periodEnd: '2026-12-01T06:00:00.000Z',
  runId: 'run-1',
  createdAt: '2026-12-01T06:00:00.000Z',
  updatedAt: '2026-12-01T06:00:00.000Z',
  version: 1,
  ...over,
});
const AT = { at: '2026-12-02T00:00:00.000Z' };

describe('planTransition', () => {
  it('allows pending → processing → paid | failed | canceled and pending → canceled, nothing else', () => {
    const allowed = new Set([
      'pending>processing',
      'pending>canceled',
      'processing>paid',
      'processing>failed',
      'processing>canceled',
    ]);
    for (const from of PAYOUT_STATUSES) {
      for (const to of PAYOUT_STATUSES.filter((s) => s !== from && s !== 'pending')) {
        const attempt = () =>
          planTransition(payout({ status: from }), to, { ...AT, reference: 'tr_1', reason: 'r' }, 'T');
        if (allowed.has(`${from}>${to}`)) expect(attempt().outcome).toBe('changed');
        else expect(attempt).toThrow(PayoutStatusConflictError);
      }
    }
  });

  it('a failed payout releases every claim with its status change, in one transaction conditional on the version', () => {
    const plan = planTransition(
      payout({ status: 'processing', version: 2 }),
      'failed',
      { ...AT, reason: 'closed' },
      'T',
    );
    if (plan.outcome !== 'changed') throw new Error('expected a change');
    expect(plan.payout).toMatchObject({
      status: 'failed',
      failureReason: 'closed',
      failedAt: AT.at,
      version: 3,
    });
    expect(plan.transactItems.map((t) => Object.keys(t)[0])).toEqual(['Update', 'Delete', 'Delete']);
    const update = plan.transactItems[0];
    expect(
      update && 'Update' in update ? update.Update.ExpressionAttributeValues?.[':readVersion'] : undefined,
    ).toEqual({ N: '2' });
    expect(plan.settle).toBe(false);
  });

  it('paid settles; asking again with the same reference is unchanged, with another is a conflict', () => {
    const plan = planTransition(payout({ status: 'processing' }), 'paid', { ...AT, reference: 'tr_1' }, 'T');
    expect(plan).toMatchObject({
      outcome: 'changed',
      settle: true,
      payout: { reference: 'tr_1', paidAt: AT.at },
    });
    expect(plan.outcome === 'changed' ? plan.transactItems : []).toHaveLength(1);
    const paid = plan.payout;
    expect(planTransition(paid, 'paid', { ...AT, reference: 'tr_1' }, 'T')).toEqual({
      outcome: 'unchanged',
      payout: paid,
      settle: true,
    });
    expect(() => planTransition(paid, 'paid', { ...AT, reference: 'tr_2' }, 'T')).toThrow(
      PayoutStatusConflictError,
    );
  });
});

describe('summarizePayoutPage', () => {
  it('adds the page to the run: payouts, amounts, partners carried forward by reason', () => {
    const prior: PayoutRunSummary = {
      run: { firstExecution: 'run-1', startedAt: AT.at },
      pages: 1,
      partnersChecked: 25,
      payoutsCreated: 3,
      amountCents: 18_000,
      belowMinimum: 1,
      negativeBalance: 0,
      partnersBusy: 0,
      carriedForward: [{ partnerId: 'a', reason: 'below_minimum', balanceCents: 100 }],
      carriedForwardOmitted: 0,
    };
    const s = summarizePayoutPage(prior, [
      {
        partnerId: 'b',
        created: [
          { payoutId: 'po_1', amountCents: 6000 },
          { payoutId: 'po_2', amountCents: 5000 },
        ],
      },
      { partnerId: 'c', created: [], carried: { reason: 'negative_balance', balanceCents: -750 } },
      { partnerId: 'd', created: [], carried: { reason: 'nothing_payable', balanceCents: 0 } },
      { partnerId: 'e', created: [], busy: true },
    ]);
    expect(s).toMatchObject({
      pages: 2,
      partnersChecked: 29,
      payoutsCreated: 5,
      amountCents: 29_000,
      belowMinimum: 1,
      negativeBalance: 1,
      partnersBusy: 1,
    });
    expect(s.carriedForward.map((c) => c.partnerId)).toEqual(['a', 'c']);
    expect(prior.carriedForward).toHaveLength(1);
  });
});
