import { DEFAULT_COMMISSION_SCHEDULE, DEFAULT_HOLD_PERIOD_DAYS } from '../../domain/config';
import { contributionOf } from '../../domain/contribution';
import { factKeys, type Fact } from '../../domain/facts';
import { earningsOf, referralStateOf, type Commission, type ReferralState } from '../../domain/lifecycle';
import {
  accumulate,
  accumulateLedger,
  confirmLedgerDrift,
  MAX_DRIFT_ENTRIES,
  MAX_FAILURE_CAUSE_LENGTH,
  MAX_FAILURE_ENTRIES,
  MAX_LEDGER_DRIFT_PARTNERS,
  MAX_LEDGER_DRIFT_PER_PARTNER,
  MAX_LEDGER_RECHECKS,
  MAX_TRANSACTION_ACTIONS,
  partnersFailedReport,
  planCorrection,
  summarize,
  type Accumulation,
  type LedgerRow,
  type PartnerResult,
  type RecheckedReferral,
} from '../../domain/reconciliation';
import type { Referral } from '../../domain/referral';
import { zeroCounters } from '../../domain/stats';
import { paidReferral, partnerStats, signedUpReferral } from './builders';

const tables = {
  statsTable: 'PartnerStats',
  referralsTable: 'PartnerReferrals',
  activityTable: 'PartnerActivity',
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

  it('keeps the earnings sums and factCount of referrals with earnings, for the ledger check', () => {
    // Prepare
    const page = [
      signedUpReferral({ referralId: 'ref_none', factCount: 1 }),
      paidReferral({ referralId: 'ref_paid', factCount: 3 }),
      paidReferral({
        referralId: 'ref_mixed',
        pendingCents: 500,
        approvedCents: -250,
        paidCents: 750,
        onHoldCents: 40,
        reversedCents: 500,
      }),
    ];

    // Act
    const acc = accumulate(undefined, page);

    // Assess: [factCount, pending, approved, paid, onHold, reversed]; no earnings, no entry
    expect(acc.earnings).toEqual({
      ref_paid: [3, 750, 0, 0, 0, 0],
      ref_mixed: [null, 500, -250, 750, 40, 500],
    });
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
        UpdateExpression:
          'DELETE pendingStats :keys REMOVE statsPendingSince, statsPendingReason, pendingChanges.#k0, pendingChanges.#k1',
        ConditionExpression: 'contains(pendingStats, :k0) AND contains(pendingStats, :k1)',
        ExpressionAttributeNames: { '#k0': 'payment', '#k1': 'verify' },
        ExpressionAttributeValues: {
          ':keys': { SS: ['payment', 'verify'] },
          ':k0': { S: 'payment' },
          ':k1': { S: 'verify' },
        },
      },
    });
  });

  it('applies the activity days recorded with the markers it clears, once, in the same transaction', () => {
    // Prepare: two referrals whose stats writes failed; their changes' days are recorded with the markers
    const first = {
      ...paidReferral({ pendingStats: ['payment'] }),
      pendingChanges: { payment: { byDay: { '2026-01-15': { conversions: 1, earningsCents: 750 } } } },
    };
    const second = {
      ...paidReferral({ referralId: 'ref_user_2', pendingStats: ['refund'] }),
      pendingChanges: {
        refund: { byDay: { '2026-01-15': { reversedCents: 750 }, '2026-01-16': { signups: 1 } } },
        older: { byDay: { '2026-01-01': { signups: 5 } } },
      },
    };
    const acc = accumulate(undefined, [first, second]);
    const stats = partnerStats({ version: 4 });

    // Act
    const plan = planCorrection({ partnerId: 'partner_1', stats, acc, ...tables });

    // Assess: only the markers' own changes (not `older`, whose marker is gone), summed by day
    expect(plan.transactItems.slice(3)).toEqual([
      {
        Update: {
          TableName: 'PartnerActivity',
          Key: { partnerId: { S: 'partner_1' }, day: { S: '2026-01-15' } },
          UpdateExpression:
            'ADD conversions :conversions, earningsCents :earningsCents, reversedCents :reversedCents',
          ExpressionAttributeValues: {
            ':conversions': { N: '1' },
            ':earningsCents': { N: '750' },
            ':reversedCents': { N: '750' },
          },
        },
      },
      {
        Update: {
          TableName: 'PartnerActivity',
          Key: { partnerId: { S: 'partner_1' }, day: { S: '2026-01-16' } },
          UpdateExpression: 'ADD signups :signups',
          ExpressionAttributeValues: { ':signups': { N: '1' } },
        },
      },
    ]);
    expect(plan.transactItems).toHaveLength(5);
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
      earnings: {},
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
      pages: 1,
      partnersChecked: 4,
      partnersCorrected: 2,
      partnersSkipped: 1,
      drift: [{ partnerId: 'b', fields: { totalPaid: { stored: 2, actual: 1 } } }],
      driftOmitted: 0,
      partnersWithLedgerDrift: 0,
      ledgerDrift: [],
      ledgerDriftOmitted: 0,
      partnersFailed: 0,
      failures: [],
      failuresOmitted: 0,
    });
  });

  it('carries the run forward and counts one page more per call', () => {
    // Prepare
    const run = { firstExecution: 'nightly-1', startedAt: '2026-02-01T03:00:00.000Z' };
    const first = { ...summarize(undefined, []), run, pages: 0 };

    // Act
    const second = summarize(summarize(first, [{ partnerId: 'a', corrected: false }]), []);

    // Assess
    expect(second).toMatchObject({ run, pages: 2, partnersChecked: 1 });
  });

  it('counts a failed partner as checked and failed only, and lists it with its error and cause', () => {
    // Prepare
    const failure = { error: 'MalformedEvent', cause: 'items[0].status: Invalid option' };

    // Act
    const summary = summarize(undefined, [
      { partnerId: 'a', corrected: false, failure },
      { partnerId: 'b', corrected: true, fields: { totalPaid: { stored: 2, actual: 1 } } },
    ]);

    // Assess
    expect(summary).toMatchObject({
      partnersChecked: 2,
      partnersCorrected: 1,
      partnersSkipped: 0,
      partnersFailed: 1,
      failures: [{ partnerId: 'a', ...failure }],
      failuresOmitted: 0,
    });
    expect(summary.drift.map((d) => d.partnerId)).toEqual(['b']);
  });

  it(`lists at most ${MAX_FAILURE_ENTRIES} failed partners, cuts each cause to ${MAX_FAILURE_CAUSE_LENGTH} characters, and counts all`, () => {
    // Prepare
    const failed = (i: number): PartnerResult => ({
      partnerId: `p${i}`,
      corrected: false,
      failure: { error: 'Lambda.Unknown', cause: 'x'.repeat(10_000) },
    });
    const prior = summarize(
      undefined,
      Array.from({ length: MAX_FAILURE_ENTRIES }, (_, i) => failed(i)),
    );

    // Act
    const summary = summarize(prior, [failed(1000), failed(1001)]);

    // Assess
    expect(summary.partnersFailed).toBe(MAX_FAILURE_ENTRIES + 2);
    expect(summary.failures).toHaveLength(MAX_FAILURE_ENTRIES);
    expect(summary.failuresOmitted).toBe(2);
    expect(Math.max(...summary.failures.map((f) => f.cause.length))).toBe(MAX_FAILURE_CAUSE_LENGTH);
    // The whole list fits a Fail state's cause (32,768 characters) with room for the counts
    expect(JSON.stringify(partnersFailedReport(summary)).length).toBeLessThan(16_384);
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

// ---- The ledger check ----

const PARTNER = 'partner_1';
const T0 = '2026-01-15T10:00:00.000Z';
const DAY_MS = 86_400_000;
const plusDays = (iso: string, days: number): string =>
  new Date(Date.parse(iso) + days * DAY_MS).toISOString();
const DUE = plusDays(T0, DEFAULT_HOLD_PERIOD_DAYS);

/** Facts of one user: invoice `in_<n>` paid by `pi_<n>` each month from T0, AF+ Monthly 2999. */
function paidInvoice(n: number): Fact[] {
  const at = new Date(Date.parse(T0));
  at.setUTCMonth(at.getUTCMonth() + n - 1);
  return [
    {
      kind: 'invoice',
      key: factKeys.invoice(`in_${n}`),
      at: at.toISOString(),
      invoiceId: `in_${n}`,
      billingReason: n === 1 ? 'subscription_create' : 'subscription_cycle',
      amountCents: 2999,
      currency: 'usd',
      planType: 'AFPlus',
      billingCycle: 'Monthly',
      subscriptionId: 'sub_1',
      customerId: 'cus_1',
      paymentIds: [],
    },
    {
      kind: 'invoicePayment',
      key: factKeys.invoicePayment(`inpay_${n}`),
      at: at.toISOString(),
      invoiceId: `in_${n}`,
      paymentIds: [`pi_${n}`],
    },
  ];
}

const refund = (n: number, amountRefundedCents: number, at: string): Fact => ({
  kind: 'refund',
  key: factKeys.refund(`ch_${n}`, amountRefundedCents),
  at,
  chargeId: `ch_${n}`,
  paymentIds: [`ch_${n}`, `pi_${n}`],
  amountRefundedCents,
});

/** A user whose ledger has every kind of row: paid, its clawback, pending with a refund, on hold. */
function storyOf(userId: string): ReferralState {
  const facts: Fact[] = [
    {
      kind: 'signup',
      key: factKeys.signup(`evt_signup_${userId}`),
      at: '2026-01-10T09:00:00.000Z',
      partnerId: PARTNER,
    },
    ...paidInvoice(1),
    { kind: 'approval', key: factKeys.approval('inv#in_1'), at: DUE, commissionId: 'inv#in_1' },
    {
      kind: 'payout',
      key: factKeys.payout('inv#in_1'),
      at: plusDays(DUE, 1),
      commissionId: 'inv#in_1',
      payoutId: 'po_1',
      earningsCents: 750,
    },
    refund(1, 1500, plusDays(DUE, 3)),
    ...paidInvoice(2),
    refund(2, 1000, plusDays(T0, 33)),
    ...paidInvoice(3),
    {
      kind: 'dispute',
      key: factKeys.dispute('dp_3', 'open'),
      at: plusDays(T0, 62),
      disputeId: 'dp_3',
      paymentIds: ['pi_3'],
      amountCents: 2999,
      phase: 'open',
    },
  ];
  const state = referralStateOf(userId, facts, {
    schedule: DEFAULT_COMMISSION_SCHEDULE,
    holdPeriodDays: DEFAULT_HOLD_PERIOD_DAYS,
  });
  if (!state) throw new Error('expected a referral state');
  return state;
}

/** The referral item as the workflows store it: the state plus the write's bookkeeping. */
const referralOf = (state: ReferralState, factCount = 9): Referral => ({ ...state.referral, factCount });

const row = (overrides: Partial<LedgerRow> & Pick<LedgerRow, 'referralId'>): LedgerRow => ({
  type: 'invoice',
  status: 'pending',
  earningsCents: 750,
  reversedCents: 0,
  netCents: 750,
  ...overrides,
});

/** What the recheck's `GetItem` read: the referral as it is now. */
const reread = (
  referral: Referral | undefined,
  referralId = referral?.referralId ?? '',
): RecheckedReferral =>
  referral
    ? {
        referralId,
        current: {
          pendingCents: referral.pendingCents,
          approvedCents: referral.approvedCents,
          paidCents: referral.paidCents,
          onHoldCents: referral.onHoldCents,
          reversedCents: referral.reversedCents,
          ...(referral.factCount !== undefined ? { factCount: referral.factCount } : {}),
        },
      }
    : { referralId };

describe('accumulateLedger', () => {
  it('finds nothing when the rows are the ones the lifecycle wrote with the referral, across pages', () => {
    // Prepare: two users, every kind of row, rows of one referral on both pages
    const a = storyOf('user_a');
    const b = storyOf('user_b');
    const kinds = a.commissions.map((c) => `${c.type}:${c.status}`).sort();
    const acc = accumulate(undefined, [referralOf(a), referralOf(b)]);
    const rows: Commission[] = [...a.commissions, ...b.commissions];

    // Act
    const first = accumulateLedger(undefined, acc, rows.slice(0, 3));
    const last = accumulateLedger(first, acc, rows.slice(3));

    // Assess
    expect(kinds).toEqual(['clawback:approved', 'invoice:on_hold', 'invoice:paid', 'invoice:pending']);
    expect(first.suspects.length).toBeGreaterThan(0); // mid-way, the rest of the rows are still to come
    expect(last).toMatchObject({ suspects: [], mismatched: 0 });
    const { pendingCents, approvedCents, paidCents, onHoldCents, reversedCents } = earningsOf(a.commissions);
    expect(last.rows.ref_user_a).toEqual([
      pendingCents,
      approvedCents,
      paidCents,
      onHoldCents,
      reversedCents,
      4,
    ]);
    // reversed: the pending row's 250 and the clawback's 375 (Σ reversedCents − Σ clawback earningsCents)
    expect(last.rows.ref_user_a?.[4]).toBe(250 + 375);
  });

  it('suspects a referral whose rows add up differently, one with earnings and no rows, and rows of an unseen referral', () => {
    // Prepare
    const acc = accumulate(undefined, [
      paidReferral({ referralId: 'ref_edited' }),
      paidReferral({ referralId: 'ref_fine' }),
      paidReferral({ referralId: 'ref_no_rows' }),
      signedUpReferral({ referralId: 'ref_unpaid' }),
    ]);

    // Act
    const ledger = accumulateLedger(undefined, acc, [
      row({ referralId: 'ref_edited', netCents: 700 }),
      row({ referralId: 'ref_fine' }),
      row({ referralId: 'ref_ghost' }),
      row({ referralId: 'ref_unpaid', status: 'reversed', netCents: 0, reversedCents: 750 }),
    ]);

    // Assess
    expect(ledger.suspects).toEqual(['ref_edited', 'ref_ghost', 'ref_no_rows', 'ref_unpaid']);
    expect(ledger.mismatched).toBe(4);
    expect(ledger.rows.ref_edited).toEqual([700, 0, 0, 0, 0, 1]);
  });

  it(`lists at most ${MAX_LEDGER_RECHECKS} suspects, in referral id order, and counts the rest`, () => {
    // Prepare
    const ids = Array.from(
      { length: MAX_LEDGER_RECHECKS + 3 },
      (_, i) => `ref_${String(i).padStart(2, '0')}`,
    );
    const acc = accumulate(
      undefined,
      ids.map((referralId) => paidReferral({ referralId })),
    );

    // Act
    const ledger = accumulateLedger(undefined, acc, []);

    // Assess
    expect(ledger.suspects).toEqual(ids.slice(0, MAX_LEDGER_RECHECKS));
    expect(ledger.mismatched).toBe(ids.length);
  });

  it('does not mutate the prior accumulation', () => {
    // Prepare
    const acc = accumulate(undefined, [paidReferral()]);
    const prior = accumulateLedger(undefined, acc, [row({ referralId: 'ref_user_1', netCents: 100 })]);
    const snapshot = structuredClone(prior);

    // Act
    accumulateLedger(prior, acc, [row({ referralId: 'ref_user_1', netCents: 650 })]);

    // Assess
    expect(prior).toEqual(snapshot);
  });
});

describe('confirmLedgerDrift', () => {
  const edited = paidReferral({ referralId: 'ref_edited', factCount: 4 });
  const unpaid = signedUpReferral({ referralId: 'ref_unpaid', factCount: 1 });
  const acc = accumulate(undefined, [edited, unpaid]);
  const ledger = accumulateLedger(undefined, acc, [
    row({ referralId: 'ref_edited', netCents: 700 }),
    row({ referralId: 'ref_ghost' }),
    row({ referralId: 'ref_ghost', status: 'approved' }),
    row({ referralId: 'ref_unpaid', status: 'reversed', netCents: 0, reversedCents: 750 }),
  ]);

  it('reports every field that differs on a referral unchanged since its page, and rows whose referral is missing', () => {
    // Act
    const check = confirmLedgerDrift(acc, ledger, [
      reread(edited),
      reread(undefined, 'ref_ghost'),
      reread(unpaid),
    ]);

    // Assess
    expect(check).toEqual({
      ledgerDrift: [
        { referralId: 'ref_edited', field: 'pendingCents', ledger: 700, referral: 750 },
        { referralId: 'ref_ghost', field: 'referral', ledger: 2, referral: null },
        { referralId: 'ref_unpaid', field: 'reversedCents', ledger: 750, referral: 0 },
      ],
      ledgerDriftOmitted: 0,
    });
  });

  it('leaves out a referral written since its page (its rows were read mid-write): the next run checks it', () => {
    // Prepare: each was written meanwhile, with new rows the ledger pages saw
    const rewritten = { ...edited, factCount: 5 };
    const nowPaid = paidReferral({
      referralId: 'ref_unpaid',
      factCount: 2,
      pendingCents: 0,
      reversedCents: 750,
    });
    const sameCountOtherSums = { ...edited, pendingCents: 700 };

    // Act
    const check = confirmLedgerDrift(acc, ledger, [
      reread(rewritten),
      reread(nowPaid),
      reread(undefined, 'ref_ghost'),
    ]);
    const edgeCase = confirmLedgerDrift(acc, ledger, [reread(sameCountOtherSums)]);

    // Assess
    expect(check).toEqual({
      ledgerDrift: [{ referralId: 'ref_ghost', field: 'referral', ledger: 2, referral: null }],
      ledgerDriftOmitted: 0,
    });
    // (the other two suspects were not read again this time: counted, not listed)
    expect(edgeCase).toEqual({ ledgerDrift: [], ledgerDriftOmitted: 2 });
  });

  it('finds nothing missing for a referral gone since its page when no row names it', () => {
    // Prepare: earnings on the page, no rows at all, no referral on the re-read
    const alone = accumulate(undefined, [paidReferral({ referralId: 'ref_alone' })]);
    const noRows = accumulateLedger(undefined, alone, []);

    // Act
    const check = confirmLedgerDrift(alone, noRows, [reread(undefined, 'ref_alone')]);

    // Assess
    expect(noRows.suspects).toEqual(['ref_alone']);
    expect(check).toEqual({ ledgerDrift: [], ledgerDriftOmitted: 0 });
  });

  it(`lists whole referrals up to ${MAX_LEDGER_DRIFT_PER_PARTNER} entries and counts the rest, re-read or not`, () => {
    // Prepare: every referral differs in all five sums; more suspects than are re-read
    const ids = Array.from(
      { length: MAX_LEDGER_RECHECKS + 2 },
      (_, i) => `ref_${String(i).padStart(2, '0')}`,
    );
    const referrals = ids.map((referralId) =>
      paidReferral({
        referralId,
        pendingCents: 1,
        approvedCents: 1,
        paidCents: 1,
        onHoldCents: 1,
        reversedCents: 1,
      }),
    );
    const many = accumulate(undefined, referrals);
    const noRows = accumulateLedger(undefined, many, []);

    // Act
    const check = confirmLedgerDrift(
      many,
      noRows,
      referrals.slice(0, MAX_LEDGER_RECHECKS).map((r) => reread(r)),
    );

    // Assess: 5 entries a referral, so two referrals listed; the other re-read ones and the 2 not re-read counted
    expect(check.ledgerDrift).toHaveLength(10);
    expect(new Set(check.ledgerDrift.map((d) => d.referralId))).toEqual(new Set(['ref_00', 'ref_01']));
    expect(check.ledgerDrift[0]).toEqual({
      referralId: 'ref_00',
      field: 'pendingCents',
      ledger: 0,
      referral: 1,
    });
    expect(check.ledgerDriftOmitted).toBe(ids.length - 2);
  });
});

describe('summarize with ledger drift', () => {
  it('counts the partners with ledger drift and lists them, whatever their stats did', () => {
    // Prepare
    const drift = [{ referralId: 'ref_a', field: 'paidCents' as const, ledger: 0, referral: 750 }];
    const results: PartnerResult[] = [
      { partnerId: 'a', corrected: false, fields: {}, ledgerDrift: drift, ledgerDriftOmitted: 0 },
      { partnerId: 'b', corrected: false, fields: {}, ledgerDrift: [], ledgerDriftOmitted: 0 },
      {
        partnerId: 'c',
        corrected: true,
        fields: { totalPaid: { stored: 2, actual: 1 } },
        ledgerDrift: drift,
        ledgerDriftOmitted: 3,
      },
      { partnerId: 'd', corrected: false, skipped: true, fields: {} },
    ];

    // Act
    const summary = summarize(undefined, results);

    // Assess
    expect(summary).toMatchObject({
      partnersChecked: 4,
      partnersCorrected: 1,
      partnersWithLedgerDrift: 2,
      ledgerDrift: [
        { partnerId: 'a', ledgerDrift: drift },
        { partnerId: 'c', ledgerDrift: drift, ledgerDriftOmitted: 3 },
      ],
      ledgerDriftOmitted: 0,
    });
    expect(summary.ledgerDrift[0]).not.toHaveProperty('ledgerDriftOmitted');
  });

  it(`lists at most ${MAX_LEDGER_DRIFT_PARTNERS} partners with ledger drift and counts all`, () => {
    // Prepare
    const drifted = (i: number): PartnerResult => ({
      partnerId: `p${i}`,
      corrected: false,
      ledgerDrift: [{ referralId: 'ref_a', field: 'referral', ledger: 1, referral: null }],
    });
    const prior = summarize(
      undefined,
      Array.from({ length: MAX_LEDGER_DRIFT_PARTNERS }, (_, i) => drifted(i)),
    );

    // Act
    const summary = summarize(prior, [drifted(1000), drifted(1001)]);

    // Assess
    expect(summary.partnersWithLedgerDrift).toBe(MAX_LEDGER_DRIFT_PARTNERS + 2);
    expect(summary.ledgerDrift).toHaveLength(MAX_LEDGER_DRIFT_PARTNERS);
    expect(summary.ledgerDriftOmitted).toBe(2);
  });
});
