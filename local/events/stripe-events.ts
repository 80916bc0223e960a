import type Stripe from 'stripe';
import type { OlderApiCharge, OlderApiInvoice, StripeJson } from '../../domain/stripe-events';
import { envelope, type Envelope } from './event-envelope';
import fixtures from './stripe/fixtures.json';

/**
 * Stripe events built from Stripe's own example objects (`stripe/fixtures.json`): the fixture supplies every
 * field name and the nesting, the builder overrides what a test cares about, and the result is wrapped in
 * the EventBridge envelope a partner event source delivers. The overrides are checked against the `stripe`
 * package's types (type-only), in their JSON form (`StripeJson`: decimals as strings).
 */
export const STRIPE_TEST_SOURCE = 'aws.partner/stripe.com/ed_test_123';

type Json = Record<string, unknown>;
/** Some fields of Stripe's `T`, as JSON: what a builder sets on a fixture object. */
type Fields<T> = Partial<StripeJson<T>>;
/** A copy of the fixture object `base` with `fields` of Stripe's `T` set. */
const withFields = <T>(base: Json, fields: Fields<T>): Json => ({ ...base, ...fields });
export type StripeEvent = Json & { id: string; type: string; created: number; data: { object: Json } };

/** 2026-01-15T10:00:00Z */
export const DEFAULT_CREATED = 1_768_471_200;

const clone = <T>(value: T): T => structuredClone(value);

/** The fixture Stripe event with `type` and `data.object` replaced. */
export function stripeEvent(
  type: Stripe.Event.Type,
  object: Json,
  opts: { id?: string; created?: number } = {},
): StripeEvent {
  const base = clone(fixtures.event) as unknown as Json;
  const fields = {
    id: opts.id ?? 'evt_test_1',
    type,
    created: opts.created ?? DEFAULT_CREATED,
    api_version: '2026-01-28.clover',
  } satisfies Fields<Stripe.EventBase>;
  return { ...base, ...fields, data: { object } };
}

/** Wraps a Stripe event as EventBridge delivers it. */
export function stripeEnvelope(event: StripeEvent, source = STRIPE_TEST_SOURCE): Envelope<StripeEvent> {
  return envelope({
    id: `eb-${event.id}`,
    source,
    detailType: event.type,
    time: new Date(event.created * 1000).toISOString(),
    detail: event,
  });
}

export interface InvoiceLine {
  priceId: string;
  /** Signed minor units: a proration credit for the old plan is negative. */
  amountCents: number;
}

export interface InvoiceOptions {
  eventId?: string;
  invoiceId?: string;
  userId?: string;
  amountPaidCents?: number;
  currency?: string;
  /** The one line's price (ignored when `lines` is given). */
  priceId?: string;
  /** The invoice's lines; default one line of `priceId` for `amountPaidCents`. */
  lines?: InvoiceLine[];
  billingReason?: Stripe.Invoice.BillingReason;
  customerId?: string;
  subscriptionId?: string;
  /** Epoch seconds; `null` leaves `status_transitions.paid_at` empty. */
  paidAt?: number | null;
  created?: number;
  /**
   * `current` (2025-03-31.basil on): `parent.subscription_details` and `lines.data[].pricing`, no charge or
   * PaymentIntent on the invoice. `older`: `subscription_details`, `subscription`, `lines.data[].price`, and
   * the invoice's `charge` and `payment_intent`.
   */
  apiShape?: 'current' | 'older';
  /** Older API shape only: the invoice's `charge` (default `ch_test_1`; `null` for none). */
  chargeId?: string | null;
  /** Older API shape only: the invoice's `payment_intent` (default `pi_test_1`; `null` for none). */
  paymentIntentId?: string | null;
}

/** A Stripe invoice object from the fixture, paid, for its subscription lines. */
export function invoiceObject(opts: InvoiceOptions = {}): Json {
  const invoice = clone(fixtures.invoice) as unknown as Json & { lines: { data: Json[] } };
  const invoiceId = opts.invoiceId ?? 'in_test_1';
  const amount = opts.amountPaidCents ?? 2999;
  const userId = opts.userId ?? 'user_1';
  const subscriptionId = opts.subscriptionId ?? 'sub_test_1';
  const paidAt = opts.paidAt === undefined ? (opts.created ?? DEFAULT_CREATED) : opts.paidAt;
  const lines = opts.lines ?? [{ priceId: opts.priceId ?? 'price_afplus_monthly', amountCents: amount }];
  const apiShape = opts.apiShape ?? 'current';
  Object.assign(invoice, {
    id: invoiceId,
    status: 'paid',
    billing_reason: opts.billingReason ?? 'subscription_create',
    amount_due: amount,
    amount_paid: amount,
    amount_remaining: 0,
    currency: opts.currency ?? 'usd',
    customer: opts.customerId ?? 'cus_test_1',
    status_transitions: { ...fixtures.invoice.status_transitions, paid_at: paidAt },
  } satisfies Fields<Stripe.Invoice>);
  const fixtureLine = invoice.lines.data[0] ?? {};
  const lineObjects = lines.map(({ priceId, amountCents }, index) => {
    const line = withFields<Stripe.InvoiceLineItem>(clone(fixtureLine), {
      id: `il_test_${index + 1}`,
      invoice: invoiceId,
      amount: amountCents,
      currency: opts.currency ?? 'usd',
      subscription: subscriptionId,
    });
    if (apiShape === 'current') {
      line.pricing = withFields<Stripe.InvoiceLineItem.Pricing>(fixtureLine.pricing as Json, {
        price_details: { price: priceId, product: 'prod_test_1' },
        unit_amount_decimal: String(amountCents),
      });
      delete line.price;
    } else {
      const fixturePrice = clone(fixtures.subscription.items.data[0]?.price) as unknown as Json;
      // `price`: the older API's line field (OlderApiInvoiceLineItem), an expanded Stripe price.
      line.price = withFields<Stripe.Price>(fixturePrice, {
        id: priceId,
        unit_amount: amountCents,
        unit_amount_decimal: String(amountCents),
      });
      delete line.pricing;
    }
    return line;
  });
  if (apiShape === 'current') {
    invoice.parent = {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: { userId }, subscription: subscriptionId },
    } satisfies Stripe.Invoice.Parent;
    delete invoice.subscription;
  } else {
    // The older API's fields, which Stripe's current types no longer declare (see OlderApiInvoice).
    delete invoice.parent;
    Object.assign(invoice, {
      subscription: subscriptionId,
      subscription_details: { metadata: { userId } },
      charge: opts.chargeId === undefined ? 'ch_test_1' : opts.chargeId,
      payment_intent: opts.paymentIntentId === undefined ? 'pi_test_1' : opts.paymentIntentId,
    } satisfies OlderApiInvoice);
  }
  invoice.lines = { ...invoice.lines, data: lineObjects };
  return invoice;
}

/** `invoice.paid` through EventBridge. */
export function invoicePaidEvent(opts: InvoiceOptions = {}): Envelope<StripeEvent> {
  return stripeEnvelope(
    stripeEvent('invoice.paid', invoiceObject(opts), {
      id: opts.eventId ?? 'evt_invoice_1',
      created: opts.created,
    }),
  );
}

export interface InvoicePaymentOptions {
  eventId?: string;
  invoicePaymentId?: string;
  invoiceId?: string;
  /** `payment_intent` (default) names `paymentIntentId`; `charge` names `chargeId`. */
  paymentType?: 'payment_intent' | 'charge' | 'payment_record';
  paymentIntentId?: string;
  chargeId?: string;
  amountPaidCents?: number;
  currency?: string;
  /** Epoch seconds; `null` leaves `status_transitions.paid_at` empty. */
  paidAt?: number | null;
  created?: number;
}

/** `invoice_payment.paid` through EventBridge (fixture invoice payment, paid): which payment paid which invoice. */
export function invoicePaymentPaidEvent(opts: InvoicePaymentOptions = {}): Envelope<StripeEvent> {
  const payment = clone(fixtures.invoice_payment) as unknown as Json;
  const created = opts.created ?? DEFAULT_CREATED;
  const amount = opts.amountPaidCents ?? 2999;
  const type = opts.paymentType ?? 'payment_intent';
  const paidAt = opts.paidAt === undefined ? created : opts.paidAt;
  Object.assign(payment, {
    id: opts.invoicePaymentId ?? 'inpay_test_1',
    invoice: opts.invoiceId ?? 'in_test_1',
    amount_paid: amount,
    amount_requested: amount,
    currency: opts.currency ?? 'usd',
    created,
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: paidAt },
    payment:
      type === 'payment_intent'
        ? { type, payment_intent: opts.paymentIntentId ?? 'pi_test_1' }
        : type === 'charge'
          ? { type, charge: opts.chargeId ?? 'ch_test_1' }
          : { type, payment_record: 'pr_test_1' },
  } satisfies Fields<Stripe.InvoicePayment>);
  return stripeEnvelope(
    stripeEvent('invoice_payment.paid', payment, { id: opts.eventId ?? 'evt_invoice_payment_1', created }),
  );
}

export interface ChargeRefundedOptions {
  eventId?: string;
  chargeId?: string;
  /** The charge's PaymentIntent (default `pi_test_1`; `null` for a charge without one). */
  paymentIntentId?: string | null;
  /** Older API versions only: the charge's `invoice` (absent by default, as in the current API). */
  invoiceId?: string;
  amountCents?: number;
  /** Cumulative: everything refunded on the charge so far (default: all of it). */
  amountRefundedCents?: number;
  currency?: string;
  created?: number;
}

/** `charge.refunded` through EventBridge (fixture charge, refunded in full or in part). */
export function chargeRefundedEvent(opts: ChargeRefundedOptions = {}): Envelope<StripeEvent> {
  const charge = clone(fixtures.charge) as unknown as Json;
  const amount = opts.amountCents ?? 2999;
  const refunded = opts.amountRefundedCents ?? amount;
  const chargeId = opts.chargeId ?? 'ch_test_1';
  Object.assign(charge, {
    id: chargeId,
    amount,
    amount_captured: amount,
    amount_refunded: refunded,
    refunded: refunded === amount,
    captured: true,
    currency: opts.currency ?? 'usd',
    customer: 'cus_test_1',
    payment_intent: opts.paymentIntentId === undefined ? 'pi_test_1' : opts.paymentIntentId,
  } satisfies Fields<Stripe.Charge>);
  if (opts.invoiceId !== undefined) {
    // The older API's field, which Stripe's current types no longer declare (see OlderApiCharge).
    Object.assign(charge, { invoice: opts.invoiceId } satisfies OlderApiCharge);
  }
  return stripeEnvelope(
    stripeEvent('charge.refunded', charge, { id: opts.eventId ?? 'evt_refund_1', created: opts.created }),
  );
}

export interface DisputeOptions {
  eventId?: string;
  disputeId?: string;
  chargeId?: string;
  /** The disputed PaymentIntent (default `pi_test_1`; `null` for a charge without one). */
  paymentIntentId?: string | null;
  amountCents?: number;
  currency?: string;
  status?: Stripe.Dispute.Status;
  created?: number;
}

function disputeObject(opts: DisputeOptions, status: Stripe.Dispute.Status): Json {
  const dispute = clone(fixtures.dispute) as unknown as Json;
  Object.assign(dispute, {
    id: opts.disputeId ?? 'dp_test_1',
    charge: opts.chargeId ?? 'ch_test_1',
    payment_intent: opts.paymentIntentId === undefined ? 'pi_test_1' : opts.paymentIntentId,
    amount: opts.amountCents ?? 2999,
    currency: opts.currency ?? 'usd',
    status,
  } satisfies Fields<Stripe.Dispute>);
  return dispute;
}

/** `charge.dispute.created` through EventBridge (fixture dispute, default status `needs_response`). */
export function disputeCreatedEvent(opts: DisputeOptions = {}): Envelope<StripeEvent> {
  return stripeEnvelope(
    stripeEvent('charge.dispute.created', disputeObject(opts, opts.status ?? 'needs_response'), {
      id: opts.eventId ?? 'evt_dispute_created_1',
      created: opts.created,
    }),
  );
}

/** `charge.dispute.closed` through EventBridge (fixture dispute, default status `lost`). */
export function disputeClosedEvent(opts: DisputeOptions = {}): Envelope<StripeEvent> {
  return stripeEnvelope(
    stripeEvent('charge.dispute.closed', disputeObject(opts, opts.status ?? 'lost'), {
      id: opts.eventId ?? 'evt_dispute_closed_1',
      created: opts.created,
    }),
  );
}

export interface CheckoutOptions {
  eventId?: string;
  sessionId?: string;
  userId?: string | null;
  customerId?: string;
  subscriptionId?: string;
  mode?: 'subscription' | 'payment' | 'setup';
  amountTotalCents?: number | null;
  currency?: string | null;
  created?: number;
}

/** `checkout.session.completed` through EventBridge (fixture session, completed and paid). */
export function checkoutCompletedEvent(opts: CheckoutOptions = {}): Envelope<StripeEvent> {
  const session = clone(fixtures['checkout.session']) as unknown as Json;
  Object.assign(session, {
    id: opts.sessionId ?? 'cs_test_1',
    mode: opts.mode ?? 'subscription',
    status: 'complete',
    payment_status: 'paid',
    client_reference_id: opts.userId === undefined ? 'user_1' : opts.userId,
    customer: opts.customerId ?? 'cus_test_1',
    subscription: opts.subscriptionId ?? 'sub_test_1',
    amount_total: opts.amountTotalCents === undefined ? 2999 : opts.amountTotalCents,
    currency: opts.currency === undefined ? 'usd' : opts.currency,
    payment_intent: null,
  } satisfies Fields<Stripe.Checkout.Session>);
  return stripeEnvelope(
    stripeEvent('checkout.session.completed', session, {
      id: opts.eventId ?? 'evt_checkout_1',
      created: opts.created,
    }),
  );
}

export interface SubscriptionDeletedOptions {
  eventId?: string;
  subscriptionId?: string;
  userId?: string;
  /** Epoch seconds; `null` leaves `canceled_at` empty. */
  canceledAt?: number | null;
  endedAt?: number | null;
  created?: number;
}

/** `customer.subscription.deleted` through EventBridge (fixture subscription, canceled). */
export function subscriptionDeletedEvent(opts: SubscriptionDeletedOptions = {}): Envelope<StripeEvent> {
  const subscription = clone(fixtures.subscription) as unknown as Json;
  const created = opts.created ?? DEFAULT_CREATED;
  Object.assign(subscription, {
    id: opts.subscriptionId ?? 'sub_test_1',
    status: 'canceled',
    metadata: { userId: opts.userId ?? 'user_1' },
    canceled_at: opts.canceledAt === undefined ? created : opts.canceledAt,
    ended_at: opts.endedAt === undefined ? created : opts.endedAt,
  } satisfies Fields<Stripe.Subscription>);
  return stripeEnvelope(
    stripeEvent('customer.subscription.deleted', subscription, {
      id: opts.eventId ?? 'evt_sub_deleted_1',
      created,
    }),
  );
}

export interface SubscriptionUpdatedOptions {
  eventId?: string;
  subscriptionId?: string;
  userId?: string;
  status?: Stripe.Subscription.Status;
  /** The first item's price. */
  priceId?: string;
  created?: number;
}

/** `customer.subscription.updated` through EventBridge (fixture subscription, one item). */
export function subscriptionUpdatedEvent(opts: SubscriptionUpdatedOptions = {}): Envelope<StripeEvent> {
  const subscription = clone(fixtures.subscription) as unknown as Json & { items: { data: Json[] } };
  const subscriptionId = opts.subscriptionId ?? 'sub_test_1';
  const status = opts.status ?? 'active';
  const created = opts.created ?? DEFAULT_CREATED;
  const fixtureItem = subscription.items.data[0] ?? {};
  const item = withFields<Stripe.SubscriptionItem>(fixtureItem, {
    subscription: subscriptionId,
    price: withFields<Stripe.Price>(fixtureItem.price as Json, {
      id: opts.priceId ?? 'price_afplus_monthly',
    }) as unknown as StripeJson<Stripe.Price>,
  });
  const canceled = status === 'canceled' || status === 'incomplete_expired';
  Object.assign(subscription, {
    id: subscriptionId,
    status,
    metadata: { userId: opts.userId ?? 'user_1' },
    canceled_at: canceled ? created : null,
    ended_at: canceled ? created : null,
  } satisfies Fields<Stripe.Subscription>);
  subscription.items = { ...subscription.items, data: [item] };
  return stripeEnvelope(
    stripeEvent('customer.subscription.updated', subscription, {
      id: opts.eventId ?? 'evt_sub_updated_1',
      created,
    }),
  );
}
