import type { EventBridgeEvent } from 'aws-lambda';
import { userEmailVerifiedEvent, userSignedUpEvent } from './events/app-events';
import { invoicePaidEvent, subscriptionDeletedEvent } from './events/stripe-events';

/**
 * Demo data: three partners and their referred users' journeys (clicks, signups, verifications,
 * payments on each plan, a cancellation, a redelivered payment and one that arrives before its signup),
 * sent through whatever the target is (the in-process system, or the local cloud's bus and API).
 */
export interface SeedTarget {
  registerPartner(partner: { partnerId: string; displayName: string }): Promise<void>;
  click(partnerId: string, sourceIp: string): Promise<void>;
  /** An event of the product app, as it arrives on the app bus. */
  sendAppEvent(event: EventBridgeEvent<string, unknown>): Promise<void>;
  /** A Stripe event, as it arrives on the Stripe partner bus. */
  sendStripeEvent(event: EventBridgeEvent<string, unknown>): Promise<void>;
  /** Resolves when every workflow started so far has finished. */
  settle(): Promise<void>;
}

interface Journey {
  userId: string;
  verify?: boolean;
  pay?: { priceId: string; amountPaidCents: number };
  cancel?: boolean;
  /** The payment reaches us before the signup (Stripe and EventBridge do not promise order). */
  payFirst?: boolean;
  /** Stripe delivers the payment event twice. */
  redeliver?: boolean;
}

export const DEMO_PARTNERS: {
  partnerId: string;
  displayName: string;
  clicks: number;
  journeys: Journey[];
}[] = [
  {
    partnerId: 'acme-blog',
    displayName: 'ACME Blog',
    clicks: 40,
    journeys: [
      { userId: 'alice', verify: true, pay: { priceId: 'price_afplus_monthly', amountPaidCents: 2999 } },
      {
        userId: 'bob',
        verify: true,
        pay: { priceId: 'price_af_annual', amountPaidCents: 9900 },
        redeliver: true,
      },
      { userId: 'carol', verify: true },
      { userId: 'dave' },
    ],
  },
  {
    partnerId: 'devtools-weekly',
    displayName: 'DevTools Weekly',
    clicks: 25,
    journeys: [
      { userId: 'erin', verify: true, pay: { priceId: 'price_afplus_annual', amountPaidCents: 29990 } },
      { userId: 'frank', pay: { priceId: 'price_af_monthly', amountPaidCents: 999 }, payFirst: true },
      {
        userId: 'grace',
        verify: true,
        pay: { priceId: 'price_afplus_monthly', amountPaidCents: 2999 },
        cancel: true,
      },
    ],
  },
  { partnerId: 'indie-hacker', displayName: 'Indie Hacker', clicks: 8, journeys: [{ userId: 'heidi' }] },
];

/** Sends the demo journeys to `target`, step by step, as they would happen. */
export async function seedDemo(target: SeedTarget): Promise<void> {
  const at = (minute: number) => 1_768_471_200 + minute * 60;
  for (const partner of DEMO_PARTNERS) {
    await target.registerPartner(partner);
    for (let i = 0; i < partner.clicks; i++) await target.click(partner.partnerId, `198.51.100.${i}`);
  }
  let minute = 0;
  for (const partner of DEMO_PARTNERS) {
    for (const j of partner.journeys) {
      minute += 5;
      const payment = j.pay
        ? invoicePaidEvent({
            userId: j.userId,
            invoiceId: `in_${j.userId}`,
            eventId: `evt_pay_${j.userId}`,
            ...j.pay,
            paidAt: at(minute + 3),
          })
        : undefined;
      if (payment && j.payFirst) await target.sendStripeEvent(payment);
      await target.sendAppEvent(
        userSignedUpEvent({
          userId: j.userId,
          partnerId: partner.partnerId,
          eventId: `evt_signup_${j.userId}`,
          occurredAt: new Date(at(minute) * 1000).toISOString(),
        }),
      );
      await target.settle();
      if (j.verify) {
        await target.sendAppEvent(
          userEmailVerifiedEvent({
            userId: j.userId,
            eventId: `evt_verify_${j.userId}`,
            occurredAt: new Date(at(minute + 1) * 1000).toISOString(),
          }),
        );
      }
      if (payment && !j.payFirst) await target.sendStripeEvent(payment);
      await target.settle();
      if (payment && j.redeliver) await target.sendStripeEvent(payment);
      if (j.cancel) {
        await target.sendStripeEvent(
          subscriptionDeletedEvent({
            userId: j.userId,
            subscriptionId: `sub_${j.userId}`,
            eventId: `evt_del_${j.userId}`,
          }),
        );
      }
      await target.settle();
    }
  }
}
