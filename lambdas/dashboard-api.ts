import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { ActivityView } from '../domain/activity';
import {
  activityRangeOf,
  activityView,
  MAX_ACTIVITY_DAYS,
  rangeDays,
  type ActivityBucket,
} from '../domain/activity-view';
import { partnerIdSchema } from '../domain/app-events';
import {
  commissionItemSchema,
  commissionStatusOf,
  commissionView,
  decodePartnerCommissionsCursor,
  nextPartnerCommissionsCursor,
  statusEarnedAtPrefix,
  type CommissionsPage,
  type CommissionView,
} from '../domain/commissions-view';
import {
  COMMISSIONS_PAGE_SIZE,
  DASHBOARD_PAGE_SIZE,
  INDEX_NAMES,
  loadRuntimeConfig,
  type RuntimeConfig,
} from '../domain/config';
import { withClickCounters } from '../domain/click';
import { dashboardView, decodeCursor, nextDashboardCursor, type DashboardView } from '../domain/dashboard';
import {
  ConfigurationError,
  InvalidRequestError,
  MalformedEventError,
  UnknownPartnerError,
} from '../domain/errors';
import { DEFAULT_TIMEZONE } from '../domain/export-range';
import { activityBucketSchema, partnerStatsItemSchema, referralItemSchema } from '../domain/items';
import {
  decodePartnerPayoutsCursor,
  nextPayoutsCursor,
  PAYOUT_ID_PREFIX,
  payoutItemSchema,
  payoutView,
  PAYOUTS_PAGE_SIZE,
  type PayoutsPage,
} from '../domain/payouts';
import { routeKeyOf } from '../domain/routes';
import { parseOrThrow } from '../domain/validation';
import { partnerAllowedFor } from './commons/auth';
import { readClickCounterShards, readClicksByDay } from './commons/click-counters';
import { createDocumentClient } from './commons/dynamodb';
import { annotate, lambdaHandler } from './commons/handler';
import { errorResponse, json, type HttpResponse } from './commons/http';

const invalid = (field: string, problem: string): InvalidRequestError =>
  new InvalidRequestError(field, problem);
const corrupt = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Deps = { config: RuntimeConfig; db: DynamoDBDocumentClient; now?: () => Date };

/**
 * The partner's reads, behind the JWT authorizer:
 * - `GET /partners/{partnerId}/dashboard?cursor=…` (the partner's own, by the token's `partnerId` claim) and
 *   `GET /admin/partners/{partnerId}/dashboard` (admin scope, enforced by API Gateway). O(1), three reads in
 *   parallel: `GetItem` on the stats row, one `BatchGetItem` of the partner's click counter shards (clicks are
 *   the row's `totalClicks` plus the shards') and one `Query` of at most 50 paid referrals, newest payment
 *   first. 404 `UnknownPartner`.
 * - `GET /partners/{partnerId}/activity?range=…` and `GET /admin/partners/{partnerId}/activity`: every local
 *   day of the range in the partner's zone (domain/activity-view.ts). Three reads: `GetItem` of the stats row's
 *   zone, then one `Query` of at most 366 bucket items and one `BatchGetItem` of the click shards' day
 *   attributes, in parallel. 400 naming `range`, 404 `UnknownPartner`.
 * - `GET /partners/{partnerId}/commissions?status=…&cursor=…` (the partner's own): one `Query` of at most 50
 *   commissions, newest first, of one status when `status` is given. 400 `InvalidCommissionStatus`.
 * - `GET /partners/{partnerId}/payouts?cursor=…` (the partner's own): one `Query` of at most 50 payouts, newest
 *   first.
 * 403 when a partner token names another partner, 400 naming the field, 400 `InvalidCursor`.
 */
export function createDashboardApiHandler(deps: Deps) {
  return lambdaHandler(async (event: Event): Promise<HttpResponse> => {
    try {
      switch (event.routeKey) {
        case routeKeyOf('dashboard'):
        case routeKeyOf('adminDashboard'):
          return json(200, await dashboard(deps, event));
        case routeKeyOf('activity'):
        case routeKeyOf('adminActivity'):
          return json(200, await activity(deps, event));
        case routeKeyOf('commissions'):
          return json(200, await partnerCommissions(deps, event));
        case routeKeyOf('payouts'):
          return json(200, await partnerPayouts(deps, event));
        default:
          throw new ConfigurationError(`dashboard-api does not serve ${event.routeKey}`);
      }
    } catch (error) {
      return errorResponse(error);
    }
  });
}

/** The partner the request may read: the path's, checked against the token on partner routes. */
function readablePartner(event: Event): string {
  const pathPartnerId = parseOrThrow(partnerIdSchema, event.pathParameters?.partnerId, invalid, 'partnerId');
  const partnerId = partnerAllowedFor(event, pathPartnerId);
  annotate({ partnerId });
  return partnerId;
}

async function dashboard({ config, db }: Deps, event: Event): Promise<DashboardView> {
  const partnerId = readablePartner(event);
  const cursor = event.queryStringParameters?.cursor;
  const startKey = cursor ? decodeCursor(cursor, partnerId) : undefined;

  const [statsOut, clickShards, page] = await Promise.all([
    db.send(new GetCommand({ TableName: config.statsTable, Key: { partnerId } })),
    readClickCounterShards(db, config.clickCountersTable, partnerId),
    db.send(
      new QueryCommand({
        TableName: config.referralsTable,
        IndexName: INDEX_NAMES.paidByPartner,
        KeyConditionExpression: 'partnerId = :partnerId',
        ExpressionAttributeValues: { ':partnerId': partnerId },
        ScanIndexForward: false,
        Limit: DASHBOARD_PAGE_SIZE,
        ...(startKey ? { ExclusiveStartKey: { ...startKey } } : {}),
      }),
    ),
  ]);
  if (!statsOut.Item) throw new UnknownPartnerError(partnerId);
  const stats = withClickCounters(
    parseOrThrow(partnerStatsItemSchema, statsOut.Item, corrupt, 'stats'),
    clickShards,
  );
  const referrals = (page.Items ?? []).map((item, i) =>
    parseOrThrow(referralItemSchema, item, corrupt, `recentReferrals[${i}]`),
  );
  return dashboardView(stats, referrals, nextDashboardCursor(page.LastEvaluatedKey), config.programCurrency);
}

async function activity({ config, db, now = () => new Date() }: Deps, event: Event): Promise<ActivityView> {
  const partnerId = readablePartner(event);
  const range = activityRangeOf(event.queryStringParameters?.range);
  const statsOut = await db.send(
    new GetCommand({
      TableName: config.statsTable,
      Key: { partnerId },
      // TIMEZONE is a DynamoDB reserved word: named through a placeholder
      ProjectionExpression: 'partnerId, #timeZone',
      ExpressionAttributeNames: { '#timeZone': 'timeZone' },
    }),
  );
  if (!statsOut.Item) throw new UnknownPartnerError(partnerId);
  const zone = statsOut.Item.timeZone;
  const timeZone = typeof zone === 'string' ? zone : DEFAULT_TIMEZONE;
  const days = rangeDays(range, now(), timeZone);
  const [page, clicksByDay] = await Promise.all([
    db.send(
      new QueryCommand({
        TableName: config.activityTable,
        KeyConditionExpression: 'partnerId = :partnerId AND #day BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#day': 'day' },
        ExpressionAttributeValues: {
          ':partnerId': partnerId,
          ':from': days[0],
          ':to': days[days.length - 1],
        },
        Limit: MAX_ACTIVITY_DAYS,
      }),
    ),
    readClicksByDay(db, config.clickCountersTable, partnerId, days),
  ]);
  const buckets: ActivityBucket[] = (page.Items ?? []).map((item, i) =>
    parseOrThrow(activityBucketSchema, item, corrupt, `activity[${i}]`),
  );
  return activityView({
    partnerId,
    timeZone,
    range,
    currency: config.programCurrency,
    days,
    buckets,
    clicksByDay,
  });
}

async function partnerCommissions(
  { config, db }: Deps,
  event: Event,
): Promise<CommissionsPage<CommissionView>> {
  const partnerId = readablePartner(event);
  const query = event.queryStringParameters ?? {};
  const status = query.status === undefined ? undefined : commissionStatusOf(query.status);
  const startKey = query.cursor ? decodePartnerCommissionsCursor(query.cursor, partnerId, status) : undefined;

  const page = await db.send(
    new QueryCommand({
      TableName: config.commissionsTable,
      ...(status === undefined
        ? {
            IndexName: INDEX_NAMES.commissionsByPartner,
            KeyConditionExpression: 'partnerId = :partnerId',
            ExpressionAttributeValues: { ':partnerId': partnerId },
          }
        : {
            IndexName: INDEX_NAMES.commissionsByPartnerStatus,
            KeyConditionExpression: 'partnerId = :partnerId AND begins_with(statusEarnedAt, :status)',
            ExpressionAttributeValues: { ':partnerId': partnerId, ':status': statusEarnedAtPrefix(status) },
          }),
      ScanIndexForward: false,
      Limit: COMMISSIONS_PAGE_SIZE,
      ...(startKey ? { ExclusiveStartKey: { ...startKey } } : {}),
    }),
  );
  const commissions = (page.Items ?? []).map((item, i) =>
    commissionView(parseOrThrow(commissionItemSchema, item, corrupt, `commissions[${i}]`)),
  );
  return { commissions, nextCursor: nextPartnerCommissionsCursor(page.LastEvaluatedKey, status) };
}

/** The partner's payouts, newest first (payout ids sort by creation time; claims sort apart, `claim#…`). */
async function partnerPayouts({ config, db }: Deps, event: Event): Promise<PayoutsPage> {
  const partnerId = readablePartner(event);
  const cursor = event.queryStringParameters?.cursor;
  const startKey = cursor ? decodePartnerPayoutsCursor(cursor, partnerId) : undefined;
  const page = await db.send(
    new QueryCommand({
      TableName: config.payoutsTable,
      KeyConditionExpression: 'partnerId = :partnerId AND begins_with(payoutId, :payout)',
      ExpressionAttributeValues: { ':partnerId': partnerId, ':payout': PAYOUT_ID_PREFIX },
      ScanIndexForward: false,
      Limit: PAYOUTS_PAGE_SIZE,
      ...(startKey ? { ExclusiveStartKey: { ...startKey } } : {}),
    }),
  );
  const payouts = (page.Items ?? []).map((item, i) =>
    payoutView(parseOrThrow(payoutItemSchema, item, corrupt, `payouts[${i}]`)),
  );
  return { payouts, nextCursor: nextPayoutsCursor(page.LastEvaluatedKey, false) };
}

export const handler = createDashboardApiHandler({
  config: loadRuntimeConfig(process.env),
  db: createDocumentClient(),
});
