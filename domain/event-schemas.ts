import * as z from 'zod/mini';
import { APP_EVENT_TYPES, emailSchema, emailVerifiedSchema, signedUpSchema } from './app-events';
import {
  APP_EVENT_SOURCE,
  LEDGER_EVENT_SOURCE,
  MAX_AMOUNT_MINOR_UNITS,
  STRIPE_SOURCE_PREFIX,
} from './config';
import { COMMISSIONABLE_REASONS } from './facts';
import { OUTBOUND_EVENT_TYPES, outboundDetailSchema, type OutboundEventType } from './outbound-events';
import {
  billingReasonSchema,
  chargeSchema,
  checkoutModeSchema,
  checkoutSchema,
  disputeSchema,
  eventBridgeEnvelopeSchema,
  invoicePaymentSchema,
  invoiceSchema,
  STRIPE_EVENT_TYPES,
  stripeEventSchema,
  subscriptionPlanSchema,
  subscriptionSchema,
  SUBSCRIPTION_MODE,
  type StripeEventType,
} from './stripe-events';

/**
 * The JSON Schemas of the events the ingest accepts, generated from the zod schemas it parses them with
 * (domain/app-events.ts, domain/stripe-events.ts), in the form EventBridge's schema registry holds an event:
 * a JSONSchemaDraft4 document of the whole envelope (`detail-type`, `source`, `detail`, ...) with the detail
 * under `definitions` and the registry's `x-amazon-events-source` / `x-amazon-events-detail-type`
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-schema-create.html). `npm run schemas`
 * writes them to schemas/; test/unit/event-schemas.test.ts fails when the files differ from these.
 */

export type JsonSchema = z.core.JSONSchema.JSONSchema;

/** One document under schemas/: its path there (`<source>/<detail-type>.json`) and its content. */
export interface PublishedEventSchema {
  file: string;
  schema: JsonSchema;
}

const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

/**
 * The JSON Schema equivalent of each refinement in an event schema: `toJSONSchema` drops refinements (a
 * function has no JSON Schema form), so generation fails on one that is not listed here.
 */
const REFINEMENTS = new Map<z.core.$ZodType, JsonSchema>([
  // `value.trim().includes('@')`: trimming removes no '@', so an '@' anywhere (`pattern` is unanchored).
  [emailSchema, { pattern: '@' }],
]);

const isRefined = (schema: z.core.$ZodType): boolean =>
  schema._zod.def.checks?.some((check) => check._zod.def.check === 'custom') ?? false;

/** `schema` as draft-04 JSON Schema, without `$schema` (a part of a document). */
export function jsonSchemaOf(schema: z.core.$ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'draft-04',
    // What arrives, before the ingest's transforms (a timestamp normalised to UTC, a Stripe reference read as
    // its id). Anything with no input form still throws (`unrepresentable` stays `throw`).
    io: 'input',
    override: ({ zodSchema, jsonSchema, path }) => {
      if (!isRefined(zodSchema)) return;
      const equivalent = REFINEMENTS.get(zodSchema);
      if (!equivalent) throw new Error(`a refinement with no JSON Schema equivalent at /${path.join('/')}`);
      Object.assign(jsonSchema, equivalent);
    },
  });
  delete json.$schema;
  return json;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });

/** `schema` applies only when `field` holds one of `values`: otherwise the ingest ignores the object. */
const onlyWhen = (field: string, values: readonly string[], schema: JsonSchema): JsonSchema => ({
  anyOf: [{ type: 'object', properties: { [field]: { not: { enum: [...values] } } } }, schema],
});

interface RegistryDocument {
  title: string;
  description: string;
  /** The registry's `x-amazon-events-source`. */
  sourceName: string;
  /** What the ingest accepts as `source` (it checks the source in code; this is the same rule). */
  source: z.core.$ZodType;
  detailType: string;
  detail: JsonSchema;
  /** Further definitions the detail refers to. */
  definitions?: Record<string, JsonSchema>;
}

/** The registry's document of one event: the envelope, its `detail` a reference to `definitions`. */
function registryDocument(doc: RegistryDocument): JsonSchema {
  const envelope = jsonSchemaOf(
    z.extend(eventBridgeEnvelopeSchema, { source: doc.source, 'detail-type': z.literal(doc.detailType) }),
  );
  return {
    $schema: DRAFT_04,
    title: doc.title,
    description: doc.description,
    'x-amazon-events-source': doc.sourceName,
    'x-amazon-events-detail-type': doc.detailType,
    ...envelope,
    properties: { ...(envelope.properties as Record<string, JsonSchema>), detail: ref(doc.title) },
    definitions: { [doc.title]: doc.detail, ...doc.definitions },
  };
}

const APP_EVENTS: readonly { detailType: string; detail: z.core.$ZodType; description: string }[] = [
  {
    detailType: APP_EVENT_TYPES.signedUp,
    detail: signedUpSchema,
    description:
      'A user signed up through a partner link: starts the signup workflow (signup-<id>). `email`, when sent, is kept only as its salted hash.',
  },
  {
    detailType: APP_EVENT_TYPES.emailVerified,
    detail: emailVerifiedSchema,
    description: 'A user verified their email address: starts the verify workflow (verify-<id>).',
  },
];

const appDocument = ({
  detailType,
  detail,
  description,
}: (typeof APP_EVENTS)[number]): PublishedEventSchema => ({
  file: `${APP_EVENT_SOURCE}/${detailType}.json`,
  schema: registryDocument({
    title: detailType,
    description: `${description} Ingested by app-ingest (domain/app-events.ts).`,
    sourceName: APP_EVENT_SOURCE,
    source: z.literal(APP_EVENT_SOURCE),
    detailType,
    detail: jsonSchemaOf(detail),
  }),
});

const STRIPE_CHECKED_IN_CODE = `Also checked by the ingest, beyond this schema: every currency is the program's (PROGRAM_CURRENCY), every amount at most ${MAX_AMOUNT_MINOR_UNITS} minor units, every price id in STRIPE_PRICE_MAP, and, when STRIPE_EVENT_SOURCE is set, the source is exactly that one.`;

/** The object (`detail.data.object`) of each Stripe event type: the schemas its mapping parses it with. */
const STRIPE_OBJECTS: {
  readonly [T in StripeEventType]: { name: string; schema: JsonSchema; note?: string };
} = {
  'checkout.session.completed': {
    name: 'CheckoutSession',
    schema: {
      allOf: [
        jsonSchemaOf(checkoutModeSchema),
        onlyWhen('mode', [SUBSCRIPTION_MODE], jsonSchemaOf(checkoutSchema)),
      ],
    },
    note: 'A session in another mode than subscription is ignored.',
  },
  'invoice.paid': {
    name: 'Invoice',
    schema: {
      allOf: [
        jsonSchemaOf(billingReasonSchema),
        onlyWhen('billing_reason', COMMISSIONABLE_REASONS, jsonSchemaOf(invoiceSchema)),
      ],
    },
    note: `An invoice whose billing_reason is not ${COMMISSIONABLE_REASONS.join(', ')} is ignored. One that is needs the user id in (parent.)subscription_details.metadata.userId and the subscription in parent.subscription_details.subscription or subscription.`,
  },
  'invoice_payment.paid': {
    name: 'InvoicePayment',
    schema: jsonSchemaOf(invoicePaymentSchema),
    note: 'A payment that is neither payment_intent nor charge is ignored; one that is needs that id.',
  },
  'charge.refunded': {
    name: 'Charge',
    schema: jsonSchemaOf(chargeSchema),
    note: 'amount_refunded may not exceed amount.',
  },
  'charge.dispute.created': { name: 'Dispute', schema: jsonSchemaOf(disputeSchema) },
  'charge.dispute.closed': {
    name: 'Dispute',
    schema: jsonSchemaOf(disputeSchema),
    note: 'status must be won, warning_closed or lost.',
  },
  'customer.subscription.updated': {
    name: 'Subscription',
    schema: { allOf: [jsonSchemaOf(subscriptionSchema), jsonSchemaOf(subscriptionPlanSchema)] },
  },
  'customer.subscription.deleted': { name: 'Subscription', schema: jsonSchemaOf(subscriptionSchema) },
};

/** `invoice.paid` → `InvoicePaid`: a definition name, as the registry derives one from a detail-type. */
const pascalCase = (detailType: string): string =>
  detailType
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Any partner event source of Stripe's, `aws.partner/stripe.com/<event destination id>`. */
const stripeSourceSchema = z.string().check(z.regex(new RegExp(`^${escapeRegExp(STRIPE_SOURCE_PREFIX)}/.+`)));

function stripeDocument(type: StripeEventType): PublishedEventSchema {
  const object = STRIPE_OBJECTS[type];
  // `type` is the detail-type: the ingest rejects an event whose two differ.
  const detail = jsonSchemaOf(
    z.extend(stripeEventSchema, { type: z.literal(type), data: z.object({ object: z.unknown() }) }),
  );
  const data = (detail.properties as Record<string, JsonSchema>).data as JsonSchema;
  data.properties = { object: ref(object.name) };
  return {
    file: `${STRIPE_SOURCE_PREFIX}/${type}.json`,
    schema: registryDocument({
      title: pascalCase(type),
      description: [
        `The Stripe event ${type} through an EventBridge partner event source; ingested by stripe-ingest (domain/stripe-events.ts).`,
        object.note,
        STRIPE_CHECKED_IN_CODE,
      ]
        .filter((part) => part !== undefined)
        .join(' '),
      sourceName: `${STRIPE_SOURCE_PREFIX}/<event destination id>`,
      source: stripeSourceSchema,
      detailType: type,
      detail,
      definitions: { [object.name]: object.schema },
    }),
  };
}

/** What each outbound event announces (domain/outbound-events.ts). */
const OUTBOUND_DESCRIPTIONS: Readonly<Record<OutboundEventType, string>> = {
  CommissionCreated: 'A commission was recorded for a paid invoice (pending its hold period, or on hold).',
  CommissionApproved: 'A commission became payable: its hold period ended, or an operator approved it.',
  CommissionReversed:
    'A commission was taken back in whole or in part before payout (refund, lost dispute, rejection), or superseded: the facts no longer give it (statusReason superseded, data the last row).',
  CommissionClawedBack:
    'A paid commission was reduced afterwards: its negative clawback row was created or changed.',
  CommissionHeld: 'A commission was put on hold (an open dispute, a self-referral awaiting review).',
  CommissionPaid: 'A payout paid the commission.',
  PayoutCreated:
    'A payout run grouped approved commissions into a payout: partner, amountCents, currency, and payoutId as the idempotency key of the transfer.',
  PayoutProcessing: 'The payout is being transferred.',
  PayoutPaid: 'The payout was transferred; its commissions are paid.',
  PayoutFailed: 'The transfer failed; its commissions are approved again.',
  PayoutCanceled: 'The payout was canceled; its commissions are approved again.',
};

function outboundDocument(type: OutboundEventType): PublishedEventSchema {
  return {
    file: `${LEDGER_EVENT_SOURCE}/${type}.json`,
    schema: registryDocument({
      title: type,
      description: `${OUTBOUND_DESCRIPTIONS[type]} Put on the app bus from the table's DynamoDB stream by the outbound-events pipe; id is the idempotency key, version orders an entity's events, signature signs the detail without it for webhook receivers (README: Outbound events).`,
      sourceName: LEDGER_EVENT_SOURCE,
      source: z.literal(LEDGER_EVENT_SOURCE),
      detailType: type,
      detail: jsonSchemaOf(outboundDetailSchema(type)),
    }),
  };
}

/** Every event the ingest accepts and every event the ledger announces, one document per source and detail-type. */
export function eventSchemas(): PublishedEventSchema[] {
  return [
    ...APP_EVENTS.map(appDocument),
    ...STRIPE_EVENT_TYPES.map(stripeDocument),
    ...OUTBOUND_EVENT_TYPES.map(outboundDocument),
  ];
}
