/**
 * `npm run demo:year`: one referred user's year through the real workflows on DynamoDB Local. Signup, first
 * payment, eleven renewals, a partial refund, a lost dispute, an upgrade and a cancellation; the hourly
 * approval run is replayed at each step's date (`asOf`). After each step it prints the partner's ledger and
 * dashboard, to the cent.
 */
import { DEFAULT_ADMIN_SCOPE } from '../domain/config';
import { formatMinorUnits } from '../domain/dashboard';
import { userEmailVerifiedEvent, userSignedUpEvent } from './events/app-events';
import { authorizedEvent, bodyOf, partnerReadEvent } from './events/http-events';
import {
  chargeRefundedEvent,
  disputeClosedEvent,
  disputeCreatedEvent,
  invoicePaidEvent,
  invoicePaymentPaidEvent,
  subscriptionDeletedEvent,
  subscriptionUpdatedEvent,
} from './events/stripe-events';
import { defineCommand, readCommandLine } from './command-line';
import { LocalSystem } from './system';

const YEAR_COMMAND = defineCommand({
  name: 'npm run demo:year',
  summary: [
    "One referred user's year through the real workflows on a throwaway DynamoDB Local: signup, first payment,",
    'eleven renewals, a partial refund, a lost dispute, an upgrade and a cancellation, with the hourly approval',
    "run at each step's date; after each step, the partner's ledger and dashboard, to the cent. Writes nothing.",
  ],
  flags: {},
});

const PARTNER = 'p_year';
const USER = 'u_year';
const SUBSCRIPTION = 'sub_year';
const line = (text = ''): void => void process.stdout.write(`${text}\n`);
const seconds = (iso: string): number => Date.parse(iso) / 1000;

interface Step {
  at: string;
  title: string;
  events: unknown[];
}

/** The invoice of month `n` (1 = the first payment) and the invoice payment that links its charge. */
function invoice(
  n: number,
  at: string,
  priceId: string,
  amountPaidCents: number,
  reason = n === 1 ? 'subscription_create' : 'subscription_cycle',
) {
  const created = seconds(at);
  return [
    invoicePaidEvent({
      eventId: `evt_in_${n}`,
      invoiceId: `in_year_${n}`,
      userId: USER,
      priceId,
      amountPaidCents,
      billingReason: reason as 'subscription_create',
      subscriptionId: SUBSCRIPTION,
      customerId: 'cus_year',
      paidAt: created,
      created,
    }),
    invoicePaymentPaidEvent({
      eventId: `evt_inpay_${n}`,
      invoicePaymentId: `inpay_year_${n}`,
      invoiceId: `in_year_${n}`,
      paymentIntentId: `pi_year_${n}`,
      amountPaidCents,
      paidAt: created,
      created,
    }),
  ];
}

const monthly = (month: number): string => new Date(Date.UTC(2025, 10 + month - 1, 3, 10)).toISOString();

function steps(): Step[] {
  const out: Step[] = [
    {
      at: '2025-11-02T18:00:00.000Z',
      title: 'Signup and email verification (AF Monthly)',
      events: [
        userSignedUpEvent({
          partnerId: PARTNER,
          userId: USER,
          eventId: 'evt_signup',
          occurredAt: '2025-11-02T18:00:00.000Z',
        }),
        userEmailVerifiedEvent({
          userId: USER,
          eventId: 'evt_verify',
          occurredAt: '2025-11-02T18:05:00.000Z',
        }),
      ],
    },
    {
      at: monthly(1),
      title: 'First payment: AF Monthly 14.99',
      events: invoice(1, monthly(1), 'price_af_monthly', 1499),
    },
  ];
  for (let n = 2; n <= 12; n++) {
    const upgraded = n >= 9;
    out.push({
      at: monthly(n),
      title: `Renewal ${n - 1} (month ${n}): ${upgraded ? 'AF+ Monthly 29.99' : 'AF Monthly 14.99'}`,
      events: invoice(
        n,
        monthly(n),
        upgraded ? 'price_afplus_monthly' : 'price_af_monthly',
        upgraded ? 2999 : 1499,
      ),
    });
    if (n === 3) {
      const at = '2026-01-10T09:00:00.000Z';
      out.push({
        at,
        title: 'Partial refund: 5.00 of the month-3 invoice',
        events: [
          chargeRefundedEvent({
            eventId: 'evt_refund_3',
            chargeId: 'ch_year_3',
            paymentIntentId: 'pi_year_3',
            amountCents: 1499,
            amountRefundedCents: 500,
            created: seconds(at),
          }),
        ],
      });
    }
    if (n === 5) {
      const opened = '2026-03-12T12:00:00.000Z';
      const closed = '2026-04-20T12:00:00.000Z';
      const dispute = {
        disputeId: 'dp_year_5',
        chargeId: 'ch_year_5',
        paymentIntentId: 'pi_year_5',
        amountCents: 1499,
      };
      out.push({
        at: opened,
        title: 'Dispute opened on the month-5 invoice',
        events: [disputeCreatedEvent({ eventId: 'evt_dp_open', ...dispute, created: seconds(opened) })],
      });
      out.push({
        at: closed,
        title: 'Dispute lost',
        events: [
          disputeClosedEvent({
            eventId: 'evt_dp_lost',
            ...dispute,
            status: 'lost',
            created: seconds(closed),
          }),
        ],
      });
    }
    if (n === 8) {
      const at = '2026-06-18T10:00:00.000Z';
      out.push({
        at,
        title: 'Upgrade to AF+ Monthly: proration invoice 7.50',
        events: [
          ...invoice(80, at, 'price_afplus_monthly', 750, 'subscription_update'),
          subscriptionUpdatedEvent({
            eventId: 'evt_upgrade',
            subscriptionId: SUBSCRIPTION,
            userId: USER,
            priceId: 'price_afplus_monthly',
            created: seconds(at),
          }),
        ],
      });
    }
  }
  const canceled = '2026-10-20T08:00:00.000Z';
  out.push({
    at: canceled,
    title: 'Cancellation',
    events: [
      subscriptionDeletedEvent({
        eventId: 'evt_cancel',
        subscriptionId: SUBSCRIPTION,
        userId: USER,
        canceledAt: seconds(canceled),
        created: seconds(canceled),
      }),
    ],
  });
  out.push({ at: '2026-11-30T00:00:00.000Z', title: 'Thirty days later: the last approvals', events: [] });
  return out;
}

async function main(): Promise<void> {
  readCommandLine(YEAR_COMMAND);
  const system = await LocalSystem.start();
  try {
    const registered = await system.adminApi(
      authorizedEvent(
        {
          method: 'POST',
          path: '/admin/partners',
          routeKey: 'POST /admin/partners',
          body: JSON.stringify({ partnerId: PARTNER, displayName: 'A year of one referral' }),
        },
        { scope: DEFAULT_ADMIN_SCOPE },
      ),
    );
    if (registered.statusCode !== 201) throw new Error(`registering ${PARTNER}: ${registered.body}`);
    for (const step of steps()) {
      for (const event of step.events) {
        const source = (event as { source?: string }).source ?? '';
        if (source.startsWith('aws.partner/')) await system.deliverStripeEvent(event);
        else await system.deliverAppEvent(event);
        await system.settle();
      }
      const { executionArn } = system.runtime.start('approval', { asOf: step.at });
      await system.runtime.waitFor(executionArn);
      await system.settle();
      line(`\n## ${step.at.slice(0, 10)}  ${step.title}`);
      await printLedger(system);
      await printDashboard(system);
    }
    if (system.deadLetters.length > 0) throw new Error(`dead letters: ${JSON.stringify(system.deadLetters)}`);
  } finally {
    await system.stop();
  }
}

interface CommissionRow {
  commissionId: string;
  subscriptionMonth: number;
  baseAmountCents: number;
  earningsCents: number;
  reversedCents: number;
  netCents: number;
  status: string;
  statusReason: string;
  currency: string;
}

async function printLedger(system: LocalSystem): Promise<void> {
  const res = await system.dashboardApi(partnerReadEvent(PARTNER, 'commissions'));
  if (res.statusCode !== 200) throw new Error(`commissions: ${res.statusCode} ${res.body}`);
  const rows = ((bodyOf(res) as { commissions: CommissionRow[] }).commissions ?? []).slice().reverse();
  line('  commission        month   invoice  earns  reversed    net  status');
  for (const r of rows) {
    line(
      `  ${r.commissionId.padEnd(16)} ${String(r.subscriptionMonth).padStart(5)} ${formatMinorUnits(r.baseAmountCents, r.currency).padStart(9)} ${formatMinorUnits(r.earningsCents, r.currency).padStart(6)} ${formatMinorUnits(r.reversedCents, r.currency).padStart(9)} ${formatMinorUnits(r.netCents, r.currency).padStart(6)}  ${r.status} (${r.statusReason})`,
    );
  }
}

async function printDashboard(system: LocalSystem): Promise<void> {
  const res = await system.dashboardApi(partnerReadEvent(PARTNER, 'dashboard'));
  if (res.statusCode !== 200) throw new Error(`dashboard: ${res.statusCode} ${res.body}`);
  const s = (bodyOf(res) as { stats: Record<string, number> }).stats;
  const m = (cents: number | undefined): string => formatMinorUnits(cents ?? 0, 'usd');
  line(
    `  dashboard: revenue ${m(s.totalRevenueCents)} refunded ${m(s.refundedCents)} disputes lost ${m(s.disputeLostCents)} net ${m(s.netRevenueCents)} | earnings ${m(s.totalEarningsCents)}: pending ${m(s.pendingEarningsCents)} approved ${m(s.approvedEarningsCents)} on hold ${m(s.onHoldEarningsCents)} paid ${m(s.paidEarningsCents)} reversed ${m(s.reversedEarningsCents)} | active ${s.activeSubscriptions} (AF ${s.afActiveSubscriptions}, AF+ ${s.afPlusActiveSubscriptions}) refunds ${s.refundCount} disputes ${s.disputeCount}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
