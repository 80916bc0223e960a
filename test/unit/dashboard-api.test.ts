import { DynamoDBClient, InternalServerError, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { encodeCursor } from '../../domain/dashboard';
import { createDashboardApiHandler } from '../../lambdas/dashboard-api';
import { authorizedEvent, bodyOf } from '../../local/events/http-events';
import { paidReferral, partnerStats, testConfig } from './builders';
import { lambdaContext } from './lambda-context';

const dbMock = mockClient(DynamoDBDocumentClient);
const context = lambdaContext('dashboard-api');
const EMPTY_PAGE = { Items: [], Count: 0 };
const ADMIN_SCOPE = 'openid partner-referrals/admin';

/** `GET /partners/{partnerId}/dashboard`: a partner reading its own dashboard. */
const dashboardRequest = (
  partnerId: string,
  claims: Record<string, string>,
  query?: Record<string, string>,
) =>
  authorizedEvent(
    {
      path: `/partners/${partnerId}/dashboard`,
      routeKey: 'GET /partners/{partnerId}/dashboard',
      pathParameters: { partnerId },
      query,
    },
    claims,
  );

/** `GET /admin/partners/{partnerId}/dashboard`: API Gateway has enforced the admin scope. */
const adminDashboardRequest = (partnerId: string, claims: Record<string, string> = { scope: ADMIN_SCOPE }) =>
  authorizedEvent(
    {
      path: `/admin/partners/${partnerId}/dashboard`,
      routeKey: 'GET /admin/partners/{partnerId}/dashboard',
      pathParameters: { partnerId },
    },
    claims,
  );

describe('dashboard-api handler', () => {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  const handler = createDashboardApiHandler({ config: testConfig(), db });

  beforeEach(() => {
    dbMock.reset();
  });

  it("returns the partner's stats, rates and newest payments in one GetItem and one Query", async () => {
    // Prepare
    dbMock.on(GetCommand).resolves({
      Item: {
        ...partnerStats({
          partnerId: 'acme',
          totalClicks: 40,
          totalSignups: 4,
          totalPaid: 1,
          totalEarningsCents: 750,
        }),
      },
    });
    dbMock.on(QueryCommand).resolves({
      Items: [{ ...paidReferral({ partnerId: 'acme' }) }],
      LastEvaluatedKey: { partnerId: 'acme', referralId: 'ref_user_1', paidAt: '2026-01-15T10:00:00.000Z' },
    });

    // Act
    const response = await handler(dashboardRequest('acme', { sub: 'u1', partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      partnerId: 'acme',
      stats: { totalEarningsCents: 750, totalEarnings: '$7.50', totalClicks: 40 },
      conversion: {
        clickToSignup: { basisPoints: 1000, percent: '10.00%' },
        signupToPaid: { basisPoints: 2500 },
      },
      recentReferrals: [expect.objectContaining({ referralId: 'ref_user_1', partnerEarningsCents: 750 })],
      nextCursor: encodeCursor({
        partnerId: 'acme',
        referralId: 'ref_user_1',
        paidAt: '2026-01-15T10:00:00.000Z',
      }),
    });
    expect(dbMock.calls()).toHaveLength(2);
    expect(dbMock).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(dbMock).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(dbMock.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: 'PartnerStats',
      Key: { partnerId: 'acme' },
    });
    expect(dbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: 'PartnerReferrals',
      IndexName: 'partnerId-paidAt-index',
      KeyConditionExpression: 'partnerId = :partnerId',
      ScanIndexForward: false,
      Limit: 50,
      ExpressionAttributeValues: { ':partnerId': 'acme' },
    });
  });

  it('continues from the cursor', async () => {
    // Prepare
    dbMock.on(GetCommand).resolves({ Item: { ...partnerStats({ partnerId: 'acme' }) } });
    dbMock.on(QueryCommand).resolves(EMPTY_PAGE);
    const key = { partnerId: 'acme', referralId: 'ref_user_9', paidAt: '2026-01-01T00:00:00.000Z' };

    // Act
    const response = await handler(
      dashboardRequest('acme', { partnerId: 'acme' }, { cursor: encodeCursor(key) }),
      context,
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).nextCursor).toBeNull();
    expect(dbMock).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: key });
  });

  it("answers 403 when the token's partner is not the one in the path, reading nothing", async () => {
    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'rival' }), context);

    // Assess
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response)).toMatchObject({ error: 'Forbidden' });
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });

  it.each([
    'read,partner-referrals/admin',
    '[partner-referrals/admin]',
    'partner-referrals/admin',
    ADMIN_SCOPE,
  ])(
    'answers 403 to a partner token with scope %p reading another partner on the partner route',
    async (scope) => {
      // Act
      const response = await handler(dashboardRequest('acme', { partnerId: 'rival', scope }), context);

      // Assess
      expect(response.statusCode).toBe(403);
      expect(bodyOf(response)).toMatchObject({ error: 'Forbidden' });
      expect(dbMock).not.toHaveReceivedAnyCommand();
    },
  );

  it.each([
    ['no scope', { sub: 'u1' }],
    ['the admin scope', { sub: 'u1', scope: ADMIN_SCOPE }],
    ['an empty partnerId', { sub: 'u1', partnerId: '' }],
  ])('answers 403 on the partner route to a token without a partnerId claim (%s)', async (_, claims) => {
    // Act
    const response = await handler(dashboardRequest('acme', claims), context);

    // Assess
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response)).toMatchObject({ error: 'Forbidden' });
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['an admin token', { scope: ADMIN_SCOPE }],
    ["an admin token that also carries another partner's claim", { scope: ADMIN_SCOPE, partnerId: 'rival' }],
  ])("reads the path's partner on the admin route, for %s", async (_, claims) => {
    // Prepare
    dbMock.on(GetCommand).resolves({ Item: { ...partnerStats({ partnerId: 'acme' }) } });
    dbMock.on(QueryCommand).resolves(EMPTY_PAGE);

    // Act
    const response = await handler(adminDashboardRequest('acme', claims), context);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ partnerId: 'acme' });
    expect(dbMock).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'PartnerStats',
      Key: { partnerId: 'acme' },
    });
    expect(dbMock).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: { ':partnerId': 'acme' },
    });
  });

  it('answers 400 naming partnerId for a malformed path id, reading nothing', async () => {
    // Act
    const response = await handler(adminDashboardRequest('bad#id'), context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidRequest', field: 'partnerId' });
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 404 UnknownPartner when there is no stats row', async () => {
    // Prepare
    dbMock.on(GetCommand).resolves({});
    dbMock.on(QueryCommand).resolves(EMPTY_PAGE);

    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ error: 'UnknownPartner' });
  });

  it("answers 400 InvalidCursor to another partner's cursor, reading nothing", async () => {
    // Prepare
    const cursor = encodeCursor({
      partnerId: 'rival',
      referralId: 'ref_x',
      paidAt: '2026-01-01T00:00:00.000Z',
    });

    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'acme' }, { cursor }), context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidCursor' });
    expect(dbMock).not.toHaveReceivedCommand(QueryCommand);
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 500 without details when DynamoDB fails', async () => {
    // Prepare
    dbMock
      .on(GetCommand)
      .rejects(new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } }));
    dbMock.on(QueryCommand).resolves(EMPTY_PAGE);

    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'InternalError',
      message: 'The request could not be completed',
    });
    expect(response.body).not.toContain('boom');
  });

  it('answers 500 InternalError when DynamoDB throttles the Query', async () => {
    // Prepare
    dbMock.on(GetCommand).resolves({ Item: { ...partnerStats({ partnerId: 'acme' }) } });
    dbMock.on(QueryCommand).rejects(
      new ThrottlingException({
        message: 'Throughput exceeds the current capacity for one or more global secondary indexes',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'InternalError',
      message: 'The request could not be completed',
    });
    expect(dbMock).toHaveReceivedCommandTimes(QueryCommand, 1);
  });
});
