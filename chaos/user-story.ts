import fc from 'fast-check';
import {
  DEFAULT_COMMISSION_SCHEDULE,
  DEFAULT_HOLD_PERIOD_DAYS,
  DEFAULT_PRICE_MAP,
  DEFAULT_PROGRAM_CURRENCY,
  MAX_AMOUNT_MINOR_UNITS,
} from '../domain/config';
import { proRata, quoteCommission } from '../domain/earnings';
import { commissionIds, factKeys, type CommissionableReason, type Fact } from '../domain/facts';
import type { ProgramTerms } from '../domain/lifecycle';

/**
 * One referred user's story as the deliveries that tell it: the app's signup and verification, Stripe's
 * invoices, invoice payments, refunds, disputes, subscription updates and deletion, and the program's own
 * approvals, reviews and payouts. A `StoryEvent` is a plain, serializable description of one delivery with
 * every id and amount spelled out, so that it can be turned into the fact the ingest records (`factOf`) or,
 * later, into the real Stripe / EventBridge event for workflow-level and chaos tests.
 *
 * The stories are realistic on purpose: amounts within Stripe's limit, cumulative refunds that increase and
 * never exceed the invoice, disputes only over what is left to dispute, renewals a calendar month (or year)
 * apart on the subscription's billing anchor, plan changes with their proration invoice and their
 * `customer.subscription.updated`, approvals at the commission's due time, payouts only of commissions that
 * are payable when they are paid, for what they are worth then (so later refunds and lost disputes claw back).
 */

export const PRICE_IDS = [
  'price_af_monthly',
  'price_af_annual',
  'price_afplus_monthly',
  'price_afplus_annual',
] as const;
export type PriceId = (typeof PRICE_IDS)[number];

/** Demo list prices of the four prices (the ids of DEFAULT_PRICE_MAP). */
export const LIST_PRICE_CENTS: Readonly<Record<PriceId, number>> = {
  price_af_monthly: 999,
  price_af_annual: 9990,
  price_afplus_monthly: 2999,
  price_afplus_annual: 29990,
};

/** `current`: API 2025-03-31 and later (invoice payments; charges and invoices do not name each other). */
export type ApiShape = 'current' | 'older';
export const API_VERSIONS: Readonly<Record<ApiShape, string>> = {
  current: '2026-01-28.clover',
  older: '2024-06-20',
};

interface StoryEventBase {
  /** The delivery's event id (Stripe `evt_…`, the app's or the program's own); a redelivery repeats it. */
  eventId: string;
  /** The event's own time (ISO-8601 UTC, whole seconds): Stripe's `created`, the app's `occurredAt`. */
  at: string;
}

interface StripeEventBase extends StoryEventBase {
  /** Which shape of Stripe's API the event is in (decides what the objects name, see `factOf`). */
  apiShape: ApiShape;
  currency: string;
}

/** The app's `UserSignedUp`. */
export interface SignedUpStoryEvent extends StoryEventBase {
  type: 'UserSignedUp';
  userId: string;
  partnerId: string;
  emailHash: string;
  /** The signup is the partner's own (same user or email): what the ingest flags as a self-referral. */
  selfReferral: boolean;
}

/** The app's `UserEmailVerified`. */
export interface EmailVerifiedStoryEvent extends StoryEventBase {
  type: 'UserEmailVerified';
  userId: string;
}

/** `checkout.session.completed` (mode subscription, `client_reference_id` = the user). */
export interface CheckoutCompletedStoryEvent extends StripeEventBase {
  type: 'checkout.session.completed';
  sessionId: string;
  userId: string;
  customerId: string;
  subscriptionId: string;
}

/** `invoice.paid`; the subscription's metadata carries `userId`. */
export interface InvoicePaidStoryEvent extends StripeEventBase {
  type: 'invoice.paid';
  invoiceId: string;
  userId: string;
  customerId: string;
  subscriptionId: string;
  billingReason: CommissionableReason;
  priceId: PriceId;
  /** `amount_paid`. */
  amountCents: number;
  /** The charge and PaymentIntent that paid it (absent for a zero invoice); the older API's invoice names them. */
  chargeId?: string;
  paymentIntentId?: string;
}

/** `invoice_payment.paid` (current API only): which PaymentIntent paid which invoice. */
export interface InvoicePaymentPaidStoryEvent extends StripeEventBase {
  type: 'invoice_payment.paid';
  invoicePaymentId: string;
  invoiceId: string;
  paymentIntentId: string;
  /** The PaymentIntent's charge (not part of the invoice payment object). */
  chargeId: string;
  amountCents: number;
}

/** `charge.refunded` with the charge's cumulative `amount_refunded`. */
export interface ChargeRefundedStoryEvent extends StripeEventBase {
  type: 'charge.refunded';
  chargeId: string;
  paymentIntentId: string;
  /** The invoice the charge paid; only the older API's charge names it. */
  invoiceId: string;
  /** The charge's `amount`. */
  amountCents: number;
  amountRefundedCents: number;
}

/** `charge.dispute.created` (status `needs_response`) and `charge.dispute.closed` (`won` or `lost`). */
export interface DisputeStoryEvent extends StripeEventBase {
  type: 'charge.dispute.created' | 'charge.dispute.closed';
  disputeId: string;
  chargeId: string;
  paymentIntentId: string;
  /** The invoice the disputed charge paid (bookkeeping; a dispute names only its charge and PaymentIntent). */
  invoiceId: string;
  amountCents: number;
  status: 'needs_response' | 'won' | 'lost';
}

/**
 * `customer.subscription.updated` (a plan change) and `customer.subscription.deleted` (`at`: its
 * `canceled_at`, which the ingest takes as the cancellation's time).
 */
export interface SubscriptionStoryEvent extends StripeEventBase {
  type: 'customer.subscription.updated' | 'customer.subscription.deleted';
  subscriptionId: string;
  customerId: string;
  userId: string;
  /** The subscription's price after the event. */
  priceId: PriceId;
  status: 'active' | 'canceled';
}

/** The approval run found the commission due. */
export interface CommissionApprovedStoryEvent extends StoryEventBase {
  type: 'commission.approved';
  commissionId: string;
  invoiceId: string;
}

/** An operator's decision on a held commission. */
export interface CommissionReviewedStoryEvent extends StoryEventBase {
  type: 'commission.reviewed';
  commissionId: string;
  invoiceId: string;
  decision: 'approve' | 'reject';
}

/** A payout paid the commission `earningsCents`. */
export interface CommissionPaidOutStoryEvent extends StoryEventBase {
  type: 'commission.paid_out';
  commissionId: string;
  invoiceId: string;
  payoutId: string;
  earningsCents: number;
}

export type StoryEvent =
  | SignedUpStoryEvent
  | EmailVerifiedStoryEvent
  | CheckoutCompletedStoryEvent
  | InvoicePaidStoryEvent
  | InvoicePaymentPaidStoryEvent
  | ChargeRefundedStoryEvent
  | DisputeStoryEvent
  | SubscriptionStoryEvent
  | CommissionApprovedStoryEvent
  | CommissionReviewedStoryEvent
  | CommissionPaidOutStoryEvent;

export interface UserStory {
  userId: string;
  partnerId: string;
  /** In the order they happened (by `at`, then as generated). */
  events: StoryEvent[];
}

export interface UserStoryOptions {
  /** The terms the story's approvals and payouts follow (which invoices earn, when they are due). */
  terms?: ProgramTerms;
  /** Invoices on the subscription, 1..6 by default. */
  minInvoices?: number;
  maxInvoices?: number;
  /** Which API shape Stripe's events are in; `any` picks one per story. Default `current`. */
  apiShape?: ApiShape | 'any';
  /** Whether approved commissions may be paid out. Default true. */
  payouts?: boolean;
}

export const DEFAULT_TERMS: ProgramTerms = {
  schedule: DEFAULT_COMMISSION_SCHEDULE,
  holdPeriodDays: DEFAULT_HOLD_PERIOD_DAYS,
};

// ---- Mapping to facts ----

const planOf = (priceId: PriceId) => {
  const plan = DEFAULT_PRICE_MAP[priceId];
  if (!plan) throw new Error(`user story: unknown price ${priceId}`);
  return plan;
};

/**
 * The fact the ingest records for one delivery, as it does: the current API's invoice names no payment
 * (its invoice payment does, by PaymentIntent), the older API's invoice names its charge and PaymentIntent
 * and its charge names the invoice; a refund is linked by `[charge, PaymentIntent]`, a dispute by
 * `[PaymentIntent, charge]`. Throws for an event about another user.
 */
export function factOf(event: StoryEvent, userId: string): Fact {
  if ('userId' in event && event.userId !== userId) {
    throw new Error(`user story: ${event.type} ${event.eventId} is about ${event.userId}, not ${userId}`);
  }
  const at = event.at;
  switch (event.type) {
    case 'UserSignedUp':
      return {
        kind: 'signup',
        key: factKeys.signup(event.eventId),
        at,
        partnerId: event.partnerId,
        emailHash: event.emailHash,
        ...(event.selfReferral ? { selfReferral: true } : {}),
      };
    case 'UserEmailVerified':
      return { kind: 'verified', key: factKeys.verified(event.eventId), at };
    case 'checkout.session.completed':
      return {
        kind: 'checkout',
        key: factKeys.checkout(event.sessionId),
        at,
        customerId: event.customerId,
        subscriptionId: event.subscriptionId,
      };
    case 'invoice.paid':
      return {
        kind: 'invoice',
        key: factKeys.invoice(event.invoiceId),
        at,
        invoiceId: event.invoiceId,
        billingReason: event.billingReason,
        amountCents: event.amountCents,
        currency: event.currency,
        ...planOf(event.priceId),
        subscriptionId: event.subscriptionId,
        customerId: event.customerId,
        paymentIds:
          event.apiShape === 'older'
            ? [event.chargeId, event.paymentIntentId].filter((id): id is string => id !== undefined)
            : [],
      };
    case 'invoice_payment.paid':
      return {
        kind: 'invoicePayment',
        key: factKeys.invoicePayment(event.invoicePaymentId),
        at,
        invoiceId: event.invoiceId,
        paymentIds: [event.paymentIntentId],
      };
    case 'charge.refunded':
      return {
        kind: 'refund',
        key: factKeys.refund(event.chargeId, event.amountRefundedCents),
        at,
        chargeId: event.chargeId,
        paymentIds: [event.chargeId, event.paymentIntentId],
        ...(event.apiShape === 'older' ? { invoiceId: event.invoiceId } : {}),
        amountRefundedCents: event.amountRefundedCents,
      };
    case 'charge.dispute.created':
    case 'charge.dispute.closed': {
      const phase = event.status === 'needs_response' ? 'open' : event.status;
      return {
        kind: 'dispute',
        key: factKeys.dispute(event.disputeId, phase),
        at,
        disputeId: event.disputeId,
        paymentIds: [event.paymentIntentId, event.chargeId],
        amountCents: event.amountCents,
        phase,
      };
    }
    case 'customer.subscription.updated':
      return {
        kind: 'subscription',
        key: factKeys.subscription(event.subscriptionId, at, event.status),
        at,
        subscriptionId: event.subscriptionId,
        state: event.status,
        ...planOf(event.priceId),
      };
    case 'customer.subscription.deleted':
      // The ingest reads no plan from a deleted subscription; `at` is its `canceled_at`.
      return {
        kind: 'subscription',
        key: factKeys.subscription(event.subscriptionId, at, 'canceled'),
        at,
        subscriptionId: event.subscriptionId,
        state: 'canceled',
      };
    case 'commission.approved':
      return {
        kind: 'approval',
        key: factKeys.approval(event.commissionId),
        at,
        commissionId: event.commissionId,
      };
    case 'commission.reviewed':
      return {
        kind: 'review',
        key: factKeys.review(event.commissionId, event.decision),
        at,
        commissionId: event.commissionId,
        decision: event.decision,
      };
    case 'commission.paid_out':
      return {
        kind: 'payout',
        key: factKeys.payout(event.commissionId),
        at,
        commissionId: event.commissionId,
        payoutId: event.payoutId,
        earningsCents: event.earningsCents,
      };
  }
}

/** The facts of a sequence of deliveries, in delivery order. */
export const factsOf = (events: readonly StoryEvent[], userId: string): Fact[] =>
  events.map((e) => factOf(e, userId));

// ---- Calendar ----

const HOUR = 3600;
const DAY = 86_400;
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const secondsOf = (isoTime: string): number => Date.parse(isoTime) / 1000;

/** `seconds` moved `months` calendar months on (UTC), the day clamped to the month's last (Jan 31 → Feb 28). */
export function addCalendarMonths(seconds: number, months: number): number {
  const d = new Date(seconds * 1000);
  const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
  const target = new Date(first);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  target.setUTCHours(d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0);
  return target.getTime() / 1000;
}

const dayOf = (seconds: number): number => Math.floor(seconds / DAY);

/**
 * The month of the subscription (1-based) that `atIso` falls in, when its first invoice was at `startIso`:
 * month n + 1 once the calendar date of the n-th monthly anniversary (clamped) is reached. Written apart
 * from the fold's own `subscriptionMonthOf`, as the stories' independent reckoning.
 */
export function storySubscriptionMonth(startIso: string, atIso: string): number {
  const start = secondsOf(startIso);
  const at = dayOf(secondsOf(atIso));
  let n = 0;
  while (dayOf(addCalendarMonths(start, n + 1)) <= at) n += 1;
  return n + 1;
}

// ---- The generator ----

type Share = number; // basis points of an amount, 1..10_000

interface MoneyPlan {
  refunds: { share: Share; afterHours: number }[];
  dispute: { afterHours: number; outcome: 'open' | 'won' | 'lost'; closeAfterDays: number } | null;
  approval: 'due' | 'late' | 'early' | 'none';
  approvalOffsetHours: number;
  review: { decision: 'approve' | 'reject'; afterDays: number } | null;
  payoutAfterDays: number | null;
}

interface InvoicePlan {
  kind: 'cycle' | 'update';
  /** For a plan change: which of the three other prices (0..2). */
  otherPrice: number;
  /** For a plan change: where between the last invoice and the next renewal (per mille). */
  position: number;
  /** `list`: the price's list amount (a proration's share of it); `zero`: a free invoice; else these cents. */
  amount: 'list' | 'zero' | number;
  paidAfterMinutes: number;
  money: MoneyPlan;
}

interface StoryPlan {
  id: string;
  partnerId: string;
  startSeconds: number;
  selfReferral: boolean;
  verifiedAfterMinutes: number | null;
  checkout: boolean;
  firstInvoiceAfterMinutes: number;
  price: PriceId;
  apiShape: ApiShape;
  invoices: InvoicePlan[];
  cancelAfterHours: number | null;
}

const START_MIN = Date.UTC(2025, 0, 1) / 1000;
const START_MAX = Date.UTC(2028, 11, 31) / 1000;

/** `arbitrary` in about `percent`% of the cases, else `null`. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(null) }, { weight: percent, arbitrary });

const moneyPlanArbitrary = (payouts: boolean): fc.Arbitrary<MoneyPlan> =>
  fc.record({
    refunds: fc.oneof(
      { weight: 3, arbitrary: fc.constant<MoneyPlan['refunds']>([]) },
      {
        weight: 2,
        arbitrary: fc.array(
          fc.record({
            share: fc.oneof(fc.constant(10_000), fc.integer({ min: 1, max: 10_000 })),
            afterHours: fc.integer({ min: 1, max: 60 * 24 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      },
    ),
    dispute: sometimes(
      fc.record({
        afterHours: fc.integer({ min: 1, max: 50 * 24 }),
        outcome: fc.constantFrom('open' as const, 'won' as const, 'lost' as const),
        closeAfterDays: fc.integer({ min: 1, max: 75 }),
      }),
      20,
    ),
    approval: fc.constantFrom(
      'due' as const,
      'due' as const,
      'late' as const,
      'early' as const,
      'none' as const,
    ),
    approvalOffsetHours: fc.integer({ min: 1, max: 72 }),
    review: sometimes(
      fc.record({
        decision: fc.constantFrom('approve' as const, 'reject' as const),
        afterDays: fc.integer({ min: 0, max: 40 }),
      }),
      70,
    ),
    payoutAfterDays: payouts ? sometimes(fc.integer({ min: 0, max: 40 }), 50) : fc.constant(null),
  });

const invoicePlanArbitrary = (payouts: boolean): fc.Arbitrary<InvoicePlan> =>
  fc.record({
    kind: fc.constantFrom('cycle' as const, 'cycle' as const, 'update' as const),
    otherPrice: fc.integer({ min: 0, max: 2 }),
    position: fc.integer({ min: 50, max: 950 }),
    amount: fc.oneof(
      { weight: 6, arbitrary: fc.constant('list' as const) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: MAX_AMOUNT_MINOR_UNITS }) },
      { weight: 1, arbitrary: fc.constant('zero' as const) },
    ),
    paidAfterMinutes: fc.integer({ min: 0, max: 120 }),
    money: moneyPlanArbitrary(payouts),
  });

const storyPlanArbitrary = (options: UserStoryOptions): fc.Arbitrary<StoryPlan> => {
  const minInvoices = options.minInvoices ?? 1;
  const maxInvoices = options.maxInvoices ?? 6;
  if (minInvoices < 1 || maxInvoices < minInvoices)
    throw new RangeError('user story: 1 ≤ minInvoices ≤ maxInvoices');
  const payouts = options.payouts ?? true;
  const shape = options.apiShape ?? 'current';
  return fc.record({
    id: fc.nat().map((n) => n.toString(36)),
    partnerId: fc.constantFrom('indie-hacker', 'partner_1', 'p-42'),
    startSeconds: fc.integer({ min: START_MIN, max: START_MAX }),
    selfReferral: fc.integer({ min: 0, max: 3 }).map((n) => n === 0), // 1 in 4
    verifiedAfterMinutes: sometimes(fc.integer({ min: 1, max: 3 * 24 * 60 }), 80),
    checkout: fc.boolean(),
    firstInvoiceAfterMinutes: fc.integer({ min: 5, max: 10 * 24 * 60 }),
    price: fc.constantFrom(...PRICE_IDS),
    apiShape: shape === 'any' ? fc.constantFrom('current' as const, 'older' as const) : fc.constant(shape),
    invoices: fc.array(invoicePlanArbitrary(payouts), { minLength: minInvoices, maxLength: maxInvoices }),
    cancelAfterHours: sometimes(fc.integer({ min: 1, max: 20 * 24 }), 35),
  });
};

const intervalMonthsOf = (priceId: PriceId): number => (planOf(priceId).billingCycle === 'Annual' ? 12 : 1);

interface InvoiceTimeline {
  invoice: InvoicePaidStoryEvent;
  /** Reductions of the invoice, in time order: cumulative refunds and a lost dispute's amount. */
  refunds: { at: number; cumulative: number }[];
  dispute?: { openAt: number; closeAt?: number; outcome: 'open' | 'won' | 'lost'; amount: number };
}

/** What the commission is worth at `t` (seconds): its earnings less the share refunded or lost by then. */
function netAt(timeline: InvoiceTimeline, earnings: number, t: number): number {
  const base = timeline.invoice.amountCents;
  if (base === 0) return earnings;
  const refunded = Math.max(0, ...timeline.refunds.filter((r) => r.at <= t).map((r) => r.cumulative));
  const d = timeline.dispute;
  const lost = d && d.outcome === 'lost' && d.closeAt !== undefined && d.closeAt <= t ? d.amount : 0;
  return earnings - proRata(earnings, Math.min(base, refunded + lost), base);
}

function buildStory(plan: StoryPlan, terms: ProgramTerms): UserStory {
  const userId = `user_${plan.id}`;
  const customerId = `cus_${plan.id}`;
  const subscriptionId = `sub_${plan.id}`;
  const currency = DEFAULT_PROGRAM_CURRENCY;
  const apiShape = plan.apiShape;
  const events: StoryEvent[] = [];
  let eventCount = 0;
  const eventId = (prefix: string): string => `${prefix}_${plan.id}_${++eventCount}`;

  const signupAt = plan.startSeconds;
  events.push({
    type: 'UserSignedUp',
    eventId: eventId('app'),
    at: iso(signupAt),
    userId,
    partnerId: plan.partnerId,
    emailHash: `sha256_${plan.id}`,
    selfReferral: plan.selfReferral,
  });
  if (plan.verifiedAfterMinutes !== null) {
    events.push({
      type: 'UserEmailVerified',
      eventId: eventId('app'),
      at: iso(signupAt + plan.verifiedAfterMinutes * 60),
      userId,
    });
  }

  // The subscription's invoices: renewals on the billing anchor, plan changes in between.
  const firstAt = signupAt + plan.firstInvoiceAfterMinutes * 60;
  if (plan.checkout) {
    events.push({
      type: 'checkout.session.completed',
      eventId: eventId('evt'),
      at: iso(firstAt),
      apiShape,
      currency,
      sessionId: `cs_${plan.id}`,
      userId,
      customerId,
      subscriptionId,
    });
  }
  let price = plan.price;
  let anchor = firstAt;
  let renewals = 0;
  let lastAt = firstAt;
  const timelines: InvoiceTimeline[] = [];
  plan.invoices.forEach((p, i) => {
    const n = i + 1;
    let periodStart: number;
    let billingReason: CommissionableReason;
    let listAmount: number;
    const nextRenewal = addCalendarMonths(anchor, (renewals + 1) * intervalMonthsOf(price));
    if (i === 0) {
      periodStart = firstAt;
      billingReason = 'subscription_create';
      listAmount = LIST_PRICE_CENTS[price];
    } else if (p.kind === 'update' && nextRenewal - lastAt > 4 * HOUR) {
      const others = PRICE_IDS.filter((id) => id !== price);
      const next = others[p.otherPrice % others.length] ?? others[0]!;
      const changesInterval = intervalMonthsOf(next) !== intervalMonthsOf(price);
      periodStart = lastAt + 2 * HOUR + Math.floor(((nextRenewal - lastAt - 4 * HOUR) * p.position) / 1000);
      billingReason = 'subscription_update';
      // The proration: the new price for the rest of the period, less what is left of the old one.
      listAmount = Math.max(0, Math.floor((LIST_PRICE_CENTS[next] * p.position) / 1000));
      price = next;
      if (changesInterval) {
        // An interval change resets the billing anchor to the change (Stripe bills the new interval at once).
        anchor = periodStart;
        renewals = 0;
      }
      events.push({
        type: 'customer.subscription.updated',
        eventId: eventId('evt'),
        at: iso(periodStart),
        apiShape,
        currency,
        subscriptionId,
        customerId,
        userId,
        priceId: price,
        status: 'active',
      });
    } else {
      renewals += 1;
      periodStart = nextRenewal;
      billingReason = 'subscription_cycle';
      listAmount = LIST_PRICE_CENTS[price];
    }
    const at = periodStart + p.paidAfterMinutes * 60;
    lastAt = at;
    const amountCents = p.amount === 'list' ? listAmount : p.amount === 'zero' ? 0 : p.amount;
    const paid = amountCents > 0;
    const invoiceId = `in_${plan.id}_${n}`;
    const chargeId = `ch_${plan.id}_${n}`;
    const paymentIntentId = `pi_${plan.id}_${n}`;
    const invoice: InvoicePaidStoryEvent = {
      type: 'invoice.paid',
      eventId: eventId('evt'),
      at: iso(at),
      apiShape,
      currency,
      invoiceId,
      userId,
      customerId,
      subscriptionId,
      billingReason,
      priceId: price,
      amountCents,
      ...(paid ? { chargeId, paymentIntentId } : {}),
    };
    events.push(invoice);
    const timeline: InvoiceTimeline = { invoice, refunds: [] };
    timelines.push(timeline);
    if (!paid) return;
    if (apiShape === 'current') {
      events.push({
        type: 'invoice_payment.paid',
        eventId: eventId('evt'),
        at: iso(at),
        apiShape,
        currency,
        invoicePaymentId: `inpay_${plan.id}_${n}`,
        invoiceId,
        paymentIntentId,
        chargeId,
        amountCents,
      });
    }
    const charge = { apiShape, currency, chargeId, paymentIntentId, invoiceId };
    // Refunds: the charge's cumulative amount_refunded, strictly increasing, never above the charge.
    let t = at;
    let refunded = 0;
    for (const r of p.money.refunds) {
      const cumulative = Math.min(amountCents, Math.max(1, Math.round((amountCents * r.share) / 10_000)));
      if (cumulative <= refunded) continue;
      t += r.afterHours * HOUR;
      refunded = cumulative;
      timeline.refunds.push({ at: t, cumulative });
      events.push({
        type: 'charge.refunded',
        eventId: eventId('evt'),
        at: iso(t),
        ...charge,
        amountCents,
        amountRefundedCents: cumulative,
      });
      if (refunded === amountCents) break;
    }
    // A dispute over what is left of the charge, after its refunds.
    const d = p.money.dispute;
    if (d && refunded < amountCents) {
      const disputeId = `dp_${plan.id}_${n}`;
      const openAt = t + d.afterHours * HOUR;
      const amount = amountCents - refunded;
      const dispute = { ...charge, disputeId, amountCents: amount };
      events.push({
        type: 'charge.dispute.created',
        eventId: eventId('evt'),
        at: iso(openAt),
        ...dispute,
        status: 'needs_response',
      });
      timeline.dispute = { openAt, outcome: d.outcome, amount };
      if (d.outcome !== 'open') {
        const closeAt = openAt + d.closeAfterDays * DAY;
        timeline.dispute.closeAt = closeAt;
        events.push({
          type: 'charge.dispute.closed',
          eventId: eventId('evt'),
          at: iso(closeAt),
          ...dispute,
          status: d.outcome,
        });
      }
    }
  });

  // A cancellation after the last invoice, before the next renewal would have been billed.
  if (plan.cancelAfterHours !== null) {
    const nextRenewal = addCalendarMonths(anchor, (renewals + 1) * intervalMonthsOf(price));
    const at = Math.min(lastAt + plan.cancelAfterHours * HOUR, nextRenewal - HOUR);
    events.push({
      type: 'customer.subscription.deleted',
      eventId: eventId('evt'),
      at: iso(Math.max(lastAt + 1, at)),
      apiShape,
      currency,
      subscriptionId,
      customerId,
      userId,
      priceId: price,
      status: 'canceled',
    });
  }

  // The program's own facts: approvals at due time, reviews of self-referrals, payouts of what is payable.
  const start = timelines[0]!.invoice.at;
  plan.invoices.forEach((p, i) => {
    const timeline = timelines[i]!;
    const { invoice } = timeline;
    const month = storySubscriptionMonth(start, invoice.at);
    const plc = planOf(invoice.priceId);
    const earnings =
      quoteCommission(terms.schedule[plc.planType][plc.billingCycle], month, invoice.amountCents)
        ?.earningsCents ?? 0;
    if (earnings === 0) return;
    const commissionId = commissionIds.invoice(invoice.invoiceId);
    const earnedAt = secondsOf(invoice.at);
    const dueAt = earnedAt + terms.holdPeriodDays * DAY;
    const m = p.money;
    let approvalAt: number | undefined;
    if (m.approval !== 'none') {
      const at =
        m.approval === 'due'
          ? dueAt
          : m.approval === 'late'
            ? dueAt + m.approvalOffsetHours * HOUR
            : Math.max(earnedAt, dueAt - m.approvalOffsetHours * HOUR);
      if (at >= dueAt) approvalAt = at;
      events.push({
        type: 'commission.approved',
        eventId: eventId('apr'),
        at: iso(at),
        commissionId,
        invoiceId: invoice.invoiceId,
      });
    }
    let reviewApprovedAt: number | undefined;
    let rejected = false;
    if (plan.selfReferral && m.review) {
      const at = earnedAt + m.review.afterDays * DAY + HOUR;
      events.push({
        type: 'commission.reviewed',
        eventId: eventId('rev'),
        at: iso(at),
        commissionId,
        invoiceId: invoice.invoiceId,
        decision: m.review.decision,
      });
      if (m.review.decision === 'approve') reviewApprovedAt = at;
      else rejected = true;
    }
    if (m.payoutAfterDays === null || rejected) return;
    const payableFrom = plan.selfReferral ? reviewApprovedAt : approvalAt;
    if (payableFrom === undefined) return;
    const payoutAt = payableFrom + m.payoutAfterDays * DAY + 2 * HOUR;
    const d = timeline.dispute;
    const disputeOpen =
      d !== undefined && d.openAt <= payoutAt && (d.closeAt === undefined || d.closeAt > payoutAt);
    const net = netAt(timeline, earnings, payoutAt);
    if (disputeOpen || net <= 0) return;
    events.push({
      type: 'commission.paid_out',
      eventId: eventId('pay'),
      at: iso(payoutAt),
      commissionId,
      invoiceId: invoice.invoiceId,
      payoutId: `po_${plan.partnerId}_${iso(payoutAt).slice(0, 10)}`,
      earningsCents: net,
    });
  });

  // In the order they happened (a stable sort keeps the order of events at the same second).
  const ordered = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.at < b.e.at ? -1 : a.e.at > b.e.at ? 1 : a.i - b.i));
  return { userId, partnerId: plan.partnerId, events: ordered.map((o) => o.e) };
}

/** One referred user's story (see the module comment). */
export function userStoryArbitrary(options: UserStoryOptions = {}): fc.Arbitrary<UserStory> {
  const terms = options.terms ?? DEFAULT_TERMS;
  return storyPlanArbitrary(options).map((plan) => buildStory(plan, terms));
}

// ---- Deliveries ----

/** The events in any order (a permutation). */
export const permutationOf = <T>(events: readonly T[]): fc.Arbitrary<T[]> =>
  fc.shuffledSubarray([...events], { minLength: events.length, maxLength: events.length });

/** The events with some of them delivered again (same event, same id), each redelivery at any later position. */
export function withDuplicates<T>(events: readonly T[], maxDuplicates = 10): fc.Arbitrary<T[]> {
  if (events.length === 0) return fc.constant([]);
  return fc
    .array(fc.tuple(fc.nat({ max: events.length - 1 }), fc.nat({ max: events.length })), {
      maxLength: maxDuplicates,
    })
    .map((redeliveries) => {
      const out = [...events];
      for (const [index, after] of redeliveries) {
        const event = events[index]!;
        const position = Math.max(out.indexOf(event) + 1, Math.min(out.length, after + 1));
        out.splice(position, 0, event);
      }
      return out;
    });
}

/** What an at-least-once, unordered transport delivers: the events redelivered and in any order. */
export const deliveriesOf = <T>(events: readonly T[], maxDuplicates = 10): fc.Arbitrary<T[]> =>
  withDuplicates(events, maxDuplicates).chain((withCopies) => permutationOf(withCopies));

/** Fields of story events that hold ids: renamed together, so one story can be delivered many times. */
const ID_FIELDS = [
  'userId',
  'eventId',
  'sessionId',
  'invoiceId',
  'invoicePaymentId',
  'chargeId',
  'paymentIntentId',
  'disputeId',
  'subscriptionId',
  'customerId',
  'commissionId',
  'payoutId',
] as const;

/** The story with every id suffixed by `_<suffix>` (commission ids stay `inv#<invoiceId>`), its partner `partnerId`. */
export function renamedStory(
  story: UserStory,
  suffix: string,
  partnerId = `${story.partnerId}_${suffix}`,
): UserStory {
  const rename = (id: string): string => `${id}_${suffix}`;
  return {
    userId: rename(story.userId),
    partnerId,
    events: story.events.map((event) => {
      const copy: Record<string, unknown> = { ...event };
      for (const field of ID_FIELDS) {
        if (typeof copy[field] === 'string') copy[field] = rename(copy[field]);
      }
      if (typeof copy.partnerId === 'string') copy.partnerId = partnerId;
      return copy as unknown as StoryEvent;
    }),
  };
}
