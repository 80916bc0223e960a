import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { partnerIdSchema } from '../domain/app-events';
import { DASHBOARD_PAGE_SIZE, INDEX_NAMES, loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import { dashboardView, decodeCursor, encodeCursor } from '../domain/dashboard';
import { InvalidRequestError, MalformedEventError, UnknownPartnerError } from '../domain/errors';
import { partnerStatsItemSchema, referralItemSchema } from '../domain/items';
import { parseOrThrow } from '../domain/validation';
import { assertMayRead, callerOf } from './commons/auth';
import { getItem, queryPage } from './commons/dynamodb';
import { errorResponse, json, type HttpResponse } from './commons/http';
import { logger } from './commons/logger';

const invalid = (field: string, problem: string): InvalidRequestError =>
  new InvalidRequestError(field, problem);
const corrupt = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);

/**
 * `GET /partners/{partnerId}/dashboard?cursor=…` behind the JWT authorizer. O(1): one `GetItem` on the stats
 * row and one `Query` of at most 50 paid referrals, newest payment first. 403 when the token's `partnerId`
 * claim is another partner's (admins excepted), 404 `UnknownPartner`, 400 `InvalidCursor`.
 */
export function createDashboardApiHandler({ config }: { config: RuntimeConfig }) {
  return async (event: APIGatewayProxyEventV2WithJWTAuthorizer, context?: Context): Promise<HttpResponse> => {
    if (context) logger.addContext(context);
    try {
      const partnerId = parseOrThrow(partnerIdSchema, event.pathParameters?.partnerId, invalid, 'partnerId');
      assertMayRead(callerOf(event, config.adminScope), partnerId);
      const cursor = event.queryStringParameters?.cursor;
      const startKey = cursor ? decodeCursor(cursor, partnerId) : undefined;

      const [statsItem, page] = await Promise.all([
        getItem({ TableName: config.statsTable, Key: { partnerId } }),
        queryPage({
          TableName: config.referralsTable,
          IndexName: INDEX_NAMES.paidByPartner,
          KeyConditionExpression: 'partnerId = :partnerId',
          ExpressionAttributeValues: { ':partnerId': partnerId },
          ScanIndexForward: false,
          Limit: DASHBOARD_PAGE_SIZE,
          ...(startKey ? { ExclusiveStartKey: { ...startKey } } : {}),
        }),
      ]);
      if (!statsItem) throw new UnknownPartnerError(partnerId);
      const stats = parseOrThrow(partnerStatsItemSchema, statsItem, corrupt, 'stats');
      const referrals = page.Items.map((item, i) =>
        parseOrThrow(referralItemSchema, item, corrupt, `recentReferrals[${i}]`),
      );
      const last = page.LastEvaluatedKey;
      const nextCursor =
        last && typeof last.referralId === 'string' && typeof last.paidAt === 'string'
          ? encodeCursor({ partnerId, referralId: last.referralId, paidAt: last.paidAt })
          : null;
      return json(200, dashboardView(stats, referrals, nextCursor));
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export const handler = createDashboardApiHandler({ config: loadRuntimeConfig() });
