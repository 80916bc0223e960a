import { executionNameFor } from '../../domain/execution-name';
import type { FactWorkflowInput } from '../../domain/workflow-inputs';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
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
import { factOf, type StoryEvent, type UserStory } from '../../chaos/user-story';
import type { World } from './world';

/** Fields of story events that hold ids: renamed together, so one story can be delivered many times. */
const ID_FIELDS = [
  'userId',
  'partnerId',
  'eventId',
  'sessionId',
  'invoiceId',
  'invoicePaymentId',
  'chargeId',
  'paymentIntentId',
  'disputeId',
  'subscriptionId',
  'customerId',
  'commissionId',
  'payoutId',
] as const;

/** The story with every id suffixed by `_<suffix>` (commission ids stay `inv#<invoiceId>`). */
export function renamedStory(story: UserStory, suffix: string): UserStory {
  const rename = (id: string): string => `${id}_${suffix}`;
  return {
    userId: rename(story.userId),
    partnerId: rename(story.partnerId),
    events: story.events.map((event) => {
      const copy: Record<string, unknown> = { ...event };
      for (const field of ID_FIELDS) {
        if (typeof copy[field] === 'string') copy[field] = rename(copy[field]);
      }
      return copy as unknown as StoryEvent;
    }),
  };
}

/** Removes `_<suffix>` from every string in a stored value, so two deliveries of one story compare. */
export function withoutSuffix(value: unknown, suffix: string): unknown {
  const plain = JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => (v instanceof Set ? [...(v as Set<string>)].sort() : v)),
  ) as unknown;
  return JSON.parse(JSON.stringify(plain).split(`_${suffix}`).join('')) as unknown;
}

const seconds = (iso: string): number => Date.parse(iso) / 1000;

/**
 * Delivers one story event as it reaches the system: app and Stripe events through their ingest (the real
 * builders, EventBridge envelopes), the program's own facts (approval, review, payout) as the workflow that
 * records them would start the `commission` lifecycle step.
 */
export async function deliverStoryEvent(world: World, event: StoryEvent, userId: string): Promise<void> {
  const stripe = (envelope: unknown) => world.system.deliverStripeEvent(envelope);
  const created = seconds(event.at);
  switch (event.type) {
    case 'UserSignedUp':
      await world.system.deliverAppEvent(
        userSignedUpEvent({
          eventId: event.eventId,
          userId,
          partnerId: event.partnerId,
          occurredAt: event.at,
        }),
      );
      return;
    case 'UserEmailVerified':
      await world.system.deliverAppEvent(
        userEmailVerifiedEvent({ eventId: event.eventId, userId, occurredAt: event.at }),
      );
      return;
    case 'checkout.session.completed':
      await stripe(
        checkoutCompletedEvent({
          eventId: event.eventId,
          sessionId: event.sessionId,
          userId,
          customerId: event.customerId,
          subscriptionId: event.subscriptionId,
          created,
        }),
      );
      return;
    case 'invoice.paid':
      await stripe(
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
      return;
    case 'invoice_payment.paid':
      await stripe(
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
      return;
    case 'charge.refunded':
      await stripe(
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
      return;
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
      await stripe(
        event.type === 'charge.dispute.created' ? disputeCreatedEvent(dispute) : disputeClosedEvent(dispute),
      );
      return;
    }
    case 'customer.subscription.updated':
      await stripe(
        subscriptionUpdatedEvent({
          eventId: event.eventId,
          subscriptionId: event.subscriptionId,
          userId,
          status: event.status,
          priceId: event.priceId,
          created,
        }),
      );
      return;
    case 'customer.subscription.deleted':
      await stripe(
        subscriptionDeletedEvent({
          eventId: event.eventId,
          subscriptionId: event.subscriptionId,
          userId,
          canceledAt: created,
          created,
        }),
      );
      return;
    case 'commission.approved':
    case 'commission.reviewed':
    case 'commission.paid_out': {
      const fact = factOf(event, userId);
      const input: FactWorkflowInput = { fact, userId, findUserBy: [], links: [], parkExpiresAt: 0 };
      try {
        world.runtime.start('commission', input, executionNameFor('story', fact.key));
      } catch (error) {
        // A redelivery of the same fact: the execution of that name already ran (as in AWS, by name).
        if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
      }
      return;
    }
  }
}
