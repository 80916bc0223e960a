/**
 * `npm run bench:dashboard`: the dashboard route (the real handler: one stats GetItem plus one Query of
 * the 50 newest paid referrals) at 1k, 10k and 100k referrals for one partner, beside the naive
 * alternative the seed warns against (aggregate by querying every referral). DynamoDB Local, bulk-loaded.
 * Target: p50 at 100k within 1.1× of p50 at 1k.
 */
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { addContributions } from '../domain/contribution';
import { loadRuntimeConfig, TABLE_NAMES } from '../domain/config';
import { zeroCounters } from '../domain/stats';
import type { Referral } from '../domain/referral';
import { createDashboardApiHandler } from '../lambdas/dashboard-api';
import { createTables } from '../local/create-tables';
import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local';
import { authorizedEvent } from '../local/events/http-events';
import { emptyStatsItem, paidReferralItem, putAll } from './support/load';
import { ms, percentile, report } from './support/report';

const PARTNER = 'bench-partner';
const SIZES = [1_000, 10_000, 100_000];
const DASHBOARD_RUNS = 300;

export interface DashboardRow {
  referrals: number;
  dashboardP50: number;
  dashboardP95: number;
  ratioToFirst: number;
  naiveP50: number;
  naiveRuns: number;
}

export async function benchDashboard(sizes: readonly number[] = SIZES): Promise<DashboardRow[]> {
  const ddb = await startDynamoDbLocal();
  try {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = ddb.endpoint;
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    await createTables(ddb.client);
    await putAll(ddb.client, TABLE_NAMES.stats, [emptyStatsItem(PARTNER)]);
    const dashboard = createDashboardApiHandler({ config: loadRuntimeConfig({}) });
    const event = authorizedEvent(
      {
        method: 'GET',
        path: `/partners/${PARTNER}/dashboard`,
        routeKey: 'GET /partners/{partnerId}/dashboard',
        pathParameters: { partnerId: PARTNER },
      },
      { sub: PARTNER, partnerId: PARTNER },
    );
    const rows: DashboardRow[] = [];
    let loaded = 0;
    for (const size of sizes) {
      await load(ddb, loaded, size);
      loaded = size;
      for (let i = 0; i < 100; i++) await dashboard(event); // warm up (JIT, connections)
      const times: number[] = [];
      for (let i = 0; i < DASHBOARD_RUNS; i++) {
        const t = performance.now();
        const res = await dashboard(event);
        times.push(performance.now() - t);
        if (res.statusCode !== 200) throw new Error(`dashboard answered ${res.statusCode}`);
      }
      const naiveRuns = size >= 100_000 ? 3 : size >= 10_000 ? 10 : 30;
      const naive: number[] = [];
      for (let i = 0; i < naiveRuns; i++) {
        const t = performance.now();
        await aggregateEveryReferral(ddb);
        naive.push(performance.now() - t);
      }
      const p50 = percentile(times, 50);
      rows.push({
        referrals: size,
        dashboardP50: p50,
        dashboardP95: percentile(times, 95),
        ratioToFirst: p50 / (rows[0]?.dashboardP50 ?? p50),
        naiveP50: percentile(naive, 50),
        naiveRuns,
      });
    }
    report(
      'dashboard',
      `Dashboard route at scale (${DASHBOARD_RUNS} requests per size; target p50 at the largest ≤ 1.1× p50 at the smallest)`,
      ['referrals', 'p50 ms', 'p95 ms', 'p50 / p50 at 1k', 'naive aggregate p50 ms', 'naive / dashboard'],
      rows.map((r) => [
        r.referrals,
        ms(r.dashboardP50),
        ms(r.dashboardP95),
        r.ratioToFirst.toFixed(2),
        ms(r.naiveP50),
        `${Math.round(r.naiveP50 / r.dashboardP50)}×`,
      ]),
      rows,
    );
    return rows;
  } finally {
    await ddb.stop();
  }
}

/** Paid referrals `from`…`to`-1 of the one partner. */
async function load(ddb: DynamoDbLocal, from: number, to: number): Promise<void> {
  const items = Array.from({ length: to - from }, (_, i) => paidReferralItem(PARTNER, from + i));
  await putAll(ddb.client, TABLE_NAMES.referrals, items);
}

/** What the seed warns against: read every referral of the partner and sum the counters. */
async function aggregateEveryReferral(ddb: DynamoDbLocal): Promise<void> {
  const totals = zeroCounters();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.client.send(
      new QueryCommand({
        TableName: TABLE_NAMES.referrals,
        KeyConditionExpression: 'partnerId = :p',
        ExpressionAttributeValues: { ':p': { S: PARTNER } },
        ExclusiveStartKey: start,
      }),
    );
    addContributions(
      totals,
      (page.Items ?? []).map((item) => unmarshall(item) as Referral),
    );
    start = page.LastEvaluatedKey;
  } while (start);
}

if (require.main === module) void benchDashboard();
