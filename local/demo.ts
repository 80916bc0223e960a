/**
 * `npm start`: the referral program on one machine. Starts DynamoDB Local, runs a few partners'
 * journeys (clicks, signups, verifications, payments, a cancellation, a redelivered and an early
 * event) through the real state machines and handlers, reconciles, and prints each dashboard.
 */
import { DEFAULT_ADMIN_SCOPE } from '../domain/config';
import { userEmailVerifiedEvent, userSignedUpEvent } from './events/app-events';
import { authorizedEvent, bodyOf, httpEvent } from './events/http-events';
import { invoicePaidEvent, subscriptionDeletedEvent } from './events/stripe-events';
import { LocalSystem } from './system';

interface Journey {
  userId: string;
  verify?: boolean;
  pay?: { priceId: string; amountPaidCents: number };
  cancel?: boolean;
  /** The payment reaches us before the signup (Stripe and EventBridge do not promise order). */
  payFirst?: boolean;
  /** Stripe delivers the payment event twice. */
  redeliver?: boolean;
}

const PARTNERS: { partnerId: string; displayName: string; clicks: number; journeys: Journey[] }[] = [
  {
    partnerId: 'acme-blog',
    displayName: 'ACME Blog',
    clicks: 40,
    journeys: [
      { userId: 'alice', verify: true, pay: { priceId: 'price_afplus_monthly', amountPaidCents: 2999 } },
      {
        userId: 'bob',
        verify: true,
        pay: { priceId: 'price_af_annual', amountPaidCents: 9900 },
        redeliver: true,
      },
      { userId: 'carol', verify: true },
      { userId: 'dave' },
    ],
  },
  {
    partnerId: 'devtools-weekly',
    displayName: 'DevTools Weekly',
    clicks: 25,
    journeys: [
      { userId: 'erin', verify: true, pay: { priceId: 'price_afplus_annual', amountPaidCents: 29990 } },
      { userId: 'frank', pay: { priceId: 'price_af_monthly', amountPaidCents: 999 }, payFirst: true },
      {
        userId: 'grace',
        verify: true,
        pay: { priceId: 'price_afplus_monthly', amountPaidCents: 2999 },
        cancel: true,
      },
    ],
  },
  { partnerId: 'indie-hacker', displayName: 'Indie Hacker', clicks: 8, journeys: [{ userId: 'heidi' }] },
];

const line = (text = ''): void => void process.stdout.write(`${text}\n`);

async function main(): Promise<void> {
  line('Starting DynamoDB Local and loading the state machines ...');
  const system = await LocalSystem.start();
  const stop = async () => {
    await system.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    await runJourneys(system);
    await system.settle();
    const { executionArn } = system.runtime.start('reconciliation', {}, 'reconciliation-demo');
    const reconciliation = await system.runtime.waitFor(executionArn);
    printExecutions(system);
    line(`Reconciliation: ${JSON.stringify(reconciliation.output)}`);
    for (const { partnerId } of PARTNERS) await printDashboard(system, partnerId);
  } finally {
    await stop();
  }
}

async function runJourneys(system: LocalSystem): Promise<void> {
  const at = (minute: number) => 1_768_471_200 + minute * 60;
  for (const partner of PARTNERS) {
    const registered = await system.adminApi(
      authorizedEvent(
        {
          method: 'POST',
          path: '/admin/partners',
          routeKey: 'POST /admin/partners',
          body: JSON.stringify(partner),
        },
        { scope: DEFAULT_ADMIN_SCOPE },
      ),
    );
    if (registered.statusCode !== 201)
      throw new Error(`registering ${partner.partnerId}: ${registered.body}`);
    const { partnerId } = partner;
    for (let i = 0; i < partner.clicks; i++) {
      await system.clickApi(
        httpEvent({
          path: `/r/${partnerId}`,
          routeKey: 'GET /r/{partnerId}',
          pathParameters: { partnerId },
          sourceIp: `198.51.100.${i}`,
        }),
      );
    }
  }
  let minute = 0;
  for (const partner of PARTNERS) {
    for (const j of partner.journeys) {
      minute += 5;
      const payment = j.pay
        ? invoicePaidEvent({
            userId: j.userId,
            invoiceId: `in_${j.userId}`,
            eventId: `evt_pay_${j.userId}`,
            ...j.pay,
            paidAt: at(minute + 3),
          })
        : undefined;
      if (payment && j.payFirst) await system.deliverStripeEvent(payment);
      await system.deliverAppEvent(
        userSignedUpEvent({
          userId: j.userId,
          partnerId: partner.partnerId,
          eventId: `evt_signup_${j.userId}`,
          occurredAt: new Date(at(minute) * 1000).toISOString(),
        }),
      );
      await system.settle();
      if (j.verify) {
        await system.deliverAppEvent(
          userEmailVerifiedEvent({
            userId: j.userId,
            eventId: `evt_verify_${j.userId}`,
            occurredAt: new Date(at(minute + 1) * 1000).toISOString(),
          }),
        );
      }
      if (payment && !j.payFirst) await system.deliverStripeEvent(payment);
      await system.settle();
      if (payment && j.redeliver) await system.deliverStripeEvent(payment);
      if (j.cancel) {
        await system.deliverStripeEvent(
          subscriptionDeletedEvent({
            userId: j.userId,
            subscriptionId: `sub_${j.userId}`,
            eventId: `evt_del_${j.userId}`,
          }),
        );
      }
      await system.settle();
    }
  }
}

function printExecutions(system: LocalSystem): void {
  const counts = new Map<string, number>();
  for (const e of system.runtime.list()) {
    const key = `${e.workflow} ${e.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  line();
  line('Executions (real ASL on DynamoDB Local):');
  for (const [key, n] of [...counts].sort()) line(`  ${key.padEnd(28)} ${n}`);
  line(`  dead-lettered events         ${system.deadLetters.length}`);
}

async function printDashboard(system: LocalSystem, partnerId: string): Promise<void> {
  const res = await system.dashboardApi(
    authorizedEvent(
      {
        path: `/partners/${partnerId}/dashboard`,
        routeKey: 'GET /partners/{partnerId}/dashboard',
        pathParameters: { partnerId },
      },
      { partnerId },
    ),
  );
  if (res.statusCode !== 200) throw new Error(`dashboard of ${partnerId}: ${res.statusCode} ${res.body}`);
  const d = bodyOf(res) as unknown as {
    displayName: string;
    stats: Record<string, number | string>;
    conversion: { clickToSignup: { percent: string }; signupToPaid: { percent: string } };
    recentReferrals: {
      referralId: string;
      planType: string;
      billingCycle: string;
      paymentAmount: string;
      partnerEarnings: string;
      subscriptionStatus: string;
      paidAt: string;
    }[];
  };
  const s = d.stats;
  line();
  line(`== ${d.displayName} (${partnerId}) ==`);
  line(
    `  clicks ${s.totalClicks}  signups ${s.totalSignups} (AF ${s.afSignups}, AF+ ${s.afPlusSignups})  verified ${s.totalVerified}  paid ${s.totalPaid}  active subscriptions ${s.activeSubscriptions}`,
  );
  line(
    `  paid by plan: AF monthly ${s.afMonthlyPaid}, AF annual ${s.afAnnualPaid}, AF+ monthly ${s.afPlusMonthlyPaid}, AF+ annual ${s.afPlusAnnualPaid}`,
  );
  line(`  revenue ${s.totalRevenue}  earnings ${s.totalEarnings}  pending ${s.pendingEarnings}`);
  line(
    `  click→signup ${d.conversion.clickToSignup.percent}  signup→paid ${d.conversion.signupToPaid.percent}`,
  );
  for (const r of d.recentReferrals) {
    line(
      `  ${r.paidAt}  ${r.referralId.padEnd(10)} ${r.planType.padEnd(6)} ${r.billingCycle.padEnd(7)} paid ${r.paymentAmount.padStart(8)}  earns ${r.partnerEarnings.padStart(7)}  ${r.subscriptionStatus}`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
