import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../local/events/app-events';
import { putEventsEntry, type Envelope } from '../local/events/event-envelope';
import { invoicePaidEvent, subscriptionDeletedEvent } from '../local/events/stripe-events';
import { Chance } from './random';
import type { Journey, Scenario } from './scenario';

/**
 * Turns journeys into PutEvents entries in delivery order: journeys interleave, a share of them arrive
 * out of their natural order, and a share of events arrive twice (a redelivery later in the stream).
 */
export interface DeliveryOptions {
  seed: number;
  /** Share of events delivered a second time. */
  duplicates: number;
  /** Share of journeys whose events arrive in a shuffled order. */
  reorder: number;
  appBus: string;
  stripeBus: string;
}

export interface Delivery {
  entry: PutEventsRequestEntry;
  userId: string;
  kind: 'signup' | 'rival-signup' | 'verify' | 'payment' | 'cancellation';
  duplicate: boolean;
}

export interface DeliveryPlan {
  deliveries: Delivery[];
  duplicates: number;
  reorderedJourneys: number;
}

const BASE_TIME = Date.parse('2026-03-01T00:00:00.000Z');

export function planDeliveries(scenario: Scenario, options: DeliveryOptions): DeliveryPlan {
  const chance = new Chance(options.seed);
  const span = scenario.journeys.length * 4;
  const slotted: { slot: number; delivery: Delivery }[] = [];
  let duplicates = 0;
  let reorderedJourneys = 0;
  scenario.journeys.forEach((journey, j) => {
    const events = journeyEvents(journey, j, options);
    const start = chance.unit(`slot:${j}`) * span;
    const reordered = events.length > 1 && chance.happens(`reorder:${j}`, options.reorder);
    if (reordered) reorderedJourneys += 1;
    events.forEach((delivery, k) => {
      // Natural order: one slot apart. Reordered: anywhere within a short window, so later steps often
      // arrive before earlier ones (and concurrently with them).
      const slot = reordered ? start + chance.unit(`reslot:${j}:${k}`) * events.length : start + k;
      slotted.push({ slot, delivery });
      if (chance.happens(`duplicate:${j}:${k}`, options.duplicates)) {
        duplicates += 1;
        const later = slot + chance.unit(`dup-delay:${j}:${k}`) * 40;
        slotted.push({ slot: later, delivery: { ...delivery, duplicate: true } });
      }
    });
  });
  slotted.sort((a, b) => a.slot - b.slot);
  return { deliveries: slotted.map((s) => s.delivery), duplicates, reorderedJourneys };
}

function journeyEvents(journey: Journey, j: number, options: DeliveryOptions): Delivery[] {
  const at = (minutes: number) => new Date(BASE_TIME + j * 60_000 + minutes * 1000);
  const iso = (minutes: number) => at(minutes).toISOString();
  const epoch = (minutes: number) => Math.floor(at(minutes).getTime() / 1000);
  const app = (envelope: Envelope) => putEventsEntry(options.appBus, envelope);
  const stripe = (envelope: Envelope) =>
    putEventsEntry(options.stripeBus, envelope, { source: options.stripeBus });
  const { userId } = journey;
  const out: Delivery[] = [];
  const push = (kind: Delivery['kind'], entry: PutEventsRequestEntry) =>
    out.push({ entry, userId, kind, duplicate: false });
  if (!journey.neverReferred) {
    push('signup', app(userSignedUpEvent({ userId, partnerId: journey.partnerId, occurredAt: iso(0) })));
    if (journey.contestedBy) {
      push(
        'rival-signup',
        app(userSignedUpEvent({ userId, partnerId: journey.contestedBy, occurredAt: iso(0.5) })),
      );
    }
    if (journey.verifies) push('verify', app(userEmailVerifiedEvent({ userId, occurredAt: iso(1) })));
  }
  const payment = journey.payment;
  if (payment) {
    push(
      'payment',
      stripe(
        invoicePaidEvent({
          eventId: `evt_paid_c${j}`,
          invoiceId: payment.invoiceId,
          userId,
          priceId: payment.priceId,
          amountPaidCents: payment.amountCents,
          customerId: `cus_c${j}`,
          subscriptionId: `sub_c${j}`,
          created: epoch(2),
          paidAt: epoch(2),
        }),
      ),
    );
  }
  if (journey.cancels) {
    push(
      'cancellation',
      stripe(
        subscriptionDeletedEvent({
          eventId: `evt_deleted_c${j}`,
          subscriptionId: `sub_c${j}`,
          userId,
          created: epoch(3),
        }),
      ),
    );
  }
  return out;
}
