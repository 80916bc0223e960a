import { readFileSync } from 'node:fs';
import type { WorkflowName } from '../../domain/config';
import { aslPathOf } from '../../infra/workflow-manifest';
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

describe('replays under races and faults', () => {
  afterEach(() => {
    world.faults = undefined;
  });

  /** The user's execution of a workflow whose name starts with `prefix` (inputs carry the user id). */
  const executionOf = (workflow: string, userId: string, prefix: string) => {
    const found = world
      .executions(workflow)
      .find((e) => e.name.startsWith(prefix) && (e.input as { userId?: string }).userId === userId);
    if (!found) throw new Error(`no ${prefix}… ${workflow} execution for ${userId}`);
    return found;
  };
  const deletesParked = (parameters: unknown, kind: string): boolean =>
    (parameters as { Key?: { referralId?: { S?: string } } }).Key?.referralId?.S?.startsWith(
      `parked#${kind}#`,
    ) ?? false;

  it('a replayed cancellation that parks itself again outlives the signup that replayed it', async () => {
    await world.registerPartner('p_repark');
    await pay('u_repark', 'in_repark');
    await cancel('u_repark', 'sub_repark');
    await world.settle();
    expect(await world.parked('u_repark')).toHaveLength(2);

    // The losing interleaving, every time: the replayed cancellation runs to its end before the signup
    // deletes the parked cancellation it replayed (the referral is not paid yet, so the replay parks the
    // cancellation again under the same key), and the replayed payment starts only once the signup has ended.
    world.faults = (call) => {
      if (call.workflow === 'signup' && call.stateName === 'DeleteReplayedEvent') {
        if (!deletesParked(call.parameters, 'cancellation')) return undefined;
        const replay = executionOf('cancellation', 'u_repark', 'cancellation-replay-');
        return { kind: 'hold', until: world.runtime.waitFor(replay.executionArn) };
      }
      if (call.workflow === 'payment' && call.executionName.startsWith('payment-replay-')) {
        const signup = executionOf('signup', 'u_repark', 'signup-');
        return { kind: 'hold', until: world.runtime.waitFor(signup.executionArn) };
      }
      return undefined;
    };
    await world.signup('p_repark', 'u_repark');
    await world.settle();

    const signup = executionOf('signup', 'u_repark', 'signup-');
    const replayedCancellations = world
      .executions('cancellation')
      .filter((e) => (e.input as { userId?: string }).userId === 'u_repark' && e.name.includes('-replay-'));
    // The signup's replay parked itself again and the signup left that item alone; the payment replayed it.
    expect(replayedCancellations.map((e) => (e.output as { outcome?: string }).outcome)).toEqual([
      'parked',
      'canceled',
    ]);
    expect(world.runtime.statesEntered(signup.executionArn)).toContain('ParkedEventChangedMeanwhile');
    expect(await world.parked('u_repark')).toEqual([]);
    expect(await world.referral('p_repark', 'u_repark')).toMatchObject({
      status: 'canceled',
      subscriptionStatus: 'canceled',
      paidAt: expect.any(String),
    });
    expect(await world.counters('p_repark')).toEqual(
      expectedCounters({
        totalSignups: 1,
        afSignups: 1,
        totalPaid: 1,
        afPaid: 1,
        afMonthlyPaid: 1,
        totalRevenueCents: 999,
        totalEarningsCents: 250,
        pendingEarningsCents: 250,
      }),
    );
  });

  it('a payment whose write lost its response still replays the cancellation waiting for it', async () => {
    await world.registerPartner('p_lost_answer');
    await world.signup('p_lost_answer', 'u_lost_answer');
    await world.settle();
    await cancel('u_lost_answer', 'sub_lost_answer');
    await world.settle();
    expect(await world.parked('u_lost_answer')).toHaveLength(1);

    // The payment is recorded but its answer is lost: the retry finds the referral already paid.
    world.faults = (call) =>
      call.workflow === 'payment' && call.stateName === 'RecordPaymentOnReferral' && call.attempt === 1
        ? {
            kind: 'lost-response',
            error: 'DynamoDB.InternalServerErrorException',
            cause: 'Internal server error (Service: DynamoDb, Status Code: 500)',
          }
        : undefined;
    await pay('u_lost_answer', 'in_lost_answer');
    await world.settle();
    world.faults = undefined;

    const payment = world.executions('payment').find((e) => e.name === 'payment-in_lost_answer');
    expect(payment?.output).toMatchObject({ outcome: 'duplicate' });
    expect(await world.parked('u_lost_answer')).toEqual([]);
    expect(await world.referral('p_lost_answer', 'u_lost_answer')).toMatchObject({
      status: 'canceled',
      subscriptionStatus: 'canceled',
    });
    // The payment's stats marker stayed (its own write was taken for a redelivery): reconciliation applies it.
    await world.reconcile();
    expect(await world.counters('p_lost_answer')).toMatchObject({ totalPaid: 1, activeSubscriptions: 0 });
  });
});

describe('the replay Maps', () => {
  type States = Record<string, { Choices?: unknown[]; [key: string]: unknown }>;
  const processorOf = (workflow: WorkflowName, map: string): States => {
    const asl = JSON.parse(readFileSync(aslPathOf(workflow), 'utf8')) as {
      States: Record<string, { ItemProcessor: { States: States } }>;
    };
    return asl.States[map]?.ItemProcessor.States ?? {};
  };

  it("the payment's replay of parked cancellations is the signup's replay, for cancellations only", () => {
    const signup = processorOf('signup', 'ReplayParkedEvents');
    const payment = processorOf('payment', 'ReplayParkedCancellations');
    expect(Object.keys(payment).length).toBeGreaterThan(0);
    for (const [name, state] of Object.entries(payment)) {
      const theirs = signup[name];
      if (name === 'WhichWorkflow') {
        expect({ ...state, Choices: [] }).toEqual({ ...theirs, Choices: [] });
        expect(theirs?.Choices).toEqual(expect.arrayContaining(state.Choices ?? []));
      } else {
        expect([name, state]).toEqual([name, theirs]);
      }
    }
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
