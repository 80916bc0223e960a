import fc from 'fast-check';
import {
  DEFAULT_COMMISSION_SCHEDULE,
  DEFAULT_PRICE_MAP,
  MAX_AMOUNT_MINOR_UNITS,
  type CommissionSchedule,
  type PlanCommission,
} from '../../domain/config';
import { contributionOf } from '../../domain/contribution';
import { proRata, quoteCommission } from '../../domain/earnings';
import { commissionIds } from '../../domain/facts';
import {
  referralStateOf,
  type Commission,
  type ProgramTerms,
  type ReferralState,
} from '../../domain/lifecycle';
import { COMMISSION_STATUSES, type CommissionStatus } from '../../domain/referral';
import { STATS_COUNTERS } from '../../domain/stats';
import {
  DEFAULT_TERMS,
  deliveriesOf,
  factsOf,
  permutationOf,
  storySubscriptionMonth,
  userStoryArbitrary,
  withDuplicates,
  type InvoicePaidStoryEvent,
  type StoryEvent,
  type UserStory,
} from '../../chaos/user-story';

// ---- Terms the stories run under ----

const percent = (basisPoints: number) => ({ kind: 'percent', basisPoints }) as const;
const everyPlan = (plan: PlanCommission): CommissionSchedule => ({
  AF: { Monthly: plan, Annual: plan },
  AFPlus: { Monthly: plan, Annual: plan },
});

const TERMS: readonly { name: string; terms: ProgramTerms }[] = [
  { name: 'default (25% for 12 months, 30 days hold)', terms: DEFAULT_TERMS },
  {
    name: '40% for 3 months then 20%, 12 months, 14 days hold',
    terms: {
      schedule: everyPlan({
        tiers: [
          { fromMonth: 1, rule: percent(4000) },
          { fromMonth: 4, rule: percent(2000) },
        ],
        durationMonths: 12,
      }),
      holdPeriodDays: 14,
    },
  },
  {
    name: 'flat 500 for life, no hold',
    terms: {
      schedule: everyPlan({
        tiers: [{ fromMonth: 1, rule: { kind: 'flat', cents: 500 } }],
        durationMonths: 'lifetime',
      }),
      holdPeriodDays: 0,
    },
  },
  {
    name: 'AF 33.33% for 2 months, AF+ 25% for life',
    terms: {
      schedule: {
        AF: {
          Monthly: { tiers: [{ fromMonth: 1, rule: percent(3333) }], durationMonths: 2 },
          Annual: { tiers: [{ fromMonth: 1, rule: percent(3333) }], durationMonths: 2 },
        },
        AFPlus: {
          Monthly: { ...DEFAULT_COMMISSION_SCHEDULE.AFPlus.Monthly, durationMonths: 'lifetime' },
          Annual: { ...DEFAULT_COMMISSION_SCHEDULE.AFPlus.Annual, durationMonths: 'lifetime' },
        },
      },
      holdPeriodDays: 30,
    },
  },
];

interface Case {
  terms: ProgramTerms;
  story: UserStory;
}

const caseArbitrary: fc.Arbitrary<Case> = fc
  .constantFrom(...TERMS)
  .chain(({ terms }) => userStoryArbitrary({ terms, apiShape: 'any' }).map((story) => ({ terms, story })));

/** A case and something derived from its events. */
const withEvents = <T>(
  derive: (events: StoryEvent[]) => fc.Arbitrary<T>,
): fc.Arbitrary<Case & { derived: T }> =>
  caseArbitrary.chain((c) => derive(c.story.events).map((derived) => ({ ...c, derived })));

const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) };

function fold({ story, terms }: Case, events: readonly StoryEvent[] = story.events): ReferralState {
  const state = referralStateOf(story.userId, factsOf(events, story.userId), terms);
  if (!state) throw new Error('a story starts with its signup: expected a state');
  return state;
}

// ---- Invariants every state holds ----

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const netOf = (commissions: Commission[], status: CommissionStatus): number =>
  sum(commissions.filter((c) => c.status === status).map((c) => c.netCents));

function expectConsistent(state: ReferralState): void {
  const { referral, commissions } = state;
  const invoiceRows = commissions.filter((c) => c.type === 'invoice');
  const clawbacks = commissions.filter((c) => c.type === 'clawback');

  // Earnings by status are the commissions' sums.
  expect(referral.pendingCents).toBe(netOf(commissions, 'pending'));
  expect(referral.approvedCents).toBe(netOf(commissions, 'approved'));
  expect(referral.paidCents).toBe(netOf(commissions, 'paid'));
  expect(referral.onHoldCents).toBe(netOf(commissions, 'on_hold'));
  expect(referral.reversedCents).toBe(
    sum(invoiceRows.map((c) => c.reversedCents)) + sum(clawbacks.map((c) => -c.earningsCents)),
  );
  expect(referral.partnerEarningsCents).toBe(
    referral.pendingCents + referral.approvedCents + referral.paidCents + referral.onHoldCents,
  );
  // What the partner keeps and what was taken back make up what was earned.
  expect(referral.partnerEarningsCents + referral.reversedCents).toBe(
    sum(invoiceRows.map((c) => c.earningsCents)),
  );

  // Every amount is an integer in the safe range.
  const amounts = [
    ...Object.values(referral).filter((v): v is number => typeof v === 'number'),
    ...commissions.flatMap((c) => [
      c.baseAmountCents,
      c.earningsCents,
      c.reversedCents,
      c.netCents,
      c.subscriptionMonth,
    ]),
    ...commissions.flatMap((c) => c.history.map((h) => h.netCents)),
  ];
  for (const amount of amounts) expect(Number.isSafeInteger(amount)).toBe(true);
  const counters = contributionOf(referral);
  for (const k of STATS_COUNTERS) expect(Number.isSafeInteger(counters[k])).toBe(true);
  expect(counters.netRevenueCents).toBeGreaterThanOrEqual(0);

  // One row per commission id; one invoice row per invoice; a clawback only of a paid invoice row.
  expect(new Set(commissions.map((c) => c.commissionId)).size).toBe(commissions.length);
  for (const c of invoiceRows) {
    expect(c.commissionId).toBe(commissionIds.invoice(c.invoiceId));
    expect(c.earningsCents).toBeGreaterThan(0);
    expect(c.netCents).toBeGreaterThanOrEqual(0);
    expect(c.netCents).toBeLessThanOrEqual(c.earningsCents);
    expect(c.reversedCents).toBe(c.earningsCents - c.netCents);
    expect(c.baseAmountCents).toBeLessThanOrEqual(MAX_AMOUNT_MINOR_UNITS);
    if (c.status === 'reversed') expect(c.netCents).toBe(0);
    if (c.status !== 'paid' && c.netCents === 0) expect(c.status).toBe('reversed');
    if (c.status === 'paid') expect(c.paidAt).toBeDefined();
    expect(COMMISSION_STATUSES).toContain(c.status);
    expect(c.history.length).toBeGreaterThan(0);
    expect(c.history[c.history.length - 1]).toMatchObject({ status: c.status, netCents: c.netCents });
  }
  for (const claw of clawbacks) {
    const row = invoiceRows.find((c) => c.invoiceId === claw.invoiceId);
    expect(claw.commissionId).toBe(commissionIds.clawback(claw.invoiceId));
    expect(row?.status).toBe('paid');
    expect(claw).toMatchObject({ status: 'approved', netCents: claw.earningsCents, reversedCents: 0 });
    expect(claw.earningsCents).toBeLessThan(0);
    expect(claw.earningsCents).toBeGreaterThanOrEqual(-(row?.netCents ?? 0));
  }
  expect(referral.refundedCents).toBeLessThanOrEqual(referral.revenueCents);
  expect(referral.invoiceCount).toBeGreaterThanOrEqual(invoiceRows.length);
}

// ---- What the story itself says the state must be ----

function expectAsTheStoryTells({ story, terms }: Case, state: ReferralState): void {
  const invoices = story.events.filter((e): e is InvoicePaidStoryEvent => e.type === 'invoice.paid');
  const first = invoices[0];
  const self = story.events.some((e) => e.type === 'UserSignedUp' && e.selfReferral);
  for (const invoice of invoices) {
    const related = story.events.filter((e) => 'invoiceId' in e && e.invoiceId === invoice.invoiceId);
    const month = storySubscriptionMonth(first!.at, invoice.at);
    const plan = DEFAULT_PRICE_MAP[invoice.priceId]!;
    const earnings =
      quoteCommission(terms.schedule[plan.planType][plan.billingCycle], month, invoice.amountCents)
        ?.earningsCents ?? 0;
    const row = state.commissions.find((c) => c.commissionId === commissionIds.invoice(invoice.invoiceId));
    if (earnings === 0) {
      expect(row).toBeUndefined();
      continue;
    }
    expect(row).toMatchObject({
      earningsCents: earnings,
      subscriptionMonth: month,
      planType: plan.planType,
      billingCycle: plan.billingCycle,
    });

    // Reductions: the largest cumulative refund and a lost dispute, pro rata; a rejection takes it all.
    const refunded = Math.max(
      0,
      ...related.flatMap((e) => (e.type === 'charge.refunded' ? [e.amountRefundedCents] : [])),
    );
    const lost = sum(
      related.flatMap((e) =>
        e.type === 'charge.dispute.closed' && e.status === 'lost' ? [e.amountCents] : [],
      ),
    );
    const reviewEvent = related.find((e) => e.type === 'commission.reviewed');
    const rejected = reviewEvent?.type === 'commission.reviewed' && reviewEvent.decision === 'reject';
    const base = invoice.amountCents;
    const reversed = rejected
      ? earnings
      : base === 0
        ? 0
        : proRata(earnings, Math.min(base, refunded + lost), base);
    const clawback = state.commissions.find(
      (c) => c.commissionId === commissionIds.clawback(invoice.invoiceId),
    );
    expect((row?.netCents ?? 0) + (clawback?.netCents ?? 0)).toBe(earnings - reversed);

    // Status.
    const payout = related.find((e) => e.type === 'commission.paid_out');
    const disputeOpen =
      related.some((e) => e.type === 'charge.dispute.created') &&
      !related.some((e) => e.type === 'charge.dispute.closed');
    const dueMs = Date.parse(invoice.at) + terms.holdPeriodDays * 86_400_000;
    const approvedByRun = related.some((e) => e.type === 'commission.approved' && Date.parse(e.at) >= dueMs);
    const approvedByReview =
      reviewEvent?.type === 'commission.reviewed' && reviewEvent.decision === 'approve';
    const expected: CommissionStatus = payout
      ? 'paid'
      : earnings - reversed === 0
        ? 'reversed'
        : disputeOpen || (self && !approvedByReview)
          ? 'on_hold'
          : approvedByReview || approvedByRun
            ? 'approved'
            : 'pending';
    expect(row?.status).toBe(expected);
    if (payout?.type === 'commission.paid_out') expect(row?.netCents).toBe(payout.earningsCents);
    if (!payout) expect(clawback).toBeUndefined();
  }

  const r = state.referral;
  const canceled = story.events.some((e) => e.type === 'customer.subscription.deleted');
  expect(r.status).toBe(canceled ? 'canceled' : 'paid');
  expect(r.invoiceCount).toBe(invoices.length);
  expect(r.revenueCents).toBe(sum(invoices.map((i) => i.amountCents)));
  const refundedByCharge = new Map<string, number>();
  for (const e of story.events) {
    if (e.type === 'charge.refunded') {
      refundedByCharge.set(
        e.chargeId,
        Math.max(refundedByCharge.get(e.chargeId) ?? 0, e.amountRefundedCents),
      );
    }
  }
  expect(r.refundedCents).toBe(sum([...refundedByCharge.values()]));
  expect(r.refundCount).toBe(refundedByCharge.size);
  // The plan: the latest invoice or plan change (a change and its proration invoice name the same plan).
  const statements = story.events.filter(
    (e) => e.type === 'invoice.paid' || e.type === 'customer.subscription.updated',
  );
  const last = statements[statements.length - 1];
  if (last && 'priceId' in last)
    expect({ planType: r.planType, billingCycle: r.billingCycle }).toEqual(DEFAULT_PRICE_MAP[last.priceId]);
}

// ---- Properties ----

describe('the user stories', () => {
  it('are realistic: amounts within Stripe’s limit, refunds increasing and within the charge, events in time order', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ story }) => {
        const { events } = story;
        expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort());
        for (const e of events) {
          expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
          for (const amount of ['amountCents', 'amountRefundedCents', 'earningsCents'] as const) {
            if (amount in e) {
              const value = (e as unknown as Record<string, number>)[amount]!;
              expect(Number.isSafeInteger(value) && value >= 0 && value <= MAX_AMOUNT_MINOR_UNITS).toBe(true);
            }
          }
          if ('currency' in e) expect(e.currency).toBe('usd');
        }
        const invoices = events.filter((e) => e.type === 'invoice.paid');
        expect(invoices.length).toBeGreaterThanOrEqual(1);
        expect(invoices.length).toBeLessThanOrEqual(6);
        expect(invoices[0]).toMatchObject({ billingReason: 'subscription_create' });
        for (const invoice of invoices) {
          const refunds = events.filter(
            (e) => e.type === 'charge.refunded' && e.invoiceId === invoice.invoiceId,
          );
          const amounts = refunds.map((e) => (e.type === 'charge.refunded' ? e.amountRefundedCents : 0));
          expect(amounts).toEqual([...new Set(amounts)].sort((a, b) => a - b));
          for (const a of amounts) expect(a).toBeLessThanOrEqual(invoice.amountCents);
        }
      }),
      RUNS,
    );
  });

  it('map distinct deliveries to distinct facts, and a redelivery to the same fact', () => {
    fc.assert(
      fc.property(
        withEvents((events) => withDuplicates(events)),
        ({ story, derived }) => {
          const keyOf = new Map<string, string>();
          const facts = factsOf(derived, story.userId);
          derived.forEach((e, i) => {
            const key = facts[i]!.key;
            expect(keyOf.get(e.eventId) ?? key).toBe(key);
            keyOf.set(e.eventId, key);
          });
          expect(new Set(keyOf.values()).size).toBe(keyOf.size);
        },
      ),
      RUNS,
    );
  });
});

describe('referralStateOf over user stories', () => {
  it('holds its invariants and gives what the story tells', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const state = fold(c);
        expectConsistent(state);
        expectAsTheStoryTells(c, state);
      }),
      RUNS,
    );
  });

  it('gives the same state from the facts in any order', () => {
    fc.assert(
      fc.property(
        withEvents((events) => permutationOf(events)),
        (c) => {
          expect(fold(c, c.derived)).toEqual(fold(c));
        },
      ),
      RUNS,
    );
  });

  it('gives the same state from facts delivered more than once', () => {
    fc.assert(
      fc.property(
        withEvents((events) => deliveriesOf(events)),
        (c) => {
          expect(fold(c, c.derived)).toEqual(fold(c));
        },
      ),
      RUNS,
    );
  });

  it('gives the same state whichever API shape Stripe’s events came in', () => {
    const currentApi = fc
      .constantFrom(...TERMS)
      .chain(({ terms }) =>
        userStoryArbitrary({ terms, apiShape: 'current' }).map((story) => ({ terms, story })),
      );
    fc.assert(
      fc.property(currentApi, (c) => {
        // The older API has no invoice payments: its invoices name their charge, its charges their invoice.
        const older = c.story.events
          .filter((e) => e.type !== 'invoice_payment.paid')
          .map((e) => ('apiShape' in e ? { ...e, apiShape: 'older' as const } : e));
        expect(fold(c, older)).toEqual(fold(c));
      }),
      RUNS,
    );
  });

  it('folds incrementally as it folds the union: any first part, then the rest with redeliveries', () => {
    fc.assert(
      fc.property(
        withEvents((events) =>
          deliveriesOf(events).chain((delivered) =>
            fc.tuple(fc.nat({ max: delivered.length }), fc.nat({ max: delivered.length })).map(([a, b]) => ({
              delivered,
              split: Math.max(1, Math.min(a, b)),
              replayFrom: Math.min(a, b),
            })),
          ),
        ),
        (c) => {
          const { delivered, split, replayFrom } = c.derived;
          const full = fold(c);
          const firstPart = delivered.slice(0, split);
          // The first part alone may lack the signup: the state starts once it arrives.
          const signedUp = firstPart.some((e) => e.type === 'UserSignedUp');
          const before = referralStateOf(c.story.userId, factsOf(firstPart, c.story.userId), c.terms);
          expect(before === undefined).toBe(!signedUp);
          if (before) {
            expectConsistent(before);
            // A paid commission stays paid, for what it was paid, whatever comes later.
            for (const paid of before.commissions.filter((x) => x.status === 'paid')) {
              expect(full.commissions.find((x) => x.commissionId === paid.commissionId)).toMatchObject({
                status: 'paid',
                netCents: paid.netCents,
                paidAt: paid.paidAt,
                payoutId: paid.payoutId,
              });
            }
          }
          const rest = [...delivered.slice(replayFrom, split), ...delivered.slice(split)];
          expect(fold(c, [...firstPart, ...rest])).toEqual(full);
          expect(fold(c, [...rest, ...firstPart])).toEqual(full);
        },
      ),
      RUNS,
    );
  });
});
