import type Stripe from 'stripe';
import * as z from 'zod/mini';
import { DEFAULT_PRICE_MAP, PARKED_EVENT_TTL_DAYS } from '../../domain/config';
import { MalformedEventError, UnknownPriceError } from '../../domain/errors';
import { mapStripeEvent, type ReadsStripe } from '../../domain/stripe-events';
import { withoutPath, withPath } from '../../local/events/event-envelope';
import {
  checkoutCompletedEvent,
  DEFAULT_CREATED,
  invoicePaidEvent,
  subscriptionDeletedEvent,
} from '../../local/events/stripe-events';

const options = { priceMap: DEFAULT_PRICE_MAP };
const parkExpiresAt = DEFAULT_CREATED + PARKED_EVENT_TTL_DAYS * 86_400;

/** Asserts that mapping `event` throws MalformedEvent naming `field`. */
function expectMalformed(event: unknown, field: string): void {
  let caught: unknown;
  try {
    mapStripeEvent(event, options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MalformedEventError);
  expect(caught).toMatchObject({ name: 'MalformedEvent', field });
  expect((caught as Error).message).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
}

describe('mapStripeEvent: invoice.paid (first payment)', () => {
  it.each(['current', 'older'] as const)(
    'maps the %s API shape to a payment start named after the invoice',
    (apiShape) => {
      // Prepare
      const event = invoicePaidEvent({
        apiShape,
        eventId: 'evt_1',
        invoiceId: 'in_42',
        userId: 'user_7',
        amountPaidCents: 2999,
        priceId: 'price_afplus_monthly',
        customerId: 'cus_9',
        subscriptionId: 'sub_9',
        paidAt: DEFAULT_CREATED + 60,
      });

      // Act
      const outcome = mapStripeEvent(event, options);

      // Assess
      expect(outcome).toEqual({
        workflow: 'payment',
        executionName: 'payment-in_42',
        input: {
          kind: 'invoice',
          eventId: 'evt_1',
          userId: 'user_7',
          invoiceId: 'in_42',
          planType: 'AFPlus',
          billingCycle: 'Monthly',
          amountPaidCents: 2999,
          currency: 'usd',
          paidAt: new Date((DEFAULT_CREATED + 60) * 1000).toISOString(),
          customerId: 'cus_9',
          subscriptionId: 'sub_9',
          priceId: 'price_afplus_monthly',
          parkExpiresAt,
        },
      });
    },
  );

  it('takes paidAt from the event time when status_transitions.paid_at is empty', () => {
    // Prepare
    const event = invoicePaidEvent({ paidAt: null });

    // Act
    const outcome = mapStripeEvent(event, options);

    // Assess
    expect(outcome).toMatchObject({ input: { paidAt: '2026-01-15T10:00:00.000Z' } });
  });

  it('accepts expanded customer and price objects', () => {
    // Prepare
    let event = invoicePaidEvent({ priceId: 'price_af_annual' });
    event = withPath(event, 'detail.data.object.customer', { id: 'cus_expanded', object: 'customer' });
    event = withPath(event, 'detail.data.object.lines.data[0].pricing.price_details.price', {
      id: 'price_af_annual',
      object: 'price',
    });

    // Act
    const outcome = mapStripeEvent(event, options);

    // Assess
    expect(outcome).toMatchObject({
      input: { customerId: 'cus_expanded', planType: 'AF', billingCycle: 'Annual' },
    });
  });

  it.each(['subscription_cycle', 'subscription_update'])('ignores a renewal (%s)', (billingReason) => {
    // Act
    const outcome = mapStripeEvent(invoicePaidEvent({ billingReason }), options);

    // Assess
    expect(outcome).toEqual({ ignore: expect.stringMatching(/^renewal/) });
  });

  it('ignores an invoice not created by a subscription', () => {
    expect(mapStripeEvent(invoicePaidEvent({ billingReason: 'manual' }), options)).toEqual({
      ignore: expect.stringContaining('not a first subscription payment'),
    });
  });

  it('rejects an unknown price with UnknownPrice naming the price id', () => {
    // Act
    const act = (): unknown => mapStripeEvent(invoicePaidEvent({ priceId: 'price_mystery' }), options);

    // Assess
    expect(act).toThrow(UnknownPriceError);
    expect(act).toThrow(expect.objectContaining({ name: 'UnknownPrice', priceId: 'price_mystery' }));
    expect(act).toThrow(/price_mystery/);
  });

  it('does not mistake an Object.prototype key for a price', () => {
    expect(() => mapStripeEvent(invoicePaidEvent({ priceId: 'constructor' }), options)).toThrow(
      UnknownPriceError,
    );
  });

  it.each([-1, 12.5, '2999', null])('rejects amount_paid %p naming the field', (amount) => {
    // Prepare
    const event = withPath(invoicePaidEvent(), 'detail.data.object.amount_paid', amount);

    // Act + Assess
    expectMalformed(event, 'detail.data.object.amount_paid');
    expect(() => mapStripeEvent(event, options)).toThrow('expected a non-negative integer');
  });

  it('rejects a current-shape invoice without metadata.userId, naming the metadata path', () => {
    // Prepare
    const event = withPath(
      invoicePaidEvent(),
      'detail.data.object.parent.subscription_details.metadata',
      null,
    );

    // Act + Assess
    expectMalformed(event, 'detail.data.object.parent.subscription_details.metadata.userId');
  });

  it('rejects a user id with characters outside the allowed set', () => {
    const event = invoicePaidEvent({ apiShape: 'older', userId: 'user 1/../x' });
    expectMalformed(event, 'detail.data.object.subscription_details.metadata.userId');
  });

  it('rejects a line without a price in either shape', () => {
    const event = withoutPath(invoicePaidEvent(), 'detail.data.object.lines.data[0].pricing.price_details');
    expectMalformed(event, 'detail.data.object.lines.data[0].pricing.price_details.price');
  });

  it('rejects an invoice without lines', () => {
    const event = withPath(invoicePaidEvent(), 'detail.data.object.lines.data', []);
    expectMalformed(event, 'detail.data.object.lines.data');
  });

  it('hashes an invoice id too long for an execution name, deterministically', () => {
    // Prepare
    const longId = `in_${'x'.repeat(100)}`;

    // Act
    const first = mapStripeEvent(invoicePaidEvent({ invoiceId: longId }), options);
    const again = mapStripeEvent(
      invoicePaidEvent({ invoiceId: longId, eventId: 'evt_redelivered' }),
      options,
    );

    // Assess
    expect('executionName' in first && first.executionName.length).toBeLessThanOrEqual(80);
    expect('executionName' in first && first.executionName).toMatch(/^payment-in_x+-[0-9a-f]{16}$/);
    expect(again).toMatchObject({ executionName: 'executionName' in first ? first.executionName : '' });
  });
});

describe('mapStripeEvent: envelope', () => {
  it('rejects another source, naming source', () => {
    expectMalformed({ ...invoicePaidEvent(), source: 'aws.partner/other.com/x' }, 'source');
  });

  it('rejects a Stripe source with no destination id', () => {
    expectMalformed({ ...invoicePaidEvent(), source: 'aws.partner/stripe.com' }, 'source');
  });

  it('accepts only the configured destination when one is set', () => {
    // Act
    const act = (): unknown =>
      mapStripeEvent(invoicePaidEvent(), { ...options, expectedSource: 'aws.partner/stripe.com/ed_live_1' });

    // Assess
    expect(act).toThrow(expect.objectContaining({ name: 'MalformedEvent', field: 'source' }));
  });

  it('rejects a detail-type that differs from the Stripe event type', () => {
    expectMalformed({ ...invoicePaidEvent(), 'detail-type': 'invoice.created' }, 'detail-type');
  });

  it('rejects a missing Stripe event id', () => {
    expectMalformed(withoutPath(invoicePaidEvent(), 'detail.id'), 'detail.id');
  });

  it('rejects something that is not an event at all', () => {
    expect(() => mapStripeEvent('hello', options)).toThrow(MalformedEventError);
  });

  it('ignores event types it does not handle', () => {
    // Prepare
    const event = { ...invoicePaidEvent(), 'detail-type': 'charge.refunded' };
    event.detail = { ...event.detail, type: 'charge.refunded' };

    // Act + Assess
    expect(mapStripeEvent(event, options)).toEqual({
      ignore: 'Stripe event type charge.refunded is not handled',
    });
  });
});

describe('mapStripeEvent: checkout.session.completed', () => {
  it('maps a subscription checkout to a checkout link named after the event', () => {
    // Act
    const outcome = mapStripeEvent(
      checkoutCompletedEvent({
        eventId: 'evt_c1',
        userId: 'user_3',
        customerId: 'cus_3',
        subscriptionId: 'sub_3',
      }),
      options,
    );

    // Assess
    expect(outcome).toEqual({
      workflow: 'payment',
      executionName: 'checkout-evt_c1',
      input: {
        kind: 'checkout',
        eventId: 'evt_c1',
        userId: 'user_3',
        customerId: 'cus_3',
        subscriptionId: 'sub_3',
        occurredAt: '2026-01-15T10:00:00.000Z',
        parkExpiresAt,
      },
    });
  });

  it('ignores a one-off payment checkout', () => {
    expect(mapStripeEvent(checkoutCompletedEvent({ mode: 'payment' }), options)).toEqual({
      ignore: expect.stringContaining('payment mode'),
    });
  });

  it('rejects a subscription checkout without client_reference_id', () => {
    expectMalformed(checkoutCompletedEvent({ userId: null }), 'detail.data.object.client_reference_id');
  });
});

describe('mapStripeEvent: customer.subscription.deleted', () => {
  it('maps to a cancellation named after the subscription', () => {
    // Act
    const outcome = mapStripeEvent(
      subscriptionDeletedEvent({
        eventId: 'evt_d1',
        subscriptionId: 'sub_5',
        userId: 'user_5',
        canceledAt: 1_770_000_000,
      }),
      options,
    );

    // Assess
    expect(outcome).toEqual({
      workflow: 'cancellation',
      executionName: 'cancellation-sub_5',
      input: {
        eventId: 'evt_d1',
        userId: 'user_5',
        subscriptionId: 'sub_5',
        canceledAt: new Date(1_770_000_000 * 1000).toISOString(),
        parkExpiresAt,
      },
    });
  });

  it('falls back to ended_at, then the event time, for canceledAt', () => {
    // Act
    const ended = mapStripeEvent(
      subscriptionDeletedEvent({ canceledAt: null, endedAt: DEFAULT_CREATED - 10 }),
      options,
    );
    const neither = mapStripeEvent(subscriptionDeletedEvent({ canceledAt: null, endedAt: null }), options);

    // Assess
    expect(ended).toMatchObject({
      input: { canceledAt: new Date((DEFAULT_CREATED - 10) * 1000).toISOString() },
    });
    expect(neither).toMatchObject({ input: { canceledAt: '2026-01-15T10:00:00.000Z' } });
  });

  it('rejects a subscription without metadata.userId', () => {
    expectMalformed(
      withoutPath(subscriptionDeletedEvent(), 'detail.data.object.metadata.userId'),
      'detail.data.object.metadata.userId',
    );
  });
});

describe("ReadsStripe: the compile-time check of the schemas against Stripe's types", () => {
  // `tsc` checks these (jest strips types): were the check to stop rejecting, each `@ts-expect-error`
  // below would itself fail the typecheck.
  const ref = z.union([
    z.string(),
    z.pipe(
      z.object({ id: z.string() }),
      z.transform((o: { id: string }) => o.id),
    ),
  ]);

  it('accepts fields Stripe declares: refs read as ids, absent fields, metadata keys', () => {
    // Prepare
    const schema = z.object({
      id: z.string(),
      amount_paid: z.number(),
      customer: ref,
      status_transitions: z.nullish(z.object({ paid_at: z.nullish(z.number()) })),
      parent: z.object({ subscription_details: z.object({ metadata: z.object({ userId: z.string() }) }) }),
    });
    const checked: ReadsStripe<Stripe.Invoice, typeof schema> = schema;

    // Act
    const read = checked.parse({
      id: 'in_1',
      amount_paid: 5,
      customer: { id: 'cus_1', object: 'customer' },
      parent: { subscription_details: { metadata: { userId: 'user_1' } } },
    });

    // Assess
    expect(read).toMatchObject({ customer: 'cus_1' });
  });

  it('rejects a field Stripe lacks, a re-typed field, a nested one, and an object for a plain string', () => {
    // Prepare
    const renamed = z.object({ amount_payd: z.number() });
    const retyped = z.object({ amount_paid: z.string() });
    const nested = z.object({ status_transitions: z.object({ paid: z.number() }) });
    const expanded = z.object({ client_reference_id: ref });

    // Act
    // @ts-expect-error Stripe's invoice has no `amount_payd`
    const a: ReadsStripe<Stripe.Invoice, typeof renamed> = renamed;
    // @ts-expect-error Stripe types `amount_paid` as a number
    const b: ReadsStripe<Stripe.Invoice, typeof retyped> = retyped;
    // @ts-expect-error Stripe's `status_transitions` has no `paid`
    const c: ReadsStripe<Stripe.Invoice, typeof nested> = nested;
    // @ts-expect-error `client_reference_id` is a string, never an expanded object
    const d: ReadsStripe<Stripe.Checkout.Session, typeof expanded> = expanded;

    // Assess
    expect([a, b, c, d]).toHaveLength(4);
  });
});
