import { PARKED_EVENT_TTL_DAYS } from '../../domain/config';
import { checkoutCompletedEvent, DEFAULT_CREATED, invoicePaidEvent } from '../../local/events/stripe-events';
import { expectedCounters, ONE_AF_PLUS_MONTHLY_PAYMENT, World } from '../support/world';

let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world.stop());
afterEach(() => {
  world.faults = undefined;
});

/** A registered partner with one signed-up referral. */
async function referredUser(partnerId: string, userId: string): Promise<void> {
  expect(await world.registerPartner(partnerId)).toBe(201);
  await world.signup(partnerId, userId);
  await world.settle();
}

function pay(
  userId: string,
  opts: { invoiceId: string; priceId: string; amountPaidCents: number; eventId?: string },
) {
  return world.system.deliverStripeEvent(
    invoicePaidEvent({ userId, eventId: opts.eventId ?? `evt_${opts.invoiceId}`, ...opts }),
  );
}

const paymentExecution = (invoiceId: string) =>
  world.executions('payment').find((e) => e.name === `payment-${invoiceId}`);

describe('payment', () => {
  it('AF+ Annual: records the plan the user actually chose and 25% rounded half up', async () => {
    await referredUser('p_annual', 'u_annual');
    await pay('u_annual', { invoiceId: 'in_annual', priceId: 'price_afplus_annual', amountPaidCents: 29990 });
    await world.settle();

    expect(await world.referral('p_annual', 'u_annual')).toMatchObject({
      status: 'paid',
      planType: 'AFPlus',
      billingCycle: 'Annual',
      paymentAmountCents: 29990,
      partnerEarningsCents: 7498, // 7497.5 rounds half up
      subscriptionStatus: 'active',
    });
    expect(await world.counters('p_annual')).toEqual(
      expectedCounters({
        totalSignups: 1,
        afPlusSignups: 1, // moved from AF, the default at signup
        totalPaid: 1,
        afPlusPaid: 1,
        afPlusAnnualPaid: 1,
        activeSubscriptions: 1,
        totalRevenueCents: 29990,
        totalEarningsCents: 7498,
        pendingEarningsCents: 7498,
      }),
    );
  });

  it('AF Monthly: keeps the signup on AF and counts the monthly AF payment', async () => {
    await referredUser('p_monthly', 'u_monthly');
    await pay('u_monthly', { invoiceId: 'in_monthly', priceId: 'price_af_monthly', amountPaidCents: 999 });
    await world.settle();

    expect(await world.counters('p_monthly')).toEqual(
      expectedCounters({
        totalSignups: 1,
        afSignups: 1,
        totalPaid: 1,
        afPaid: 1,
        afMonthlyPaid: 1,
        activeSubscriptions: 1,
        totalRevenueCents: 999,
        totalEarningsCents: 250,
        pendingEarningsCents: 250,
      }),
    );
  });

  it('the same payment event twice is counted once (the second start is ExecutionAlreadyExists)', async () => {
    await referredUser('p_dup', 'u_dup');
    const first = await pay('u_dup', {
      invoiceId: 'in_dup',
      priceId: 'price_af_annual',
      amountPaidCents: 9900,
    });
    await world.settle();
    const second = await pay('u_dup', {
      invoiceId: 'in_dup',
      priceId: 'price_af_annual',
      amountPaidCents: 9900,
    });
    await world.settle();

    expect(first).toMatchObject({ started: true });
    expect(second).toMatchObject({ started: false, duplicate: true });
    expect(world.executions('payment').filter((e) => e.name === 'payment-in_dup')).toHaveLength(1);
    expect(await world.counters('p_dup')).toMatchObject({ totalPaid: 1, totalRevenueCents: 9900 });
  });

  it('the same invoice under another event id, delivered concurrently, runs once', async () => {
    await referredUser('p_conc', 'u_conc');
    const results = await Promise.all(
      ['evt_a', 'evt_b', 'evt_c'].map((eventId) =>
        pay('u_conc', { eventId, invoiceId: 'in_conc', priceId: 'price_af_monthly', amountPaidCents: 999 }),
      ),
    );
    await world.settle();

    expect(results.filter((r) => r && 'started' in r && r.started)).toHaveLength(1);
    expect(await world.counters('p_conc')).toMatchObject({ totalPaid: 1, totalRevenueCents: 999 });
  });

  it('a second execution for an already paid referral ends as a duplicate without counting', async () => {
    await referredUser('p_twice', 'u_twice');
    await pay('u_twice', { invoiceId: 'in_twice', priceId: 'price_af_monthly', amountPaidCents: 999 });
    await world.settle();
    const input = paymentExecution('in_twice')?.input;

    // Prepare: the same payment under a name the ingest would never choose.
    const { executionArn } = world.runtime.start('payment', input, 'payment-manual-rerun');
    const done = await world.runtime.waitFor(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toMatchObject({ outcome: 'duplicate' });
    expect(world.runtime.statesEntered(executionArn)).toContain('PaymentAlreadyRecorded');
    expect(await world.counters('p_twice')).toMatchObject({ totalPaid: 1, totalRevenueCents: 999 });
  });

  it('a payment for a user who was never referred ends quickly in success, parked with a TTL', async () => {
    await pay('u_stranger', { invoiceId: 'in_stranger', priceId: 'price_af_monthly', amountPaidCents: 999 });
    await world.settle();

    const execution = paymentExecution('in_stranger');
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.output).toMatchObject({ outcome: 'parked' });
    expect(world.runtime.statesEntered(execution?.executionArn ?? '')).not.toContain('ComputeEarnings');
    const parked = await world.parked('u_stranger');
    expect(parked).toEqual([
      expect.objectContaining({
        referralId: 'parked#payment#in_stranger',
        kind: 'payment',
        reason: expect.stringContaining('No referral'),
        expiresAt: expect.any(Number),
      }),
    ]);
    // The parking TTL runs from the event's own time.
    expect(parked[0]?.expiresAt).toBe(DEFAULT_CREATED + PARKED_EVENT_TTL_DAYS * 86_400);
  });

  it('checkout.session.completed links the Stripe ids but is never counted as a payment', async () => {
    await referredUser('p_checkout', 'u_checkout');
    await world.system.deliverStripeEvent(
      checkoutCompletedEvent({
        eventId: 'evt_checkout',
        userId: 'u_checkout',
        customerId: 'cus_checkout',
        subscriptionId: 'sub_checkout',
      }),
    );
    await world.settle();
    expect(await world.referral('p_checkout', 'u_checkout')).toMatchObject({
      status: 'signed_up',
      stripeCustomerId: 'cus_checkout',
      stripeSubscriptionId: 'sub_checkout',
    });
    expect(await world.counters('p_checkout')).toMatchObject({ totalPaid: 0 });

    await pay('u_checkout', { invoiceId: 'in_checkout', priceId: 'price_af_monthly', amountPaidCents: 999 });
    await world.settle();
    expect(await world.counters('p_checkout')).toMatchObject({ totalPaid: 1, totalRevenueCents: 999 });
  });

  it('a stats write whose response was lost is not counted twice when retried', async () => {
    await referredUser('p_lost', 'u_lost');
    world.faults = (call) =>
      call.stateName === 'ApplyPaymentToStats' && call.attempt === 1
        ? {
            kind: 'lost-response',
            error: 'DynamoDb.InternalServerErrorException',
            cause: 'Internal server error (Service: DynamoDb, Status Code: 500)',
          }
        : undefined;
    await pay('u_lost', { invoiceId: 'in_lost', priceId: 'price_af_monthly', amountPaidCents: 999 });
    await world.settle();

    const arn = paymentExecution('in_lost')?.executionArn ?? '';
    expect(world.runtime.retries(arn, 'ApplyPaymentToStats')).toBe(1);
    expect(await world.counters('p_lost')).toMatchObject({ totalPaid: 1, totalRevenueCents: 999 });
    expect((await world.referral('p_lost', 'u_lost'))?.pendingStats).toBeUndefined();
  });

  it('a throttled earnings Lambda is retried and the payment still lands once', async () => {
    await referredUser('p_throttle', 'u_throttle');
    world.faults = (call) =>
      call.stateName === 'ComputeEarnings' && call.attempt <= 2
        ? { kind: 'throw', error: 'Lambda.TooManyRequestsException', cause: 'Rate exceeded' }
        : undefined;
    await pay('u_throttle', {
      invoiceId: 'in_throttle',
      priceId: 'price_afplus_monthly',
      amountPaidCents: 2999,
    });
    await world.settle();

    const arn = paymentExecution('in_throttle')?.executionArn ?? '';
    expect(world.runtime.retries(arn, 'ComputeEarnings')).toBe(2);
    expect(await world.counters('p_throttle')).toMatchObject({ totalPaid: 1, totalEarningsCents: 750 });
  });
});

describe('compensation when the stats write fails on every retry', () => {
  it('keeps the payment, marks the referral, announces it, and reconciliation makes stats equal the truth', async () => {
    await referredUser('p_comp', 'u_comp');
    world.faults = (call) =>
      call.stateName === 'ApplyPaymentToStats'
        ? {
            kind: 'throw',
            error: 'DynamoDb.ProvisionedThroughputExceededException',
            cause: 'The level of configured provisioned throughput for the table was exceeded.',
          }
        : undefined;
    await pay('u_comp', { invoiceId: 'in_comp', priceId: 'price_afplus_monthly', amountPaidCents: 2999 });
    await world.settle();
    world.faults = undefined;

    // The payment (the truth) stands, with a durable mark; the stats lag behind.
    const execution = paymentExecution('in_comp');
    const arn = execution?.executionArn ?? '';
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.output).toMatchObject({ outcome: 'paid', stats: 'pending' });
    // MaxAttempts 6: six retries after the first attempt, then the Catch.
    expect(world.runtime.retries(arn, 'ApplyPaymentToStats')).toBe(6);
    expect(world.runtime.statesEntered(arn)).toEqual(
      expect.arrayContaining([
        'ClassifyPaymentStatsFailure',
        'MarkPaymentStatsPending',
        'AnnouncePaymentStatsPending',
      ]),
    );
    const marked = await world.referral('p_comp', 'u_comp');
    expect(marked).toMatchObject({
      status: 'paid',
      paymentAmountCents: 2999,
      statsPendingReason: expect.stringContaining('ProvisionedThroughputExceeded'),
      statsPendingSince: expect.any(String),
    });
    expect([...(marked?.pendingStats as Set<string>)]).toEqual(['payment']);
    const notice = world.runtime.putEventsLog.find((e) => e.executionArn === arn);
    expect(notice).toMatchObject({
      detailType: 'ReferralStatsPending',
      source: 'partner-referrals.workflows',
      eventBusName: 'partner-referrals',
    });
    expect(JSON.parse(notice?.detail ?? '{}')).toMatchObject({
      partnerId: 'p_comp',
      referralId: 'ref_u_comp',
      transition: 'payment',
      error: 'DynamoDb.ProvisionedThroughputExceededException',
      executionId: arn,
    });
    expect(await world.counters('p_comp')).toMatchObject({ totalPaid: 0, afSignups: 1 });

    // Reconciliation clears the mark and the stats equal the aggregate of the referrals.
    const report = await world.reconcile();
    expect(report).toMatchObject({ partnersCorrected: expect.any(Number) });
    expect(report.drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          partnerId: 'p_comp',
          fields: expect.objectContaining({ totalPaid: { stored: 0, actual: 1 } }),
        }),
      ]),
    );
    expect(await world.counters('p_comp')).toEqual(expectedCounters(ONE_AF_PLUS_MONTHLY_PAYMENT));
    const cleared = await world.referral('p_comp', 'u_comp');
    expect(cleared?.pendingStats).toBeUndefined();
    expect(cleared?.statsPendingSince).toBeUndefined();
  });
});
