import { marshall } from '@aws-sdk/util-dynamodb';
import { encodeCursor } from '../../domain/dashboard';
import { createDashboardApiHandler } from '../../lambdas/dashboard-api';
import { paidReferral, partnerStats, testConfig } from './builders';
import { authorizedEvent, bodyOf } from '../../local/events/http-events';
import { useFakeAws } from '../support/fake-aws';

const GET = 'DynamoDB_20120810.GetItem';
const QUERY = 'DynamoDB_20120810.Query';
const aws = useFakeAws();
const item = (plain: object) => marshall(plain, { removeUndefinedValues: true });
const EMPTY_PAGE = { body: { Items: [], Count: 0 } };

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

describe('dashboard-api handler', () => {
  const handler = createDashboardApiHandler({ config: testConfig() });

  it("returns the partner's stats, rates and newest payments in one GetItem and one Query", async () => {
    // Prepare
    aws.on(GET, {
      body: {
        Item: item(
          partnerStats({
            partnerId: 'acme',
            totalClicks: 40,
            totalSignups: 4,
            totalPaid: 1,
            totalEarningsCents: 750,
          }),
        ),
      },
    });
    aws.on(QUERY, {
      body: {
        Items: [item(paidReferral({ partnerId: 'acme' }))],
        LastEvaluatedKey: item({
          partnerId: 'acme',
          referralId: 'ref_user_1',
          paidAt: '2026-01-15T10:00:00.000Z',
        }),
      },
    });

    // Act
    const response = await handler(dashboardRequest('acme', { sub: 'u1', partnerId: 'acme' }));

    // Assess
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body).toMatchObject({
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
    expect(aws.calls).toHaveLength(2);
    expect(aws.callsTo(GET)[0]?.body).toEqual({
      TableName: 'PartnerStats',
      Key: { partnerId: { S: 'acme' } },
    });
    expect(aws.callsTo(QUERY)[0]?.body).toEqual({
      TableName: 'PartnerReferrals',
      IndexName: 'partnerId-paidAt-index',
      KeyConditionExpression: 'partnerId = :partnerId',
      ScanIndexForward: false,
      Limit: 50,
      ExpressionAttributeValues: { ':partnerId': { S: 'acme' } },
    });
    expect(aws.callsTo(GET)[0]?.url).toBe('https://dynamodb.eu-west-1.amazonaws.com/');
  });

  it('continues from the cursor', async () => {
    // Prepare
    aws.on(GET, { body: { Item: item(partnerStats({ partnerId: 'acme' })) } });
    aws.on(QUERY, EMPTY_PAGE);
    const key = { partnerId: 'acme', referralId: 'ref_user_9', paidAt: '2026-01-01T00:00:00.000Z' };

    // Act
    const response = await handler(
      dashboardRequest('acme', { partnerId: 'acme' }, { cursor: encodeCursor(key) }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).nextCursor).toBeNull();
    expect(aws.callsTo(QUERY)[0]?.body).toMatchObject({ ExclusiveStartKey: item(key) });
  });

  it("answers 403 when the token's partner is not the one in the path, reading nothing", async () => {
    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'rival' }));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response)).toMatchObject({ error: 'Forbidden' });
    expect(aws.calls).toHaveLength(0);
  });

  it('answers 403 to a token without a partnerId claim', async () => {
    expect((await handler(dashboardRequest('acme', { sub: 'u1' }))).statusCode).toBe(403);
  });

  it("lets an admin read any partner's dashboard", async () => {
    // Prepare
    aws.on(GET, { body: { Item: item(partnerStats({ partnerId: 'acme' })) } });
    aws.on(QUERY, EMPTY_PAGE);

    // Act
    const response = await handler(dashboardRequest('acme', { scope: 'openid partner-referrals/admin' }));

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('answers 404 UnknownPartner when there is no stats row', async () => {
    // Prepare
    aws.on(GET, { body: {} });
    aws.on(QUERY, EMPTY_PAGE);

    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'acme' }));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ error: 'UnknownPartner' });
  });

  it("answers 400 InvalidCursor to another partner's cursor", async () => {
    // Prepare
    const cursor = encodeCursor({
      partnerId: 'rival',
      referralId: 'ref_x',
      paidAt: '2026-01-01T00:00:00.000Z',
    });

    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'acme' }, { cursor }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidCursor' });
    expect(aws.callsTo(QUERY)).toHaveLength(0);
  });

  it('answers 500 without details when DynamoDB fails', async () => {
    // Prepare
    aws.on(GET, { error: 'InternalServerError', message: 'boom', status: 500 });
    aws.on(QUERY, EMPTY_PAGE);

    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'acme' }));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('boom');
  });
});
