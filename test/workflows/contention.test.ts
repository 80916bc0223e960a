import { createHash } from 'node:crypto';
import { chargeRefundedEvent, invoicePaidEvent } from '../../local/events/stripe-events';
import type { TaskCall } from '../../local/workflow-runtime';
import { cancelled, contentionKit, markersOf } from '../support/contention';
import { expectedCounters, firstPayment, ONE_AF_PLUS_MONTHLY_PAYMENT, World } from '../support/world';

/**
 * Contention on the lifecycle's transactions, reported as AWS reports it: a TransactWriteItems that meets a
 * concurrent transaction, or is throttled, is cancelled with `DynamoDb.TransactionCanceledException` and one
 * reason per action (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
 * The ASL classifies the reasons and waits (jittered, bounded) before trying again. Also: a truth write whose
 * response was lost, and replays of parked facts, which must each happen once.
 */

let world: World;
beforeAll(async () => {
  // A quarter of AWS's waits, not none: contending writers must spread out in time for the back-off to
  // work, and DynamoDB Local holds an item for longer than DynamoDB does.
  world = await World.start({ retryDelayScale: 0.25 });
  // Tests that exhaust every back-off, whose outcome does not depend on timing, run without waits in
  // contention-bounds.test.ts (a world per file: the local functions read their endpoints from the process).
});
afterAll(() => world.stop());
afterEach(() => {
  world.faults = undefined;
});

const { stripe, signedUp, paymentExecution, executionNamed, callsOf, outputsOf } = contentionKit(() => world);

describe('contention on the stats transaction', () => {
  it('a TransactionConflict on ApplyChangeToStats waits, tries again and applies the stats now', async () => {
    // Prepare: the first two tries meet a concurrent transaction on the stats row
    await signedUp('p_cs', 'u_cs');
    world.faults = (call) =>
      call.workflow === 'payment-express' && call.stateName === 'ApplyChangeToStats' && call.attempt <= 2
        ? cancelled(call, 'TransactionConflict')
        : undefined;
    // Act
    await stripe(firstPayment('u_cs')[0]);
    await world.settle();
    // Assess: two back-offs, no Retry (the error name is no contention), no compensation
    const arn = paymentExecution('u_cs');
    expect(callsOf(arn, 'ApplyChangeToStats')).toBe(3);
    expect(world.runtime.retries(arn, 'ApplyChangeToStats')).toBe(0);
    const path = world.runtime.statesEntered(arn);
    expect(path.filter((s) => s === 'ApplyChangeToStatsWaitOut')).toHaveLength(2);
    expect(path).not.toContain('MarkStatsPending');
    // Full jitter under the caps 1 and 2 s, whole seconds, the counter counting
    const backOffs = outputsOf(arn, 'ApplyChangeToStatsBackOff') as { retries: { statsWrite: unknown } }[];
    expect(backOffs.map((o) => o.retries.statsWrite)).toEqual([
      { count: 1, seconds: expect.any(Number) },
      { count: 2, seconds: expect.any(Number) },
    ]);
    backOffs.forEach((o, i) => {
      const { seconds } = o.retries.statsWrite as { seconds: number };
      expect(Number.isInteger(seconds) && seconds >= 0 && seconds <= [1, 2][i]!).toBe(true);
    });
    expect(await world.counters('p_cs')).toEqual(expectedCounters(ONE_AF_PLUS_MONTHLY_PAYMENT));
    const referral = await world.referral('p_cs', 'u_cs');
    expect(markersOf(referral)).toEqual([]);
    expect(referral?.pendingChanges).toEqual({});
    expect(referral?.statsPendingSince).toBeUndefined();
  });
});

describe('contention on the truth transaction', () => {
  it('a ThrottlingError on WriteReferralAndLedger waits, tries again and writes the referral once', async () => {
    // Prepare: the first try is throttled on the ledger row (second action)
    await signedUp('p_ct', 'u_ct');
    world.faults = (call) =>
      call.workflow === 'payment-express' && call.stateName === 'WriteReferralAndLedger' && call.attempt === 1
        ? cancelled(call, 'ThrottlingError', 1)
        : undefined;
    // Act
    await stripe(firstPayment('u_ct')[0]);
    await world.settle();
    // Assess: one back-off, no lost race (nothing re-read), one row, stats once
    const arn = paymentExecution('u_ct');
    expect(callsOf(arn, 'WriteReferralAndLedger')).toBe(2);
    const path = world.runtime.statesEntered(arn);
    expect(path).toEqual(
      expect.arrayContaining(['WriteReferralAndLedgerBackOff', 'WriteReferralAndLedgerWaitOut']),
    );
    expect(path).not.toContain('RereadReferral');
    expect(await world.commissions('p_ct')).toEqual([
      expect.objectContaining({ commissionId: 'inv#in_u_ct', earningsCents: 750 }),
    ]);
    expect(await world.referral('p_ct', 'u_ct')).toMatchObject({ factCount: 2, revenueCents: 2999 });
    expect(await world.counters('p_ct')).toEqual(expectedCounters(ONE_AF_PLUS_MONTHLY_PAYMENT));
  });
});

describe('a truth write whose response was lost', () => {
  it('re-reads, finds the referral up to date with its marker pending, and applies the stats now', async () => {
    // Prepare: the write commits, then its caller sees AWS's 500
    await signedUp('p_lr', 'u_lr');
    world.faults = (call) =>
      call.workflow === 'payment-express' && call.stateName === 'WriteReferralAndLedger' && call.attempt === 1
        ? {
            kind: 'lost-response',
            error: 'DynamoDb.InternalServerErrorException',
            cause: 'Internal server error (Service: DynamoDb, Status Code: 500, Request ID: TEST)',
          }
        : undefined;
    // Act
    await stripe(firstPayment('u_lr')[0]);
    await world.settle();
    // Assess: the retry lost the race to its own first try, the recompute found the referral up to date,
    // and the stats are right when the execution ends (no reconciliation)
    const arn = paymentExecution('u_lr');
    const path = world.runtime.statesEntered(arn);
    expect(path).toEqual(
      expect.arrayContaining(['CountRewrite', 'RereadReferral', 'WhatChanged', 'ApplyChangeToStats']),
    );
    expect(path).not.toContain('MarkStatsPending');
    expect(world.runtime.describe(arn).output).toMatchObject({
      outcome: 'updated',
      summary: { statsMarkers: ['w2'], commissionsWritten: [] },
    });
    expect(await world.counters('p_lr')).toEqual(expectedCounters(ONE_AF_PLUS_MONTHLY_PAYMENT));
    const referral = await world.referral('p_lr', 'u_lr');
    expect(markersOf(referral)).toEqual([]);
    expect(referral?.pendingChanges).toEqual({});
    expect(await world.commissions('p_lr')).toHaveLength(1);
  });
});

describe('many writers of one partner at once (the local DynamoDB conflicts as AWS does)', () => {
  it('concurrent signups and payments all count: the conflicts on the stats row are waited out', async () => {
    // Prepare
    expect(await world.registerPartner('p_hot')).toBe(201);
    const users = Array.from({ length: 10 }, (_, i) => `u_hot${i}`);
    // Act: every signup at once, then every first invoice at once
    await Promise.all(users.map((u) => world.signup('p_hot', u)));
    await world.settle();
    await Promise.all(users.map((u) => stripe(firstPayment(u)[0])));
    await world.settle();
    // Assess: exact stats, nothing left pending, and real conflicts (no faults injected) were backed off
    const times = (n: number) =>
      Object.fromEntries(Object.entries(ONE_AF_PLUS_MONTHLY_PAYMENT).map(([k, v]) => [k, v * n]));
    expect(await world.counters('p_hot')).toEqual(expectedCounters(times(users.length)));
    const executions = [...world.executions('signup-express'), ...world.executions('payment-express')].filter(
      (e) => users.includes((e.input as { userId?: string }).userId ?? ''),
    );
    expect(executions).toHaveLength(2 * users.length);
    const conflicts = executions.flatMap((e) =>
      world.runtime
        .taskCalls(e.executionArn)
        .filter(
          (c) =>
            c.outcome?.ok === false &&
            c.outcome.error === 'DynamoDb.TransactionCanceledException' &&
            c.outcome.cause.includes('TransactionConflict'),
        ),
    );
    expect(conflicts.length).toBeGreaterThan(0);
    const paths = executions.map((e) => world.runtime.statesEntered(e.executionArn));
    expect(paths.some((p) => p.includes('ApplyChangeToStatsBackOff'))).toBe(true);
    expect(paths.filter((p) => p.includes('MarkStatsPending'))).toEqual([]);
    for (const u of users) expect(markersOf(await world.referral('p_hot', u))).toEqual([]);
  });
});

describe('replays of a parked fact', () => {
  const factKey = (u: string) => `refund#ch_${u}#1000`;
  const replayName = (u: string) =>
    `linked-${createHash('md5')
      .update(`parked#${factKey(u)}`)
      .digest('hex')}`;
  const refund = (u: string) =>
    chargeRefundedEvent({
      eventId: `evt_ref_${u}`,
      chargeId: `ch_${u}`,
      paymentIntentId: `pi_${u}`,
      amountCents: 2999,
      amountRefundedCents: 1000,
    });
  /** The executions replaying the refund (its own delivery parked it first). */
  const replaysOf = (u: string) =>
    world
      .executions('refund')
      .filter(
        (e) =>
          e.name.startsWith('linked-') && (e.input as { fact?: { key?: string } }).fact?.key === factKey(u),
      );
  const targetOf = (call: TaskCall): string => {
    const p = call.parameters as { StateMachineArn: string; Name: string };
    return `${p.StateMachineArn.replace(':stateMachine:', ':execution:')}:${p.Name}`;
  };

  it('a replay whose StartExecution response was lost is not started twice by the retry', async () => {
    // Prepare: a refund parked until its PaymentIntent is linked
    await signedUp('p_rl', 'u_rl');
    await stripe(firstPayment('u_rl')[0]);
    await stripe(refund('u_rl'));
    await world.settle();
    // The replay starts, its caller sees a timeout; the retry comes once the replay has ended.
    world.faults = (call) => {
      if (call.stateName !== 'ReplayWaitingFact') return undefined;
      if (call.attempt === 1) {
        return {
          kind: 'lost-response',
          error: 'StepFunctions.SdkClientException',
          cause: 'Request timed out after the execution started',
        };
      }
      return { kind: 'hold', until: world.runtime.waitFor(targetOf(call)) };
    };
    // Act
    await stripe(firstPayment('u_rl')[1]);
    await world.settle();
    // Assess: one replay, named from the parked fact's key; the retry met it and moved on
    const linking = executionNamed('payment-express', 'invoice-payment-inpay_u_rl');
    expect(callsOf(linking, 'ReplayWaitingFact')).toBe(2);
    expect(world.runtime.caughtStates(linking)).toContain('ReplayWaitingFact');
    expect(replaysOf('u_rl').map((e) => [e.name, e.status])).toEqual([[replayName('u_rl'), 'SUCCEEDED']]);
    expect(await world.counters('p_rl')).toMatchObject({ refundedCents: 1000, refundCount: 1 });
    expect(await world.waitingUnder('payment:pi_u_rl')).toEqual([]);
    expect(await world.waitingUnder('payment:ch_u_rl')).toEqual([]);
  });

  it('a fact waiting under two ids that one fact links is replayed once', async () => {
    // Prepare: the refund waits under its PaymentIntent and its charge; the older-API invoice links both
    await signedUp('p_r2', 'u_r2');
    await stripe(refund('u_r2'));
    await world.settle();
    const invoice = invoicePaidEvent({
      eventId: 'evt_inv_u_r2',
      invoiceId: 'in_u_r2',
      userId: 'u_r2',
      priceId: 'price_afplus_monthly',
      amountPaidCents: 2999,
      subscriptionId: 'sub_u_r2',
      customerId: 'cus_u_r2',
      apiShape: 'older',
      chargeId: 'ch_u_r2',
      paymentIntentId: 'pi_u_r2',
    });
    // The replay keeps its parked copies until the linking execution has ended, so both ids find it.
    world.faults = (call) =>
      call.stateName === 'DeleteParkedCopy' && call.executionName.startsWith('linked-')
        ? { kind: 'hold', until: world.runtime.waitFor(paymentExecution('u_r2')) }
        : undefined;
    // Act
    await stripe(invoice);
    await world.settle();
    const linkingArn = paymentExecution('u_r2');
    // Assess: both ids asked for the same replay, which ran once
    const names = world.runtime
      .taskCalls(linkingArn)
      .filter((c) => c.stateName === 'ReplayWaitingFact')
      .map((c) => (c.parameters as { Name: string }).Name);
    expect(names).toEqual([replayName('u_r2'), replayName('u_r2')]);
    expect(replaysOf('u_r2')).toHaveLength(1);
    expect(await world.counters('p_r2')).toMatchObject({ totalPaid: 1, refundedCents: 1000, refundCount: 1 });
  });
});
