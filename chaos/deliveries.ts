import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { executionNameFor } from '../domain/execution-name';
import type { FactWorkflowInput } from '../domain/workflow-inputs';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../local/events/app-events';
import { putEventsEntry, type Envelope } from '../local/events/event-envelope';
import {
  chargeRefundedEvent,
  checkoutCompletedEvent,
  disputeClosedEvent,
  disputeCreatedEvent,
  invoicePaidEvent,
  invoicePaymentPaidEvent,
  subscriptionDeletedEvent,
  subscriptionUpdatedEvent,
} from '../local/events/stripe-events';
import { Chance } from './random';
import type { Scenario } from './scenario';
import { factOf, type StoryEvent } from './user-story';

/**
 * Turns the users' stories into deliveries in delivery order: app and Stripe events as PutEvents entries
 * for their bus (the builders the tests use), the program's own commission facts (approval, review, payout)
 * as StartExecution calls on the `commission` state machine. Users interleave, a share of them arrive out of
 * their natural order, and a share of deliveries arrive twice (a redelivery later in the stream).
 */
export interface DeliveryOptions {
  seed: number;
  /** Share of deliveries made a second time. */
  duplicates: number;
  /** Share of users whose deliveries arrive in a shuffled order. */
  reorder: number;
  appBus: string;
  stripeBus: string;
}

export type DeliveryTarget =
  | { via: 'events'; entry: PutEventsRequestEntry }
  | { via: 'commission'; name: string; input: FactWorkflowInput };

export interface Delivery {
  userId: string;
  type: StoryEvent['type'];
  target: DeliveryTarget;
  /** A rival partner's signup for a contested user. */
  rival: boolean;
  duplicate: boolean;
}

export interface DeliveryPlan {
  deliveries: Delivery[];
  duplicates: number;
  reorderedUsers: number;
}

export function planDeliveries(scenario: Scenario, options: DeliveryOptions): DeliveryPlan {
  const chance = new Chance(options.seed);
  const total = scenario.users.reduce((n, u) => n + u.story.events.length + (u.rival ? 1 : 0), 0);
  const span = Math.max(1, total);
  const slotted: { slot: number; delivery: Delivery }[] = [];
  let duplicates = 0;
  let reorderedUsers = 0;
  scenario.users.forEach((user, j) => {
    const events: { event: StoryEvent; rival: boolean }[] = [];
    for (const event of user.story.events) {
      events.push({ event, rival: false });
      if (event.type === 'UserSignedUp' && user.rival) events.push({ event: user.rival, rival: true });
    }
    const start = chance.unit(`slot:${j}`) * span;
    const reordered = events.length > 1 && chance.happens(`reorder:${j}`, options.reorder);
    if (reordered) reorderedUsers += 1;
    events.forEach(({ event, rival }, k) => {
      const delivery: Delivery = {
        userId: user.userId,
        type: event.type,
        target: targetOf(event, user.userId, options),
        rival,
        duplicate: false,
      };
      // Natural order: one slot apart. Reordered: anywhere within a window as long as the story, so later
      // events often arrive before earlier ones (and concurrently with them).
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
  return { deliveries: slotted.map((s) => s.delivery), duplicates, reorderedUsers };
}

const seconds = (iso: string): number => Date.parse(iso) / 1000;

/** What one story event is when it reaches the stack: an event on a bus, or a `commission` execution. */
export type StoryMessage =
  | { bus: 'app' | 'stripe'; envelope: Envelope }
  | { via: 'commission'; name: string; input: FactWorkflowInput };

/** One story event as it reaches the stack: as the PutEvents entry of its bus, or the `commission` execution. */
export function targetOf(
  event: StoryEvent,
  userId: string,
  buses: { appBus: string; stripeBus: string },
): DeliveryTarget {
  const message = storyMessage(event, userId);
  if ('via' in message) return message;
  if (message.bus === 'app') return { via: 'events', entry: putEventsEntry(buses.appBus, message.envelope) };
  return {
    via: 'events',
    entry: putEventsEntry(buses.stripeBus, message.envelope, { source: buses.stripeBus }),
  };
}

/**
 * One story event as the world sends it: app and Stripe events built with the builders the tests use (the
 * EventBridge envelope their bus delivers), the program's own facts (approval, review, payout) as the
 * `commission` execution named after the fact, as the workflow that records them starts it.
 */
export function storyMessage(event: StoryEvent, userId: string): StoryMessage {
  const app = (envelope: Envelope): StoryMessage => ({ bus: 'app', envelope });
  const stripe = (envelope: Envelope): StoryMessage => ({ bus: 'stripe', envelope });
  const created = seconds(event.at);
  switch (event.type) {
    case 'UserSignedUp':
      return app(
        userSignedUpEvent({
          eventId: event.eventId,
          userId,
          partnerId: event.partnerId,
          occurredAt: event.at,
        }),
      );
    case 'UserEmailVerified':
      return app(userEmailVerifiedEvent({ eventId: event.eventId, userId, occurredAt: event.at }));
    case 'checkout.session.completed':
      return stripe(
        checkoutCompletedEvent({
          eventId: event.eventId,
          sessionId: event.sessionId,
          userId,
          customerId: event.customerId,
          subscriptionId: event.subscriptionId,
          created,
        }),
      );
    case 'invoice.paid':
      return stripe(
        invoicePaidEvent({
          eventId: event.eventId,
          invoiceId: event.invoiceId,
          userId,
          priceId: event.priceId,
          amountPaidCents: event.amountCents,
          currency: event.currency,
          billingReason: event.billingReason,
          subscriptionId: event.subscriptionId,
          customerId: event.customerId,
          paidAt: created,
          created,
          apiShape: event.apiShape,
          ...(event.apiShape === 'older'
            ? { chargeId: event.chargeId ?? null, paymentIntentId: event.paymentIntentId ?? null }
            : {}),
        }),
      );
    case 'invoice_payment.paid':
      return stripe(
        invoicePaymentPaidEvent({
          eventId: event.eventId,
          invoicePaymentId: event.invoicePaymentId,
          invoiceId: event.invoiceId,
          paymentIntentId: event.paymentIntentId,
          amountPaidCents: event.amountCents,
          currency: event.currency,
          paidAt: created,
          created,
        }),
      );
    case 'charge.refunded':
      return stripe(
        chargeRefundedEvent({
          eventId: event.eventId,
          chargeId: event.chargeId,
          paymentIntentId: event.paymentIntentId,
          ...(event.apiShape === 'older' ? { invoiceId: event.invoiceId } : {}),
          amountCents: event.amountCents,
          amountRefundedCents: event.amountRefundedCents,
          currency: event.currency,
          created,
        }),
      );
    case 'charge.dispute.created':
    case 'charge.dispute.closed': {
      const dispute = {
        eventId: event.eventId,
        disputeId: event.disputeId,
        chargeId: event.chargeId,
        paymentIntentId: event.paymentIntentId,
        amountCents: event.amountCents,
        currency: event.currency,
        status: event.status,
        created,
      };
      return stripe(
        event.type === 'charge.dispute.created' ? disputeCreatedEvent(dispute) : disputeClosedEvent(dispute),
      );
    }
    case 'customer.subscription.updated':
      return stripe(
        subscriptionUpdatedEvent({
          eventId: event.eventId,
          subscriptionId: event.subscriptionId,
          userId,
          status: event.status,
          priceId: event.priceId,
          created,
        }),
      );
    case 'customer.subscription.deleted':
      return stripe(
        subscriptionDeletedEvent({
          eventId: event.eventId,
          subscriptionId: event.subscriptionId,
          userId,
          canceledAt: created,
          created,
        }),
      );
    case 'commission.approved':
    case 'commission.reviewed':
    case 'commission.paid_out': {
      const fact = factOf(event, userId);
      return {
        via: 'commission',
        name: executionNameFor('story', fact.key),
        input: { fact, userId, findUserBy: [], links: [], parkExpiresAt: 0 },
      };
    }
  }
}
