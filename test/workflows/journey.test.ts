import { expectedCounters, ONE_AF_PLUS_MONTHLY_PAYMENT, World } from '../support/world';
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
      expectedCounters({ ...ONE_AF_PLUS_MONTHLY_PAYMENT, totalClicks: 1, totalVerified: 1 }),
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
