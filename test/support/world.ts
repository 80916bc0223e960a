import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { partnerClicks } from '../../domain/click';
import { DEFAULT_ADMIN_SCOPE, TABLE_NAMES } from '../../domain/config';
import { STATS_COUNTERS } from '../../domain/stats';
import { readClickCounterShards } from '../../lambdas/commons/click-counters';
import { LocalSystem, type LocalSystemOptions } from '../../local/system';
import type { FaultInjector } from '../../local/workflow-runtime';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import { invoicePaidEvent, invoicePaymentPaidEvent } from '../../local/events/stripe-events';
import { followRun } from '../../local/reconcile';
import { authorizedEvent, bodyOf, httpEvent, partnerReadEvent } from '../../local/events/http-events';

/**
 * A test's view of the local system: the real ASL on DynamoDB Local, the real handlers, and small
 * helpers to act like the outside world (a browser, the app, Stripe, an admin) and to read the tables.
 * Retry waits are scaled to zero so failure paths run fast; the number of attempts is unchanged.
 */
export class World {
  /** The fault injector of the next executions; none by default. */
  faults: FaultInjector | undefined;

  private constructor(
    readonly system: LocalSystem,
    readonly db: DynamoDBDocumentClient,
  ) {}

  static async start(options: LocalSystemOptions = {}): Promise<World> {
    // The injector is read at each Task call, so tests can change `world.faults` between executions.
    const ref: { world?: World } = {};
    const system = await LocalSystem.start({
      retryDelayScale: 0.1,
      faults: (call) => ref.world?.faults?.(call),
      ...options,
    });
    ref.world = new World(system, DynamoDBDocumentClient.from(system.dynamoDb));
    return ref.world;
  }

  get runtime() {
    return this.system.runtime;
  }

  stop(): Promise<void> {
    return this.system.stop();
  }

  async registerPartner(partnerId: string, timeZone?: string): Promise<number> {
    const res = await this.system.adminApi(
      authorizedEvent(
        {
          method: 'POST',
          path: '/admin/partners',
          routeKey: 'POST /admin/partners',
          body: JSON.stringify({ partnerId, ...(timeZone === undefined ? {} : { timeZone }) }),
        },
        { scope: DEFAULT_ADMIN_SCOPE },
      ),
    );
    return res.statusCode;
  }

  async click(partnerId: string, ip = '203.0.113.7', query?: Record<string, string>) {
    return this.system.clickApi(
      httpEvent({
        path: `/r/${partnerId}`,
        routeKey: 'GET /r/{partnerId}',
        pathParameters: { partnerId },
        sourceIp: ip,
        ...(query ? { query } : {}),
      }),
    );
  }

  async dashboard(partnerId: string, opts: { callerPartnerId?: string; cursor?: string } = {}) {
    const res = await this.system.dashboardApi(
      partnerReadEvent(partnerId, 'dashboard', {
        ...(opts.callerPartnerId ? { callerPartnerId: opts.callerPartnerId } : {}),
        ...(opts.cursor ? { query: { cursor: opts.cursor } } : {}),
      }),
    );
    return { statusCode: res.statusCode, body: bodyOf(res) };
  }

  async signup(partnerId: string, userId: string, eventId = `evt-signup-${userId}`) {
    return this.system.deliverAppEvent(userSignedUpEvent({ partnerId, userId, eventId }));
  }

  async verify(userId: string, eventId = `evt-verify-${userId}`) {
    return this.system.deliverAppEvent(userEmailVerifiedEvent({ userId, eventId }));
  }

  settle(): Promise<void> {
    return this.system.settle();
  }

  async stats(partnerId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: TABLE_NAMES.stats, Key: { partnerId }, ConsistentRead: true }),
    );
    return out.Item;
  }

  /** Only the counters (and clicks: the stats row's plus its counter shards', as the dashboard sums them). */
  async counters(partnerId: string): Promise<Record<string, number>> {
    const item = await this.stats(partnerId);
    if (!item) throw new Error(`no stats row for ${partnerId}`);
    const { totalClicks } = partnerClicks(Number(item.totalClicks ?? 0), await this.clickShards(partnerId));
    return Object.fromEntries(
      [...STATS_COUNTERS, 'totalClicks'].map((k) => [
        k,
        k === 'totalClicks' ? totalClicks : Number(item[k] ?? Number.NaN),
      ]),
    );
  }

  /** The partner's activity buckets by day (`PartnerActivity`), counts as stored. */
  async activity(partnerId: string): Promise<Record<string, Record<string, number>>> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: TABLE_NAMES.activity,
        KeyConditionExpression: 'partnerId = :p',
        ExpressionAttributeValues: { ':p': partnerId },
        ConsistentRead: true,
      }),
    );
    return Object.fromEntries(
      (out.Items ?? []).map(({ partnerId: _, day, ...counts }) => [
        String(day),
        counts as Record<string, number>,
      ]),
    );
  }

  /** The partner's existing click counter shards. */
  clickShards(partnerId: string) {
    return readClickCounterShards(this.db, TABLE_NAMES.clickCounters, partnerId, { consistentRead: true });
  }

  async referral(partnerId: string, userId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: TABLE_NAMES.referrals,
        Key: { partnerId, referralId: `ref_${userId}` },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  }

  /** The facts recorded about a user (their keys), in key order. */
  async facts(userId: string): Promise<string[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: TABLE_NAMES.referrals,
        KeyConditionExpression: 'partnerId = :p AND begins_with(referralId, :fact)',
        ExpressionAttributeValues: { ':p': `user#${userId}`, ':fact': 'fact#' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((item) => String(item.referralId).slice('fact#'.length));
  }

  /** Facts waiting under a Stripe id (`payment:ch_…`, `invoice:in_…`) for a fact that links it to a user. */
  async waitingUnder(stripeLink: string): Promise<Record<string, unknown>[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: TABLE_NAMES.referrals,
        KeyConditionExpression: 'partnerId = :p AND begins_with(referralId, :parked)',
        ExpressionAttributeValues: { ':p': `link#${stripeLink}`, ':parked': 'parked#' },
        ConsistentRead: true,
      }),
    );
    return out.Items ?? [];
  }

  /** A partner's ledger rows, by commission id. */
  async commissions(partnerId: string): Promise<Record<string, unknown>[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: TABLE_NAMES.commissions,
        KeyConditionExpression: 'partnerId = :p',
        ExpressionAttributeValues: { ':p': partnerId },
        ConsistentRead: true,
      }),
    );
    return out.Items ?? [];
  }

  /** Runs reconciliation on demand and returns its report: the last execution's of the run's chain. */
  async reconcile(): Promise<Record<string, unknown>> {
    const { executionArn } = this.runtime.start('reconciliation', {});
    const run = await followRun(executionArn, (arn) => this.runtime.waitFor(arn));
    if (run.status !== 'SUCCEEDED') throw new Error(`reconciliation: ${JSON.stringify(run.report)}`);
    return run.report as unknown as Record<string, unknown>;
  }

  /** The executions of a workflow, oldest first. */
  executions(workflow: string) {
    return this.runtime.list(workflow);
  }
}

/** What one signed-up referral paying AF+ Monthly at 29.99 adds: the seed's example (750 cents earned). */
export const ONE_AF_PLUS_MONTHLY_PAYMENT = {
  totalSignups: 1,
  afPlusSignups: 1,
  totalPaid: 1,
  afPlusPaid: 1,
  afPlusMonthlyPaid: 1,
  activeSubscriptions: 1,
  afPlusActiveSubscriptions: 1,
  totalRevenueCents: 2999,
  netRevenueCents: 2999,
  totalEarningsCents: 750,
  pendingEarningsCents: 750,
} as const;

/** Counters with the given values and every other counter at zero. */
export function expectedCounters(values: Partial<Record<string, number>>): Record<string, number> {
  return Object.fromEntries([...STATS_COUNTERS, 'totalClicks'].map((k) => [k, values[k] ?? 0])) as Record<
    string,
    number
  >;
}

/** One user's first invoice (current API: the payment intent is linked by `invoice_payment.paid`). */
export function firstPayment(u: string, opts: { amountPaidCents?: number; priceId?: string } = {}) {
  return [
    invoicePaidEvent({
      eventId: `evt_inv_${u}`,
      invoiceId: `in_${u}`,
      userId: u,
      priceId: opts.priceId ?? 'price_afplus_monthly',
      amountPaidCents: opts.amountPaidCents ?? 2999,
      subscriptionId: `sub_${u}`,
      customerId: `cus_${u}`,
    }),
    invoicePaymentPaidEvent({
      eventId: `evt_inpay_${u}`,
      invoicePaymentId: `inpay_${u}`,
      invoiceId: `in_${u}`,
      paymentIntentId: `pi_${u}`,
      amountPaidCents: opts.amountPaidCents ?? 2999,
    }),
  ];
}
