import { DynamoDBClient, InternalServerError, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { partnerClickCounterIds } from '../../domain/click';
import { encodeCommissionsCursor } from '../../domain/commissions-view';
import { TABLE_NAMES } from '../../domain/config';
import { encodeCursor } from '../../domain/dashboard';
import { commissionItemOf } from '../../domain/ledger';
import { createDashboardApiHandler } from '../../lambdas/dashboard-api';
import { authorizedEvent, bodyOf } from '../../local/events/http-events';
import { commission, paidReferral, partnerStats, testConfig } from './builders';
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
    // No click counter shards yet: clicks are the stats row's.
    dbMock.on(BatchGetCommand).resolves({ Responses: { [TABLE_NAMES.clickCounters]: [] } });
  });

  it("returns the partner's stats, rates and newest payments in one GetItem, one BatchGetItem and one Query", async () => {
    // Prepare
    dbMock.on(GetCommand).resolves({
      Item: {
        ...partnerStats({
          partnerId: 'acme',
          totalClicks: 40,
          totalSignups: 4,
          totalPaid: 1,
          totalEarningsCents: 750,
          pendingEarningsCents: 750,
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
      earnings: { pendingCents: 750, pending: '$7.50', approvedCents: 0, paidCents: 0, onHoldCents: 0 },
      conversion: {
        clickToSignup: { basisPoints: 1000, percent: '10.00%' },
        signupToPaid: { basisPoints: 2500 },
      },
      recentReferrals: [
        expect.objectContaining({
          referralId: 'ref_user_1',
          partnerEarningsCents: 750,
          revenueCents: 2999,
          earnings: expect.objectContaining({ pendingCents: 750 }),
        }),
      ],
      nextCursor: encodeCursor({
        partnerId: 'acme',
        referralId: 'ref_user_1',
        paidAt: '2026-01-15T10:00:00.000Z',
      }),
    });
    expect(dbMock.calls()).toHaveLength(3);
    expect(dbMock).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(dbMock).toHaveReceivedCommandTimes(BatchGetCommand, 1);
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

  it("adds the click counter shards to the row's clicks, read with one BatchGetItem of all 64 keys", async () => {
    // Prepare
    dbMock.on(GetCommand).resolves({
      Item: partnerStats({
        partnerId: 'acme',
        totalClicks: 5,
        totalSignups: 3,
        lastActivityAt: '2026-01-10T00:00:00.000Z',
      }),
    });
    dbMock.on(QueryCommand).resolves({ Items: [] });
    dbMock.on(BatchGetCommand).resolves({
      Responses: {
        [TABLE_NAMES.clickCounters]: [
          { clicks: 10, lastClickAt: '2026-01-12T08:00:00.000Z' },
          { clicks: 15, lastClickAt: '2026-01-14T09:30:00.000Z' },
        ],
      },
    });

    // Act
    const response = await handler(dashboardRequest('acme', { sub: 'u1', partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      stats: { totalClicks: 30, lastActivityAt: '2026-01-14T09:30:00.000Z' },
      conversion: { clickToSignup: { basisPoints: 1000 } },
    });
    const request = dbMock.commandCalls(BatchGetCommand)[0]?.args[0].input;
    expect(request?.RequestItems?.[TABLE_NAMES.clickCounters]?.Keys).toEqual(
      partnerClickCounterIds('acme').map((counterId) => ({ counterId })),
    );
    expect(request?.RequestItems?.[TABLE_NAMES.clickCounters]?.Keys).toHaveLength(64);
  });

  it('asks again for the shards DynamoDB left unprocessed, and counts each once', async () => {
    // Prepare
    const [first, ...rest] = partnerClickCounterIds('acme').map((counterId) => ({ counterId }));
    dbMock.on(GetCommand).resolves({ Item: partnerStats({ partnerId: 'acme', totalClicks: 0 }) });
    dbMock.on(QueryCommand).resolves({ Items: [] });
    dbMock
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE_NAMES.clickCounters]: [{ clicks: 4 }] },
        UnprocessedKeys: { [TABLE_NAMES.clickCounters]: { Keys: rest } },
      })
      .resolvesOnce({ Responses: { [TABLE_NAMES.clickCounters]: [{ clicks: 3 }, { clicks: 2 }] } });

    // Act
    const response = await handler(dashboardRequest('acme', { sub: 'u1', partnerId: 'acme' }), context);

    // Assess
    expect(first).toBeDefined();
    expect(bodyOf(response)).toMatchObject({ stats: { totalClicks: 9 } });
    expect(dbMock).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(
      dbMock.commandCalls(BatchGetCommand)[1]?.args[0].input.RequestItems?.[TABLE_NAMES.clickCounters]?.Keys,
    ).toEqual(rest);
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

  it('formats money in the program currency (PROGRAM_CURRENCY=jpy: no decimals)', async () => {
    // Prepare
    const jpy = createDashboardApiHandler({ config: testConfig({ PROGRAM_CURRENCY: 'jpy' }), db });
    dbMock.on(GetCommand).resolves({
      Item: { ...partnerStats({ partnerId: 'acme', totalEarningsCents: 750, paidEarningsCents: 750 }) },
    });
    dbMock.on(QueryCommand).resolves(EMPTY_PAGE);

    // Act
    const response = await jpy(dashboardRequest('acme', { partnerId: 'acme' }), context);

    // Assess
    expect(bodyOf(response)).toMatchObject({
      currency: 'jpy',
      stats: { totalEarnings: '¥750' },
      earnings: { paidCents: 750, paid: '¥750' },
    });
  });
});

/** `GET /partners/{partnerId}/commissions`: a partner reading its own commissions. */
const commissionsRequest = (
  partnerId: string,
  claims: Record<string, string>,
  query?: Record<string, string>,
) =>
  authorizedEvent(
    {
      path: `/partners/${partnerId}/commissions`,
      routeKey: 'GET /partners/{partnerId}/commissions',
      pathParameters: { partnerId },
      query,
    },
    claims,
  );

describe('dashboard-api handler: GET /partners/{partnerId}/commissions', () => {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  const handler = createDashboardApiHandler({ config: testConfig(), db });
  const ACME = { sub: 'u1', partnerId: 'acme' };

  beforeEach(() => {
    dbMock.reset();
  });

  it("lists the partner's commissions newest first, 50 a page, in one Query of partnerId-earnedAt-index", async () => {
    // Prepare
    const last = { partnerId: 'acme', commissionId: 'inv#in_2', earnedAt: '2026-01-15T10:00:00.000Z' };
    dbMock.on(QueryCommand).resolves({
      Items: [{ ...commissionItemOf(commission({ commissionId: 'inv#in_2', invoiceId: 'in_2' })) }],
      LastEvaluatedKey: last,
    });

    // Act
    const response = await handler(commissionsRequest('acme', ACME), context);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      commissions: [
        expect.objectContaining({
          commissionId: 'inv#in_2',
          invoiceId: 'in_2',
          earningsCents: 750,
          netCents: 750,
          status: 'pending',
          approvedAt: null,
          history: [expect.objectContaining({ status: 'pending' })],
        }),
      ],
      nextCursor: encodeCommissionsCursor(last),
    });
    expect((bodyOf(response).commissions as object[])[0]).not.toHaveProperty('referredUserId');
    expect(dbMock.calls()).toHaveLength(1);
    expect(dbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: 'PartnerCommissions',
      IndexName: 'partnerId-earnedAt-index',
      KeyConditionExpression: 'partnerId = :partnerId',
      ExpressionAttributeValues: { ':partnerId': 'acme' },
      ScanIndexForward: false,
      Limit: 50,
    });
  });

  it('filters by status through partnerId-statusEarnedAt-index (begins_with <status>#)', async () => {
    // Prepare
    dbMock.on(QueryCommand).resolves({ Items: [{ ...commissionItemOf(commission({ status: 'on_hold' })) }] });

    // Act
    const response = await handler(commissionsRequest('acme', ACME, { status: 'on_hold' }), context);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ commissions: [{ status: 'on_hold' }], nextCursor: null });
    expect(dbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: 'PartnerCommissions',
      IndexName: 'partnerId-statusEarnedAt-index',
      KeyConditionExpression: 'partnerId = :partnerId AND begins_with(statusEarnedAt, :status)',
      ExpressionAttributeValues: { ':partnerId': 'acme', ':status': 'on_hold#' },
      ScanIndexForward: false,
      Limit: 50,
    });
  });

  it('continues from the cursor, of the unfiltered and of a filtered list', async () => {
    // Prepare
    dbMock.on(QueryCommand).resolves(EMPTY_PAGE);
    const all = { partnerId: 'acme', commissionId: 'inv#in_9', earnedAt: '2026-01-01T00:00:00.000Z' };
    const paid = {
      partnerId: 'acme',
      commissionId: 'inv#in_9',
      statusEarnedAt: 'paid#2026-01-01T00:00:00.000Z',
    };

    // Act
    const first = await handler(
      commissionsRequest('acme', ACME, { cursor: encodeCommissionsCursor(all) }),
      context,
    );
    const second = await handler(
      commissionsRequest('acme', ACME, { status: 'paid', cursor: encodeCommissionsCursor(paid) }),
      context,
    );

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(bodyOf(first).nextCursor).toBeNull();
    expect(dbMock.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual(all);
    expect(dbMock.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(paid);
  });

  it.each([
    [
      "another partner's",
      encodeCommissionsCursor({ partnerId: 'rival', commissionId: 'inv#x', earnedAt: 'x' }),
      {},
    ],
    ["the dashboard's", encodeCursor({ partnerId: 'acme', referralId: 'ref_x', paidAt: 'x' }), {}],
    [
      "another status's",
      encodeCommissionsCursor({ partnerId: 'acme', commissionId: 'inv#x', statusEarnedAt: 'paid#x' }),
      { status: 'pending' },
    ],
    ['a garbled', 'not*base64', {}],
  ])('answers 400 InvalidCursor to %s cursor, reading nothing', async (_label, cursor, query) => {
    // Act
    const response = await handler(commissionsRequest('acme', ACME, { ...query, cursor }), context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidCursor' });
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });

  it.each(['', 'refunded', 'PAID'])(
    'answers 400 InvalidCommissionStatus naming status for %p, reading nothing',
    async (status) => {
      // Act
      const response = await handler(commissionsRequest('acme', ACME, { status }), context);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toMatchObject({ error: 'InvalidCommissionStatus', field: 'status' });
      expect(String(bodyOf(response).message)).toContain('pending, approved, paid, reversed, on_hold');
      expect(dbMock).not.toHaveReceivedAnyCommand();
    },
  );

  it.each([
    ['another partner', { partnerId: 'rival' }],
    ['another partner, with the admin scope', { partnerId: 'rival', scope: ADMIN_SCOPE }],
    ['no partnerId claim, with the admin scope', { scope: ADMIN_SCOPE }],
  ])('answers 403 to a token of %s, reading nothing', async (_label, claims) => {
    // Act
    const response = await handler(commissionsRequest('acme', claims), context);

    // Assess
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response)).toMatchObject({ error: 'Forbidden' });
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 400 naming partnerId for a malformed path id', async () => {
    const response = await handler(commissionsRequest('bad#id', { partnerId: 'bad#id' }), context);

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidRequest', field: 'partnerId' });
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 500 without details for a corrupt row', async () => {
    dbMock.on(QueryCommand).resolves({ Items: [{ ...commissionItemOf(commission()), netCents: 'lots' }] });

    const response = await handler(commissionsRequest('acme', ACME), context);

    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'InternalError',
      message: 'The request could not be completed',
    });
  });

  it('answers 500 for a route it does not serve (a deployment error)', async () => {
    const response = await handler(
      authorizedEvent(
        { path: '/partners/acme/referrals', routeKey: 'GET /partners/{partnerId}/referrals' },
        ACME,
      ),
      context,
    );

    expect(response.statusCode).toBe(500);
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });
});
