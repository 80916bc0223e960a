import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_NAMES } from '../../domain/config';
import { handler as reconciliationCompute } from '../../lambdas/reconciliation-compute';
import { invoicePaidEvent } from '../../local/events/stripe-events';
import { expectedCounters, ONE_AF_PLUS_MONTHLY_PAYMENT, World } from '../support/world';

/** Reconciliation recomputes stats from referrals and must never overwrite increments landing meanwhile. */
let world: World;
/**
 * Work to run inside the next `plan` step of one partner, after its stats row was read and before the
 * corrected write. Keyed by partner: the Map plans other partners too, in no fixed order.
 */
let duringPlan: { partnerId: string; work: () => Promise<void> } | undefined;

beforeAll(async () => {
  world = await World.start({
    lambdas: {
      'reconciliation-compute': async (event, context) => {
        const { action, partnerId } = event as { action?: string; partnerId?: string };
        if (action === 'plan' && duringPlan && duringPlan.partnerId === partnerId) {
          const { work } = duringPlan;
          duringPlan = undefined;
          await work();
        }
        return reconciliationCompute(event, context);
      },
    },
  });
});
afterAll(() => world.stop());

async function paidReferral(partnerId: string, userId: string, amountPaidCents = 2999): Promise<void> {
  await world.signup(partnerId, userId);
  await world.settle();
  await world.system.deliverStripeEvent(
    invoicePaidEvent({
      userId,
      invoiceId: `in_${userId}`,
      eventId: `evt_${userId}`,
      priceId: 'price_afplus_monthly',
      amountPaidCents,
    }),
  );
  await world.settle();
}

const corrupt = (partnerId: string, values: Record<string, number>) =>
  world.db.send(
    new UpdateCommand({
      TableName: TABLE_NAMES.stats,
      Key: { partnerId },
      UpdateExpression: `SET ${Object.keys(values)
        .map((k) => `${k} = :${k}`)
        .join(', ')}`,
      ExpressionAttributeValues: Object.fromEntries(Object.entries(values).map(([k, v]) => [`:${k}`, v])),
    }),
  );

describe('reconciliation', () => {
  it('corrects drift, reports the fields that differed, keeps the clicks, and finds nothing the second time', async () => {
    await world.registerPartner('p_drift');
    await world.click('p_drift');
    await paidReferral('p_drift', 'u_drift');
    const truth = await world.counters('p_drift');
    await corrupt('p_drift', { totalPaid: 7, totalEarningsCents: 1 });

    const first = await world.reconcile();
    const second = await world.reconcile();

    expect(first.drift).toEqual(
      expect.arrayContaining([
        {
          partnerId: 'p_drift',
          fields: { totalPaid: { stored: 7, actual: 1 }, totalEarningsCents: { stored: 1, actual: 750 } },
        },
      ]),
    );
    expect(await world.counters('p_drift')).toEqual(truth);
    expect(truth.totalClicks).toBe(1);
    expect(second).toMatchObject({ partnersCorrected: 0 });
    expect(second.partnersChecked).toBe(first.partnersChecked);
  });

  it('an increment landing between its read and its write is not overwritten: the partner is redone', async () => {
    await world.registerPartner('p_race');
    await paidReferral('p_race', 'u_race');
    await corrupt('p_race', { totalRevenueCents: 0 });
    duringPlan = {
      partnerId: 'p_race',
      work: async () => {
        expect(await world.click('p_race')).toMatchObject({ statusCode: 302 });
      },
    };

    const { executionArn } = world.runtime.start('reconciliation', {});
    const done = await world.runtime.waitFor(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    // The conditional write on `version` failed once, and the partner was read again.
    expect(world.runtime.statesEntered(executionArn)).toContain('CountRetry');
    expect(await world.counters('p_race')).toEqual(
      expectedCounters({ ...ONE_AF_PLUS_MONTHLY_PAYMENT, totalClicks: 1 }),
    );
  });

  it('runs while clicks, signups and payments keep landing, and nothing is lost', async () => {
    const partners = ['p_live_a', 'p_live_b', 'p_live_c'];
    for (const p of partners) await world.registerPartner(p);
    await corrupt('p_live_a', { totalSignups: 40 });

    const traffic = partners.flatMap((p) => [
      ...Array.from({ length: 10 }, () => world.click(p)),
      ...Array.from({ length: 4 }, async (_, i) => {
        const userId = `u_${p}_${i}`;
        await world.signup(p, userId);
        await world.settle();
        if (i % 2 === 0) {
          await world.system.deliverStripeEvent(
            invoicePaidEvent({
              userId,
              invoiceId: `in_${userId}`,
              eventId: `evt_${userId}`,
              priceId: 'price_af_annual',
              amountPaidCents: 9900,
            }),
          );
        }
      }),
    ]);
    const reconciling = world.runtime.start('reconciliation', {});
    await Promise.all(traffic);
    await world.runtime.waitFor(reconciling.executionArn);
    await world.settle();
    await world.reconcile();

    for (const p of partners) {
      expect(await world.counters(p)).toEqual(
        expectedCounters({
          totalClicks: 10,
          totalSignups: 4,
          afSignups: 4,
          totalPaid: 2,
          afPaid: 2,
          afAnnualPaid: 2,
          activeSubscriptions: 2,
          totalRevenueCents: 19_800,
          totalEarningsCents: 4_950,
          pendingEarningsCents: 4_950,
        }),
      );
    }
  });
});
