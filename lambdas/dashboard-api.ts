import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { partnerIdSchema } from '../domain/app-events';
import { DASHBOARD_PAGE_SIZE, INDEX_NAMES, loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import { dashboardView, decodeCursor, encodeCursor } from '../domain/dashboard';
import { InvalidRequestError, MalformedEventError, UnknownPartnerError } from '../domain/errors';
import { partnerStatsItemSchema, referralItemSchema } from '../domain/items';
import { parseOrThrow } from '../domain/validation';
import { partnerAllowedFor } from './commons/auth';
import { createDocumentClient } from './commons/dynamodb';
import { annotate, lambdaHandler } from './commons/handler';
import { errorResponse, json, type HttpResponse } from './commons/http';

const invalid = (field: string, problem: string): InvalidRequestError =>
  new InvalidRequestError(field, problem);
const corrupt = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);

/**
 * `GET /partners/{partnerId}/dashboard?cursor=…` (the partner's own, by the token's `partnerId` claim) and
 * `GET /admin/partners/{partnerId}/dashboard` (admin scope, enforced by API Gateway), both behind the JWT
 * authorizer. O(1): one `GetItem` on the stats row and one `Query` of at most 50 paid referrals, newest
 * payment first. 403 when a partner token names another partner, 404 `UnknownPartner`, 400 `InvalidCursor`.
 */
export function createDashboardApiHandler({
  config,
  db,
}: {
  config: RuntimeConfig;
  db: DynamoDBDocumentClient;
}) {
  return lambdaHandler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<HttpResponse> => {
    try {
      const pathPartnerId = parseOrThrow(
        partnerIdSchema,
        event.pathParameters?.partnerId,
        invalid,
        'partnerId',
      );
      const partnerId = partnerAllowedFor(event, pathPartnerId);
      annotate({ partnerId });
      const cursor = event.queryStringParameters?.cursor;
      const startKey = cursor ? decodeCursor(cursor, partnerId) : undefined;

      const [statsOut, page] = await Promise.all([
        db.send(new GetCommand({ TableName: config.statsTable, Key: { partnerId } })),
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
      const stats = parseOrThrow(partnerStatsItemSchema, statsOut.Item, corrupt, 'stats');
      const referrals = (page.Items ?? []).map((item, i) =>
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
  });
}

export const handler = createDashboardApiHandler({ config: loadRuntimeConfig(), db: createDocumentClient() });
