import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { DEFAULT_PROGRAM_CURRENCY, TABLE_NAMES } from '../../domain/config';
import { formatMinorUnits } from '../../domain/dashboard';
import { partnerStatsItemSchema, referralItemSchema } from '../../domain/items';
import { accumulate, planCorrection, type Accumulation, type FieldDrift } from '../../domain/reconciliation';
import { isReferralId } from '../../domain/referral';
import { STATS_COUNTERS } from '../../domain/stats';
import { followRun } from '../reconcile';
import { ConsoleError, type ConsoleRoute } from './api';
import type { ConsoleDeps } from './routes';
import { scanPage } from './scan-page';

const PARTNERS_PAGE = 25;
const RECONCILIATION = 'reconciliation';

/** The partner's referrals summed as the reconciliation's `accumulate` sums them, page by page, read consistently. */
async function accumulated(db: DynamoDBDocumentClient, partnerId: string): Promise<Accumulation> {
  let acc: Accumulation | undefined;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAMES.referrals,
        KeyConditionExpression: 'partnerId = :p',
        ExpressionAttributeValues: { ':p': partnerId },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const referrals = (page.Items ?? [])
      .filter((item) => isReferralId(String(item.referralId)))
      .map((item) => z.parse(referralItemSchema, item));
    acc = accumulate(acc, referrals);
    start = page.LastEvaluatedKey;
  } while (start);
  return acc ?? accumulate(undefined, []);
}

/**
 * A partner's stats row and its drift from the truth: what the nightly reconciliation would correct, from the
 * same pure steps (`accumulate` over the referrals, then `planCorrection` against the row), without writing.
 */
async function partnerView(db: DynamoDBDocumentClient, row: Record<string, unknown>) {
  const stats = z.parse(partnerStatsItemSchema, row);
  const acc = await accumulated(db, stats.partnerId);
  const plan = planCorrection({
    partnerId: stats.partnerId,
    stats,
    acc,
    statsTable: TABLE_NAMES.stats,
    referralsTable: TABLE_NAMES.referrals,
    activityTable: TABLE_NAMES.activity,
    now: new Date().toISOString(),
  });
  const drift: Record<string, FieldDrift> = plan.fields;
  return {
    partnerId: stats.partnerId,
    ...(stats.displayName !== undefined ? { displayName: stats.displayName } : {}),
    registeredAt: stats.registeredAt,
    ...(stats.lastActivityAt !== undefined ? { lastActivityAt: stats.lastActivityAt } : {}),
    ...(stats.lastReconciledAt !== undefined ? { lastReconciledAt: stats.lastReconciledAt } : {}),
    version: stats.version,
    totalClicks: stats.totalClicks,
    counters: Object.fromEntries(STATS_COUNTERS.map((c) => [c, stats[c]])),
    // Money is formatted here, at the edge: the browser shows these strings and never does arithmetic on cents.
    formatted: Object.fromEntries(
      STATS_COUNTERS.filter((c) => c.endsWith('Cents')).map((c) => [
        c,
        formatMinorUnits(stats[c], DEFAULT_PROGRAM_CURRENCY),
      ]),
    ),
    drift,
    pendingMarkers: acc.pending.length,
    inSync: plan.transactItems.length === 0,
  };
}

/**
 * The console's partners routes: a Scan page of PartnerStats rows with each partner's drift, one partner,
 * and a reconciliation run (the reconciliation state machine over every partner: it has no per-partner
 * input), followed to its last execution as `npm run reconcile` follows it.
 */
export function partnerRoutes({ runtime, db }: ConsoleDeps): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      path: 'partners',
      handle: async ({ query }) => {
        const page = await scanPage(db, {
          table: TABLE_NAMES.stats,
          keyNames: ['partnerId'],
          cursor: query.get('cursor'),
          limit: PARTNERS_PAGE,
        });
        const partners = await Promise.all(page.items.map((row) => partnerView(db, row)));
        return { partners, ...(page.cursor ? { cursor: page.cursor } : {}) };
      },
    },
    {
      method: 'GET',
      path: 'partners/:partnerId',
      handle: async ({ params }) => {
        const partnerId = params.partnerId ?? '';
        const { Item } = await db.send(
          new GetCommand({ TableName: TABLE_NAMES.stats, Key: { partnerId }, ConsistentRead: true }),
        );
        if (!Item) throw new ConsoleError(404, 'PartnerNotFound', `No partner ${partnerId} is registered`);
        return partnerView(db, Item);
      },
    },
    {
      method: 'POST',
      path: 'reconciliation',
      handle: async () => {
        const { executionArn } = await runtime.startDurably(RECONCILIATION, {});
        return followRun(executionArn, (arn) => runtime.waitFor(arn));
      },
    },
  ];
}
