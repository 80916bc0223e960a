import type Stripe from 'stripe';
import * as z from 'zod/mini';
import { DEFAULT_PRICE_MAP, MAX_AMOUNT_MINOR_UNITS, PARKED_EVENT_TTL_DAYS } from '../../domain/config';
import {
  AmountTooLargeError,
  MalformedEventError,
  UnknownPriceError,
  UnsupportedCurrencyError,
} from '../../domain/errors';
import {
  mapStripeEvent,
  STRIPE_EVENT_TYPES,
  type ReadsStripe,
  type StripeMappingOptions,
} from '../../domain/stripe-events';
import type { WorkflowStart } from '../../domain/workflow-inputs';
import { withoutPath, withPath } from '../../local/events/event-envelope';
import {
  chargeRefundedEvent,
  checkoutCompletedEvent,
  DEFAULT_CREATED,
  disputeClosedEvent,
  disputeCreatedEvent,
  invoicePaidEvent,
  invoicePaymentPaidEvent,
  subscriptionDeletedEvent,
  subscriptionUpdatedEvent,
} from '../../local/events/stripe-events';

const options: StripeMappingOptions = { priceMap: DEFAULT_PRICE_MAP, programCurrency: 'usd' };
const parkExpiresAt = DEFAULT_CREATED + PARKED_EVENT_TTL_DAYS * 86_400;
const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();
const CREATED_ISO = '2026-01-15T10:00:00.000Z';
const TOO_LARGE = MAX_AMOUNT_MINOR_UNITS + 1;

/** What mapping `event` throws (fails the test when it does not throw). */
function thrownBy(event: unknown, mappingOptions: StripeMappingOptions = options): unknown {
  try {
    mapStripeEvent(event, mappingOptions);
  } catch (error) {
    return error;
  }
  throw new Error('expected mapStripeEvent to throw');
}

/** Asserts that mapping `event` throws MalformedEvent naming `field`. */
function expectMalformed(event: unknown, field: string): void {
  const caught = thrownBy(event);
  expect(caught).toBeInstanceOf(MalformedEventError);
  expect(caught).toMatchObject({ name: 'MalformedEvent', field });
  expect((caught as Error).message).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
}

/** Asserts that mapping `event` throws AmountTooLarge naming `field` and the value. */
function expectTooLarge(event: unknown, field: string, value: number): void {
  const caught = thrownBy(event);
  expect(caught).toBeInstanceOf(AmountTooLargeError);
  expect(caught).toMatchObject({ name: 'AmountTooLarge', field, value, limit: MAX_AMOUNT_MINOR_UNITS });
  expect((caught as Error).message).toContain(`${field}: ${value} exceeds`);
}

/** Asserts that mapping `event` throws UnsupportedCurrency naming `field`. */
function expectWrongCurrency(event: unknown, field: string, currency: string): void {
  const caught = thrownBy(event);
  expect(caught).toBeInstanceOf(UnsupportedCurrencyError);
  expect(caught).toMatchObject({ name: 'UnsupportedCurrency', field, currency, programCurrency: 'usd' });
}

/** The start an outcome is, failing the test when the event was ignored. */
function started(event: unknown, mappingOptions: StripeMappingOptions = options): WorkflowStart {
  const outcome = mapStripeEvent(event, mappingOptions);
  if ('ignore' in outcome) throw new Error(`expected a workflow start, got ignore: ${outcome.ignore}`);
  return outcome;
}

describe('mapStripeEvent: invoice.paid', () => {
  it('maps the current API shape to a payment start recording the invoice fact', () => {
    // Prepare
    const event = invoicePaidEvent({
      apiShape: 'current',
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
        fact: {
          kind: 'invoice',
          key: 'invoice#in_42',
          at: iso(DEFAULT_CREATED + 60),
          invoiceId: 'in_42',
          billingReason: 'subscription_create',
          amountCents: 2999,
          currency: 'usd',
          planType: 'AFPlus',
          billingCycle: 'Monthly',
          subscriptionId: 'sub_9',
          customerId: 'cus_9',
          paymentIds: [],
        },
        userId: 'user_7',
        findUserBy: [],
        links: ['invoice:in_42'],
        parkExpiresAt,
      },
    });
  });

  it("maps the older API shape, linking the invoice's own charge and PaymentIntent", () => {
    // Prepare
    const event = invoicePaidEvent({
      apiShape: 'older',
      invoiceId: 'in_42',
      userId: 'user_7',
      amountPaidCents: 999,
      priceId: 'price_af_annual',
      customerId: 'cus_9',
      subscriptionId: 'sub_9',
      chargeId: 'ch_9',
      paymentIntentId: 'pi_9',
    });

    // Act
    const outcome = mapStripeEvent(event, options);

    // Assess
    expect(outcome).toEqual({
      workflow: 'payment',
      executionName: 'payment-in_42',
      input: {
        fact: {
          kind: 'invoice',
          key: 'invoice#in_42',
          at: CREATED_ISO,
          invoiceId: 'in_42',
          billingReason: 'subscription_create',
          amountCents: 999,
          currency: 'usd',
          planType: 'AF',
          billingCycle: 'Annual',
          subscriptionId: 'sub_9',
          customerId: 'cus_9',
          paymentIds: ['ch_9', 'pi_9'],
        },
        userId: 'user_7',
        findUserBy: [],
        links: ['invoice:in_42', 'payment:ch_9', 'payment:pi_9'],
        parkExpiresAt,
      },
    });
  });

  it('accepts an older-shape invoice that names no charge or PaymentIntent', () => {
    // Act
    const { input } = started(invoicePaidEvent({ apiShape: 'older', chargeId: null, paymentIntentId: null }));

    // Assess
    expect(input.fact).toMatchObject({ paymentIds: [] });
    expect(input.links).toEqual(['invoice:in_test_1']);
  });

  it.each(['subscription_create', 'subscription_cycle', 'subscription_update'] as const)(
    'records a %s invoice with its billing reason',
    (billingReason) => {
      // Act
      const { input } = started(invoicePaidEvent({ billingReason }));

      // Assess
      expect(input.fact).toMatchObject({ kind: 'invoice', billingReason });
    },
  );

  it.each(['subscription_threshold', 'manual', 'subscription', 'upcoming'] as const)(
    'ignores a %s invoice: not commissionable',
    (billingReason) => {
      // Act
      const outcome = mapStripeEvent(invoicePaidEvent({ invoiceId: 'in_5', billingReason }), options);

      // Assess
      expect(outcome).toEqual({
        ignore: `invoice in_5 is not commissionable (billing_reason ${billingReason})`,
      });
    },
  );

  it('ignores an invoice without a billing reason', () => {
    // Prepare
    const event = withPath(
      invoicePaidEvent({ invoiceId: 'in_5' }),
      'detail.data.object.billing_reason',
      null,
    );

    // Act + Assess
    expect(mapStripeEvent(event, options)).toEqual({
      ignore: 'invoice in_5 is not commissionable (billing_reason null)',
    });
  });

  it('takes the time from the event when status_transitions.paid_at is empty', () => {
    expect(started(invoicePaidEvent({ paidAt: null })).input.fact.at).toBe(CREATED_ISO);
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
    const { input } = started(event);

    // Assess
    expect(input.fact).toMatchObject({ customerId: 'cus_expanded', planType: 'AF', billingCycle: 'Annual' });
  });

  describe('the plan of a proration invoice', () => {
    it.each(['current', 'older'] as const)(
      'is the charged new plan, not the credited old one (%s shape)',
      (apiShape) => {
        // Prepare
        const event = invoicePaidEvent({
          apiShape,
          billingReason: 'subscription_update',
          amountPaidCents: 1999,
          lines: [
            { priceId: 'price_af_monthly', amountCents: -1000 },
            { priceId: 'price_afplus_annual', amountCents: 2999 },
          ],
        });

        // Act
        const { input } = started(event);

        // Assess
        expect(input.fact).toMatchObject({ planType: 'AFPlus', billingCycle: 'Annual', amountCents: 1999 });
      },
    );

    it('does not depend on the order of the lines', () => {
      // Prepare
      const event = invoicePaidEvent({
        lines: [
          { priceId: 'price_afplus_annual', amountCents: 2999 },
          { priceId: 'price_af_monthly', amountCents: -1000 },
        ],
      });

      // Act + Assess
      expect(started(event).input.fact).toMatchObject({ planType: 'AFPlus', billingCycle: 'Annual' });
    });

    it('skips a larger line whose price is not a plan (an add-on), taking the largest mapped one', () => {
      // Prepare
      const event = invoicePaidEvent({
        lines: [
          { priceId: 'price_af_monthly', amountCents: 999 },
          { priceId: 'price_addon_seats', amountCents: 5000 },
        ],
      });

      // Act + Assess
      expect(started(event).input.fact).toMatchObject({ planType: 'AF', billingCycle: 'Monthly' });
    });

    it('rejects a change to an unmapped plan rather than counting the old plan from its credit line', () => {
      // Prepare
      const event = invoicePaidEvent({
        lines: [
          { priceId: 'price_af_monthly', amountCents: -1000 },
          { priceId: 'price_new_plan', amountCents: 2999 },
        ],
      });

      // Act
      const caught = thrownBy(event);

      // Assess
      expect(caught).toBeInstanceOf(UnknownPriceError);
      expect(caught).toMatchObject({ name: 'UnknownPrice', priceId: 'price_new_plan' });
    });

    it('takes a $0 line (a trial) as the plan', () => {
      // Prepare
      const event = invoicePaidEvent({ amountPaidCents: 0, priceId: 'price_af_annual' });

      // Act + Assess
      expect(started(event).input.fact).toMatchObject({
        planType: 'AF',
        billingCycle: 'Annual',
        amountCents: 0,
      });
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

  it.each([TOO_LARGE, Number.MAX_SAFE_INTEGER])('rejects amount_paid %p as AmountTooLarge', (amount) => {
    expectTooLarge(invoicePaidEvent({ amountPaidCents: amount }), 'detail.data.object.amount_paid', amount);
  });

  it("accepts amount_paid at exactly Stripe's largest amount", () => {
    expect(started(invoicePaidEvent({ amountPaidCents: MAX_AMOUNT_MINOR_UNITS })).input.fact).toMatchObject({
      amountCents: MAX_AMOUNT_MINOR_UNITS,
    });
  });

  it.each([TOO_LARGE, -TOO_LARGE])(
    'rejects a line amount of %p as AmountTooLarge naming the line',
    (amount) => {
      // Prepare
      const event = invoicePaidEvent({
        lines: [
          { priceId: 'price_af_monthly', amountCents: 999 },
          { priceId: 'price_afplus_monthly', amountCents: amount },
        ],
      });

      // Act + Assess
      expectTooLarge(event, 'detail.data.object.lines.data[1].amount', amount);
    },
  );

  it('rejects a line amount that is not an integer', () => {
    const event = withPath(invoicePaidEvent(), 'detail.data.object.lines.data[0].amount', 29.99);
    expectMalformed(event, 'detail.data.object.lines.data[0].amount');
  });

  it.each(['jpy', 'eur'])('rejects an invoice in %s as UnsupportedCurrency naming currency', (currency) => {
    expectWrongCurrency(invoicePaidEvent({ currency }), 'detail.data.object.currency', currency);
  });

  it('compares currencies case-insensitively and records the lower-case code', () => {
    // Act
    const upper = started(invoicePaidEvent({ currency: 'USD' }));
    const eur = started(invoicePaidEvent({ currency: 'EUR' }), { ...options, programCurrency: 'eur' });

    // Assess
    expect(upper.input.fact).toMatchObject({ currency: 'usd' });
    expect(eur.input.fact).toMatchObject({ currency: 'eur' });
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

  it('rejects an older-shape invoice without metadata.userId', () => {
    const event = withoutPath(
      invoicePaidEvent({ apiShape: 'older' }),
      'detail.data.object.subscription_details.metadata.userId',
    );
    expectMalformed(event, 'detail.data.object.parent.subscription_details.metadata.userId');
  });

  it('rejects a user id with characters outside the allowed set', () => {
    const event = invoicePaidEvent({ apiShape: 'older', userId: 'user 1/../x' });
    expectMalformed(event, 'detail.data.object.subscription_details.metadata.userId');
  });

  it('rejects an invoice without a subscription id', () => {
    const event = withoutPath(
      invoicePaidEvent(),
      'detail.data.object.parent.subscription_details.subscription',
    );
    expectMalformed(event, 'detail.data.object.parent.subscription_details.subscription');
  });

  it('rejects a line without a price in either shape', () => {
    const event = withoutPath(invoicePaidEvent(), 'detail.data.object.lines.data[0].pricing.price_details');
    expectMalformed(event, 'detail.data.object.lines.data[0].pricing.price_details.price');
  });

  it('rejects an invoice without lines', () => {
    const event = withPath(invoicePaidEvent(), 'detail.data.object.lines.data', []);
    expectMalformed(event, 'detail.data.object.lines.data');
  });

  it('maps a redelivery (another event id) to the same execution and fact', () => {
    // Act
    const first = mapStripeEvent(invoicePaidEvent({ eventId: 'evt_a', invoiceId: 'in_7' }), options);
    const again = mapStripeEvent(invoicePaidEvent({ eventId: 'evt_b', invoiceId: 'in_7' }), options);

    // Assess
    expect(again).toEqual(first);
    expect(first).toMatchObject({ executionName: 'payment-in_7', input: { fact: { key: 'invoice#in_7' } } });
  });

  it('hashes an invoice id too long for an execution name, deterministically', () => {
    // Prepare
    const longId = `in_${'x'.repeat(100)}`;

    // Act
    const first = started(invoicePaidEvent({ invoiceId: longId }));
    const again = started(invoicePaidEvent({ invoiceId: longId, eventId: 'evt_redelivered' }));

    // Assess
    expect(first.executionName.length).toBeLessThanOrEqual(80);
    expect(first.executionName).toMatch(/^payment-in_x+-[0-9a-f]{16}$/);
    expect(again.executionName).toBe(first.executionName);
    expect(first.input.fact.key).toBe(`invoice#${longId}`);
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

  it.each([
    'charge.succeeded',
    'invoice.payment_succeeded',
    'customer.subscription.created',
    'v2.future.type',
  ])('ignores the event type %s, which it does not handle', (type) => {
    // Prepare
    const event = { ...invoicePaidEvent(), 'detail-type': type };
    event.detail = { ...event.detail, type };

    // Act + Assess
    expect(mapStripeEvent(event, options)).toEqual({ ignore: `Stripe event type ${type} is not handled` });
  });
});

describe('STRIPE_EVENT_TYPES', () => {
  const builders = {
    'checkout.session.completed': checkoutCompletedEvent,
    'invoice.paid': invoicePaidEvent,
    'invoice_payment.paid': invoicePaymentPaidEvent,
    'charge.refunded': chargeRefundedEvent,
    'charge.dispute.created': disputeCreatedEvent,
    'charge.dispute.closed': disputeClosedEvent,
    'customer.subscription.updated': subscriptionUpdatedEvent,
    'customer.subscription.deleted': subscriptionDeletedEvent,
  } satisfies Record<(typeof STRIPE_EVENT_TYPES)[number], () => unknown>;

  it('lists exactly the event types handled', () => {
    expect([...STRIPE_EVENT_TYPES].sort()).toEqual(Object.keys(builders).sort());
    expect(STRIPE_EVENT_TYPES).toHaveLength(8);
  });

  it.each(Object.entries(builders))('maps a %s event to a workflow start', (_type, build) => {
    expect(mapStripeEvent(build(), options)).toHaveProperty('workflow');
  });
});

describe('mapStripeEvent: checkout.session.completed', () => {
  it('maps a subscription checkout to a checkout fact named after the session', () => {
    // Act
    const outcome = mapStripeEvent(
      checkoutCompletedEvent({
        eventId: 'evt_c1',
        sessionId: 'cs_3',
        userId: 'user_3',
        customerId: 'cus_3',
        subscriptionId: 'sub_3',
      }),
      options,
    );

    // Assess
    expect(outcome).toEqual({
      workflow: 'payment',
      executionName: 'checkout-cs_3',
      input: {
        fact: {
          kind: 'checkout',
          key: 'checkout#cs_3',
          at: CREATED_ISO,
          customerId: 'cus_3',
          subscriptionId: 'sub_3',
        },
        userId: 'user_3',
        findUserBy: [],
        links: [],
        parkExpiresAt,
      },
    });
  });

  it('maps a redelivery (another event id) to the same execution and fact', () => {
    // Act
    const first = mapStripeEvent(checkoutCompletedEvent({ eventId: 'evt_a', sessionId: 'cs_1' }), options);
    const again = mapStripeEvent(checkoutCompletedEvent({ eventId: 'evt_b', sessionId: 'cs_1' }), options);

    // Assess
    expect(again).toEqual(first);
  });

  it('ignores a one-off payment checkout', () => {
    expect(mapStripeEvent(checkoutCompletedEvent({ mode: 'payment' }), options)).toEqual({
      ignore: 'checkout session in payment mode: only subscriptions refer',
    });
  });

  it('rejects a subscription checkout without client_reference_id', () => {
    expectMalformed(checkoutCompletedEvent({ userId: null }), 'detail.data.object.client_reference_id');
  });

  it('rejects a checkout in another currency, naming currency', () => {
    expectWrongCurrency(checkoutCompletedEvent({ currency: 'jpy' }), 'detail.data.object.currency', 'jpy');
  });

  it('rejects an amount_total above the largest amount', () => {
    expectTooLarge(
      checkoutCompletedEvent({ amountTotalCents: TOO_LARGE }),
      'detail.data.object.amount_total',
      TOO_LARGE,
    );
  });

  it('accepts a checkout without amount_total and currency', () => {
    expect(
      mapStripeEvent(checkoutCompletedEvent({ amountTotalCents: null, currency: null }), options),
    ).toHaveProperty('workflow', 'payment');
  });
});

describe('mapStripeEvent: invoice_payment.paid', () => {
  it('maps a PaymentIntent payment to the link from the payment to its invoice', () => {
    // Act
    const outcome = mapStripeEvent(
      invoicePaymentPaidEvent({
        invoicePaymentId: 'inpay_1',
        invoiceId: 'in_1',
        paymentIntentId: 'pi_1',
        paidAt: DEFAULT_CREATED - 5,
      }),
      options,
    );

    // Assess
    expect(outcome).toEqual({
      workflow: 'payment',
      executionName: 'invoice-payment-inpay_1',
      input: {
        fact: {
          kind: 'invoicePayment',
          key: 'invoicePayment#inpay_1',
          at: iso(DEFAULT_CREATED - 5),
          invoiceId: 'in_1',
          paymentIds: ['pi_1'],
        },
        findUserBy: ['invoice:in_1'],
        links: ['payment:pi_1'],
        parkExpiresAt,
      },
    });
  });

  it('maps a charge payment (a charge without a PaymentIntent) to the charge id', () => {
    // Act
    const { input } = started(invoicePaymentPaidEvent({ paymentType: 'charge', chargeId: 'ch_1' }));

    // Assess
    expect(input.fact).toMatchObject({ kind: 'invoicePayment', paymentIds: ['ch_1'] });
    expect(input.links).toEqual(['payment:ch_1']);
  });

  it('accepts an expanded invoice and an expanded PaymentIntent', () => {
    // Prepare
    let event = invoicePaymentPaidEvent();
    event = withPath(event, 'detail.data.object.invoice', { id: 'in_x', object: 'invoice' });
    event = withPath(event, 'detail.data.object.payment.payment_intent', {
      id: 'pi_x',
      object: 'payment_intent',
    });

    // Act
    const { input } = started(event);

    // Assess
    expect(input.fact).toMatchObject({ invoiceId: 'in_x', paymentIds: ['pi_x'] });
    expect(input.findUserBy).toEqual(['invoice:in_x']);
  });

  it('takes the time from the event when status_transitions.paid_at is empty', () => {
    expect(started(invoicePaymentPaidEvent({ paidAt: null })).input.fact.at).toBe(CREATED_ISO);
  });

  it('ignores a payment record (paid outside Stripe): no charge or PaymentIntent to link', () => {
    expect(
      mapStripeEvent(
        invoicePaymentPaidEvent({ invoicePaymentId: 'inpay_2', paymentType: 'payment_record' }),
        options,
      ),
    ).toEqual({
      ignore: 'invoice payment inpay_2 is a payment_record payment: no charge or PaymentIntent to link',
    });
  });

  it('rejects a PaymentIntent payment without its PaymentIntent id', () => {
    const event = withoutPath(invoicePaymentPaidEvent(), 'detail.data.object.payment.payment_intent');
    expectMalformed(event, 'detail.data.object.payment.payment_intent');
  });

  it('rejects an invoice payment without its invoice', () => {
    expectMalformed(
      withoutPath(invoicePaymentPaidEvent(), 'detail.data.object.invoice'),
      'detail.data.object.invoice',
    );
  });

  it('rejects another currency, naming currency', () => {
    expectWrongCurrency(invoicePaymentPaidEvent({ currency: 'JPY' }), 'detail.data.object.currency', 'JPY');
  });

  it.each(['amount_paid', 'amount_requested'])('rejects %s above the largest amount', (field) => {
    const event = withPath(invoicePaymentPaidEvent(), `detail.data.object.${field}`, TOO_LARGE);
    expectTooLarge(event, `detail.data.object.${field}`, TOO_LARGE);
  });

  it('maps a redelivery to the same execution and fact', () => {
    expect(mapStripeEvent(invoicePaymentPaidEvent({ eventId: 'evt_b' }), options)).toEqual(
      mapStripeEvent(invoicePaymentPaidEvent({ eventId: 'evt_a' }), options),
    );
  });
});

describe('mapStripeEvent: charge.refunded', () => {
  it('maps a refund to a refund fact found through the PaymentIntent, then the charge', () => {
    // Act
    const outcome = mapStripeEvent(
      chargeRefundedEvent({
        chargeId: 'ch_1',
        paymentIntentId: 'pi_1',
        amountCents: 2999,
        amountRefundedCents: 1000,
      }),
      options,
    );

    // Assess
    expect(outcome).toEqual({
      workflow: 'refund',
      executionName: 'refund-ch_1-1000',
      input: {
        fact: {
          kind: 'refund',
          key: 'refund#ch_1#1000',
          at: CREATED_ISO,
          chargeId: 'ch_1',
          paymentIds: ['ch_1', 'pi_1'],
          amountRefundedCents: 1000,
        },
        findUserBy: ['payment:pi_1', 'payment:ch_1'],
        links: ['payment:ch_1', 'payment:pi_1'],
        parkExpiresAt,
      },
    });
  });

  it('maps a charge without a PaymentIntent to its charge id alone', () => {
    // Act
    const { input } = started(chargeRefundedEvent({ chargeId: 'ch_2', paymentIntentId: null }));

    // Assess
    expect(input.fact).toMatchObject({ paymentIds: ['ch_2'] });
    expect(input.fact).not.toHaveProperty('invoiceId');
    expect(input.findUserBy).toEqual(['payment:ch_2']);
    expect(input.links).toEqual(['payment:ch_2']);
  });

  it("also finds the user through the older API's charge.invoice", () => {
    // Act
    const { input } = started(
      chargeRefundedEvent({ chargeId: 'ch_3', paymentIntentId: 'pi_3', invoiceId: 'in_3' }),
    );

    // Assess
    expect(input.fact).toMatchObject({ invoiceId: 'in_3' });
    expect(input.findUserBy).toEqual(['payment:pi_3', 'payment:ch_3', 'invoice:in_3']);
  });

  it('gives each cumulative amount its own execution and fact; a redelivery the same', () => {
    // Act
    const partial = started(chargeRefundedEvent({ eventId: 'evt_1', amountRefundedCents: 1000 }));
    const full = started(chargeRefundedEvent({ eventId: 'evt_2', amountRefundedCents: 2999 }));
    const again = started(chargeRefundedEvent({ eventId: 'evt_3', amountRefundedCents: 1000 }));

    // Assess
    expect(full.executionName).toBe('refund-ch_test_1-2999');
    expect(full.input.fact.key).toBe('refund#ch_test_1#2999');
    expect(partial.executionName).not.toBe(full.executionName);
    expect(again).toEqual(partial);
  });

  it('rejects an amount above the largest amount', () => {
    expectTooLarge(
      chargeRefundedEvent({ amountCents: TOO_LARGE, amountRefundedCents: 1 }),
      'detail.data.object.amount',
      TOO_LARGE,
    );
  });

  it('rejects an amount_refunded above the largest amount', () => {
    expectTooLarge(
      chargeRefundedEvent({ amountCents: MAX_AMOUNT_MINOR_UNITS, amountRefundedCents: TOO_LARGE }),
      'detail.data.object.amount_refunded',
      TOO_LARGE,
    );
  });

  it("rejects an amount_refunded above the charge's amount", () => {
    expectMalformed(
      chargeRefundedEvent({ amountCents: 1000, amountRefundedCents: 1001 }),
      'detail.data.object.amount_refunded',
    );
  });

  it.each([-1, 10.5, null])('rejects amount_refunded %p naming the field', (amount) => {
    expectMalformed(
      withPath(chargeRefundedEvent(), 'detail.data.object.amount_refunded', amount),
      'detail.data.object.amount_refunded',
    );
  });

  it('rejects a refund in another currency, naming currency', () => {
    expectWrongCurrency(chargeRefundedEvent({ currency: 'jpy' }), 'detail.data.object.currency', 'jpy');
  });
});

describe('mapStripeEvent: charge.dispute.created and charge.dispute.closed', () => {
  it('maps a new dispute to an open dispute fact found through the PaymentIntent, then the charge', () => {
    // Act
    const outcome = mapStripeEvent(
      disputeCreatedEvent({
        disputeId: 'dp_1',
        chargeId: 'ch_1',
        paymentIntentId: 'pi_1',
        amountCents: 2999,
      }),
      options,
    );

    // Assess
    expect(outcome).toEqual({
      workflow: 'dispute',
      executionName: 'dispute-dp_1-open',
      input: {
        fact: {
          kind: 'dispute',
          key: 'dispute#dp_1#open',
          at: CREATED_ISO,
          disputeId: 'dp_1',
          paymentIds: ['pi_1', 'ch_1'],
          amountCents: 2999,
          phase: 'open',
        },
        findUserBy: ['payment:pi_1', 'payment:ch_1'],
        links: [],
        parkExpiresAt,
      },
    });
  });

  it.each(['warning_needs_response', 'needs_response', 'under_review'] as const)(
    'records a new dispute as open whatever its status (%s)',
    (status) => {
      expect(started(disputeCreatedEvent({ status })).input.fact).toMatchObject({ phase: 'open' });
    },
  );

  it.each([
    ['won', 'won'],
    ['warning_closed', 'won'],
    ['lost', 'lost'],
  ] as const)('maps a dispute closed as %s to the %s phase', (status, phase) => {
    // Act
    const outcome = started(disputeClosedEvent({ disputeId: 'dp_2', status }));

    // Assess
    expect(outcome.executionName).toBe(`dispute-dp_2-${phase}`);
    expect(outcome.input.fact).toMatchObject({ kind: 'dispute', key: `dispute#dp_2#${phase}`, phase });
  });

  it.each(['under_review', 'needs_response', 'prevented'] as const)(
    'rejects a closed dispute with status %s, naming status',
    (status) => {
      expectMalformed(disputeClosedEvent({ status }), 'detail.data.object.status');
    },
  );

  it('maps a dispute of a charge without a PaymentIntent to its charge id alone', () => {
    // Act
    const { input } = started(disputeCreatedEvent({ chargeId: 'ch_4', paymentIntentId: null }));

    // Assess
    expect(input.fact).toMatchObject({ paymentIds: ['ch_4'] });
    expect(input.findUserBy).toEqual(['payment:ch_4']);
  });

  it('maps a redelivery to the same execution and fact', () => {
    expect(mapStripeEvent(disputeClosedEvent({ eventId: 'evt_b' }), options)).toEqual(
      mapStripeEvent(disputeClosedEvent({ eventId: 'evt_a' }), options),
    );
  });

  it('rejects a dispute amount above the largest amount', () => {
    expectTooLarge(disputeCreatedEvent({ amountCents: TOO_LARGE }), 'detail.data.object.amount', TOO_LARGE);
  });

  it('rejects a dispute in another currency, naming currency', () => {
    expectWrongCurrency(disputeClosedEvent({ currency: 'eur' }), 'detail.data.object.currency', 'eur');
  });

  it('rejects a dispute without its charge', () => {
    expectMalformed(
      withoutPath(disputeCreatedEvent(), 'detail.data.object.charge'),
      'detail.data.object.charge',
    );
  });
});

describe('mapStripeEvent: customer.subscription.updated', () => {
  it('maps to a subscription fact with its state and plan', () => {
    // Act
    const outcome = mapStripeEvent(
      subscriptionUpdatedEvent({
        subscriptionId: 'sub_5',
        userId: 'user_5',
        status: 'active',
        priceId: 'price_af_annual',
        created: DEFAULT_CREATED + 30,
      }),
      options,
    );

    // Assess
    const at = iso(DEFAULT_CREATED + 30);
    expect(outcome).toEqual({
      workflow: 'subscription',
      executionName: `subscription-sub_5-${DEFAULT_CREATED + 30}`,
      input: {
        fact: {
          kind: 'subscription',
          key: `subscription#sub_5#${at}#active`,
          at,
          subscriptionId: 'sub_5',
          state: 'active',
          planType: 'AF',
          billingCycle: 'Annual',
        },
        userId: 'user_5',
        findUserBy: [],
        links: [],
        parkExpiresAt: parkExpiresAt + 30,
      },
    });
  });

  it.each([
    ['canceled', 'canceled'],
    ['incomplete_expired', 'canceled'],
    ['past_due', 'active'],
    ['trialing', 'active'],
    ['unpaid', 'active'],
  ] as const)('maps status %s to the %s state', (status, state) => {
    // Act
    const { input } = started(subscriptionUpdatedEvent({ status }));

    // Assess
    expect(input.fact).toMatchObject({ state, key: `subscription#sub_test_1#${CREATED_ISO}#${state}` });
  });

  it('maps a redelivery to the same execution and fact, a later update to another', () => {
    // Act
    const first = started(subscriptionUpdatedEvent({ eventId: 'evt_a' }));
    const again = started(subscriptionUpdatedEvent({ eventId: 'evt_b' }));
    const later = started(subscriptionUpdatedEvent({ eventId: 'evt_c', created: DEFAULT_CREATED + 1 }));

    // Assess
    expect(again).toEqual(first);
    expect(later.executionName).not.toBe(first.executionName);
    expect(later.input.fact.key).not.toBe(first.input.fact.key);
  });

  it('rejects an unknown price with UnknownPrice', () => {
    // Act
    const caught = thrownBy(subscriptionUpdatedEvent({ priceId: 'price_mystery' }));

    // Assess
    expect(caught).toBeInstanceOf(UnknownPriceError);
    expect(caught).toMatchObject({ priceId: 'price_mystery' });
  });

  it('rejects a subscription without metadata.userId', () => {
    expectMalformed(
      withoutPath(subscriptionUpdatedEvent(), 'detail.data.object.metadata.userId'),
      'detail.data.object.metadata.userId',
    );
  });

  it('rejects a subscription without items', () => {
    expectMalformed(
      withPath(subscriptionUpdatedEvent(), 'detail.data.object.items.data', []),
      'detail.data.object.items.data',
    );
  });
});

describe('mapStripeEvent: customer.subscription.deleted', () => {
  it('maps to a canceled subscription fact named after the subscription', () => {
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
    const at = iso(1_770_000_000);
    expect(outcome).toEqual({
      workflow: 'subscription',
      executionName: 'subscription-sub_5-deleted',
      input: {
        fact: {
          kind: 'subscription',
          key: `subscription#sub_5#${at}#canceled`,
          at,
          subscriptionId: 'sub_5',
          state: 'canceled',
        },
        userId: 'user_5',
        findUserBy: [],
        links: [],
        parkExpiresAt,
      },
    });
  });

  it('falls back to ended_at, then the event time', () => {
    // Act
    const ended = started(subscriptionDeletedEvent({ canceledAt: null, endedAt: DEFAULT_CREATED - 10 }));
    const neither = started(subscriptionDeletedEvent({ canceledAt: null, endedAt: null }));

    // Assess
    expect(ended.input.fact.at).toBe(iso(DEFAULT_CREATED - 10));
    expect(neither.input.fact.at).toBe(CREATED_ISO);
  });

  it('maps a redelivery to the same execution and fact', () => {
    expect(mapStripeEvent(subscriptionDeletedEvent({ eventId: 'evt_b' }), options)).toEqual(
      mapStripeEvent(subscriptionDeletedEvent({ eventId: 'evt_a' }), options),
    );
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
    const removed = z.object({ invoice: ref });

    // Act
    // @ts-expect-error Stripe's invoice has no `amount_payd`
    const a: ReadsStripe<Stripe.Invoice, typeof renamed> = renamed;
    // @ts-expect-error Stripe types `amount_paid` as a number
    const b: ReadsStripe<Stripe.Invoice, typeof retyped> = retyped;
    // @ts-expect-error Stripe's `status_transitions` has no `paid`
    const c: ReadsStripe<Stripe.Invoice, typeof nested> = nested;
    // @ts-expect-error `client_reference_id` is a string, never an expanded object
    const d: ReadsStripe<Stripe.Checkout.Session, typeof expanded> = expanded;
    // @ts-expect-error the current API's charge has no `invoice` (OlderApiCharge declares it)
    const e: ReadsStripe<Stripe.Charge, typeof removed> = removed;

    // Assess
    expect([a, b, c, d, e]).toHaveLength(5);
  });
});
