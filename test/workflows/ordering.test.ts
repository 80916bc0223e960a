import { invoicePaidEvent, subscriptionDeletedEvent } from '../../local/events/stripe-events';
import { expectedCounters, ONE_AF_PLUS_MONTHLY_PAYMENT, World } from '../support/world';

/**
 * EventBridge and Stripe deliver at least once and in any order. Events that overtake the signup (or
 * the payment) they depend on are parked, then replayed; the end state is the one of the natural order.
 */
let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world.stop());

const pay = (userId: string, invoiceId: string, priceId = 'price_af_monthly', amountPaidCents = 999) =>
  world.system.deliverStripeEvent(
    invoicePaidEvent({ userId, invoiceId, eventId: `evt_${invoiceId}`, priceId, amountPaidCents }),
  );

const cancel = (userId: string, subscriptionId: string) =>
  world.system.deliverStripeEvent(
    subscriptionDeletedEvent({ userId, subscriptionId, eventId: `evt_del_${subscriptionId}` }),
  );

describe('events that arrive before the signup', () => {
  it('a payment before its signup is parked, then applied when the signup arrives', async () => {
    await world.registerPartner('p_early_pay');
    await pay('u_early_pay', 'in_early_pay', 'price_afplus_monthly', 2999);
    await world.settle();
    expect(await world.parked('u_early_pay')).toHaveLength(1);
    expect(await world.counters('p_early_pay')).toMatchObject({ totalPaid: 0 });

    await world.signup('p_early_pay', 'u_early_pay');
    await world.settle();

    expect(await world.parked('u_early_pay')).toEqual([]);
    expect(await world.referral('p_early_pay', 'u_early_pay')).toMatchObject({
      status: 'paid',
      planType: 'AFPlus',
      stripeInvoiceId: 'in_early_pay',
    });
    expect(await world.counters('p_early_pay')).toEqual(expectedCounters(ONE_AF_PLUS_MONTHLY_PAYMENT));
    const replays = world.executions('payment').filter((e) => e.name.startsWith('payment-replay-'));
    expect(replays.map((e) => e.status)).toEqual(['SUCCEEDED']);
  });

  it('a verification before its signup is parked, then applied', async () => {
    await world.registerPartner('p_early_verify');
    await world.verify('u_early_verify');
    await world.settle();
    expect(await world.parked('u_early_verify')).toHaveLength(1);

    await world.signup('p_early_verify', 'u_early_verify');
    await world.settle();

    expect(await world.parked('u_early_verify')).toEqual([]);
    expect(await world.referral('p_early_verify', 'u_early_verify')).toMatchObject({
      status: 'verified',
      verifiedAt: expect.any(String),
    });
    expect(await world.counters('p_early_verify')).toEqual(
      expectedCounters({ totalSignups: 1, afSignups: 1, totalVerified: 1 }),
    );
  });

  it('verify, pay and cancel all before the signup end as in the natural order', async () => {
    await world.registerPartner('p_all_early');
    await world.verify('u_all_early');
    await pay('u_all_early', 'in_all_early');
    await cancel('u_all_early', 'sub_all_early');
    await world.settle();
    expect(await world.parked('u_all_early')).toHaveLength(3);

    await world.signup('p_all_early', 'u_all_early');
    await world.settle();

    expect(await world.parked('u_all_early')).toEqual([]);
    expect(await world.referral('p_all_early', 'u_all_early')).toMatchObject({
      status: 'canceled',
      subscriptionStatus: 'canceled',
      verifiedAt: expect.any(String),
      paidAt: expect.any(String),
    });
    expect(await world.counters('p_all_early')).toEqual(
      expectedCounters({
        totalSignups: 1,
        afSignups: 1,
        totalVerified: 1,
        totalPaid: 1,
        afPaid: 1,
        afMonthlyPaid: 1,
        totalRevenueCents: 999,
        totalEarningsCents: 250,
        pendingEarningsCents: 250,
      }),
    );
  });
});

describe('later steps out of order', () => {
  it('verify after pay counts the verification and keeps status paid', async () => {
    await world.registerPartner('p_verify_late');
    await world.signup('p_verify_late', 'u_verify_late');
    await world.settle();
    await pay('u_verify_late', 'in_verify_late');
    await world.settle();
    await world.verify('u_verify_late');
    await world.settle();

    expect(await world.referral('p_verify_late', 'u_verify_late')).toMatchObject({
      status: 'paid',
      verifiedAt: expect.any(String),
    });
    expect(await world.counters('p_verify_late')).toMatchObject({ totalVerified: 1, totalPaid: 1 });
  });

  it('a cancellation before its payment waits for the payment, then ends the subscription', async () => {
    await world.registerPartner('p_cancel_early');
    await world.signup('p_cancel_early', 'u_cancel_early');
    await world.settle();
    await cancel('u_cancel_early', 'sub_cancel_early');
    await world.settle();
    expect(await world.parked('u_cancel_early')).toHaveLength(1);
    expect(await world.counters('p_cancel_early')).toMatchObject({ activeSubscriptions: 0 });

    await pay('u_cancel_early', 'in_cancel_early');
    await world.settle();

    expect(await world.parked('u_cancel_early')).toEqual([]);
    expect(await world.referral('p_cancel_early', 'u_cancel_early')).toMatchObject({
      status: 'canceled',
      subscriptionStatus: 'canceled',
    });
    expect(await world.counters('p_cancel_early')).toMatchObject({ totalPaid: 1, activeSubscriptions: 0 });
  });

  it('a cancellation delivered twice lowers active subscriptions once', async () => {
    await world.registerPartner('p_cancel_twice');
    await world.signup('p_cancel_twice', 'u_cancel_twice');
    await world.settle();
    await pay('u_cancel_twice', 'in_cancel_twice');
    await world.settle();
    await cancel('u_cancel_twice', 'sub_cancel_twice');
    await world.settle();
    const again = await cancel('u_cancel_twice', 'sub_cancel_twice');
    await world.settle();
    const manual = world.runtime.start(
      'cancellation',
      world.executions('cancellation').find((e) => e.name === 'cancellation-sub_cancel_twice')?.input,
      'cancellation-manual-rerun',
    );
    const rerun = await world.runtime.waitFor(manual.executionArn);

    expect(again).toMatchObject({ duplicate: true });
    expect(rerun.output).toMatchObject({ outcome: 'alreadyCanceled' });
    expect(await world.counters('p_cancel_twice')).toMatchObject({ totalPaid: 1, activeSubscriptions: 0 });
  });
});

describe('signups', () => {
  it('the same signup delivered twice (two event ids) is a no-op the second time', async () => {
    await world.registerPartner('p_signup_twice');
    await world.signup('p_signup_twice', 'u_signup_twice', 'evt_first');
    await world.signup('p_signup_twice', 'u_signup_twice', 'evt_second');
    await world.settle();

    const runs = world
      .executions('signup')
      .filter((e) => e.input && JSON.stringify(e.input).includes('u_signup_twice'));
    expect(runs.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(await world.counters('p_signup_twice')).toEqual(
      expectedCounters({ totalSignups: 1, afSignups: 1 }),
    );
  });

  it('a second partner claiming an already referred user is rejected; the first attribution stands', async () => {
    await world.registerPartner('p_first');
    await world.registerPartner('p_second');
    await world.signup('p_first', 'u_contested');
    await world.settle();
    await world.signup('p_second', 'u_contested', 'evt_contested_2');
    await world.settle();

    const rejected = world.executions('signup').find((e) => e.name === 'signup-evt_contested_2');
    expect(rejected).toMatchObject({ status: 'FAILED', error: 'ReferralAlreadyClaimed' });
    expect(await world.referral('p_second', 'u_contested')).toBeUndefined();
    expect(await world.referral('p_first', 'u_contested')).toMatchObject({ partnerId: 'p_first' });
    expect(await world.counters('p_second')).toEqual(expectedCounters({}));
    expect(await world.counters('p_first')).toMatchObject({ totalSignups: 1 });
  });

  it('a signup naming an unregistered partner fails with UnknownPartner and writes nothing', async () => {
    await world.signup('p_nobody', 'u_orphan', 'evt_orphan');
    await world.settle();

    const failed = world.executions('signup').find((e) => e.name === 'signup-evt_orphan');
    expect(failed).toMatchObject({ status: 'FAILED', error: 'UnknownPartner' });
    expect(await world.referral('p_nobody', 'u_orphan')).toBeUndefined();
    expect(await world.stats('p_nobody')).toBeUndefined();
  });
});
