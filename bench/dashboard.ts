/**
 * `npm run bench:dashboard`: the dashboard route (the real handler: one stats GetItem plus one Query of
 * the 50 newest paid referrals) at 1k, 10k and 100k referrals for one partner, beside the naive
 * alternative the seed warns against (aggregate by querying every referral). DynamoDB Local, bulk-loaded
 * with paid referrals cloned from ones the real workflows wrote (`PaidReferrals`).
 * Target: p50 at 100k within 1.1× of p50 at 1k.
 */
import { localHandlerFor } from '../local/functions';
import { pointLambdasAt } from '../local/lambda-endpoints';
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { addContributions } from '../domain/contribution';
import { TABLE_NAMES } from '../domain/config';
import { zeroCounters } from '../domain/stats';
import type { Referral } from '../domain/referral';
import { createTables } from '../local/create-tables';
import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local';
import { authorizedEvent } from '../local/events/http-events';
import { emptyStatsItem, PaidReferrals, putAll } from './support/load';
import { ms, percentile, report } from './support/report';
import { defineCommand, readCommandLine } from '../local/command-line';

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
  const referrals = await PaidReferrals.capture();
  const ddb = await startDynamoDbLocal();
  try {
    pointLambdasAt({ dynamoDb: ddb.endpoint });
    await createTables(ddb.client);
    // One partner per size, all loaded first, then measured in interleaved rounds so warm-up and
    // background work weigh on every size alike.
    const partnerOf = (size: number) => `bench-partner-${size}`;
    await putAll(
      ddb.client,
      TABLE_NAMES.stats,
      sizes.map((size) => emptyStatsItem(partnerOf(size))),
    );
    for (const size of sizes) await load(ddb, referrals, partnerOf(size), size);
    const dashboard = localHandlerFor('dashboard-api', {});
    const eventFor = (partnerId: string) =>
      authorizedEvent(
        {
          method: 'GET',
          path: `/partners/${partnerId}/dashboard`,
          routeKey: 'GET /partners/{partnerId}/dashboard',
          pathParameters: { partnerId },
        },
        { sub: partnerId, partnerId },
      );
    const times = new Map(sizes.map((size) => [size, [] as number[]]));
    for (let round = -100; round < DASHBOARD_RUNS; round++) {
      for (const size of sizes) {
        const t = performance.now();
        const res = await dashboard(eventFor(partnerOf(size)));
        if (round >= 0) times.get(size)?.push(performance.now() - t); // rounds below 0 warm up
        if (res.statusCode !== 200) throw new Error(`dashboard answered ${res.statusCode}`);
      }
    }
    const rows: DashboardRow[] = [];
    for (const size of sizes) {
      const naiveRuns = size >= 100_000 ? 3 : size >= 10_000 ? 10 : 30;
      const naive: number[] = [];
      for (let i = 0; i < naiveRuns; i++) {
        const t = performance.now();
        await aggregateEveryReferral(ddb, partnerOf(size));
        naive.push(performance.now() - t);
      }
      const sizeTimes = times.get(size) ?? [];
      const p50 = percentile(sizeTimes, 50);
      rows.push({
        referrals: size,
        dashboardP50: p50,
        dashboardP95: percentile(sizeTimes, 95),
        ratioToFirst: p50 / (rows[0]?.dashboardP50 ?? p50),
        naiveP50: percentile(naive, 50),
        naiveRuns,
      });
    }
    report(
      'dashboard',
      `Dashboard route at scale (${DASHBOARD_RUNS} interleaved requests per size, one partner per size; target p50 at the largest ≤ 1.1× p50 at the smallest)`,
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

/** `count` paid referrals of one partner (the dashboard reads referrals and stats, not the ledger). */
async function load(
  ddb: DynamoDbLocal,
  referrals: PaidReferrals,
  partnerId: string,
  count: number,
): Promise<void> {
  const items = Array.from({ length: count }, (_, i) => referrals.of(partnerId, i).referral);
  await putAll(ddb.client, TABLE_NAMES.referrals, items);
}

/** What the seed warns against: read every referral of the partner and sum the counters. */
async function aggregateEveryReferral(ddb: DynamoDbLocal, partnerId: string): Promise<void> {
  const totals = zeroCounters();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.client.send(
      new QueryCommand({
        TableName: TABLE_NAMES.referrals,
        KeyConditionExpression: 'partnerId = :p',
        ExpressionAttributeValues: { ':p': { S: partnerId } },
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

const DASHBOARD_COMMAND = defineCommand({
  name: 'npm run bench:dashboard',
  summary: [
    'The dashboard route (the real handler on DynamoDB Local) at 1k, 10k and 100k referrals for one partner,',
    'beside the naive alternative that queries every referral. Target: p50 at 100k within 1.1 x p50 at 1k.',
  ],
  flags: {},
  notes: ['Writes bench/results/dashboard.json (the rows and the machine).'],
});

if (require.main === module) {
  readCommandLine(DASHBOARD_COMMAND);
  void benchDashboard();
}
