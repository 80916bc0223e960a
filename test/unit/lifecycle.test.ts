import {
  DEFAULT_COMMISSION_SCHEDULE,
  DEFAULT_HOLD_PERIOD_DAYS,
  type BillingCycle,
  type CommissionSchedule,
  type PlanCommission,
  type PlanType,
} from '../../domain/config';
import { contributionOf } from '../../domain/contribution';
import {
  factKeys,
  type ApprovalFact,
  type CommissionableReason,
  type DisputeFact,
  type DisputePhase,
  type Fact,
  type InvoiceFact,
  type InvoicePaymentFact,
  type PayoutFact,
  type RefundFact,
  type ReviewFact,
  type SignupFact,
  type SubscriptionFact,
} from '../../domain/facts';
import {
  referralStateOf,
  subscriptionMonthOf,
  type Commission,
  type ProgramTerms,
  type ReferralState,
} from '../../domain/lifecycle';
import { zeroCounters } from '../../domain/stats';

// ---- Facts of one referred user, as the ingest records them (current API unless said otherwise) ----

const USER = 'user_1';
const PARTNER = 'indie-hacker';
const SUB = 'sub_1';
const T0 = '2026-01-15T10:00:00.000Z';
const DAY_MS = 86_400_000;

const plusDays = (iso: string, days: number): string =>
  new Date(Date.parse(iso) + days * DAY_MS).toISOString();
const plusSeconds = (iso: string, s: number): string => new Date(Date.parse(iso) + s * 1000).toISOString();
/** `iso` moved `months` calendar months on (the day exists in every month used here). */
const plusMonths = (iso: string, months: number): string => {
  const d = new Date(iso);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString();
};

const signup = (overrides: Partial<SignupFact> = {}): SignupFact => ({
  kind: 'signup',
  key: factKeys.signup('evt_signup'),
  at: '2026-01-10T09:00:00.000Z',
  partnerId: PARTNER,
  ...overrides,
});

const verified = (): Fact => ({
  kind: 'verified',
  key: factKeys.verified('evt_verify'),
  at: '2026-01-10T09:05:00.000Z',
});

interface InvoiceOptions {
  at?: string;
  amountCents?: number;
  planType?: PlanType;
  billingCycle?: BillingCycle;
  billingReason?: CommissionableReason;
  subscriptionId?: string;
  paymentIds?: string[];
}

/** Invoice `n` (`in_<n>`), AF+ Monthly 2999 at T0 unless said otherwise. */
const invoice = (n: number, o: InvoiceOptions = {}): InvoiceFact => ({
  kind: 'invoice',
  key: factKeys.invoice(`in_${n}`),
  at: o.at ?? T0,
  invoiceId: `in_${n}`,
  billingReason: o.billingReason ?? (n === 1 ? 'subscription_create' : 'subscription_cycle'),
  amountCents: o.amountCents ?? 2999,
  currency: 'usd',
  planType: o.planType ?? 'AFPlus',
  billingCycle: o.billingCycle ?? 'Monthly',
  subscriptionId: o.subscriptionId ?? SUB,
  customerId: 'cus_1',
  paymentIds: o.paymentIds ?? [],
});

/** `invoice_payment.paid`: PaymentIntent `pi_<n>` paid invoice `in_<n>`. */
const invoicePayment = (n: number, at = T0): InvoicePaymentFact => ({
  kind: 'invoicePayment',
  key: factKeys.invoicePayment(`inpay_${n}`),
  at,
  invoiceId: `in_${n}`,
  paymentIds: [`pi_${n}`],
});

/** `charge.refunded` of charge `ch_<n>` (PaymentIntent `pi_<n>`) with its cumulative `amount_refunded`. */
const refund = (n: number, amountRefundedCents: number, at: string, invoiceId?: string): RefundFact => ({
  kind: 'refund',
  key: factKeys.refund(`ch_${n}`, amountRefundedCents),
  at,
  chargeId: `ch_${n}`,
  paymentIds: [`ch_${n}`, `pi_${n}`],
  ...(invoiceId ? { invoiceId } : {}),
  amountRefundedCents,
});

const dispute = (n: number, phase: DisputePhase, at: string, amountCents = 2999): DisputeFact => ({
  kind: 'dispute',
  key: factKeys.dispute(`dp_${n}`, phase),
  at,
  disputeId: `dp_${n}`,
  paymentIds: [`pi_${n}`, `ch_${n}`],
  amountCents,
  phase,
});

const approval = (n: number, at: string): ApprovalFact => ({
  kind: 'approval',
  key: factKeys.approval(`inv#in_${n}`),
  at,
  commissionId: `inv#in_${n}`,
});

const review = (n: number, decision: ReviewFact['decision'], at: string): ReviewFact => ({
  kind: 'review',
  key: factKeys.review(`inv#in_${n}`, decision),
  at,
  commissionId: `inv#in_${n}`,
  decision,
});

const payout = (n: number, earningsCents: number, at: string): PayoutFact => ({
  kind: 'payout',
  key: factKeys.payout(`inv#in_${n}`),
  at,
  commissionId: `inv#in_${n}`,
  payoutId: 'po_1',
  earningsCents,
});

const clawbackPayout = (
  commissionId: string,
  payoutId: string,
  earningsCents: number,
  at: string,
): PayoutFact => ({
  kind: 'payout',
  key: factKeys.payout(commissionId),
  at,
  commissionId,
  payoutId,
  earningsCents,
});

const subscription = (
  state: SubscriptionFact['state'],
  at: string,
  o: { subscriptionId?: string; planType?: PlanType; billingCycle?: BillingCycle } = {},
): SubscriptionFact => {
  const subscriptionId = o.subscriptionId ?? SUB;
  return {
    kind: 'subscription',
    key: factKeys.subscription(subscriptionId, at, state),
    at,
    subscriptionId,
    state,
    ...(o.planType ? { planType: o.planType } : {}),
    ...(o.billingCycle ? { billingCycle: o.billingCycle } : {}),
  };
};

/** A paid invoice with its invoice payment: what a current-API payment records. */
const paidInvoice = (n: number, o: InvoiceOptions = {}): Fact[] => [
  invoice(n, o),
  invoicePayment(n, o.at ?? T0),
];

const terms = (
  schedule: CommissionSchedule = DEFAULT_COMMISSION_SCHEDULE,
  holdPeriodDays = DEFAULT_HOLD_PERIOD_DAYS,
): ProgramTerms => ({ schedule, holdPeriodDays });

/** The same terms on every plan and cycle. */
const everyPlan = (plan: PlanCommission): CommissionSchedule => ({
  AF: { Monthly: plan, Annual: plan },
  AFPlus: { Monthly: plan, Annual: plan },
});

function stateOf(facts: Fact[], programTerms: ProgramTerms = terms()): ReferralState {
  const state = referralStateOf(USER, facts, programTerms);
  if (!state) throw new Error('expected a referral state');
  return state;
}

function commission(state: ReferralState, commissionId: string): Commission {
  const c = state.commissions.find((x) => x.commissionId === commissionId);
  if (!c)
    throw new Error(
      `no commission ${commissionId} among ${state.commissions.map((x) => x.commissionId).join(', ')}`,
    );
  return c;
}

const DUE = plusDays(T0, DEFAULT_HOLD_PERIOD_DAYS);

// ---- Scenarios ----

describe('referralStateOf', () => {
  it('has no referral before a signup', () => {
    expect(referralStateOf(USER, [...paidInvoice(1)], terms())).toBeUndefined();
  });

  it('books the seed payment, AF+ Monthly 2999, as 750 pending until 30 days later', () => {
    // Act
    const state = stateOf([signup(), verified(), ...paidInvoice(1)]);

    // Assess
    expect(state.commissions).toHaveLength(1);
    expect(commission(state, 'inv#in_1')).toMatchObject({
      partnerId: PARTNER,
      referredUserId: USER,
      referralId: 'ref_user_1',
      type: 'invoice',
      invoiceId: 'in_1',
      subscriptionMonth: 1,
      planType: 'AFPlus',
      billingCycle: 'Monthly',
      baseAmountCents: 2999,
      earningsCents: 750,
      reversedCents: 0,
      netCents: 750,
      status: 'pending',
      statusReason: 'hold_period',
      earnedAt: T0,
      dueAt: '2026-02-14T10:00:00.000Z',
    });
    expect(state.referral).toMatchObject({
      status: 'paid',
      planType: 'AFPlus',
      billingCycle: 'Monthly',
      paidAt: T0,
      paymentAmountCents: 2999,
      stripeInvoiceId: 'in_1',
      stripeSubscriptionId: SUB,
      subscriptionStatus: 'active',
      pendingCents: 750,
      approvedCents: 0,
      paidCents: 0,
      onHoldCents: 0,
      reversedCents: 0,
      partnerEarningsCents: 750,
      revenueCents: 2999,
      invoiceCount: 1,
    });
  });

  it('moves a referral from signed up to verified to paid', () => {
    expect(stateOf([signup()]).referral.status).toBe('signed_up');
    expect(stateOf([signup(), verified()]).referral.status).toBe('verified');
    expect(stateOf([signup(), verified(), ...paidInvoice(1)]).referral.status).toBe('paid');
  });

  it('earns on renewals in months 2 to 12 and not on the one in month 13', () => {
    // Prepare: the first invoice and twelve monthly renewals on the 15th
    const facts = [
      signup(),
      ...Array.from({ length: 13 }, (_, i) => paidInvoice(i + 1, { at: plusMonths(T0, i) })).flat(),
    ];

    // Act
    const state = stateOf(facts);

    // Assess
    expect(state.commissions.map((c) => [c.invoiceId, c.subscriptionMonth, c.earningsCents])).toEqual(
      Array.from({ length: 12 }, (_, i) => [`in_${i + 1}`, i + 1, 750]),
    );
    expect(state.commissions.some((c) => c.invoiceId === 'in_13')).toBe(false);
    expect(state.referral).toMatchObject({
      invoiceCount: 13,
      revenueCents: 13 * 2999,
      pendingCents: 12 * 750,
    });
  });

  it('counts subscription months in calendar months, a short month reaching the anniversary on its last day', () => {
    expect(subscriptionMonthOf('2026-01-31T10:00:00.000Z', '2026-02-28T10:00:00.000Z')).toBe(2);
    expect(subscriptionMonthOf('2026-01-31T10:00:00.000Z', '2026-03-30T10:00:00.000Z')).toBe(2);
    expect(subscriptionMonthOf('2026-01-31T10:00:00.000Z', '2026-03-31T10:00:00.000Z')).toBe(3);
    expect(subscriptionMonthOf('2026-01-15T10:00:00.000Z', '2026-02-14T23:59:59.000Z')).toBe(1);
    expect(subscriptionMonthOf('2026-01-15T10:00:00.000Z', '2027-01-15T10:00:00.000Z')).toBe(13);
    expect(subscriptionMonthOf('2028-02-29T10:00:00.000Z', '2029-02-28T10:00:00.000Z')).toBe(13);
  });

  it('earns on an annual plan’s first invoice and not on its renewal (month 13)', () => {
    // Prepare
    const annual = { planType: 'AF', billingCycle: 'Annual', amountCents: 9990 } as const;

    // Act
    const state = stateOf([
      signup(),
      ...paidInvoice(1, annual),
      ...paidInvoice(2, { ...annual, at: plusMonths(T0, 12) }),
    ]);

    // Assess: 2497.5 rounds half up
    expect(state.commissions.map((c) => [c.invoiceId, c.subscriptionMonth, c.earningsCents])).toEqual([
      ['in_1', 1, 2498],
    ]);
    expect(state.referral).toMatchObject({
      planType: 'AF',
      billingCycle: 'Annual',
      pendingCents: 2498,
      revenueCents: 19_980,
    });
  });

  it('pays tiered terms by month: 40% for the first 3 months, then 20%', () => {
    // Prepare
    const tiered = everyPlan({
      tiers: [
        { fromMonth: 1, rule: { kind: 'percent', basisPoints: 4000 } },
        { fromMonth: 4, rule: { kind: 'percent', basisPoints: 2000 } },
      ],
      durationMonths: 12,
    });
    const facts = [
      signup(),
      ...Array.from({ length: 5 }, (_, i) => paidInvoice(i + 1, { at: plusMonths(T0, i) })).flat(),
    ];

    // Act
    const state = stateOf(facts, terms(tiered));

    // Assess: 1199.6 → 1200, 599.8 → 600
    expect(state.commissions.map((c) => c.earningsCents)).toEqual([1200, 1200, 1200, 600, 600]);
    expect(state.commissions[3]?.rule).toBe('2000 bp from month 4 (month 4, 12 months)');
  });

  it('pays lifetime terms after the first year too', () => {
    // Prepare
    const lifetime = everyPlan({ ...DEFAULT_COMMISSION_SCHEDULE.AF.Monthly, durationMonths: 'lifetime' });

    // Act
    const state = stateOf(
      [signup(), ...paidInvoice(1), ...paidInvoice(2, { at: plusMonths(T0, 24) })],
      terms(lifetime),
    );

    // Assess
    expect(state.commissions.map((c) => [c.subscriptionMonth, c.earningsCents])).toEqual([
      [1, 750],
      [25, 750],
    ]);
  });

  it('pays a flat rule its amount on every invoice, a zero invoice included', () => {
    // Prepare
    const flat = everyPlan({
      tiers: [{ fromMonth: 1, rule: { kind: 'flat', cents: 500 } }],
      durationMonths: 12,
    });
    const facts = [
      signup(),
      invoice(1, { amountCents: 0 }),
      ...paidInvoice(2, { at: plusMonths(T0, 1), amountCents: 999 }),
    ];

    // Act
    const state = stateOf(facts, terms(flat));

    // Assess
    expect(
      state.commissions.map((c) => [c.invoiceId, c.baseAmountCents, c.earningsCents, c.netCents]),
    ).toEqual([
      ['in_1', 0, 500, 500],
      ['in_2', 999, 500, 500],
    ]);
    expect(state.referral.pendingCents).toBe(1000);
  });

  it('books no commission for a zero invoice under a percent rule, but counts the payment', () => {
    // Act
    const state = stateOf([signup(), invoice(1, { amountCents: 0 })]);

    // Assess
    expect(state.commissions).toEqual([]);
    expect(state.referral).toMatchObject({
      status: 'paid',
      invoiceCount: 1,
      revenueCents: 0,
      partnerEarningsCents: 0,
    });
  });

  describe('refunds', () => {
    it('reverse a partial refund pro rata: 1000 of 2999 takes 250 of 750', () => {
      // Act
      const state = stateOf([signup(), ...paidInvoice(1), refund(1, 1000, plusDays(T0, 3))]);

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({
        earningsCents: 750,
        reversedCents: 250,
        netCents: 500,
        status: 'pending',
      });
      expect(state.referral).toMatchObject({
        pendingCents: 500,
        reversedCents: 250,
        partnerEarningsCents: 500,
        refundedCents: 1000,
        refundCount: 1,
      });
    });

    it('combine cumulative amounts by their maximum, in whichever order they arrive', () => {
      // Prepare: amount_refunded 1000, then 2999 (the rest refunded)
      const first = refund(1, 1000, plusDays(T0, 3));
      const second = refund(1, 2999, plusDays(T0, 5));

      // Act
      const inOrder = stateOf([signup(), ...paidInvoice(1), first, second]);
      const reversed = stateOf([second, first, ...paidInvoice(1).reverse(), signup()]);

      // Assess
      expect(commission(inOrder, 'inv#in_1')).toMatchObject({
        reversedCents: 750,
        netCents: 0,
        status: 'reversed',
        statusReason: 'refund',
      });
      expect(inOrder.referral).toMatchObject({ refundedCents: 2999, refundCount: 1, reversedCents: 750 });
      expect(reversed).toEqual(inOrder);
      expect(commission(inOrder, 'inv#in_1').history.map((h) => [h.status, h.netCents])).toEqual([
        ['pending', 750],
        ['pending', 500],
        ['reversed', 0],
      ]);
    });

    it('reverse a full refund whole', () => {
      // Act
      const state = stateOf([signup(), ...paidInvoice(1), refund(1, 2999, plusDays(T0, 1))]);

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({
        netCents: 0,
        reversedCents: 750,
        status: 'reversed',
      });
      expect(state.referral).toMatchObject({ pendingCents: 0, reversedCents: 750, partnerEarningsCents: 0 });
    });

    it('find their invoice by the invoice payment, by the older API’s invoice ids, or by the charge’s invoice', () => {
      // Prepare: the three ways a refund names its invoice; a refund of another charge matches none
      const byInvoicePayment = [...paidInvoice(1), refund(1, 1000, plusDays(T0, 1))];
      const byInvoiceIds = [invoice(1, { paymentIds: ['ch_1', 'pi_1'] }), refund(1, 1000, plusDays(T0, 1))];
      const byChargeInvoice = [invoice(1), refund(1, 1000, plusDays(T0, 1), 'in_1')];
      const unrelated = [...paidInvoice(1), refund(9, 1000, plusDays(T0, 1))];

      // Act
      const reversedOf = (facts: Fact[]): number =>
        commission(stateOf([signup(), ...facts]), 'inv#in_1').reversedCents;

      // Assess
      expect([byInvoicePayment, byInvoiceIds, byChargeInvoice, unrelated].map(reversedOf)).toEqual([
        250, 250, 250, 0,
      ]);
    });
  });

  describe('disputes', () => {
    const opened = dispute(1, 'open', plusDays(T0, 10));

    it('hold the commission while open', () => {
      // Act
      const state = stateOf([signup(), ...paidInvoice(1), opened]);

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({
        status: 'on_hold',
        statusReason: 'dispute',
        netCents: 750,
      });
      expect(state.referral).toMatchObject({
        onHoldCents: 750,
        pendingCents: 0,
        partnerEarningsCents: 750,
        disputeCount: 1,
      });
    });

    it('release it when won: back to pending, or to approved when it came due meanwhile', () => {
      // Prepare
      const won = dispute(1, 'won', plusDays(T0, 40));

      // Act
      const beforeDue = stateOf([signup(), ...paidInvoice(1), opened, dispute(1, 'won', plusDays(T0, 20))]);
      const afterDue = stateOf([signup(), ...paidInvoice(1), opened, won, approval(1, DUE)]);

      // Assess
      expect(commission(beforeDue, 'inv#in_1')).toMatchObject({ status: 'pending', netCents: 750 });
      expect(commission(afterDue, 'inv#in_1')).toMatchObject({
        status: 'approved',
        netCents: 750,
        approvedAt: plusDays(T0, 40),
      });
      expect(commission(afterDue, 'inv#in_1').history.map((h) => h.status)).toEqual([
        'pending',
        'on_hold',
        'approved',
      ]);
    });

    it('reverse it when lost', () => {
      // Act
      const state = stateOf([signup(), ...paidInvoice(1), opened, dispute(1, 'lost', plusDays(T0, 40))]);

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({
        status: 'reversed',
        statusReason: 'dispute_lost',
        netCents: 0,
        reversedCents: 750,
      });
      expect(state.referral).toMatchObject({
        onHoldCents: 0,
        reversedCents: 750,
        disputeCount: 1,
        refundedCents: 0,
      });
    });

    it('reverse pro rata a lost dispute over what a partial refund left', () => {
      // Act: 1000 refunded, the remaining 1999 disputed and lost
      const state = stateOf([
        signup(),
        ...paidInvoice(1),
        refund(1, 1000, plusDays(T0, 2)),
        dispute(1, 'open', plusDays(T0, 10), 1999),
        dispute(1, 'lost', plusDays(T0, 40), 1999),
      ]);

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({
        reversedCents: 750,
        netCents: 0,
        status: 'reversed',
      });
    });
  });

  describe('approval', () => {
    it('approves a commission only by an approval at or after its due time', () => {
      // Act
      const early = stateOf([signup(), ...paidInvoice(1), approval(1, plusSeconds(DUE, -1))]);
      const due = stateOf([signup(), ...paidInvoice(1), approval(1, DUE)]);
      const late = stateOf([signup(), ...paidInvoice(1), approval(1, plusDays(DUE, 2))]);

      // Assess
      expect(commission(early, 'inv#in_1')).toMatchObject({ status: 'pending', statusReason: 'hold_period' });
      expect(commission(early, 'inv#in_1').approvedAt).toBeUndefined();
      expect(commission(due, 'inv#in_1')).toMatchObject({
        status: 'approved',
        statusReason: 'hold_period_over',
        approvedAt: DUE,
      });
      expect(due.referral).toMatchObject({ approvedCents: 750, pendingCents: 0 });
      expect(commission(late, 'inv#in_1').approvedAt).toBe(plusDays(DUE, 2));
    });

    it('follows the hold period of the terms', () => {
      // Act
      const state = stateOf(
        [signup(), ...paidInvoice(1), approval(1, plusDays(T0, 7))],
        terms(DEFAULT_COMMISSION_SCHEDULE, 7),
      );

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({ dueAt: plusDays(T0, 7), status: 'approved' });
    });
  });

  describe('payouts', () => {
    const paidOut = [signup(), ...paidInvoice(1), approval(1, DUE), payout(1, 750, plusDays(DUE, 5))];

    it('mark the commission paid with the payout’s amount', () => {
      // Act
      const state = stateOf(paidOut);

      // Assess
      expect(state.commissions).toHaveLength(1);
      expect(commission(state, 'inv#in_1')).toMatchObject({
        status: 'paid',
        netCents: 750,
        paidAt: plusDays(DUE, 5),
        payoutId: 'po_1',
        approvedAt: DUE,
      });
      expect(state.referral).toMatchObject({ paidCents: 750, approvedCents: 0, partnerEarningsCents: 750 });
    });

    it('claw back a refund after payout, leaving the paid row as paid', () => {
      // Act
      const before = commission(stateOf(paidOut), 'inv#in_1');
      const state = stateOf([...paidOut, refund(1, 1000, plusDays(DUE, 10))]);

      // Assess
      expect(commission(state, 'inv#in_1')).toEqual(before);
      expect(commission(state, 'clawback#in_1')).toMatchObject({
        type: 'clawback',
        invoiceId: 'in_1',
        earningsCents: -250,
        netCents: -250,
        reversedCents: 0,
        status: 'approved',
        statusReason: 'clawback: refund',
        earnedAt: plusDays(DUE, 10),
      });
      expect(state.referral).toMatchObject({
        paidCents: 750,
        approvedCents: -250,
        reversedCents: 250,
        partnerEarningsCents: 500,
      });
    });

    it('update the clawback as the refund grows, and claw back a lost dispute after payout', () => {
      // Act
      const refunded = stateOf([
        ...paidOut,
        refund(1, 1000, plusDays(DUE, 10)),
        refund(1, 2999, plusDays(DUE, 12)),
      ]);
      const disputed = stateOf([
        ...paidOut,
        dispute(1, 'open', plusDays(DUE, 10)),
        dispute(1, 'lost', plusDays(DUE, 50)),
      ]);

      // Assess
      expect(commission(refunded, 'clawback#in_1')).toMatchObject({
        earningsCents: -750,
        earnedAt: plusDays(DUE, 10),
      });
      expect(commission(refunded, 'clawback#in_1').history.map((h) => h.netCents)).toEqual([-250, -750]);
      expect(refunded.commissions).toHaveLength(2);
      expect(commission(disputed, 'inv#in_1').status).toBe('paid');
      expect(commission(disputed, 'clawback#in_1')).toMatchObject({
        earningsCents: -750,
        statusReason: 'clawback: dispute_lost',
      });
      expect(disputed.referral).toMatchObject({ partnerEarningsCents: 0, reversedCents: 750 });
    });

    it('claw back what a payout paid beyond a refund it had not seen', () => {
      // Act: refunded before the payout (by its own time), the payout paid the full 750
      const state = stateOf([...paidOut, refund(1, 1000, plusDays(DUE, 1))]);

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({ status: 'paid', netCents: 750 });
      expect(commission(state, 'clawback#in_1')).toMatchObject({
        earningsCents: -250,
        earnedAt: plusDays(DUE, 5),
      });
    });
    it('settle a clawback by a later payout, and open the next clawback for what is taken back after', () => {
      // Act: a third refunded after payout (−250), netted by payout po_2, then the rest refunded
      const settled = [
        ...paidOut,
        refund(1, 1000, plusDays(DUE, 10)),
        clawbackPayout('clawback#in_1', 'po_2', -250, plusDays(DUE, 40)),
      ];
      const state = stateOf(settled);
      const later = stateOf([...settled, refund(1, 2999, plusDays(DUE, 50))]);

      // Assess: the settled clawback is paid and stays so; the next one holds only the new reduction
      expect(commission(state, 'clawback#in_1')).toMatchObject({
        status: 'paid',
        netCents: -250,
        payoutId: 'po_2',
        paidAt: plusDays(DUE, 40),
      });
      expect(state.referral).toMatchObject({ paidCents: 500, approvedCents: 0, partnerEarningsCents: 500 });
      expect(commission(later, 'clawback#in_1')).toEqual(commission(state, 'clawback#in_1'));
      expect(commission(later, 'clawback#in_1-2')).toMatchObject({
        status: 'approved',
        netCents: -500,
        earnedAt: plusDays(DUE, 50),
      });
      expect(later.referral).toMatchObject({ paidCents: 500, approvedCents: -500, reversedCents: 750 });
    });

    it('a clawback settled for less than it grew to keeps the difference open', () => {
      // Act: the payout netted −250, but by its paid time the refund had grown to the whole invoice
      const state = stateOf([
        ...paidOut,
        refund(1, 1000, plusDays(DUE, 10)),
        refund(1, 2999, plusDays(DUE, 20)),
        clawbackPayout('clawback#in_1', 'po_2', -250, plusDays(DUE, 40)),
      ]);

      // Assess
      expect(commission(state, 'clawback#in_1')).toMatchObject({ status: 'paid', netCents: -250 });
      expect(commission(state, 'clawback#in_1-2')).toMatchObject({ status: 'approved', netCents: -500 });
      expect(state.referral).toMatchObject({ paidCents: 500, approvedCents: -500, partnerEarningsCents: 0 });
    });
  });

  describe('self-referral', () => {
    const self = signup({ selfReferral: true });

    it('holds the commission for review', () => {
      // Act
      const state = stateOf([self, ...paidInvoice(1), approval(1, DUE)]);

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({
        status: 'on_hold',
        statusReason: 'self_referral',
      });
      expect(state.referral).toMatchObject({ selfReferral: true, onHoldCents: 750, approvedCents: 0 });
    });

    it('approves it on an approving review', () => {
      // Act
      const state = stateOf([self, ...paidInvoice(1), review(1, 'approve', plusDays(T0, 2))]);

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({
        status: 'approved',
        statusReason: 'review',
        approvedAt: plusDays(T0, 2),
      });
    });

    it('reverses it whole on a rejecting review', () => {
      // Act
      const state = stateOf([self, ...paidInvoice(1), review(1, 'reject', plusDays(T0, 2))]);

      // Assess
      expect(commission(state, 'inv#in_1')).toMatchObject({
        status: 'reversed',
        statusReason: 'rejected',
        reversedCents: 750,
        netCents: 0,
      });
      expect(state.referral).toMatchObject({ onHoldCents: 0, reversedCents: 750, partnerEarningsCents: 0 });
    });

    it('keeps the first decision', () => {
      // Act
      const state = stateOf([
        self,
        ...paidInvoice(1),
        review(1, 'reject', plusDays(T0, 3)),
        review(1, 'approve', plusDays(T0, 2)),
      ]);

      // Assess
      expect(commission(state, 'inv#in_1').status).toBe('approved');
    });
  });

  describe('cancellation', () => {
    it('cancels the referral when its subscription is deleted', () => {
      // Act
      const state = stateOf([signup(), ...paidInvoice(1), subscription('canceled', plusDays(T0, 20))]);

      // Assess
      expect(state.referral).toMatchObject({
        status: 'canceled',
        subscriptionStatus: 'canceled',
        canceledAt: plusDays(T0, 20),
      });
      expect(contributionOf(state.referral)).toMatchObject({ totalPaid: 1, activeSubscriptions: 0 });
      expect(commission(state, 'inv#in_1')).toMatchObject({ status: 'pending', netCents: 750 });
    });

    it('ignores the cancellation of another subscription', () => {
      // Act
      const state = stateOf([
        signup(),
        ...paidInvoice(1),
        subscription('canceled', plusDays(T0, 20), { subscriptionId: 'sub_other' }),
      ]);

      // Assess
      expect(state.referral).toMatchObject({
        status: 'paid',
        subscriptionStatus: 'active',
        stripeSubscriptionId: SUB,
      });
      expect(state.referral.canceledAt).toBeUndefined();
    });

    it('follows a new subscription after a cancellation', () => {
      // Act
      const state = stateOf([
        signup(),
        ...paidInvoice(1),
        subscription('canceled', plusDays(T0, 20)),
        ...paidInvoice(2, {
          at: plusDays(T0, 60),
          subscriptionId: 'sub_2',
          billingReason: 'subscription_create',
        }),
      ]);

      // Assess: a new subscription starts its own month 1
      expect(state.referral).toMatchObject({
        status: 'paid',
        subscriptionStatus: 'active',
        stripeSubscriptionId: 'sub_2',
      });
      expect(state.referral.canceledAt).toBeUndefined();
      expect(commission(state, 'inv#in_2')).toMatchObject({ subscriptionId: 'sub_2', subscriptionMonth: 1 });
    });

    it('keeps a deleted subscription deleted, whatever update comes after', () => {
      // Act
      const state = stateOf([
        signup(),
        ...paidInvoice(1),
        subscription('canceled', plusDays(T0, 20)),
        subscription('active', plusDays(T0, 21), { planType: 'AFPlus', billingCycle: 'Monthly' }),
      ]);

      // Assess
      expect(state.referral).toMatchObject({ status: 'canceled', canceledAt: plusDays(T0, 20) });
    });
  });

  it('follows a plan change through its proration invoice, earning by the new plan’s terms', () => {
    // Prepare: AF earns 10%, AF+ 25%; the user moves from AF to AF+ in the first month
    const schedule: CommissionSchedule = {
      ...DEFAULT_COMMISSION_SCHEDULE,
      AF: {
        Monthly: {
          tiers: [{ fromMonth: 1, rule: { kind: 'percent', basisPoints: 1000 } }],
          durationMonths: 12,
        },
        Annual: DEFAULT_COMMISSION_SCHEDULE.AF.Annual,
      },
    };
    const change = plusDays(T0, 10);
    const facts = [
      signup(),
      ...paidInvoice(1, { planType: 'AF', amountCents: 999 }),
      subscription('active', change, { planType: 'AFPlus', billingCycle: 'Monthly' }),
      ...paidInvoice(2, {
        at: plusSeconds(change, 30),
        billingReason: 'subscription_update',
        amountCents: 2000,
      }),
      ...paidInvoice(3, { at: plusMonths(T0, 1) }),
    ];

    // Act
    const state = stateOf(facts, terms(schedule));
    const afterChangeOnly = stateOf(facts.slice(0, 4), terms(schedule));

    // Assess: 99.9 → 100; 500; 750
    expect(
      state.commissions.map((c) => [
        c.invoiceId,
        c.billingReason,
        c.planType,
        c.subscriptionMonth,
        c.earningsCents,
      ]),
    ).toEqual([
      ['in_1', 'subscription_create', 'AF', 1, 100],
      ['in_2', 'subscription_update', 'AFPlus', 1, 500],
      ['in_3', 'subscription_cycle', 'AFPlus', 2, 750],
    ]);
    expect(state.referral).toMatchObject({
      planType: 'AFPlus',
      billingCycle: 'Monthly',
      paymentAmountCents: 999,
    });
    expect(afterChangeOnly.referral.planType).toBe('AFPlus');
    expect(contributionOf(state.referral)).toMatchObject({
      afPlusSignups: 1,
      afSignups: 0,
      afPlusMonthlyPaid: 1,
    });
  });

  it('gives the partner’s counters through contributionOf', () => {
    // Prepare: three invoices; the first paid out, then half refunded (clawback); the second refunded 1000;
    // the third disputed and open
    const facts = [
      signup(),
      verified(),
      ...paidInvoice(1),
      approval(1, DUE),
      payout(1, 750, plusDays(DUE, 1)),
      ...paidInvoice(2, { at: plusMonths(T0, 1) }),
      refund(2, 1000, plusDays(plusMonths(T0, 1), 2)),
      ...paidInvoice(3, { at: plusMonths(T0, 2) }),
      dispute(3, 'open', plusDays(plusMonths(T0, 2), 3)),
      refund(1, 1500, plusDays(DUE, 3)),
    ];

    // Act
    const counters = contributionOf(stateOf(facts).referral);

    // Assess: clawback of in_1 = −proRata(750, 1500, 2999) = −375; in_2 nets 500
    expect(counters).toEqual({
      ...zeroCounters(),
      totalSignups: 1,
      afPlusSignups: 1,
      totalVerified: 1,
      totalPaid: 1,
      afPlusPaid: 1,
      afPlusMonthlyPaid: 1,
      activeSubscriptions: 1,
      afPlusActiveSubscriptions: 1,
      totalRevenueCents: 3 * 2999,
      refundedCents: 2500,
      netRevenueCents: 3 * 2999 - 2500,
      refundCount: 2,
      disputeCount: 1,
      paidEarningsCents: 750,
      approvedEarningsCents: -375,
      pendingEarningsCents: 500,
      onHoldEarningsCents: 750,
      reversedEarningsCents: 375 + 250,
      totalEarningsCents: 750 - 375 + 500 + 750,
    });
  });

  it('gives the same state whatever order and however often the facts come', () => {
    // Prepare
    const facts = [
      signup(),
      verified(),
      ...paidInvoice(1),
      refund(1, 1000, plusDays(T0, 2)),
      approval(1, DUE),
      ...paidInvoice(2, { at: plusMonths(T0, 1) }),
      dispute(2, 'open', plusDays(plusMonths(T0, 1), 1)),
      dispute(2, 'won', plusDays(plusMonths(T0, 1), 9)),
    ];

    // Act
    const state = stateOf(facts);
    const shuffled = stateOf([...facts].reverse());
    const duplicated = stateOf([...facts, ...facts.slice(2, 6), facts[0]!]);

    // Assess
    expect(shuffled).toEqual(state);
    expect(duplicated).toEqual(state);
  });

  it('keeps one of two facts recorded under one key whatever order they come in', () => {
    // Prepare: two subscription updates in one second share a key (subscription#<id>#<at>#<state>)
    const at = plusDays(T0, 3);
    const toAf = subscription('active', at, { planType: 'AF', billingCycle: 'Monthly' });
    const toAfPlusAnnual = subscription('active', at, { planType: 'AFPlus', billingCycle: 'Annual' });
    const base = [signup(), ...paidInvoice(1)];

    // Act
    const one = stateOf([...base, toAf, toAfPlusAnnual]);
    const other = stateOf([...base, toAfPlusAnnual, toAf]);

    // Assess
    expect(other).toEqual(one);
  });
});
