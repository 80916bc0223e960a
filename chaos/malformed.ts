import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { MAX_AMOUNT_MINOR_UNITS } from '../domain/config';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../local/events/app-events';
import { putEventsEntry, type Envelope } from '../local/events/event-envelope';
import { invoicePaidEvent } from '../local/events/stripe-events';

/**
 * Events that cannot be processed. Each must be answered with a named error and end somewhere durable:
 * the ingest function's on-failure destination, a failed (redrivable) execution, or a PutEvents entry
 * error the sender keeps. `marker` is a string found only in that case's payload.
 */
export interface MalformedCase {
  name: string;
  marker: string;
  entry: PutEventsRequestEntry;
}

export function malformedCorpus(appBus: string, stripeBus: string): MalformedCase[] {
  const app = (e: Envelope, detail: unknown = e.detail) => putEventsEntry(appBus, e, { detail });
  const stripe = (e: Envelope, detail: unknown = e.detail) =>
    putEventsEntry(stripeBus, e, { source: stripeBus, detail });
  const signup = userSignedUpEvent({ userId: 'bad_u1', partnerId: 'cp_0' });
  const paid = (invoiceId: string, opts: Parameters<typeof invoicePaidEvent>[0] = {}) =>
    invoicePaidEvent({ invoiceId, eventId: `evt_${invoiceId}`, userId: `user_${invoiceId}`, ...opts });
  const withAmount = (invoiceId: string, amount: unknown): PutEventsRequestEntry => {
    const e = paid(invoiceId);
    const detail = e.detail as { data: { object: Record<string, unknown> } };
    detail.data.object.amount_paid = amount;
    return stripe(e);
  };
  return [
    {
      name: 'signup without userId',
      marker: 'bad-missing-user',
      entry: app(signup, { partnerId: 'bad-missing-user', occurredAt: '2026-03-01T00:00:00.000Z' }),
    },
    {
      name: 'signup with a numeric userId',
      marker: 'bad-numeric-user',
      entry: app(signup, {
        userId: 12345,
        partnerId: 'bad-numeric-user',
        occurredAt: '2026-03-01T00:00:00.000Z',
      }),
    },
    {
      name: 'signup for an unknown partner',
      marker: 'bad_unknown_partner_user',
      entry: app(userSignedUpEvent({ userId: 'bad_unknown_partner_user', partnerId: 'cp_unknown' })),
    },
    {
      name: 'verification with a malformed time',
      marker: 'bad_time_user',
      entry: app(userEmailVerifiedEvent({ userId: 'bad_time_user', occurredAt: 'yesterday' })),
    },
    {
      name: 'payment with a negative amount',
      marker: 'in_bad_negative',
      entry: withAmount('in_bad_negative', -2999),
    },
    {
      name: 'payment with a non-integer amount',
      marker: 'in_bad_fraction',
      entry: withAmount('in_bad_fraction', 29.99),
    },
    {
      name: 'payment with a string amount',
      marker: 'in_bad_string',
      entry: withAmount('in_bad_string', '2999'),
    },
    {
      name: "payment above Stripe's largest amount",
      marker: 'in_bad_too_large',
      entry: withAmount('in_bad_too_large', MAX_AMOUNT_MINOR_UNITS + 1),
    },
    {
      name: "payment in a currency other than the program's",
      marker: 'in_bad_currency',
      entry: stripe(paid('in_bad_currency', { currency: 'eur' })),
    },
    {
      name: 'payment at an unknown price',
      marker: 'in_bad_price',
      entry: stripe(paid('in_bad_price', { priceId: 'price_unknown' })),
    },
    {
      name: 'Stripe event without its object',
      marker: 'evt_bad_no_object',
      entry: stripe(paid('in_bad_no_object'), {
        id: 'evt_bad_no_object',
        type: 'invoice.paid',
        created: 1,
        data: {},
      }),
    },
    {
      name: 'oversized payload (over 256 KB)',
      marker: 'in_bad_oversized',
      entry: stripe(paid('in_bad_oversized'), {
        ...(paid('in_bad_oversized').detail as object),
        padding: 'x'.repeat(300 * 1024),
      }),
    },
    {
      name: 'Stripe event of a type the stack does not route',
      marker: 'evt_bad_unrouted_type',
      entry: putEventsEntry(
        stripeBus,
        {
          source: stripeBus,
          'detail-type': 'customer.created',
          detail: {
            id: 'evt_bad_unrouted_type',
            object: 'event',
            type: 'customer.created',
            created: 1_768_471_200,
            data: { object: { id: 'cus_bad_unrouted_type', object: 'customer' } },
          },
        },
        { source: stripeBus },
      ),
    },
    {
      name: 'app event from a wrong source',
      marker: 'bad_wrong_source_user',
      entry: {
        ...app(userSignedUpEvent({ userId: 'bad_wrong_source_user', partnerId: 'cp_0' })),
        Source: 'someone.else',
      },
    },
  ];
}
