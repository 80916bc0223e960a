import { firstPayment, World } from '../support/world';
import { cancelled, contentionKit, markersOf } from '../support/contention';

/**
 * Contention beyond the bound of the lifecycle's back-off loops: every try is cancelled, so the outcome does
 * not depend on timing and the world runs without waits (contention.test.ts paces its waits).
 */
let world: World;
beforeAll(async () => {
  world = await World.start({ retryDelayScale: 0 });
});
afterAll(() => world.stop());
afterEach(() => {
  world.faults = undefined;
});

const { stripe, signedUp, paymentExecution, executionNamed, callsOf } = contentionKit(() => world);

describe('contention on the stats transaction', () => {
  it('contention beyond the bound reaches compensation: the marker stays, MarkStatsPending runs', async () => {
    // Prepare: every try is throttled
    await signedUp('p_cx', 'u_cx');
    world.faults = (call) =>
      call.workflow === 'payment-express' && call.stateName === 'ApplyChangeToStats'
        ? cancelled(call, 'ThrottlingError')
        : undefined;
    // Act
    await stripe(firstPayment('u_cx')[0]);
    await world.settle();
    world.faults = undefined;
    // Assess: the first try and ten back-offs, then today's handling
    const arn = paymentExecution('u_cx');
    expect(callsOf(arn, 'ApplyChangeToStats')).toBe(11);
    expect(world.runtime.statesEntered(arn)).toEqual(
      expect.arrayContaining(['ClassifyStatsFailure', 'MarkStatsPending', 'AnnounceStatsPending']),
    );
    expect(world.runtime.describe(arn).status).toBe('SUCCEEDED');
    const referral = await world.referral('p_cx', 'u_cx');
    expect(markersOf(referral)).toEqual(['w2']);
    expect(referral?.statsPendingReason).toBe(
      'invoice stats not applied: DynamoDb.TransactionCanceledException',
    );
    expect(await world.counters('p_cx')).toMatchObject({ totalSignups: 1, totalPaid: 0 });
  });
});

describe('contention on the truth transaction', () => {
  it('contention beyond the bound fails the Express attempt, then the Standard execution, which keeps the fact for a redrive', async () => {
    // Prepare: every write of the payment meets a concurrent transaction, on the twin and on the step
    await signedUp('p_cw', 'u_cw');
    world.faults = (call) =>
      (call.workflow === 'payment-express' || call.workflow === 'payment') &&
      call.stateName === 'WriteReferralAndLedger'
        ? cancelled(call, 'TransactionConflict')
        : undefined;
    // Act
    await stripe(firstPayment('u_cw')[0]);
    await world.settle();
    // Assess: both ran out of back-offs; nothing written; the Standard execution keeps the fact for a redrive
    for (const arn of [paymentExecution('u_cw'), executionNamed('payment', 'payment-in_u_cw')]) {
      expect(callsOf(arn, 'WriteReferralAndLedger')).toBe(11);
      expect(world.runtime.describe(arn)).toMatchObject({
        status: 'FAILED',
        error: 'DynamoDb.TransactionCanceledException',
      });
    }
    expect(await world.referral('p_cw', 'u_cw')).toMatchObject({ factCount: 1, status: 'signed_up' });
    expect(await world.facts('u_cw')).toEqual(['invoice#in_u_cw', 'signup#evt-signup-u_cw']);
  });

  it('a lost race between conflicts restarts the bound: many writers of one referral take turns losing', async () => {
    // Prepare: nine conflicts, then another writer commits first (a lost race), then nine more conflicts
    await signedUp('p_turns', 'u_turns');
    world.faults = (call) => {
      if (call.workflow !== 'payment-express' || call.stateName !== 'WriteReferralAndLedger')
        return undefined;
      if (call.attempt === 10) {
        return {
          kind: 'throw',
          error: 'DynamoDb.TransactionCanceledException',
          cause:
            'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None] (Service: DynamoDb, Status Code: 400, Request ID: TEST)',
        };
      }
      return call.attempt < 20 ? cancelled(call, 'TransactionConflict') : undefined;
    };
    // Act
    await stripe(firstPayment('u_turns')[0]);
    await world.settle();
    // Assess: eighteen back-offs in all, one re-read, and the Express attempt wrote the payment
    const arn = paymentExecution('u_turns');
    expect(callsOf(arn, 'WriteReferralAndLedger')).toBe(20);
    expect(world.runtime.statesEntered(arn).filter((s) => s === 'RereadReferral')).toHaveLength(1);
    expect(world.runtime.describe(arn).status).toBe('SUCCEEDED');
    expect(await world.referral('p_turns', 'u_turns')).toMatchObject({ status: 'paid' });
  });
});
