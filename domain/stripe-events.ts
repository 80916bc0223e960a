import type Stripe from 'stripe';
import * as z from 'zod/mini';
import { PARKED_EVENT_TTL_DAYS, STRIPE_SOURCE_PREFIX, USER_ID_PATTERN, type PlanChoice } from './config';
import { MalformedEventError, UnknownPriceError } from './errors';
import { executionNameFor } from './execution-name';
import { nonNegativeIntegerSchema, parseOrThrow } from './validation';
import {
  expiresAfterDays,
  isoFromEpochSeconds,
  type EventOutcome,
  type InvoicePaymentInput,
} from './workflow-inputs';

/**
 * Stripe events delivered through Amazon EventBridge (partner event source
 * `aws.partner/stripe.com/<destination id>`, `detail-type` = event type, `detail` = the Stripe event).
 * Validates them and maps each to the workflow it starts, or to a reason for ignoring it.
 *
 * Both invoice shapes are accepted: the current API (`invoice.parent.subscription_details`,
 * `lines.data[].pricing.price_details.price`) and older ones (`invoice.subscription_details`,
 * `invoice.subscription`, `lines.data[].price.id`).
 *
 * Every schema is checked at compile time against the `stripe` package's types for the object it reads
 * (`StripeSchemaChecks` below; type-only, so nothing of `stripe` reaches a bundle): a field renamed or
 * re-typed in Stripe's API types fails `tsc`, not production.
 */

export interface StripeMappingOptions {
  priceMap: Readonly<Record<string, PlanChoice>>;
  /** The exact partner event source to accept; any `aws.partner/stripe.com/…` source when absent. */
  expectedSource?: string;
}

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

const stripeEventSchema = z.object({
  id: nonEmpty('the Stripe event id'),
  type: nonEmpty('the Stripe event type'),
  created: nonNegativeInt,
  data: z.object({ object: z.record(z.string(), z.unknown(), { error: 'expected the event object' }) }),
});

const OBJECT_PATH = 'detail.data.object';

const billingReasonSchema = z.object({
  id: nonEmpty('the invoice id'),
  billing_reason: z.nullable(z.string({ error: 'expected the billing reason' })),
});

const invoiceSchema = z.object({
  id: nonEmpty('the invoice id'),
  amount_paid: nonNegativeInt,
  currency: z
    .string({ error: 'expected a currency code' })
    .check(z.regex(/^[A-Za-z]{3}$/, { error: 'expected a currency code' })),
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
  lines: z.object({
    data: z
      .array(
        z.object({
          pricing: z.nullish(
            z.object({ price_details: z.nullish(z.object({ price: stripeRef('the price id') })) }),
          ),
          price: z.nullish(z.object({ id: nonEmpty('the price id') })),
        }),
      )
      .check(z.minLength(1, { error: 'expected at least one line item' })),
  }),
});

const checkoutModeSchema = z.object({ mode: z.string({ error: 'expected the checkout mode' }) });

const checkoutSchema = z.object({
  client_reference_id: userIdSchema,
  customer: stripeRef('the customer id'),
  subscription: stripeRef('the subscription id'),
});

const subscriptionSchema = z.object({
  id: nonEmpty('the subscription id'),
  metadata: z.object({ userId: userIdSchema }, { error: 'expected the subscription metadata' }),
  canceled_at: z.nullish(nonNegativeInt),
  ended_at: z.nullish(nonNegativeInt),
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
}

/** An invoice line's `price` before 2025-03-31.basil (current API: `pricing.price_details.price`). */
export interface OlderApiInvoiceLineItem {
  price: Stripe.Price | null;
}

/** An invoice in the current API or an older one: Stripe's `Invoice` with the older-API fields. */
type InvoiceAnyApi = Omit<Stripe.Invoice, 'lines'> &
  OlderApiInvoice & { lines: Stripe.ApiList<Stripe.InvoiceLineItem & OlderApiInvoiceLineItem> };

/**
 * A Stripe event as the ingest accepts it. `type` is read as any string, wider than stripe-node's
 * `Stripe.Event.Type` union: Stripe adds event types over time, and one the SDK does not know is ignored
 * (mapStripeEvent's default case), not rejected. The types handled are checked against that union at their
 * `case`s.
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
  ReadsStripe<Stripe.Subscription, typeof subscriptionSchema>,
];

// ---- Mapping ----

type BillingReason = KnownValues<Stripe.Invoice.BillingReason>;
const FIRST_PAYMENT_REASON = 'subscription_create' satisfies BillingReason;
const RENEWAL_REASONS = new Set<string>([
  'subscription_cycle',
  'subscription_update',
  'subscription_threshold',
] satisfies BillingReason[]);
const SUBSCRIPTION_MODE = 'subscription' satisfies KnownValues<Stripe.Checkout.Session.Mode>;

/** Maps one EventBridge-delivered Stripe event to the workflow start it asks for, or a reason to ignore it. */
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
  const object = stripeEvent.data.object;
  const parkExpiresAt = expiresAfterDays(stripeEvent.created, PARKED_EVENT_TTL_DAYS);

  switch (stripeEvent.type) {
    case 'invoice.paid' satisfies Stripe.Event.Type: {
      const { id, billing_reason: reason } = parseOrThrow(
        billingReasonSchema,
        object,
        malformed,
        OBJECT_PATH,
      );
      if (reason !== FIRST_PAYMENT_REASON) {
        return {
          ignore: RENEWAL_REASONS.has(reason ?? '')
            ? `renewal invoice ${id} (billing_reason ${reason}): not counted until the commission ledger exists`
            : `invoice ${id} is not a first subscription payment (billing_reason ${reason ?? 'null'})`,
        };
      }
      const input = invoicePaymentInput(stripeEvent.id, stripeEvent.created, object, options.priceMap);
      return {
        workflow: 'payment',
        executionName: executionNameFor('payment', input.invoiceId),
        input: { ...input, parkExpiresAt },
      };
    }
    case 'checkout.session.completed' satisfies Stripe.Event.Type: {
      const { mode } = parseOrThrow(checkoutModeSchema, object, malformed, OBJECT_PATH);
      if (mode !== SUBSCRIPTION_MODE)
        return { ignore: `checkout session in ${mode} mode: only subscriptions refer` };
      const session = parseOrThrow(checkoutSchema, object, malformed, OBJECT_PATH);
      return {
        workflow: 'payment',
        executionName: executionNameFor('checkout', stripeEvent.id),
        input: {
          kind: 'checkout',
          eventId: stripeEvent.id,
          userId: session.client_reference_id,
          customerId: session.customer,
          subscriptionId: session.subscription,
          occurredAt: isoFromEpochSeconds(stripeEvent.created),
          parkExpiresAt,
        },
      };
    }
    case 'customer.subscription.deleted' satisfies Stripe.Event.Type: {
      const subscription = parseOrThrow(subscriptionSchema, object, malformed, OBJECT_PATH);
      const canceledAt = subscription.canceled_at ?? subscription.ended_at ?? stripeEvent.created;
      return {
        workflow: 'cancellation',
        executionName: executionNameFor('cancellation', subscription.id),
        input: {
          eventId: stripeEvent.id,
          userId: subscription.metadata.userId,
          subscriptionId: subscription.id,
          canceledAt: isoFromEpochSeconds(canceledAt),
          parkExpiresAt,
        },
      };
    }
    default:
      return { ignore: `Stripe event type ${stripeEvent.type} is not handled` };
  }
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

function invoicePaymentInput(
  eventId: string,
  eventCreated: number,
  object: unknown,
  priceMap: Readonly<Record<string, PlanChoice>>,
): Omit<InvoicePaymentInput, 'parkExpiresAt'> {
  const invoice = parseOrThrow(invoiceSchema, object, malformed, OBJECT_PATH);

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
  const userId = parseOrThrow(userIdSchema, rawUserId, malformed, userIdPath);

  const subscriptionId = invoice.parent?.subscription_details?.subscription ?? invoice.subscription;
  if (!subscriptionId) {
    throw malformed(
      `${OBJECT_PATH}.parent.subscription_details.subscription`,
      'expected the subscription id',
    );
  }

  const line = invoice.lines.data[0];
  const priceId = line?.pricing?.price_details?.price ?? line?.price?.id;
  if (!priceId) {
    throw malformed(
      `${OBJECT_PATH}.lines.data[0].pricing.price_details.price`,
      'expected the price id (older API versions: lines.data[0].price.id)',
    );
  }
  const choice = Object.hasOwn(priceMap, priceId) ? priceMap[priceId] : undefined;
  if (!choice) throw new UnknownPriceError(priceId);

  return {
    kind: 'invoice',
    eventId,
    userId,
    invoiceId: invoice.id,
    planType: choice.planType,
    billingCycle: choice.billingCycle,
    amountPaidCents: invoice.amount_paid,
    currency: invoice.currency.toLowerCase(),
    paidAt: isoFromEpochSeconds(invoice.status_transitions?.paid_at ?? eventCreated),
    customerId: invoice.customer,
    subscriptionId,
    priceId,
  };
}
