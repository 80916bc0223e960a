import type Stripe from 'stripe';
import * as z from 'zod/mini';
import {
  MAX_AMOUNT_MINOR_UNITS,
  PARKED_EVENT_TTL_DAYS,
  STRIPE_SOURCE_PREFIX,
  USER_ID_PATTERN,
  type FactWorkflowName,
  type PlanChoice,
} from './config';
import {
  AmountTooLargeError,
  MalformedEventError,
  UnknownPriceError,
  UnsupportedCurrencyError,
} from './errors';
import { executionNameFor } from './execution-name';
import {
  COMMISSIONABLE_REASONS,
  factKeys,
  stripeLinks,
  type CommissionableReason,
  type DisputePhase,
  type Fact,
  type SubscriptionFact,
} from './facts';
import { integerSchema, nonNegativeIntegerSchema, parseOrThrow } from './validation';
import {
  expiresAfterDays,
  isoFromEpochSeconds,
  type EventOutcome,
  type FactWorkflowInput,
  type WorkflowStart,
} from './workflow-inputs';

/**
 * Stripe events delivered through Amazon EventBridge (partner event source
 * `aws.partner/stripe.com/<destination id>`, `detail-type` = event type, `detail` = the Stripe event).
 * Validates them and maps each to one fact about one referred user (`FactWorkflowInput`) and the lifecycle
 * workflow that records it, or to a reason for ignoring the event. docs/stripe-events.md lists the event
 * types to enable and the ids each one is matched on.
 *
 * API shapes. Both invoice shapes are accepted: the current API (2025-03-31.basil and later:
 * `invoice.parent.subscription_details`, `lines.data[].pricing.price_details.price`) and older ones
 * (`invoice.subscription_details`, `invoice.subscription`, `lines.data[].price.id`, and the invoice's own
 * `charge` and `payment_intent`). A charge names its `invoice` only in older versions.
 *
 * Linking money back to invoices. A refund or a dispute does not name the user: its fact carries the ids
 * that lead to one (`findUserBy`, most specific first): the PaymentIntent, the charge and, in older API
 * versions, the charge's invoice. The facts that tie those ids to a user (`links`) are the invoice (its id
 * and, in older versions, its charge and PaymentIntent), the `invoice_payment.paid` event (current versions:
 * which charge or PaymentIntent paid which invoice, the documented link) and the refund itself (its charge
 * and PaymentIntent, for a later refund or dispute of the same charge).
 *
 * Money safety. Every amount read is an integer in minor units no larger than Stripe's largest charge
 * (`MAX_AMOUNT_MINOR_UNITS`, else `AmountTooLarge` naming the field) and every currency is the program's
 * (`programCurrency`, compared case-insensitively, else `UnsupportedCurrency` naming the field).
 *
 * Every schema is checked at compile time against the `stripe` package's types for the object it reads
 * (`StripeSchemaChecks` below; type-only, so nothing of `stripe` reaches a bundle): a field renamed or
 * re-typed in Stripe's API types fails `tsc`, not production.
 */

export interface StripeMappingOptions {
  priceMap: Readonly<Record<string, PlanChoice>>;
  /** The exact partner event source to accept; any `aws.partner/stripe.com/…` source when absent. */
  expectedSource?: string;
  /** The program's currency (`RuntimeConfig.programCurrency`): an amount in any other is rejected. */
  programCurrency: string;
}

/**
 * The Stripe event types the ingest maps to facts: exactly the ones to enable on the Stripe event
 * destination (infra and docs/stripe-events.md read this list). Any other type is ignored.
 */
export const STRIPE_EVENT_TYPES = [
  'checkout.session.completed',
  'invoice.paid',
  'invoice_payment.paid',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
  'customer.subscription.updated',
  'customer.subscription.deleted',
] as const satisfies readonly Stripe.Event.Type[];
export type StripeEventType = (typeof STRIPE_EVENT_TYPES)[number];

export const isStripeEventType = (type: string): type is StripeEventType =>
  (STRIPE_EVENT_TYPES as readonly string[]).includes(type);

const malformed = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);

const nonNegativeInt = nonNegativeIntegerSchema;
const nonEmpty = (what: string) =>
  z.string({ error: `expected ${what}` }).check(z.minLength(1, { error: `expected ${what}` }));
const USER_ID_RULE = 'expected a user id: 1-128 characters of [A-Za-z0-9_.@:-]';
export const userIdSchema = z
  .string({ error: USER_ID_RULE })
  .check(z.regex(USER_ID_PATTERN, { error: USER_ID_RULE }));
/** A Stripe reference: an id, or the expanded object carrying it. */
const stripeRef = (what: string) =>
  z.union(
    [
      nonEmpty(what),
      z.pipe(
        z.object({ id: nonEmpty(what) }),
        z.transform((o: { id: string }) => o.id),
      ),
    ],
    {
      error: `expected ${what} (an id or an expanded object with an id)`,
    },
  );
const metadata = z.nullish(z.record(z.string(), z.nullish(z.string())));
const currencySchema = z
  .string({ error: 'expected a currency code' })
  .check(z.regex(/^[A-Za-z]{3}$/, { error: 'expected a currency code' }));

export const eventBridgeEnvelopeSchema = z.object({
  version: z.string({ error: 'expected a string' }),
  id: nonEmpty('the EventBridge event id'),
  'detail-type': nonEmpty('the event type'),
  source: nonEmpty('the event source'),
  account: z.string({ error: 'expected the account id' }),
  time: z.string({ error: 'expected a timestamp' }),
  region: z.string({ error: 'expected a region' }),
  resources: z.array(z.string(), { error: 'expected an array of ARNs' }),
  detail: z.unknown(),
});

export const stripeEventSchema = z.object({
  id: nonEmpty('the Stripe event id'),
  type: nonEmpty('the Stripe event type'),
  created: nonNegativeInt,
  data: z.object({ object: z.record(z.string(), z.unknown(), { error: 'expected the event object' }) }),
});

const OBJECT_PATH = 'detail.data.object';

export const billingReasonSchema = z.object({
  id: nonEmpty('the invoice id'),
  billing_reason: z.nullable(z.string({ error: 'expected the billing reason' })),
});

export const invoiceSchema = z.object({
  id: nonEmpty('the invoice id'),
  amount_paid: nonNegativeInt,
  currency: currencySchema,
  customer: stripeRef('the customer id'),
  status_transitions: z.nullish(z.object({ paid_at: z.nullish(nonNegativeInt) })),
  parent: z.nullish(
    z.object({
      subscription_details: z.nullish(
        z.object({ metadata, subscription: z.nullish(stripeRef('the subscription id')) }),
      ),
    }),
  ),
  subscription_details: z.nullish(z.object({ metadata })),
  subscription: z.nullish(stripeRef('the subscription id')),
  charge: z.nullish(stripeRef('the charge id')),
  payment_intent: z.nullish(stripeRef('the PaymentIntent id')),
  lines: z.object({
    data: z
      .array(
        z.object({
          // Signed: a proration credit line is negative.
          amount: integerSchema,
          pricing: z.nullish(
            z.object({ price_details: z.nullish(z.object({ price: stripeRef('the price id') })) }),
          ),
          price: z.nullish(z.object({ id: nonEmpty('the price id') })),
        }),
      )
      .check(z.minLength(1, { error: 'expected at least one line item' })),
  }),
});

export const checkoutModeSchema = z.object({ mode: z.string({ error: 'expected the checkout mode' }) });

export const checkoutSchema = z.object({
  id: nonEmpty('the checkout session id'),
  client_reference_id: userIdSchema,
  customer: stripeRef('the customer id'),
  subscription: stripeRef('the subscription id'),
  amount_total: z.nullish(nonNegativeInt),
  currency: z.nullish(currencySchema),
});

export const invoicePaymentSchema = z.object({
  id: nonEmpty('the invoice payment id'),
  invoice: stripeRef('the invoice id'),
  amount_paid: z.nullish(nonNegativeInt),
  amount_requested: nonNegativeInt,
  currency: currencySchema,
  payment: z.object(
    {
      type: z.string({ error: 'expected the payment type' }),
      payment_intent: z.nullish(stripeRef('the PaymentIntent id')),
      charge: z.nullish(stripeRef('the charge id')),
    },
    { error: 'expected the payment' },
  ),
  status_transitions: z.nullish(z.object({ paid_at: z.nullish(nonNegativeInt) })),
});

export const chargeSchema = z.object({
  id: nonEmpty('the charge id'),
  amount: nonNegativeInt,
  amount_refunded: nonNegativeInt,
  currency: currencySchema,
  payment_intent: z.nullish(stripeRef('the PaymentIntent id')),
  invoice: z.nullish(stripeRef('the invoice id')),
});

export const disputeSchema = z.object({
  id: nonEmpty('the dispute id'),
  amount: nonNegativeInt,
  currency: currencySchema,
  charge: stripeRef('the charge id'),
  payment_intent: z.nullish(stripeRef('the PaymentIntent id')),
  status: z.string({ error: 'expected the dispute status' }),
});

export const subscriptionSchema = z.object({
  id: nonEmpty('the subscription id'),
  metadata: z.object({ userId: userIdSchema }, { error: 'expected the subscription metadata' }),
  canceled_at: z.nullish(nonNegativeInt),
  ended_at: z.nullish(nonNegativeInt),
});

export const subscriptionPlanSchema = z.object({
  status: z.string({ error: 'expected the subscription status' }),
  items: z.object({
    data: z
      .array(z.object({ price: z.object({ id: nonEmpty('the price id') }, { error: 'expected the price' }) }))
      .check(z.minLength(1, { error: 'expected at least one subscription item' })),
  }),
});

// ---- Compile-time checks of the schemas against the `stripe` package's types (no runtime code) ----

/**
 * A type `T` from the `stripe` package as its JSON arrives (in EventBridge's `detail`): stripe-node types
 * `decimal_string` fields (`unit_amount_decimal`, `quantity_decimal`, …) as its `Stripe.Decimal` class,
 * which it builds when it deserializes a response; the JSON carries the string.
 */
export type StripeJson<T> = T extends Stripe.Decimal
  ? string
  : T extends readonly (infer E)[]
    ? StripeJson<E>[]
    : T extends object
      ? { [K in keyof T]: StripeJson<T[K]> }
      : T;

/**
 * Invoice fields of API versions before 2025-03-31.basil, which the ingest still accepts (see the module
 * comment) and stripe-node's types no longer declare (removed in stripe-node 18): declared here as those
 * versions send them, so that the schema's reads of them are checked like the rest.
 */
export interface OlderApiInvoice {
  /** Current API: `parent.subscription_details.subscription`. */
  subscription: string | Stripe.Subscription | null;
  /** Current API: `parent.subscription_details`. */
  subscription_details: { metadata: Stripe.Metadata | null } | null;
  /** The charge that paid the invoice. Current API: an `invoice_payment`'s `payment.charge`. */
  charge: string | Stripe.Charge | null;
  /** The PaymentIntent that paid the invoice. Current API: an `invoice_payment`'s `payment.payment_intent`. */
  payment_intent: string | Stripe.PaymentIntent | null;
}

/** An invoice line's `price` before 2025-03-31.basil (current API: `pricing.price_details.price`). */
export interface OlderApiInvoiceLineItem {
  price: Stripe.Price | null;
}

/** A charge's `invoice` before 2025-03-31.basil (current API: none; see `invoice_payment`). */
export interface OlderApiCharge {
  invoice: string | Stripe.Invoice | null;
}

/** An invoice in the current API or an older one: Stripe's `Invoice` with the older-API fields. */
type InvoiceAnyApi = Omit<Stripe.Invoice, 'lines'> &
  OlderApiInvoice & { lines: Stripe.ApiList<Stripe.InvoiceLineItem & OlderApiInvoiceLineItem> };

/** A charge in the current API or an older one. */
type ChargeAnyApi = Stripe.Charge & OlderApiCharge;

/**
 * A Stripe event as the ingest accepts it. `type` is read as any string, wider than stripe-node's
 * `Stripe.Event.Type` union: Stripe adds event types over time, and one the SDK does not know is ignored,
 * not rejected. The types handled (`STRIPE_EVENT_TYPES`) are checked against that union.
 */
type StripeEventAnyType = Omit<Stripe.Event, 'type'> & { type: string };

/** The enum values of a Stripe enum type, without the `OtherString` Stripe joins to each. */
type KnownValues<T> = T extends string ? (string extends T ? never : T) : never;

type Absent = null | undefined;
/** The object types among a Stripe field's types (`Customer` of `string | Customer | null`). */
type StripeObjects<S> = Exclude<Extract<NonNullable<S>, object>, readonly unknown[]>;

/**
 * `V`, the value a schema reads (its input or its output), with each field given the type it must have to
 * agree with Stripe's `S` (see `ReadsStripe`).
 */
type StripeFields<S, V> = {
  [K in keyof V]: K extends keyof S
    ? StripeValue<S[K], V[K]>
    : [string, unknown] extends [K, V[K]]
      ? V[K] // an index signature of `unknown` values reads nothing: `data.object` before its type's schema
      : 'not a field of the Stripe type';
};

/** One value read, against Stripe's `S`: absent, array items, objects field by field, else a subtype of `S`. */
type StripeValue<S, V> = V extends Absent
  ? V
  : V extends readonly (infer E)[]
    ? NonNullable<S> extends readonly (infer SE)[]
      ? StripeValue<SE, E>[]
      : S
    : V extends object
      ? [StripeObjects<S>] extends [never]
        ? S
        : StripeFields<StripeObjects<S>, V>
      : V extends StripeJson<S>
        ? V
        : StripeJson<S>;

/**
 * A compile-time check (no runtime code): `Schema` itself when every field it reads, in its input and in
 * its output, is a field of Stripe's `S` (nested objects and array items field by field) holding a value
 * `S` allows; otherwise a type error naming the first field that is not. Output is compared after the
 * schema's transforms, so a reference read as an id (from the id or an expanded object) must be a field
 * Stripe types as `string | SomeObject`, and the expanded object must carry an `id`. A schema may accept
 * a field as absent (`nullish`) where Stripe always sends it: accepting more cannot reject what Stripe
 * sends. The converse is not asked: the schemas are stricter than Stripe's types on purpose where the
 * ingest needs a value (an invoice's `customer`, a subscription checkout's `client_reference_id` and
 * `subscription`, which Stripe types as nullable; `metadata.userId`, which Stripe's `Metadata` need not
 * have).
 */
export type ReadsStripe<
  S,
  // `_zod.output`/`_zod.input` are what `z.output`/`z.input` read; constraining them rather than the whole
  // `z.core.$ZodType` keeps the check cheap for the compiler.
  Schema extends {
    _zod: { output: StripeFields<S, z.output<Schema>>; input: StripeFields<S, z.input<Schema>> };
  },
> = Schema;

/**
 * Each schema against the Stripe type of the object it reads (see `ReadsStripe`): `tsc` fails when Stripe's
 * types rename or re-type a field one of them reads. Every schema of a Stripe object belongs here.
 */
export type StripeSchemaChecks = [
  ReadsStripe<StripeEventAnyType, typeof stripeEventSchema>,
  ReadsStripe<Stripe.Invoice, typeof billingReasonSchema>,
  ReadsStripe<InvoiceAnyApi, typeof invoiceSchema>,
  ReadsStripe<Stripe.Checkout.Session, typeof checkoutModeSchema>,
  ReadsStripe<Stripe.Checkout.Session, typeof checkoutSchema>,
  ReadsStripe<Stripe.InvoicePayment, typeof invoicePaymentSchema>,
  ReadsStripe<ChargeAnyApi, typeof chargeSchema>,
  ReadsStripe<Stripe.Dispute, typeof disputeSchema>,
  ReadsStripe<Stripe.Subscription, typeof subscriptionSchema>,
  ReadsStripe<Stripe.Subscription, typeof subscriptionPlanSchema>,
];

// ---- Money safety ----

/** `value` when its magnitude is within Stripe's largest amount; else `AmountTooLarge` naming `field`. */
function checkAmount(field: string, value: number): number {
  if (Math.abs(value) > MAX_AMOUNT_MINOR_UNITS) {
    throw new AmountTooLargeError(field, value, MAX_AMOUNT_MINOR_UNITS);
  }
  return value;
}

/** `currency` lower-cased when it is the program's (case-insensitive); else `UnsupportedCurrency`. */
function checkCurrency(field: string, currency: string, programCurrency: string): string {
  const lower = currency.toLowerCase();
  if (lower !== programCurrency.toLowerCase()) {
    throw new UnsupportedCurrencyError(field, currency, programCurrency.toLowerCase());
  }
  return lower;
}

// ---- Mapping ----

/** One Stripe event, validated down to its object, with what every mapping needs. */
interface StripeEventContext {
  id: string;
  type: StripeEventType;
  created: number;
  object: Record<string, unknown>;
  options: StripeMappingOptions;
  parkExpiresAt: number;
}

type Mapping = (event: StripeEventContext) => EventOutcome;

export const SUBSCRIPTION_MODE = 'subscription' satisfies KnownValues<Stripe.Checkout.Session.Mode>;
const PAYMENT_INTENT_PAYMENT = 'payment_intent' satisfies KnownValues<Stripe.InvoicePayment.Payment.Type>;
const CHARGE_PAYMENT = 'charge' satisfies KnownValues<Stripe.InvoicePayment.Payment.Type>;
type DisputeStatus = KnownValues<Stripe.Dispute.Status>;
/** A closed dispute's status → its phase (`warning_closed`: an inquiry closed without a chargeback). */
const CLOSED_DISPUTE_PHASES: Readonly<Partial<Record<DisputeStatus, DisputePhase>>> = {
  won: 'won',
  warning_closed: 'won',
  lost: 'lost',
};
const CANCELED_SUBSCRIPTION_STATUSES = new Set<string>([
  'canceled',
  'incomplete_expired',
] satisfies KnownValues<Stripe.Subscription.Status>[]);

const isCommissionable = (reason: string | null): reason is CommissionableReason =>
  (COMMISSIONABLE_REASONS as readonly (string | null)[]).includes(reason);

const MAPPINGS: { readonly [T in StripeEventType]: Mapping } = {
  'checkout.session.completed': mapCheckout,
  'invoice.paid': mapInvoicePaid,
  'invoice_payment.paid': mapInvoicePaymentPaid,
  'charge.refunded': mapChargeRefunded,
  'charge.dispute.created': mapDispute,
  'charge.dispute.closed': mapDispute,
  'customer.subscription.updated': mapSubscriptionUpdated,
  'customer.subscription.deleted': mapSubscriptionDeleted,
};

/**
 * Maps one EventBridge-delivered Stripe event to the workflow start that records its fact, or a reason to
 * ignore it. Throws `MalformedEvent`, `UnknownPrice`, `AmountTooLarge` or `UnsupportedCurrency`, each
 * naming the field at fault.
 */
export function mapStripeEvent(event: unknown, options: StripeMappingOptions): EventOutcome {
  const envelope = parseOrThrow(eventBridgeEnvelopeSchema, event, malformed);
  checkSource(envelope.source, options.expectedSource);
  const stripeEvent = parseOrThrow(stripeEventSchema, envelope.detail, malformed, 'detail');
  if (envelope['detail-type'] !== stripeEvent.type) {
    throw malformed(
      'detail-type',
      `expected the Stripe event type ${stripeEvent.type}, got ${envelope['detail-type']}`,
    );
  }
  const { id, type, created } = stripeEvent;
  if (!isStripeEventType(type)) return { ignore: `Stripe event type ${type} is not handled` };
  return MAPPINGS[type]({
    id,
    type,
    created,
    object: stripeEvent.data.object,
    options,
    parkExpiresAt: expiresAfterDays(created, PARKED_EVENT_TTL_DAYS),
  });
}

function checkSource(source: string, expected: string | undefined): void {
  if (expected !== undefined) {
    if (source !== expected) throw malformed('source', `expected ${expected}, got ${source}`);
    return;
  }
  const prefix = `${STRIPE_SOURCE_PREFIX}/`;
  if (!source.startsWith(prefix) || source.length === prefix.length) {
    throw malformed('source', `expected ${STRIPE_SOURCE_PREFIX}/<destination id>, got ${source}`);
  }
}

/** The start of `workflow` recording `fact`; `userId` when the event names the user. */
function factStart(
  workflow: FactWorkflowName,
  executionName: string,
  fact: Fact,
  event: StripeEventContext,
  routing: { userId?: string; findUserBy?: string[]; links?: string[] },
): WorkflowStart {
  const input: FactWorkflowInput = {
    fact,
    ...(routing.userId === undefined ? {} : { userId: routing.userId }),
    findUserBy: routing.findUserBy ?? [],
    links: routing.links ?? [],
    parkExpiresAt: event.parkExpiresAt,
  };
  return { workflow, executionName, input };
}

const planFor = (priceMap: Readonly<Record<string, PlanChoice>>, priceId: string): PlanChoice | undefined =>
  Object.hasOwn(priceMap, priceId) ? priceMap[priceId] : undefined;

/** `checkout.session.completed` in subscription mode: links the customer and subscription to the user. */
function mapCheckout(event: StripeEventContext): EventOutcome {
  const { mode } = parseOrThrow(checkoutModeSchema, event.object, malformed, OBJECT_PATH);
  if (mode !== SUBSCRIPTION_MODE) {
    return { ignore: `checkout session in ${mode} mode: only subscriptions refer` };
  }
  const session = parseOrThrow(checkoutSchema, event.object, malformed, OBJECT_PATH);
  if (session.amount_total != null) checkAmount(`${OBJECT_PATH}.amount_total`, session.amount_total);
  if (session.currency != null) {
    checkCurrency(`${OBJECT_PATH}.currency`, session.currency, event.options.programCurrency);
  }
  return factStart(
    'payment',
    executionNameFor('checkout', session.id),
    {
      kind: 'checkout',
      key: factKeys.checkout(session.id),
      at: isoFromEpochSeconds(event.created),
      customerId: session.customer,
      subscriptionId: session.subscription,
    },
    event,
    { userId: session.client_reference_id },
  );
}

/** `invoice.paid` with a commissionable billing reason: the payment a commission is earned on. */
function mapInvoicePaid(event: StripeEventContext): EventOutcome {
  const { id, billing_reason: reason } = parseOrThrow(
    billingReasonSchema,
    event.object,
    malformed,
    OBJECT_PATH,
  );
  if (!isCommissionable(reason)) {
    return { ignore: `invoice ${id} is not commissionable (billing_reason ${reason ?? 'null'})` };
  }
  const invoice = parseOrThrow(invoiceSchema, event.object, malformed, OBJECT_PATH);
  const { programCurrency, priceMap } = event.options;
  const amountCents = checkAmount(`${OBJECT_PATH}.amount_paid`, invoice.amount_paid);
  const currency = checkCurrency(`${OBJECT_PATH}.currency`, invoice.currency, programCurrency);
  invoice.lines.data.forEach((line, index) =>
    checkAmount(`${OBJECT_PATH}.lines.data[${index}].amount`, line.amount),
  );

  const userId = invoiceUserId(invoice);
  const subscriptionId = invoice.parent?.subscription_details?.subscription ?? invoice.subscription;
  if (!subscriptionId) {
    throw malformed(
      `${OBJECT_PATH}.parent.subscription_details.subscription`,
      'expected the subscription id',
    );
  }
  const plan = invoicePlan(invoice.lines.data, priceMap);
  const paymentIds = [invoice.charge, invoice.payment_intent].filter((paymentId) => paymentId != null);

  return factStart(
    'payment',
    executionNameFor('payment', invoice.id),
    {
      kind: 'invoice',
      key: factKeys.invoice(invoice.id),
      at: isoFromEpochSeconds(invoice.status_transitions?.paid_at ?? event.created),
      invoiceId: invoice.id,
      billingReason: reason,
      amountCents,
      currency,
      planType: plan.planType,
      billingCycle: plan.billingCycle,
      subscriptionId,
      customerId: invoice.customer,
      paymentIds,
    },
    event,
    { userId, links: [stripeLinks.invoice(invoice.id), ...paymentIds.map(stripeLinks.payment)] },
  );
}

/** The user id an invoice's subscription metadata carries (either API shape). */
function invoiceUserId(invoice: z.output<typeof invoiceSchema>): string {
  const currentUserId = invoice.parent?.subscription_details?.metadata?.userId;
  const olderUserId = invoice.subscription_details?.metadata?.userId;
  const userIdPath = currentUserId
    ? `${OBJECT_PATH}.parent.subscription_details.metadata.userId`
    : `${OBJECT_PATH}.subscription_details.metadata.userId`;
  const rawUserId = currentUserId ?? olderUserId;
  if (!rawUserId) {
    throw malformed(
      `${OBJECT_PATH}.parent.subscription_details.metadata.userId`,
      'missing: the app must create the subscription with metadata.userId (older API versions: subscription_details.metadata.userId)',
    );
  }
  return parseOrThrow(userIdSchema, rawUserId, malformed, userIdPath);
}

type InvoiceLine = z.output<typeof invoiceSchema>['lines']['data'][number];

/**
 * The plan an invoice pays for: the price of its largest line (by `amount`) whose price the price map
 * knows. A proration invoice also carries a negative credit line for the old plan: such a credit never names
 * the plan while a charged line's price is unknown (that is `UnknownPrice`, so a plan change to an unmapped
 * price is not counted as the old plan).
 */
function invoicePlan(
  lines: readonly InvoiceLine[],
  priceMap: Readonly<Record<string, PlanChoice>>,
): PlanChoice {
  const mapped: { amount: number; plan: PlanChoice }[] = [];
  const unmapped: { amount: number; priceId: string }[] = [];
  for (const line of lines) {
    const priceId = line.pricing?.price_details?.price ?? line.price?.id;
    if (priceId === undefined) continue;
    const plan = planFor(priceMap, priceId);
    if (plan) mapped.push({ amount: line.amount, plan });
    else unmapped.push({ amount: line.amount, priceId });
  }
  const plan = largest(mapped);
  const unknown = largest(unmapped);
  if (unknown !== undefined && (plan === undefined || (plan.amount < 0 && unknown.amount > 0))) {
    throw new UnknownPriceError(unknown.priceId);
  }
  if (plan === undefined) {
    throw malformed(
      `${OBJECT_PATH}.lines.data[0].pricing.price_details.price`,
      'expected the price id (older API versions: lines.data[0].price.id)',
    );
  }
  return plan.plan;
}

/** The entry with the largest `amount`; the first of equals. */
function largest<T extends { amount: number }>(entries: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const entry of entries) if (best === undefined || entry.amount > best.amount) best = entry;
  return best;
}

/**
 * `invoice_payment.paid` (API versions from 2025-05-28.basil on): which charge or PaymentIntent paid which
 * invoice. The documented current-API link from a payment to its invoice, so a later refund or dispute
 * (which names only the charge and PaymentIntent) finds the invoice's user.
 */
function mapInvoicePaymentPaid(event: StripeEventContext): EventOutcome {
  const payment = parseOrThrow(invoicePaymentSchema, event.object, malformed, OBJECT_PATH);
  checkCurrency(`${OBJECT_PATH}.currency`, payment.currency, event.options.programCurrency);
  checkAmount(`${OBJECT_PATH}.amount_requested`, payment.amount_requested);
  if (payment.amount_paid != null) checkAmount(`${OBJECT_PATH}.amount_paid`, payment.amount_paid);

  let paymentId: string | null | undefined;
  if (payment.payment.type === PAYMENT_INTENT_PAYMENT) {
    paymentId = payment.payment.payment_intent;
  } else if (payment.payment.type === CHARGE_PAYMENT) {
    paymentId = payment.payment.charge;
  } else {
    return {
      ignore: `invoice payment ${payment.id} is a ${payment.payment.type} payment: no charge or PaymentIntent to link`,
    };
  }
  if (!paymentId) {
    throw malformed(
      `${OBJECT_PATH}.payment.${payment.payment.type}`,
      `expected the ${payment.payment.type === CHARGE_PAYMENT ? 'charge' : 'PaymentIntent'} id of a ${payment.payment.type} payment`,
    );
  }
  const paymentIds = [paymentId];
  return factStart(
    'payment',
    executionNameFor('invoice-payment', payment.id),
    {
      kind: 'invoicePayment',
      key: factKeys.invoicePayment(payment.id),
      at: isoFromEpochSeconds(payment.status_transitions?.paid_at ?? event.created),
      invoiceId: payment.invoice,
      paymentIds,
    },
    event,
    { findUserBy: [stripeLinks.invoice(payment.invoice)], links: paymentIds.map(stripeLinks.payment) },
  );
}

/** `charge.refunded`: the charge's cumulative `amount_refunded` (a later, larger one supersedes it). */
function mapChargeRefunded(event: StripeEventContext): EventOutcome {
  const charge = parseOrThrow(chargeSchema, event.object, malformed, OBJECT_PATH);
  checkCurrency(`${OBJECT_PATH}.currency`, charge.currency, event.options.programCurrency);
  checkAmount(`${OBJECT_PATH}.amount`, charge.amount);
  const amountRefundedCents = checkAmount(`${OBJECT_PATH}.amount_refunded`, charge.amount_refunded);
  if (amountRefundedCents > charge.amount) {
    throw malformed(
      `${OBJECT_PATH}.amount_refunded`,
      `${amountRefundedCents} exceeds the charge's amount (${charge.amount})`,
    );
  }
  const pi = charge.payment_intent ?? undefined;
  const invoiceId = charge.invoice ?? undefined;
  return factStart(
    'refund',
    executionNameFor('refund', `${charge.id}-${amountRefundedCents}`),
    {
      kind: 'refund',
      key: factKeys.refund(charge.id, amountRefundedCents),
      at: isoFromEpochSeconds(event.created),
      chargeId: charge.id,
      paymentIds: pi === undefined ? [charge.id] : [charge.id, pi],
      ...(invoiceId === undefined ? {} : { invoiceId }),
      amountRefundedCents,
    },
    event,
    {
      findUserBy: [
        ...(pi === undefined ? [] : [stripeLinks.payment(pi)]),
        stripeLinks.payment(charge.id),
        ...(invoiceId === undefined ? [] : [stripeLinks.invoice(invoiceId)]),
      ],
      links: [stripeLinks.payment(charge.id), ...(pi === undefined ? [] : [stripeLinks.payment(pi)])],
    },
  );
}

/** `charge.dispute.created` (open) and `charge.dispute.closed` (won or lost, by its status). */
function mapDispute(event: StripeEventContext): EventOutcome {
  const dispute = parseOrThrow(disputeSchema, event.object, malformed, OBJECT_PATH);
  checkCurrency(`${OBJECT_PATH}.currency`, dispute.currency, event.options.programCurrency);
  const amountCents = checkAmount(`${OBJECT_PATH}.amount`, dispute.amount);
  const phase = event.type === 'charge.dispute.created' ? 'open' : closedPhase(dispute.status);
  const pi = dispute.payment_intent ?? undefined;
  const paymentIds = pi === undefined ? [dispute.charge] : [pi, dispute.charge];
  return factStart(
    'dispute',
    executionNameFor('dispute', `${dispute.id}-${phase}`),
    {
      kind: 'dispute',
      key: factKeys.dispute(dispute.id, phase),
      at: isoFromEpochSeconds(event.created),
      disputeId: dispute.id,
      paymentIds,
      amountCents,
      phase,
    },
    event,
    { findUserBy: paymentIds.map(stripeLinks.payment) },
  );
}

function closedPhase(status: string): DisputePhase {
  const phase = Object.hasOwn(CLOSED_DISPUTE_PHASES, status)
    ? CLOSED_DISPUTE_PHASES[status as DisputeStatus]
    : undefined;
  if (phase === undefined) {
    throw malformed(
      `${OBJECT_PATH}.status`,
      `expected a closed dispute's status (won, warning_closed or lost), got ${status}`,
    );
  }
  return phase;
}

/** `customer.subscription.updated`: the subscription's state and plan at that moment. */
function mapSubscriptionUpdated(event: StripeEventContext): EventOutcome {
  const subscription = parseOrThrow(subscriptionSchema, event.object, malformed, OBJECT_PATH);
  const { status, items } = parseOrThrow(subscriptionPlanSchema, event.object, malformed, OBJECT_PATH);
  const priceId = items.data[0]?.price.id ?? '';
  const plan = planFor(event.options.priceMap, priceId);
  if (!plan) throw new UnknownPriceError(priceId);
  const state: SubscriptionFact['state'] = CANCELED_SUBSCRIPTION_STATUSES.has(status) ? 'canceled' : 'active';
  const at = isoFromEpochSeconds(event.created);
  return factStart(
    'subscription',
    executionNameFor('subscription', `${subscription.id}-${event.created}`),
    {
      kind: 'subscription',
      key: factKeys.subscription(subscription.id, at, state),
      at,
      subscriptionId: subscription.id,
      state,
      planType: plan.planType,
      billingCycle: plan.billingCycle,
    },
    event,
    { userId: subscription.metadata.userId },
  );
}

/** `customer.subscription.deleted`: canceled at its own time (`canceled_at`, `ended_at`, the event's). */
function mapSubscriptionDeleted(event: StripeEventContext): EventOutcome {
  const subscription = parseOrThrow(subscriptionSchema, event.object, malformed, OBJECT_PATH);
  const at = isoFromEpochSeconds(subscription.canceled_at ?? subscription.ended_at ?? event.created);
  return factStart(
    'subscription',
    executionNameFor('subscription', `${subscription.id}-deleted`),
    {
      kind: 'subscription',
      key: factKeys.subscription(subscription.id, at, 'canceled'),
      at,
      subscriptionId: subscription.id,
      state: 'canceled',
    },
    event,
    { userId: subscription.metadata.userId },
  );
}
