import type Stripe from 'stripe';
import type { OlderApiInvoice, StripeJson } from '../../domain/stripe-events';
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

export interface InvoiceOptions {
  eventId?: string;
  invoiceId?: string;
  userId?: string;
  amountPaidCents?: number;
  currency?: string;
  priceId?: string;
  billingReason?: Stripe.Invoice.BillingReason;
  customerId?: string;
  subscriptionId?: string;
  /** Epoch seconds; `null` leaves `status_transitions.paid_at` empty. */
  paidAt?: number | null;
  created?: number;
  /** `current`: `parent.subscription_details` and `lines.data[].pricing`; `older`: `subscription_details`, `lines.data[].price`. */
  apiShape?: 'current' | 'older';
}

/** A Stripe invoice object from the fixture, paid, for one subscription line. */
export function invoiceObject(opts: InvoiceOptions = {}): Json {
  const invoice = clone(fixtures.invoice) as unknown as Json & { lines: { data: Json[] } };
  const invoiceId = opts.invoiceId ?? 'in_test_1';
  const amount = opts.amountPaidCents ?? 2999;
  const userId = opts.userId ?? 'user_1';
  const priceId = opts.priceId ?? 'price_afplus_monthly';
  const subscriptionId = opts.subscriptionId ?? 'sub_test_1';
  const paidAt = opts.paidAt === undefined ? (opts.created ?? DEFAULT_CREATED) : opts.paidAt;
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
  const line = withFields<Stripe.InvoiceLineItem>(fixtureLine, {
    invoice: invoiceId,
    amount,
    subscription: subscriptionId,
  });
  if ((opts.apiShape ?? 'current') === 'current') {
    invoice.parent = {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: { userId }, subscription: subscriptionId },
    } satisfies Stripe.Invoice.Parent;
    line.pricing = withFields<Stripe.InvoiceLineItem.Pricing>(fixtureLine.pricing as Json, {
      price_details: { price: priceId, product: 'prod_test_1' },
      unit_amount_decimal: String(amount),
    });
    delete line.price;
  } else {
    // The older API's fields, which Stripe's current types no longer declare (see OlderApiInvoice).
    delete invoice.parent;
    Object.assign(invoice, {
      subscription: subscriptionId,
      subscription_details: { metadata: { userId } },
    } satisfies OlderApiInvoice);
    const fixturePrice = clone(fixtures.subscription.items.data[0]?.price) as unknown as Json;
    // `price`: the older API's line field (OlderApiInvoiceLineItem), an expanded Stripe price.
    line.price = withFields<Stripe.Price>(fixturePrice, {
      id: priceId,
      unit_amount: amount,
      unit_amount_decimal: String(amount),
    });
    delete line.pricing;
  }
  invoice.lines = { ...invoice.lines, data: [line] };
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

export interface CheckoutOptions {
  eventId?: string;
  userId?: string | null;
  customerId?: string;
  subscriptionId?: string;
  mode?: 'subscription' | 'payment' | 'setup';
  created?: number;
}

/** `checkout.session.completed` through EventBridge (fixture session, completed and paid). */
export function checkoutCompletedEvent(opts: CheckoutOptions = {}): Envelope<StripeEvent> {
  const session = clone(fixtures['checkout.session']) as unknown as Json;
  Object.assign(session, {
    id: 'cs_test_1',
    mode: opts.mode ?? 'subscription',
    status: 'complete',
    payment_status: 'paid',
    client_reference_id: opts.userId === undefined ? 'user_1' : opts.userId,
    customer: opts.customerId ?? 'cus_test_1',
    subscription: opts.subscriptionId ?? 'sub_test_1',
    amount_total: 2999,
    currency: 'usd',
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
