import { expectedCounters, World } from '../support/world';
import { invoicePaidEvent } from '../../local/events/stripe-events';

let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world.stop());

describe('the full journey: click → signup → verify → pay', () => {
  it('counts each step once with exact stats', async () => {
    // Prepare
    expect(await world.registerPartner('p_journey')).toBe(201);
    // Act
    const click = await world.click('p_journey');
    await world.signup('p_journey', 'u_journey');
    await world.settle();
    await world.verify('u_journey');
    await world.settle();
    await world.system.deliverStripeEvent(
      invoicePaidEvent({
        eventId: 'evt_journey',
        invoiceId: 'in_journey',
        userId: 'u_journey',
        priceId: 'price_afplus_monthly',
        amountPaidCents: 2999,
      }),
    );
    await world.settle();
    // Assess
    expect(click.statusCode).toBe(302);
    expect(await world.counters('p_journey')).toEqual(
      expectedCounters({
        totalClicks: 1,
        totalSignups: 1,
        afPlusSignups: 1,
        totalVerified: 1,
        totalPaid: 1,
        afPlusPaid: 1,
        afPlusMonthlyPaid: 1,
        activeSubscriptions: 1,
        totalRevenueCents: 2999,
        totalEarningsCents: 750,
        pendingEarningsCents: 750,
      }),
    );
    const referral = await world.referral('p_journey', 'u_journey');
    expect(referral).toMatchObject({
      status: 'paid',
      planType: 'AFPlus',
      billingCycle: 'Monthly',
      paymentAmountCents: 2999,
      partnerEarningsCents: 750,
      stripeInvoiceId: 'in_journey',
    });
    expect(referral?.pendingStats).toBeUndefined();
    expect(world.system.deadLetters).toEqual([]);
  });
});
