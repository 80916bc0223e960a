/**
 * `npm run demo`: the referral program on one machine. Starts DynamoDB Local, runs a few partners'
 * journeys (clicks, signups, verifications, payments, a cancellation, a redelivered and an early
 * event) through the real state machines and handlers, reconciles, and prints each dashboard.
 */
import { followRun } from './reconcile';
import { DEFAULT_ADMIN_SCOPE } from '../domain/config';
import { authorizedEvent, bodyOf, httpEvent, partnerReadEvent } from './events/http-events';
import { DEMO_PARTNERS, seedDemo, type SeedTarget } from './seed';
import { defineCommand, readCommandLine } from './command-line';
import { LocalSystem } from './system';

const DEMO_COMMAND = defineCommand({
  name: 'npm run demo',
  summary: [
    "A few partners' journeys (clicks, signups, verifications, payments, a cancellation, a redelivered and an",
    'early event) through the real state machines and handlers on a throwaway DynamoDB Local, then a',
    "reconciliation and each partner's dashboard. Writes nothing; for a stack that keeps running, `npm start`.",
  ],
  flags: {},
});

const line = (text = ''): void => void process.stdout.write(`${text}\n`);

async function main(): Promise<void> {
  readCommandLine(DEMO_COMMAND);
  line('Starting DynamoDB Local and loading the state machines ...');
  const system = await LocalSystem.start();
  const stop = async () => {
    await system.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    await seedDemo(inProcess(system));
    await system.settle();
    const { executionArn } = system.runtime.start('reconciliation', {}, 'reconciliation-demo');
    const reconciliation = await followRun(executionArn, (arn) => system.runtime.waitFor(arn));
    printExecutions(system);
    line(`Reconciliation: ${JSON.stringify(reconciliation.report)}`);
    for (const { partnerId } of DEMO_PARTNERS) await printDashboard(system, partnerId);
  } finally {
    await stop();
  }
}

/** The demo's journeys through the in-process handlers, as API Gateway and EventBridge would call them. */
function inProcess(system: LocalSystem): SeedTarget {
  return {
    async registerPartner(partner) {
      const res = await system.adminApi(
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
      if (res.statusCode !== 201) throw new Error(`registering ${partner.partnerId}: ${res.body}`);
    },
    async click(partnerId, sourceIp) {
      await system.clickApi(
        httpEvent({
          path: `/r/${partnerId}`,
          routeKey: 'GET /r/{partnerId}',
          pathParameters: { partnerId },
          sourceIp,
        }),
      );
    },
    async sendAppEvent(event) {
      await system.deliverAppEvent(event);
    },
    async sendStripeEvent(event) {
      await system.deliverStripeEvent(event);
    },
    settle: () => system.settle(),
  };
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
  const res = await system.dashboardApi(partnerReadEvent(partnerId, 'dashboard'));
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
