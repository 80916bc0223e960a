import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ADMIN_SCOPE, TABLE_NAMES } from '../../domain/config';
import type { PayoutView } from '../../domain/payouts';
import {
  chargeRefundedEvent,
  invoicePaidEvent,
  invoicePaymentPaidEvent,
} from '../../local/events/stripe-events';
import { authorizedEvent, bodyOf, partnerReadEvent } from '../../local/events/http-events';
import { World } from '../support/world';

/**
 * The payout workflows on DynamoDB Local: the run (`payout`), an admin's status changes (`payout-status`,
 * through the admin API) and the settlement of a paid payout (`payout-settlement` → `commission`). Every
 * commission is AF+ Monthly at 29.99 (750 earned), approved before the runs; the minimum payout is 5000.
 */

let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world.stop());

const stripe = (event: unknown) => world.system.deliverStripeEvent(event);
const JAN_2026 = Date.UTC(2026, 0, 5, 10) / 1000;
const DAY = 86_400;

/** `n` referred users of `partnerId`, each paying once in January 2026 (long past its hold period). */
async function paidReferrals(partnerId: string, n: number, prefix = partnerId): Promise<string[]> {
  expect(await world.registerPartner(partnerId)).toBe(201);
  const users = Array.from({ length: n }, (_, i) => `${prefix}_u${i}`);
  for (const u of users) await world.signup(partnerId, u);
  await world.settle();
  for (const u of users) await invoice(u, `in_${u}`, JAN_2026);
  await world.settle();
  return users;
}

async function invoice(u: string, invoiceId: string, at: number, billingReason?: 'subscription_cycle') {
  await stripe(
    invoicePaidEvent({
      eventId: `evt_${invoiceId}`,
      invoiceId,
      userId: u,
      priceId: 'price_afplus_monthly',
      amountPaidCents: 2999,
      subscriptionId: `sub_${u}`,
      customerId: `cus_${u}`,
      created: at,
      ...(billingReason ? { billingReason } : {}),
    }),
  );
  await stripe(
    invoicePaymentPaidEvent({
      eventId: `evt_pay_${invoiceId}`,
      invoicePaymentId: `inpay_${invoiceId}`,
      invoiceId,
      paymentIntentId: `pi_${invoiceId}`,
      amountPaidCents: 2999,
      created: at,
    }),
  );
}

async function approveDue(): Promise<void> {
  const { executionArn } = world.runtime.start('approval', {});
  expect((await world.runtime.waitFor(executionArn)).status).toBe('SUCCEEDED');
  await world.settle();
}

async function payoutRun(name?: string) {
  const { executionArn } = world.runtime.start('payout', {}, name);
  const done = await world.runtime.waitFor(executionArn);
  expect(done.status).toBe('SUCCEEDED');
  return done.output as { payoutsCreated: number; amountCents: number; negativeBalance: number };
}

const admin = (method: 'GET' | 'POST', path: string, routeKey: string, extra: Record<string, unknown> = {}) =>
  world.system.adminApi(
    authorizedEvent({ method, path, routeKey, ...extra }, { scope: DEFAULT_ADMIN_SCOPE }),
  );

async function move(payoutId: string, to: 'processing' | 'paid' | 'failed' | 'cancel', body?: unknown) {
  const res = await admin(
    'POST',
    `/admin/payouts/${payoutId}/${to}`,
    `POST /admin/payouts/{payoutId}/${to}`,
    {
      pathParameters: { payoutId },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
  );
  await world.settle();
  return { statusCode: res.statusCode, body: bodyOf(res) as unknown as PayoutView & { error?: string } };
}

async function payoutsOf(partnerId: string): Promise<PayoutView[]> {
  const res = await world.system.dashboardApi(partnerReadEvent(partnerId, 'payouts'));
  expect(res.statusCode).toBe(200);
  return (bodyOf(res) as { payouts: PayoutView[] }).payouts;
}

async function claimsOf(partnerId: string): Promise<string[]> {
  const out = await world.db.send(
    new QueryCommand({
      TableName: TABLE_NAMES.payouts,
      KeyConditionExpression: 'partnerId = :p AND begins_with(payoutId, :c)',
      ExpressionAttributeValues: { ':p': partnerId, ':c': 'claim#' },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((i) => String(i.payoutId)).sort();
}

const statusesOf = async (partnerId: string) =>
  Object.fromEntries((await world.commissions(partnerId)).map((c) => [c.commissionId, c.status]));

describe('payout runs', () => {
  it('two overlapping runs create one payout holding each commission once', async () => {
    // Prepare: 8 approved commissions of 750 (6000, above the 5000 minimum)
    await paidReferrals('p_overlap', 8);
    await approveDue();
    // Act: two runs at once
    const [a, b] = await Promise.all([payoutRun('payouts-a'), payoutRun('payouts-b')]);
    await world.settle();
    // Assess
    const payouts = await payoutsOf('p_overlap');
    expect(payouts).toHaveLength(1);
    expect(payouts[0]).toMatchObject({ status: 'pending', amountCents: 6000, currency: 'usd' });
    expect(payouts[0]?.commissions).toHaveLength(8);
    expect(new Set(payouts[0]?.commissions.map((c) => c.commissionId)).size).toBe(8);
    expect(await claimsOf('p_overlap')).toHaveLength(8);
    expect(a.payoutsCreated + b.payoutsCreated).toBeGreaterThanOrEqual(1);
    // Nothing is paid until the payout is: the balance still holds the 6000
    expect(await world.counters('p_overlap')).toMatchObject({
      approvedEarningsCents: 6000,
      paidEarningsCents: 0,
    });
  });

  it('a partner under the minimum is carried over, and a failed payout returns its commissions to the next run', async () => {
    // Prepare: 4 commissions (3000) for one partner, 7 (5250) for another
    await paidReferrals('p_small', 4);
    await paidReferrals('p_fail', 7);
    await approveDue();
    await payoutRun();
    await world.settle();
    const [first] = await payoutsOf('p_fail');
    expect(await payoutsOf('p_small')).toEqual([]);
    expect(first).toMatchObject({ amountCents: 5250, status: 'pending' });
    // Act: the transfer fails
    expect((await move(first!.payoutId, 'processing')).body.status).toBe('processing');
    const failed = await move(first!.payoutId, 'failed', { reason: 'bank account closed' });
    const rerun = await payoutRun();
    await world.settle();
    // Assess: failed with its reason, the claims released, the same commissions in a new payout
    expect(failed).toMatchObject({
      statusCode: 200,
      body: { status: 'failed', failureReason: 'bank account closed' },
    });
    expect(rerun.payoutsCreated).toBeGreaterThanOrEqual(1);
    const payouts = await payoutsOf('p_fail');
    expect(payouts.map((p) => p.status).sort()).toEqual(['failed', 'pending']);
    const again = payouts.find((p) => p.status === 'pending');
    expect(again?.commissions.map((c) => c.commissionId).sort()).toEqual(
      first!.commissions.map((c) => c.commissionId).sort(),
    );
    expect(await claimsOf('p_fail')).toHaveLength(7);
    expect(Object.values(await statusesOf('p_fail'))).toEqual(Array(7).fill('approved'));
    expect(await payoutsOf('p_small')).toEqual([]);
    // A failed payout is final
    expect((await move(first!.payoutId, 'paid', { reference: 'tr_late' })).statusCode).toBe(409);
  });

  it('a paid payout marks its commissions paid exactly once; a refund after it is clawed back from the next payout', async () => {
    // Prepare: 8 commissions paid out
    const users = await paidReferrals('p_claw', 8);
    await approveDue();
    await payoutRun();
    await world.settle();
    const [payout] = await payoutsOf('p_claw');
    await move(payout!.payoutId, 'processing');
    // Act: paid, and the admin's request delivered twice
    const paid = await move(payout!.payoutId, 'paid', { reference: 'tr_1001' });
    const again = await move(payout!.payoutId, 'paid', { reference: 'tr_1001' });
    const otherReference = await move(payout!.payoutId, 'paid', { reference: 'tr_other' });
    // Assess
    expect(paid).toMatchObject({ statusCode: 200, body: { status: 'paid', reference: 'tr_1001' } });
    expect(again).toMatchObject({ statusCode: 200, body: { status: 'paid', version: paid.body.version } });
    expect(otherReference).toMatchObject({ statusCode: 409, body: { error: 'PayoutStatusConflict' } });
    const rows = await world.commissions('p_claw');
    expect(rows.map((r) => [r.status, r.payoutId])).toEqual(Array(8).fill(['paid', payout!.payoutId]));
    expect(rows.every((r) => typeof r.paidAt === 'string')).toBe(true);
    expect(await world.counters('p_claw')).toMatchObject({
      paidEarningsCents: 6000,
      approvedEarningsCents: 0,
    });
    expect(
      world.executions('commission').filter((e) => e.name.startsWith('payout-')).length,
    ).toBeGreaterThanOrEqual(8);

    // Act: one invoice refunded in full after the payout, then eight renewals approved
    await stripe(
      chargeRefundedEvent({
        eventId: `evt_refund_${users[0]}`,
        chargeId: `ch_${users[0]}`,
        paymentIntentId: `pi_in_${users[0]}`,
        amountCents: 2999,
        amountRefundedCents: 2999,
        created: JAN_2026 + 60 * DAY,
      }),
    );
    await world.settle();
    for (const u of users) await invoice(u, `in_${u}_2`, JAN_2026 + 31 * DAY, 'subscription_cycle');
    await world.settle();
    await approveDue();
    await payoutRun();
    await world.settle();
    // Assess: the next payout nets the clawback (6000 − 750)
    const next = (await payoutsOf('p_claw')).find((p) => p.status === 'pending');
    expect(next?.amountCents).toBe(5250);
    expect(next?.commissions).toEqual(
      expect.arrayContaining([
        { commissionId: `clawback#in_${users[0]}`, referredUserId: users[0], netCents: -750 },
      ]),
    );
    await move(next!.payoutId, 'processing');
    await move(next!.payoutId, 'paid', { reference: 'tr_1002' });
    expect((await statusesOf('p_claw'))[`clawback#in_${users[0]}`]).toBe('paid');
    expect(await world.counters('p_claw')).toMatchObject({
      paidEarningsCents: 6000 + 5250,
      approvedEarningsCents: 0,
      reversedEarningsCents: 750,
    });
    // Reconciliation agrees with every counter
    const report = await world.reconcile();
    expect(report).toMatchObject({ partnersCorrected: 0 });
  });

  it('a negative balance is carried forward and never paid out', async () => {
    // Prepare: 8 commissions paid out, then every one refunded in full: −6000 of clawbacks
    const users = await paidReferrals('p_negative', 8);
    await approveDue();
    await payoutRun();
    await world.settle();
    const [payout] = await payoutsOf('p_negative');
    await move(payout!.payoutId, 'processing');
    await move(payout!.payoutId, 'paid', { reference: 'tr_2001' });
    for (const u of users) {
      await stripe(
        chargeRefundedEvent({
          eventId: `evt_refund_${u}`,
          chargeId: `ch_${u}`,
          paymentIntentId: `pi_in_${u}`,
          amountCents: 2999,
          amountRefundedCents: 2999,
          created: JAN_2026 + 60 * DAY,
        }),
      );
    }
    await world.settle();
    // Act: a run, then two renewals approved (1500) and another run
    const first = await payoutRun();
    for (const u of users.slice(0, 2))
      await invoice(u, `in_${u}_2`, JAN_2026 + 31 * DAY, 'subscription_cycle');
    await world.settle();
    await approveDue();
    const second = await payoutRun();
    await world.settle();
    // Assess: no new payout; the balance is −4500, carried forward
    expect(first.negativeBalance).toBeGreaterThanOrEqual(1);
    expect(second.negativeBalance).toBeGreaterThanOrEqual(1);
    expect((await payoutsOf('p_negative')).map((p) => p.status)).toEqual(['paid']);
    expect(await world.counters('p_negative')).toMatchObject({
      approvedEarningsCents: -4500,
      paidEarningsCents: 6000,
    });
    const dashboard = await world.dashboard('p_negative');
    expect(dashboard.body).toMatchObject({ earnings: { balanceCents: -4500 } });
  });
});
