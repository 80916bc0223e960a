import { invoicePaidEvent } from '../../local/events/stripe-events';
import type { TaskCall } from '../../local/workflow-runtime';
import { expectedCounters, ONE_AF_PLUS_MONTHLY_PAYMENT, World } from '../support/world';

/**
 * Express first, Standard on failure: the ingest runs each fact on its step's Express twin and starts the
 * Standard step only when that attempt fails. A failed attempt may have written part of its work (the fact,
 * the links); the Standard execution finishes it, and the partner ends with the same numbers as one whose
 * attempt succeeded.
 */
let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world.stop());

const payment = (userId: string) =>
  invoicePaidEvent({
    eventId: `evt_${userId}`,
    invoiceId: `in_${userId}`,
    userId,
    priceId: 'price_afplus_monthly',
    amountPaidCents: 2999,
  });

/** Signup, verification and the first payment of one referred user, each event settled before the next. */
async function journey(partnerId: string, userId: string): Promise<unknown> {
  expect(await world.registerPartner(partnerId)).toBe(201);
  await world.signup(partnerId, userId);
  await world.settle();
  await world.verify(userId);
  await world.settle();
  const result = await world.system.deliverStripeEvent(payment(userId));
  await world.settle();
  return result;
}

/** What a partner ends with: counters, the referral's money, the ledger rows. */
async function outcome(partnerId: string, userId: string) {
  const referral = await world.referral(partnerId, userId);
  const commissions = await world.commissions(partnerId);
  return {
    counters: await world.counters(partnerId),
    referral: {
      status: referral?.status,
      paymentAmountCents: referral?.paymentAmountCents,
      partnerEarningsCents: referral?.partnerEarningsCents,
      pendingCents: referral?.pendingCents,
      pendingStats: referral?.pendingStats,
      factCount: referral?.factCount,
    },
    ledger: commissions.map((c) => ({ type: c.type, status: c.status, netCents: c.netCents })),
  };
}

const named = (workflow: string, name: string) => world.executions(workflow).filter((e) => e.name === name);

afterEach(() => {
  world.faults = undefined;
});

describe('Express first, Standard on failure', () => {
  it('a payment whose Express attempt fails after recording its fact is completed by the Standard step, with the same numbers', async () => {
    // Prepare: one partner's payment succeeds on Express; the other's twin never gets its compute's answer.
    const computeNeverAnswers = (call: TaskCall) =>
      call.workflow === 'payment-express' &&
      call.executionName === 'payment-in_u_express_fails' &&
      call.stateName === 'ComputeReferral'
        ? { kind: 'throw' as const, error: 'Lambda.Unknown', cause: 'Task timed out after 3.00 seconds' }
        : undefined;
    const succeeded = await journey('p_express_ok', 'u_express_ok');

    // Act
    world.faults = computeNeverAnswers;
    const fellBack = await journey('p_express_fails', 'u_express_fails');

    // Assess: the first fact ended in its Express attempt, the second in the Standard step it fell back to.
    expect(succeeded).toMatchObject({ completed: true, executionName: 'payment-in_u_express_ok' });
    expect(named('payment', 'payment-in_u_express_ok')).toEqual([]);
    expect(fellBack).toMatchObject({
      started: true,
      executionName: 'payment-in_u_express_fails',
      expressAttempt: 'FAILED Lambda.Unknown',
    });
    const [attempt] = named('payment-express', 'payment-in_u_express_fails');
    expect(attempt).toMatchObject({ status: 'FAILED', error: 'Lambda.Unknown' });
    // The attempt had recorded the fact before it failed: the Standard execution found it there.
    expect(world.runtime.statesEntered(attempt?.executionArn ?? '')).toContain('RecordFact');
    expect(named('payment', 'payment-in_u_express_fails').map((e) => e.status)).toEqual(['SUCCEEDED']);

    const expected = {
      counters: expectedCounters({ ...ONE_AF_PLUS_MONTHLY_PAYMENT, totalVerified: 1 }),
      referral: {
        status: 'paid',
        paymentAmountCents: 2999,
        partnerEarningsCents: 750,
        pendingCents: 750,
        pendingStats: undefined,
        factCount: 3,
      },
      ledger: [{ type: 'invoice', status: 'pending', netCents: 750 }],
    };
    expect(await outcome('p_express_ok', 'u_express_ok')).toEqual(expected);
    expect(await outcome('p_express_fails', 'u_express_fails')).toEqual(expected);
    expect((await world.facts('u_express_fails')).length).toBe((await world.facts('u_express_ok')).length);
    expect(world.system.deadLetters).toEqual([]);
  });

  it('a redelivered event runs Express again under the same name (Express keeps no name), changing nothing', async () => {
    // Prepare
    await journey('p_express_again', 'u_express_again');
    const before = await outcome('p_express_again', 'u_express_again');

    // Act
    const again = await world.system.deliverStripeEvent(payment('u_express_again'));
    await world.settle();

    // Assess
    expect(again).toMatchObject({ completed: true, executionName: 'payment-in_u_express_again' });
    expect(named('payment-express', 'payment-in_u_express_again').map((e) => e.status)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    expect(named('payment', 'payment-in_u_express_again')).toEqual([]);
    expect(await outcome('p_express_again', 'u_express_again')).toEqual(before);
  });
});
