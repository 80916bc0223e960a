import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import {
  chargeRefundedEvent,
  DEFAULT_CREATED,
  disputeClosedEvent,
  disputeCreatedEvent,
  invoicePaidEvent,
  invoicePaymentPaidEvent,
  subscriptionDeletedEvent,
} from '../../local/events/stripe-events';
import type { LocalSystem } from '../../local/system';

/**
 * The referral journeys the benchmarks drive through the local stack, event by event, as the app and Stripe
 * (current API versions) send them. A paid journey is signup, verification and the first payment, which
 * Stripe reports as two events: `invoice.paid` (the invoice, its plan and amount) and `invoice_payment.paid`
 * (which PaymentIntent paid it: what later refunds and disputes are matched on). Clicks go through the HTTP
 * API, not through a journey.
 */

/** One event and the bus that delivers it (the app bus to app-ingest, the Stripe partner bus to stripe-ingest). */
export interface Delivery {
  bus: 'app' | 'stripe';
  event: unknown;
}

export interface Plan {
  priceId: string;
  amountCents: number;
}

/** The demo prices (DEFAULT_PRICE_MAP ids) at list price. */
export const PLANS = {
  afMonthly: { priceId: 'price_af_monthly', amountCents: 999 },
  afAnnual: { priceId: 'price_af_annual', amountCents: 9990 },
  afPlusMonthly: { priceId: 'price_afplus_monthly', amountCents: 2999 },
  afPlusAnnual: { priceId: 'price_afplus_annual', amountCents: 29990 },
} as const satisfies Record<string, Plan>;

export interface JourneyOptions {
  plan?: Plan;
  /** The first invoice's time, epoch seconds (signup and verification an hour and half an hour before). */
  at?: number;
}

/** Every id of one user's journey, derived from `tag` (unique per journey). */
export const journeyIds = (tag: string) => ({
  userId: `ju_${tag}`,
  customerId: `cus_${tag}`,
  subscriptionId: `sub_${tag}`,
  /** Invoice `n` of the subscription (1 = the first payment) and what paid it. */
  invoice: (n: number) => ({
    invoiceId: `in_${tag}_${n}`,
    invoicePaymentId: `inpay_${tag}_${n}`,
    paymentIntentId: `pi_${tag}_${n}`,
    chargeId: `ch_${tag}_${n}`,
  }),
});

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** Month `n` of a monthly subscription whose first invoice was at `first` (epoch seconds), same day and hour. */
export function monthOf(first: number, n: number): number {
  const d = new Date(first * 1000);
  return (
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + n - 1,
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
    ) / 1000
  );
}

/** Invoice `n` of the journey `tag` paid at `at`: `invoice.paid` then `invoice_payment.paid`. */
export function invoiceEvents(tag: string, n: number, at: number, plan: Plan): Delivery[] {
  const ids = journeyIds(tag);
  const inv = ids.invoice(n);
  return [
    {
      bus: 'stripe',
      event: invoicePaidEvent({
        eventId: `evt_in_${tag}_${n}`,
        invoiceId: inv.invoiceId,
        userId: ids.userId,
        priceId: plan.priceId,
        amountPaidCents: plan.amountCents,
        billingReason: n === 1 ? 'subscription_create' : 'subscription_cycle',
        customerId: ids.customerId,
        subscriptionId: ids.subscriptionId,
        paidAt: at,
        created: at,
      }),
    },
    {
      bus: 'stripe',
      event: invoicePaymentPaidEvent({
        eventId: `evt_inpay_${tag}_${n}`,
        invoicePaymentId: inv.invoicePaymentId,
        invoiceId: inv.invoiceId,
        paymentIntentId: inv.paymentIntentId,
        amountPaidCents: plan.amountCents,
        paidAt: at,
        created: at,
      }),
    },
  ];
}

/** Signup and verification of the journey `tag`, referred by `partnerId`, before its first invoice at `at`. */
export function signupEvents(
  partnerId: string,
  tag: string,
  at: number,
): { signup: Delivery; verify: Delivery } {
  const { userId } = journeyIds(tag);
  return {
    signup: {
      bus: 'app',
      event: userSignedUpEvent({ eventId: `s_${tag}`, userId, partnerId, occurredAt: iso(at - 3600) }),
    },
    verify: {
      bus: 'app',
      event: userEmailVerifiedEvent({ eventId: `v_${tag}`, userId, occurredAt: iso(at - 1800) }),
    },
  };
}

/** A refund of invoice `n` (cumulative `amount_refunded`; all of it by default), at `at`. */
export function refundEvent(
  tag: string,
  n: number,
  at: number,
  plan: Plan,
  refundedCents?: number,
): Delivery {
  const inv = journeyIds(tag).invoice(n);
  return {
    bus: 'stripe',
    event: chargeRefundedEvent({
      eventId: `evt_refund_${tag}_${n}`,
      chargeId: inv.chargeId,
      paymentIntentId: inv.paymentIntentId,
      amountCents: plan.amountCents,
      amountRefundedCents: refundedCents ?? plan.amountCents,
      created: at,
    }),
  };
}

/** A dispute of invoice `n`, opened at `opened` and lost at `closed`. */
export function disputeEvents(
  tag: string,
  n: number,
  opened: number,
  closed: number,
  plan: Plan,
): Delivery[] {
  const inv = journeyIds(tag).invoice(n);
  const dispute = {
    disputeId: `dp_${tag}_${n}`,
    chargeId: inv.chargeId,
    paymentIntentId: inv.paymentIntentId,
    amountCents: plan.amountCents,
  };
  return [
    {
      bus: 'stripe',
      event: disputeCreatedEvent({ eventId: `evt_dp_open_${tag}_${n}`, ...dispute, created: opened }),
    },
    {
      bus: 'stripe',
      event: disputeClosedEvent({
        eventId: `evt_dp_lost_${tag}_${n}`,
        ...dispute,
        status: 'lost',
        created: closed,
      }),
    },
  ];
}

/** `customer.subscription.deleted` of the journey's subscription at `at`. */
export function cancellationEvent(tag: string, at: number): Delivery {
  const ids = journeyIds(tag);
  return {
    bus: 'stripe',
    event: subscriptionDeletedEvent({
      eventId: `evt_cancel_${tag}`,
      subscriptionId: ids.subscriptionId,
      userId: ids.userId,
      canceledAt: at,
      endedAt: at,
      created: at,
    }),
  };
}

/** Delivers one event to its ingest function (as EventBridge invokes it); the ARN of the execution it started. */
export async function ingest(system: LocalSystem, { bus, event }: Delivery): Promise<string> {
  const result = bus === 'app' ? await system.deliverAppEvent(event) : await system.deliverStripeEvent(event);
  const arn = (result as { executionArn?: string } | undefined)?.executionArn;
  if (!arn) throw new Error(`no execution started: ${JSON.stringify(result)}`);
  return arn;
}

/** Waits for an execution; throws unless it succeeded. */
export async function succeeded(system: LocalSystem, arn: string): Promise<string> {
  const done = await system.runtime.waitFor(arn);
  if (done.status !== 'SUCCEEDED') throw new Error(`${arn} ${done.status} ${done.error} ${done.cause}`);
  return arn;
}

/** Delivers one event to its ingest function and waits for the execution it started; its ARN. */
export const deliver = async (system: LocalSystem, delivery: Delivery): Promise<string> =>
  succeeded(system, await ingest(system, delivery));

/** The four events of a paid journey, in the order the bench delivers them. */
export function paidJourneyEvents(partnerId: string, tag: string, options: JourneyOptions = {}): Delivery[] {
  const at = options.at ?? DEFAULT_CREATED;
  const { signup, verify } = signupEvents(partnerId, tag, at);
  return [signup, verify, ...invoiceEvents(tag, 1, at, options.plan ?? PLANS.afPlusMonthly)];
}

/**
 * One paid referral journey through the local stack, each event awaited: signup, verification, then the
 * first payment (`invoice.paid` + `invoice_payment.paid`; AF+ Monthly unless `options.plan`). The four
 * executions' ARNs, in that order.
 */
export async function runJourney(
  system: LocalSystem,
  partnerId: string,
  n: number | string,
  options: JourneyOptions = {},
): Promise<string[]> {
  const arns: string[] = [];
  for (const delivery of paidJourneyEvents(partnerId, `j${n}`, options))
    arns.push(await deliver(system, delivery));
  return arns;
}
