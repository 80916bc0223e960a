import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv-draft-04';
import * as z from 'zod/mini';
import { mapAppEvent } from '../../domain/app-events';
import { DEFAULT_PRICE_MAP } from '../../domain/config';
import { MalformedEventError, UnknownPriceError, UnsupportedCurrencyError } from '../../domain/errors';
import { eventSchemas, jsonSchemaOf, type JsonSchema } from '../../domain/event-schemas';
import { mapStripeEvent, STRIPE_EVENT_TYPES } from '../../domain/stripe-events';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import { withoutPath, withPath, type Envelope } from '../../local/events/event-envelope';
import {
  chargeRefundedEvent,
  checkoutCompletedEvent,
  disputeClosedEvent,
  disputeCreatedEvent,
  invoicePaidEvent,
  invoicePaymentPaidEvent,
  subscriptionDeletedEvent,
  subscriptionUpdatedEvent,
} from '../../local/events/stripe-events';
import { SCHEMAS_DIR } from '../../local/schemas';
import { commissionItemOf } from '../../domain/ledger';
import {
  OUTBOUND_EVENT_TYPES,
  outboundEventsOf,
  signedDetail,
  type RowChange,
} from '../../domain/outbound-events';
import { commission } from './builders';

/** The published files: path under schemas/ → parsed document. */
const published = new Map<string, JsonSchema>(
  readdirSync(SCHEMAS_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .map((file) => [
      file.split(path.sep).join('/'),
      JSON.parse(readFileSync(path.join(SCHEMAS_DIR, file), 'utf8')) as JsonSchema,
    ]),
);

// Compiling checks each document against the draft-04 meta-schema. The registry's `x-amazon-events-*`
// annotations are declared so strict mode accepts them. `date-time` is known but not checked here: zod
// writes its rule as the `pattern` beside it, which is checked.
const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, formats: { 'date-time': true } });
ajv.addKeyword('x-amazon-events-source').addKeyword('x-amazon-events-detail-type');
const validators = new Map<string, ValidateFunction>(
  [...published.values()].map((schema) => [
    schema['x-amazon-events-detail-type'] as string,
    ajv.compile(schema),
  ]),
);

/** Whether the published schema of the event's detail-type accepts it. */
function schemaAccepts(event: Envelope): boolean {
  const validate = validators.get(event['detail-type']);
  if (!validate) throw new Error(`no published schema for ${event['detail-type']}`);
  return validate(event);
}

type IngestOutcome = 'started' | 'ignored' | 'rejected';

/** What the ingest does with the event: a malformed one is rejected, any other error fails the test. */
function ingest(event: Envelope): IngestOutcome {
  try {
    const outcome = event.source.startsWith('aws.partner/')
      ? mapStripeEvent(event, { priceMap: DEFAULT_PRICE_MAP, programCurrency: 'usd' })
      : mapAppEvent(event, { identitySalt: 'test-salt' });
    return 'ignore' in outcome ? 'ignored' : 'started';
  } catch (error) {
    if (error instanceof MalformedEventError) return 'rejected';
    throw error;
  }
}

describe('published event schemas (schemas/)', () => {
  it('are exactly what the zod schemas generate (`npm run schemas` writes them)', () => {
    // Prepare
    const generated = eventSchemas();

    // Assess
    expect([...published.keys()].sort()).toEqual(generated.map(({ file }) => file).sort());
    for (const { file, schema } of generated)
      expect({ file, schema: published.get(file) }).toEqual({ file, schema });
  });

  it('cover both app events and every Stripe type the ingest handles, one per source and detail-type', () => {
    expect([...published.keys()].sort()).toEqual(
      [
        'partner-referrals.app/UserSignedUp.json',
        'partner-referrals.app/UserEmailVerified.json',
        ...STRIPE_EVENT_TYPES.map((type) => `aws.partner/stripe.com/${type}.json`),
        ...OUTBOUND_EVENT_TYPES.map((type) => `partner-referrals.ledger/${type}.json`),
      ].sort(),
    );
  });

  it('have the registry form: draft-04, the whole envelope, the detail under definitions', () => {
    for (const [file, schema] of published) {
      const detailType = schema['x-amazon-events-detail-type'] as string;
      const title = schema.title as string;
      expect({ file, $schema: schema.$schema, detailType, required: schema.required }).toEqual({
        file,
        $schema: 'http://json-schema.org/draft-04/schema#',
        detailType: path.basename(file, '.json'),
        required: [
          'version',
          'id',
          'detail-type',
          'source',
          'account',
          'time',
          'region',
          'resources',
          'detail',
        ],
      });
      expect((schema.properties as Record<string, JsonSchema>).detail).toEqual({
        $ref: `#/definitions/${title}`,
      });
      expect(Object.keys(schema.definitions as object)).toContain(title);
    }
  });
});

describe('example events: the published schema and the ingest agree', () => {
  const examples: [string, Envelope, Exclude<IngestOutcome, 'rejected'>][] = [
    ['UserSignedUp', userSignedUpEvent(), 'started'],
    ['UserSignedUp with an email', userSignedUpEvent({ email: 'ann@example.com' }), 'started'],
    ['UserSignedUp with email null', withPath(userSignedUpEvent(), 'detail.email', null), 'started'],
    ['UserSignedUp at an offset', userSignedUpEvent({ occurredAt: '2026-01-15T11:00:00+01:00' }), 'started'],
    ['UserEmailVerified', userEmailVerifiedEvent(), 'started'],
    ['checkout.session.completed', checkoutCompletedEvent(), 'started'],
    [
      'checkout in payment mode (only its mode is read)',
      checkoutCompletedEvent({ mode: 'payment', userId: null }),
      'ignored',
    ],
    ['invoice.paid, current API', invoicePaidEvent(), 'started'],
    ['invoice.paid, older API', invoicePaidEvent({ apiShape: 'older' }), 'started'],
    ['invoice.paid, a renewal', invoicePaidEvent({ billingReason: 'subscription_cycle' }), 'started'],
    [
      'invoice.paid, manual (only its billing reason is read)',
      withoutPath(invoicePaidEvent({ billingReason: 'manual' }), 'detail.data.object.lines'),
      'ignored',
    ],
    ['invoice_payment.paid by PaymentIntent', invoicePaymentPaidEvent(), 'started'],
    ['invoice_payment.paid by charge', invoicePaymentPaidEvent({ paymentType: 'charge' }), 'started'],
    [
      'invoice_payment.paid by payment record',
      invoicePaymentPaidEvent({ paymentType: 'payment_record' }),
      'ignored',
    ],
    ['charge.refunded', chargeRefundedEvent({ amountRefundedCents: 1000 }), 'started'],
    [
      'charge.refunded, older API',
      chargeRefundedEvent({ invoiceId: 'in_1', paymentIntentId: null }),
      'started',
    ],
    ['charge.dispute.created', disputeCreatedEvent(), 'started'],
    ['charge.dispute.closed', disputeClosedEvent({ status: 'won' }), 'started'],
    ['customer.subscription.updated', subscriptionUpdatedEvent({ priceId: 'price_af_annual' }), 'started'],
    ['customer.subscription.deleted', subscriptionDeletedEvent({ canceledAt: null }), 'started'],
  ];

  it.each(examples)('%s: valid against its schema, and the ingest takes it', (_name, event, outcome) => {
    expect({ schema: schemaAccepts(event), ingest: ingest(event) }).toEqual({
      schema: true,
      ingest: outcome,
    });
  });

  const bad: [string, Envelope][] = [
    ['a partner id with #', userSignedUpEvent({ partnerId: 'acme#1' })],
    ['a signup without its user', withoutPath(userSignedUpEvent(), 'detail.userId')],
    ['a timestamp without a time zone', userSignedUpEvent({ occurredAt: '2026-01-15T10:00:00' })],
    ['an email without @ (a zod refinement)', userSignedUpEvent({ email: 'ann.example.com' })],
    ['an email over 320 characters', userSignedUpEvent({ email: `${'a'.repeat(310)}@example.com` })],
    ['another source on the app bus', withPath(userEmailVerifiedEvent(), 'source', 'partner-referrals.web')],
    ['an empty event id', withPath(userEmailVerifiedEvent(), 'id', '')],
    ['a paid invoice without lines', withPath(invoicePaidEvent(), 'detail.data.object.lines.data', [])],
    ['an amount in major units', withPath(invoicePaidEvent(), 'detail.data.object.amount_paid', 29.99)],
    [
      'a detail-type that is not the Stripe type',
      withPath(invoicePaidEvent(), 'detail.type', 'invoice.created'),
    ],
    ['a subscription checkout without the user', checkoutCompletedEvent({ userId: null })],
    [
      'a Stripe source without a destination',
      withPath(disputeCreatedEvent(), 'source', 'aws.partner/stripe.com/'),
    ],
    ['an expanded customer without an id', withPath(invoicePaidEvent(), 'detail.data.object.customer', {})],
    ['a dispute without its charge', withoutPath(disputeClosedEvent(), 'detail.data.object.charge')],
    [
      'a subscription without metadata.userId',
      withoutPath(subscriptionDeletedEvent(), 'detail.data.object.metadata.userId'),
    ],
    [
      'a subscription update without items',
      withPath(subscriptionUpdatedEvent(), 'detail.data.object.items.data', []),
    ],
  ];

  it.each(bad)('%s: rejected by its schema and by the ingest', (_name, event) => {
    expect({ schema: schemaAccepts(event), ingest: ingest(event) }).toEqual({
      schema: false,
      ingest: 'rejected',
    });
  });

  it("leaves to the ingest what depends on the deployment: the program's currency and price map", () => {
    // Prepare
    const wrongCurrency = invoicePaidEvent({ currency: 'eur' });
    const unknownPrice = invoicePaidEvent({ priceId: 'price_unknown' });

    // Assess
    expect(schemaAccepts(wrongCurrency)).toBe(true);
    expect(() => ingest(wrongCurrency)).toThrow(UnsupportedCurrencyError);
    expect(schemaAccepts(unknownPrice)).toBe(true);
    expect(() => ingest(unknownPrice)).toThrow(UnknownPriceError);
  });
});

describe('outbound events: what the mapping announces, its published schema accepts', () => {
  const c = commission({
    status: 'on_hold',
    statusReason: 'dispute',
    history: [{ at: '2026-01-15T10:00:00.000Z', status: 'on_hold', reason: 'dispute', netCents: 750 }],
  });
  const payout = {
    partnerId: 'acme',
    payoutId: 'po_1',
    status: 'paid',
    amountCents: 750,
    currency: 'usd',
    lines: [{ commissionId: 'inv#in_1', referredUserId: 'user_1', netCents: 750 }],
    periodStart: '2026-01-15T10:00:00.000Z',
    periodEnd: '2026-02-01T00:00:00.000Z',
    runId: 'payout-run',
    createdAt: '2026-02-01T06:00:00.000Z',
    updatedAt: '2026-02-02T06:00:00.000Z',
    paidAt: '2026-02-02T06:00:00.000Z',
    reference: 'tr_1',
    version: 3,
  };
  const changes: [string, RowChange][] = [
    [
      'a commission created on hold',
      {
        eventName: 'INSERT',
        keys: { partnerId: c.partnerId, commissionId: c.commissionId },
        newImage: { ...commissionItemOf(c) },
        recordedAt: '2026-01-15T10:00:01.000Z',
      },
    ],
    [
      'a removed commission',
      {
        eventName: 'REMOVE',
        keys: { partnerId: c.partnerId, commissionId: c.commissionId },
        oldImage: { ...commissionItemOf(c) },
        recordedAt: '2026-01-16T00:00:00.000Z',
      },
    ],
    [
      'a paid payout',
      {
        eventName: 'MODIFY',
        keys: payout,
        oldImage: { ...payout, status: 'processing', version: 2 },
        newImage: payout,
        recordedAt: '2026-02-02T06:00:01.000Z',
      },
    ],
  ];

  it.each(changes)('%s', (_name, change) => {
    const events = outboundEventsOf(change).map((body) => signedDetail(body, 'secret', 1_767_225_600));
    expect(events.length).toBeGreaterThan(0);
    for (const detail of events) {
      const envelope = {
        version: '0',
        id: 'e1',
        'detail-type': detail.type,
        source: 'partner-referrals.ledger',
        account: '000000000000',
        time: '2026-02-02T06:00:01Z',
        region: 'us-east-1',
        resources: [],
        detail: JSON.parse(JSON.stringify(detail)) as unknown,
      };
      expect([detail.type, schemaAccepts(envelope)]).toEqual([detail.type, true]);
      expect([detail.type, schemaAccepts({ ...envelope, detail: { ...detail, data: {} } })]).toEqual([
        detail.type,
        false,
      ]);
    }
  });
});

describe('jsonSchemaOf', () => {
  it('fails on a refinement it has no JSON Schema equivalent for, instead of dropping it', () => {
    // Prepare
    const refined = z.object({ code: z.string().check(z.refine((value) => value.length % 2 === 0)) });

    // Act + Assess
    expect(() => jsonSchemaOf(refined)).toThrow(
      'a refinement with no JSON Schema equivalent at /properties/code',
    );
  });
});
