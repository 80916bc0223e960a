import {
  chargeRefundedEvent,
  checkoutCompletedEvent,
  disputeClosedEvent,
  disputeCreatedEvent,
  invoicePaidEvent,
  subscriptionDeletedEvent,
} from '../../local/events/stripe-events';
import { expectedCounters, firstPayment, ONE_AF_PLUS_MONTHLY_PAYMENT, World } from '../support/world';

let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world.stop());
afterEach(() => {
  world.faults = undefined;
});

const stripe = (event: unknown) => world.system.deliverStripeEvent(event);

const refundOf = (u: string, amountRefundedCents: number, eventId = `evt_ref_${u}_${amountRefundedCents}`) =>
  chargeRefundedEvent({
    eventId,
    chargeId: `ch_${u}`,
    paymentIntentId: `pi_${u}`,
    amountCents: 2999,
    amountRefundedCents,
  });

async function registered(partnerId: string): Promise<void> {
  expect(await world.registerPartner(partnerId)).toBe(201);
}

describe('the seed example through the payment workflow', () => {
  it('AF+ Monthly at 2999 earns 750, pending for 30 days, one ledger row', async () => {
    // Prepare
    await registered('p_seed');
    await world.signup('p_seed', 'u_seed');
    // Act
    for (const e of firstPayment('u_seed')) await stripe(e);
    await world.settle();
    // Assess
    expect(await world.counters('p_seed')).toEqual(expectedCounters(ONE_AF_PLUS_MONTHLY_PAYMENT));
    expect(await world.commissions('p_seed')).toEqual([
      expect.objectContaining({
        commissionId: 'inv#in_u_seed',
        status: 'pending',
        earningsCents: 750,
        netCents: 750,
        baseAmountCents: 2999,
        dueAt: '2026-02-14T10:00:00.000Z',
      }),
    ]);
    expect((await world.referral('p_seed', 'u_seed'))?.pendingStats).toBeUndefined();
    expect(world.system.deadLetters).toEqual([]);
  });
});

describe('order does not matter', () => {
  it('refund, invoice payment, invoice and signup in reverse order end as in the natural order', async () => {
    // Prepare: the natural order for one user, the reverse order for another, same partner
    await registered('p_order');
    const natural = async (u: string) => {
      await world.signup('p_order', u);
      await world.settle();
      for (const e of firstPayment(u)) await stripe(e);
      await world.settle();
      await stripe(refundOf(u, 1000));
      await world.settle();
    };
    const reversed = async (u: string) => {
      await stripe(refundOf(u, 1000));
      await world.settle();
      for (const e of firstPayment(u).reverse()) await stripe(e);
      await world.settle();
      await world.signup('p_order', u);
      await world.settle();
    };
    // Act
    await natural('u_nat');
    const afterNatural = await world.counters('p_order');
    const bucketsAfterNatural = await world.activity('p_order');
    await reversed('u_rev');
    // Assess: the second user added exactly what the first did, and their rows agree field by field
    const afterBoth = await world.counters('p_order');
    for (const [k, v] of Object.entries(afterNatural)) {
      if (k !== 'totalClicks') expect({ [k]: afterBoth[k] }).toEqual({ [k]: 2 * v });
    }
    // The activity buckets too: the same days, each count doubled, and they sum to the counters
    const double = (days: Record<string, Record<string, number>>) =>
      Object.fromEntries(
        Object.entries(days).map(([d, c]) => [
          d,
          Object.fromEntries(Object.entries(c).map(([k, v]) => [k, 2 * v])),
        ]),
      );
    const bucketsAfterBoth = await world.activity('p_order');
    expect(bucketsAfterBoth).toEqual(double(bucketsAfterNatural));
    const sumOf = (k: string) => Object.values(bucketsAfterBoth).reduce((s, c) => s + (c[k] ?? 0), 0);
    expect([sumOf('signups'), sumOf('conversions'), sumOf('earningsCents') - sumOf('reversedCents')]).toEqual(
      [afterBoth.totalSignups, afterBoth.totalPaid, afterBoth.totalEarningsCents],
    );
    expect(sumOf('reversedCents')).toBeGreaterThan(0);
    const rows = await world.commissions('p_order');
    const row = (u: string) => {
      const r = rows.find((c) => c.commissionId === `inv#in_${u}`);
      return {
        ...r,
        referredUserId: undefined,
        invoiceId: undefined,
        commissionId: undefined,
        referralId: undefined,
        subscriptionId: undefined,
      };
    };
    expect(row('u_rev')).toEqual(row('u_nat'));
    expect(row('u_nat')).toMatchObject({ reversedCents: 250, netCents: 500, status: 'pending' });
    expect(await world.waitingUnder('payment:pi_u_rev')).toEqual([]);
    expect(await world.waitingUnder('payment:ch_u_rev')).toEqual([]);
  });

  it('concurrent deliveries of every fact of one user give the natural result', async () => {
    // Prepare
    await registered('p_conc');
    await world.signup('p_conc', 'u_nat2');
    await world.settle();
    for (const e of firstPayment('u_nat2')) await stripe(e);
    await world.settle();
    await stripe(refundOf('u_nat2', 2999));
    await world.settle();
    const natural = await world.referral('p_conc', 'u_nat2');
    // Act: all at once, twice each
    const all = () => [
      world.signup('p_conc', 'u_conc'),
      ...firstPayment('u_conc').map(stripe),
      stripe(refundOf('u_conc', 2999)),
    ];
    await Promise.all([...all(), ...all()]);
    await world.settle();
    // Assess
    const concurrent = await world.referral('p_conc', 'u_conc');
    const comparable = (r: Record<string, unknown> | undefined) => ({
      ...r,
      referralId: undefined,
      referredUserId: undefined,
      stripeInvoiceId: undefined,
      stripeCustomerId: undefined,
      stripeSubscriptionId: undefined,
      factKeys: undefined,
      signedUpAt: undefined,
    });
    expect(comparable(concurrent)).toEqual(comparable(natural));
    expect(concurrent).toMatchObject({ refundedCents: 2999, reversedCents: 750, partnerEarningsCents: 0 });
    expect(await world.counters('p_conc')).toMatchObject({
      totalPaid: 2,
      reversedEarningsCents: 1500,
      totalEarningsCents: 0,
    });
  });

  it('a lost race for the referral re-reads it and recomputes', async () => {
    // Prepare
    await registered('p_race');
    await world.signup('p_race', 'u_race');
    await world.settle();
    const [invoice, invoicePayment] = firstPayment('u_race');
    // The invoice's write waits until the other executions (which fold the invoice too) have written.
    let release: () => void = () => undefined;
    const othersDone = new Promise<void>((resolve) => (release = resolve));
    world.faults = (call) =>
      call.workflow === 'payment-express' &&
      call.executionName === 'payment-in_u_race' &&
      call.stateName === 'WriteReferralAndLedger'
        ? { kind: 'hold', until: othersDone }
        : undefined;
    // Act: the ingest waits for the invoice's Express attempt, which waits for the others.
    const invoiceIngested = stripe(invoice);
    await stripe(invoicePayment);
    await stripe(refundOf('u_race', 500));
    // Every other execution (the refund, parked or replayed once its payment intent is linked) ends first.
    for (;;) {
      const others = world.runtime
        .list()
        .filter((e) => e.status === 'RUNNING' && e.name !== 'payment-in_u_race');
      if (others.length === 0) break;
      await Promise.all(others.map((e) => world.runtime.waitFor(e.executionArn)));
    }
    release();
    await invoiceIngested;
    await world.settle();
    // Assess
    const payment = world.executions('payment-express').find((e) => e.name === 'payment-in_u_race');
    const path = world.runtime.statesEntered(payment?.executionArn ?? '');
    expect(path).toEqual(expect.arrayContaining(['ClassifyWriteFailure', 'CountRewrite', 'RereadReferral']));
    expect(await world.referral('p_race', 'u_race')).toMatchObject({
      refundedCents: 500,
      revenueCents: 2999,
    });
    expect(await world.counters('p_race')).toMatchObject({
      totalRevenueCents: 2999,
      refundedCents: 500,
      totalPaid: 1,
    });
  });
});

describe('money lifecycle', () => {
  it('a dispute holds the commission; lost, it reverses it', async () => {
    // Prepare
    await registered('p_disp');
    await world.signup('p_disp', 'u_disp');
    for (const e of firstPayment('u_disp')) await stripe(e);
    await world.settle();
    const dispute = {
      disputeId: 'dp_u_disp',
      chargeId: 'ch_u_disp',
      paymentIntentId: 'pi_u_disp',
      amountCents: 2999,
    };
    // Act
    await stripe(disputeCreatedEvent({ eventId: 'evt_dp_open', ...dispute }));
    await world.settle();
    const held = await world.commissions('p_disp');
    await stripe(disputeClosedEvent({ eventId: 'evt_dp_lost', ...dispute, status: 'lost' }));
    await world.settle();
    // Assess
    expect(held).toEqual([expect.objectContaining({ status: 'on_hold', statusReason: 'dispute' })]);
    expect(await world.commissions('p_disp')).toEqual([
      expect.objectContaining({
        status: 'reversed',
        statusReason: 'dispute_lost',
        netCents: 0,
        reversedCents: 750,
      }),
    ]);
    expect(await world.counters('p_disp')).toMatchObject({
      disputeCount: 1,
      onHoldEarningsCents: 0,
      pendingEarningsCents: 0,
      reversedEarningsCents: 750,
    });
  });

  it('a cancellation of another subscription of the same user leaves the referral active', async () => {
    // Prepare
    await registered('p_sub');
    await world.signup('p_sub', 'u_sub');
    for (const e of firstPayment('u_sub')) await stripe(e);
    await world.settle();
    // Act
    await stripe(
      subscriptionDeletedEvent({ eventId: 'evt_del_other', subscriptionId: 'sub_other', userId: 'u_sub' }),
    );
    await world.settle();
    const afterOther = await world.referral('p_sub', 'u_sub');
    await stripe(
      subscriptionDeletedEvent({ eventId: 'evt_del_own', subscriptionId: 'sub_u_sub', userId: 'u_sub' }),
    );
    await world.settle();
    // Assess
    expect(afterOther).toMatchObject({ status: 'paid', subscriptionStatus: 'active' });
    expect(await world.referral('p_sub', 'u_sub')).toMatchObject({
      status: 'canceled',
      subscriptionStatus: 'canceled',
    });
    expect(await world.counters('p_sub')).toMatchObject({
      activeSubscriptions: 0,
      afPlusActiveSubscriptions: 0,
      pendingEarningsCents: 750,
    });
  });

  it('checkout.session.completed links the Stripe ids but is never counted as a payment', async () => {
    // Prepare
    await registered('p_checkout');
    await world.signup('p_checkout', 'u_checkout');
    // Act
    await stripe(
      checkoutCompletedEvent({
        eventId: 'evt_cs',
        sessionId: 'cs_1',
        userId: 'u_checkout',
        customerId: 'cus_x',
        subscriptionId: 'sub_x',
      }),
    );
    await world.settle();
    // Assess
    expect(await world.referral('p_checkout', 'u_checkout')).toMatchObject({
      status: 'signed_up',
      stripeCustomerId: 'cus_x',
      stripeSubscriptionId: 'sub_x',
    });
    expect(await world.counters('p_checkout')).toMatchObject({ totalPaid: 0, totalRevenueCents: 0 });
    expect(await world.commissions('p_checkout')).toEqual([]);
  });

  it('the same invoice under another event id counts once', async () => {
    // Prepare
    await registered('p_dup');
    await world.signup('p_dup', 'u_dup');
    const [invoice] = firstPayment('u_dup');
    // Act
    await stripe(invoice);
    await stripe(
      invoicePaidEvent({
        eventId: 'evt_other_id',
        invoiceId: 'in_u_dup',
        userId: 'u_dup',
        priceId: 'price_afplus_monthly',
        amountPaidCents: 2999,
        subscriptionId: 'sub_u_dup',
        customerId: 'cus_u_dup',
      }),
    );
    await world.settle();
    // Assess
    expect(await world.counters('p_dup')).toMatchObject({
      totalPaid: 1,
      totalRevenueCents: 2999,
      pendingEarningsCents: 750,
    });
    expect(await world.facts('u_dup')).toEqual(['invoice#in_u_dup', 'signup#evt-signup-u_dup']);
  });
});

describe('exactly-once stats under faults', () => {
  it('a stats write whose response was lost is not counted twice when retried', async () => {
    // Prepare
    await registered('p_lost');
    await world.signup('p_lost', 'u_lost');
    await world.settle();
    world.faults = (call) =>
      call.workflow === 'payment-express' && call.stateName === 'ApplyChangeToStats' && call.attempt === 1
        ? {
            kind: 'lost-response',
            error: 'DynamoDb.InternalServerErrorException',
            cause: 'Internal server error (Service: DynamoDb, Status Code: 500)',
          }
        : undefined;
    // Act
    await stripe(firstPayment('u_lost')[0]);
    await world.settle();
    // Assess
    const arn =
      world.executions('payment-express').find((e) => e.name === 'payment-in_u_lost')?.executionArn ?? '';
    expect(world.runtime.retries(arn, 'ApplyChangeToStats')).toBe(1);
    expect(await world.counters('p_lost')).toMatchObject({ totalPaid: 1, totalRevenueCents: 2999 });
    expect((await world.referral('p_lost', 'u_lost'))?.pendingStats).toBeUndefined();
  });

  it('compensation: the referral keeps its state and a mark, ops are told, reconciliation makes stats equal the truth', async () => {
    // Prepare
    await registered('p_comp');
    await world.signup('p_comp', 'u_comp');
    await world.settle();
    world.faults = (call) =>
      call.stateName === 'ApplyChangeToStats'
        ? {
            kind: 'throw',
            error: 'DynamoDb.ProvisionedThroughputExceededException',
            cause: 'The level of configured provisioned throughput for the table was exceeded.',
          }
        : undefined;
    // Act
    await stripe(firstPayment('u_comp')[0]);
    await world.settle();
    world.faults = undefined;
    // Assess: the truth stands with a durable mark, and the notice went out
    const arn =
      world.executions('payment-express').find((e) => e.name === 'payment-in_u_comp')?.executionArn ?? '';
    expect(world.runtime.retries(arn, 'ApplyChangeToStats')).toBe(6);
    expect(world.runtime.statesEntered(arn)).toEqual(
      expect.arrayContaining(['ClassifyStatsFailure', 'MarkStatsPending', 'AnnounceStatsPending']),
    );
    const marked = await world.referral('p_comp', 'u_comp');
    expect(marked).toMatchObject({
      status: 'paid',
      statsPendingReason: expect.stringContaining('ProvisionedThroughputExceeded'),
    });
    expect([...(marked?.pendingStats as Set<string>)]).toEqual(['w2']);
    const notice = world.runtime.putEventsLog.find((e) => e.executionArn === arn);
    expect(JSON.parse(notice?.detail ?? '{}')).toMatchObject({
      partnerId: 'p_comp',
      referralId: 'ref_u_comp',
      fact: 'invoice#in_u_comp',
    });
    expect(await world.counters('p_comp')).toMatchObject({ totalPaid: 0, totalSignups: 1 });
    const sumOf = (days: Record<string, Record<string, number>>, k: string) =>
      Object.values(days).reduce((s, c) => s + (c[k] ?? 0), 0);
    expect(sumOf(await world.activity('p_comp'), 'conversions')).toBe(0);
    // Reconciliation clears the mark, the stats equal the referrals, and the payment's day is applied once
    await world.reconcile();
    expect(await world.counters('p_comp')).toEqual(expectedCounters(ONE_AF_PLUS_MONTHLY_PAYMENT));
    const referral = await world.referral('p_comp', 'u_comp');
    expect(referral?.pendingStats).toBeUndefined();
    expect(referral?.pendingChanges).toEqual({});
    await world.reconcile();
    const days = await world.activity('p_comp');
    const counters = await world.counters('p_comp');
    expect([sumOf(days, 'signups'), sumOf(days, 'conversions'), sumOf(days, 'earningsCents')]).toEqual([
      counters.totalSignups,
      counters.totalPaid,
      counters.totalEarningsCents,
    ]);
  });
});

describe('approval', () => {
  it('approves due commissions exactly once, moving their earnings from pending to approved', async () => {
    // Prepare: an invoice from January 2026 is long past its 30 days today
    await registered('p_appr');
    await world.signup('p_appr', 'u_appr');
    for (const e of firstPayment('u_appr')) await stripe(e);
    await world.settle();
    // Act: two runs (the second finds nothing pending)
    const run = async () => {
      const { executionArn } = world.runtime.start('approval', {});
      const done = await world.runtime.waitFor(executionArn);
      await world.settle();
      return done;
    };
    const first = await run();
    const second = await run();
    // Assess
    expect(first.output).toMatchObject({ approvalsStarted: expect.any(Number) });
    expect(await world.commissions('p_appr')).toEqual([
      expect.objectContaining({
        status: 'approved',
        statusReason: 'hold_period_over',
        approvedAt: expect.any(String),
      }),
    ]);
    expect(await world.counters('p_appr')).toMatchObject({
      pendingEarningsCents: 0,
      approvedEarningsCents: 750,
      totalEarningsCents: 750,
    });
    expect(second.status).toBe('SUCCEEDED');
    expect(
      world.executions('commission').filter((e) => (e.input as { userId?: string }).userId === 'u_appr'),
    ).toHaveLength(1);
  });
});

describe('facts are immutable', () => {
  it('a different fact under a recorded key fails FactKeyConflict and changes nothing', async () => {
    // Prepare: a paid commission approved once by the approval run
    await registered('p_conflict');
    await world.signup('p_conflict', 'u_conflict');
    for (const e of firstPayment('u_conflict')) await stripe(e);
    await world.settle();
    const approval = (at: string) => ({
      fact: { kind: 'approval', key: 'approval#inv#in_u_conflict', at, commissionId: 'inv#in_u_conflict' },
      userId: 'u_conflict',
      findUserBy: [],
      links: [],
      parkExpiresAt: 0,
    });
    const first = world.runtime.start('commission', approval('2026-03-01T00:00:00.000Z'), 'approve-first');
    await world.runtime.waitFor(first.executionArn);
    await world.settle();
    const before = {
      referral: await world.referral('p_conflict', 'u_conflict'),
      ledger: await world.commissions('p_conflict'),
    };
    // Act: the same key with another time, under another execution name
    const second = world.runtime.start('commission', approval('2026-04-01T00:00:00.000Z'), 'approve-second');
    const done = await world.runtime.waitFor(second.executionArn);
    await world.settle();
    // Assess
    expect(done).toMatchObject({ status: 'FAILED', error: 'FactKeyConflict' });
    expect(before.ledger).toEqual([
      expect.objectContaining({ status: 'approved', approvedAt: '2026-03-01T00:00:00.000Z' }),
    ]);
    expect({
      referral: await world.referral('p_conflict', 'u_conflict'),
      ledger: await world.commissions('p_conflict'),
    }).toEqual(before);
  });
});

describe('money safety at the door', () => {
  it('an amount above Stripe maximum and a foreign currency are dead-lettered with a named error', async () => {
    // Act
    await stripe(
      invoicePaidEvent({
        eventId: 'evt_huge',
        invoiceId: 'in_huge',
        userId: 'u_huge',
        amountPaidCents: 9007199254740991,
      }),
    );
    await stripe(
      invoicePaidEvent({
        eventId: 'evt_jpy',
        invoiceId: 'in_jpy',
        userId: 'u_jpy',
        amountPaidCents: 3000,
        currency: 'jpy',
      }),
    );
    // Assess
    const reasons = world.system.deadLetters.map((d) => JSON.stringify(d.record));
    expect(reasons.find((r) => r.includes('in_huge'))).toContain('AmountTooLarge');
    expect(reasons.find((r) => r.includes('in_jpy'))).toContain('UnsupportedCurrency');
    expect(await world.facts('u_huge')).toEqual([]);
    expect(await world.facts('u_jpy')).toEqual([]);
  });
});
