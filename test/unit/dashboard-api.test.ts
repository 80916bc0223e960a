import 'aws-sdk-client-mock-jest';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { encodeCursor } from '../../domain/dashboard';
import { createDashboardApiHandler } from '../../lambdas/dashboard-api';
import { paidReferral, partnerStats, testConfig } from './builders';
import { authorizedEvent, bodyOf } from '../../local/events/http-events';

const ddb = mockClient(DynamoDBDocumentClient);

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

  beforeEach(() => {
    ddb.reset();
  });

  it("returns the partner's stats, rates and newest payments in one GetItem and one Query", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({
      Item: partnerStats({
        partnerId: 'acme',
        totalClicks: 40,
        totalSignups: 4,
        totalPaid: 1,
        totalEarningsCents: 750,
      }),
    });
    ddb.on(QueryCommand).resolves({
      Items: [paidReferral({ partnerId: 'acme' })],
      LastEvaluatedKey: { partnerId: 'acme', referralId: 'ref_user_1', paidAt: '2026-01-15T10:00:00.000Z' },
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
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'PartnerStats',
      Key: { partnerId: 'acme' },
    });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'PartnerReferrals',
      IndexName: 'partnerId-paidAt-index',
      ScanIndexForward: false,
      Limit: 50,
      ExpressionAttributeValues: { ':partnerId': 'acme' },
    });
  });

  it('continues from the cursor', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: partnerStats({ partnerId: 'acme' }) });
    ddb.on(QueryCommand).resolves({ Items: [] });
    const key = { partnerId: 'acme', referralId: 'ref_user_9', paidAt: '2026-01-01T00:00:00.000Z' };

    // Act
    const response = await handler(
      dashboardRequest('acme', { partnerId: 'acme' }, { cursor: encodeCursor(key) }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).nextCursor).toBeNull();
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: key });
  });

  it("answers 403 when the token's partner is not the one in the path, reading nothing", async () => {
    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'rival' }));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response)).toMatchObject({ error: 'Forbidden' });
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('answers 403 to a token without a partnerId claim', async () => {
    expect((await handler(dashboardRequest('acme', { sub: 'u1' }))).statusCode).toBe(403);
  });

  it("lets an admin read any partner's dashboard", async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: partnerStats({ partnerId: 'acme' }) });
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const response = await handler(dashboardRequest('acme', { scope: 'openid partner-referrals/admin' }));

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('answers 404 UnknownPartner when there is no stats row', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });

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
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('answers 500 without details when DynamoDB fails', async () => {
    // Prepare
    ddb.on(GetCommand).rejects(new Error('boom'));
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const response = await handler(dashboardRequest('acme', { partnerId: 'acme' }));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('boom');
  });
});
