import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { encodeCommissionsCursor } from '../../domain/commissions-view';
import { loadRuntimeConfig } from '../../domain/config';
import { executionNameFor } from '../../domain/execution-name';
import { identityHash } from '../../domain/identity';
import { commissionItemOf } from '../../domain/ledger';
import type { Commission } from '../../domain/lifecycle';
import { createAdminApiHandler } from '../../lambdas/admin-api';
import { authorizedEvent, bodyOf } from '../../local/events/http-events';
import { logLinesOf, type LogLines } from '../support/log-lines';
import { ARNS, commission as pendingCommission, sfnThrottling, testConfig } from './builders';
import { lambdaContext } from './lambda-context';

jest.mock('../../lambdas/commons/logger', () =>
  jest.requireActual<LogLines>('../support/log-lines').loggerModuleAt('DEBUG'),
);

const sfnMock = mockClient(SFNClient);
const dbMock = mockClient(DynamoDBDocumentClient);
const COMMISSION_ARN = ARNS.commission;
const APPROVAL_ARN = ARNS.approval;
const config = testConfig();
const NOW = new Date('2026-01-01T00:00:00.000Z');
const createHandler = () =>
  createAdminApiHandler({
    config,
    sfn: new SFNClient({ region: 'eu-west-1' }),
    db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    now: () => NOW,
  });
const context = lambdaContext('admin-api');
const START_DATE = new Date('2026-01-01T00:00:00.000Z');
const SUCCEEDED = { status: 'SUCCEEDED' as const, output: '{}', startDate: START_DATE, stopDate: START_DATE };

const ADMIN = { scope: 'partner-referrals/admin' };
const registerRequest = (body: unknown, claims: Record<string, string> = ADMIN) =>
  authorizedEvent(
    {
      method: 'POST',
      path: '/admin/partners',
      routeKey: 'POST /admin/partners',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    claims,
  );

describe('admin-api handler: POST /admin/partners', () => {
  const handler = createHandler();

  beforeEach(() => {
    sfnMock.reset();
    dbMock.reset();
  });

  it('registers a partner through the registration workflow and answers 201', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves(SUCCEEDED);

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme', displayName: 'Acme Co' }), context);

    // Assess
    expect(response.statusCode).toBe(201);
    expect(response.headers?.location).toBe('/partners/acme/dashboard');
    expect(bodyOf(response)).toEqual({
      partnerId: 'acme',
      displayName: 'Acme Co',
      registeredAt: '2026-01-01T00:00:00.000Z',
      timeZone: 'UTC',
    });
    expect(sfnMock).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 1);
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: ARNS.registration,
      input: JSON.stringify({
        partnerId: 'acme',
        displayName: 'Acme Co',
        registeredAt: '2026-01-01T00:00:00.000Z',
        timeZone: 'UTC',
      }),
    });
  });

  it('uses the partner id as the display name when none is given', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves(SUCCEEDED);

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }), context);

    // Assess
    expect(bodyOf(response).displayName).toBe('acme');
    expect(sfnMock).toHaveReceivedCommandWith(StartSyncExecutionCommand, {
      input: JSON.stringify({
        partnerId: 'acme',
        displayName: 'acme',
        registeredAt: '2026-01-01T00:00:00.000Z',
        timeZone: 'UTC',
      }),
    });
  });

  it('stores the partner time zone in its canonical spelling', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves(SUCCEEDED);

    // Act
    const response = await handler(
      registerRequest({ partnerId: 'acme', timeZone: 'pacific/auckland' }),
      context,
    );

    // Assess
    expect(bodyOf(response).timeZone).toBe('Pacific/Auckland');
    expect(sfnMock).toHaveReceivedCommandWith(StartSyncExecutionCommand, {
      input: JSON.stringify({
        partnerId: 'acme',
        displayName: 'acme',
        registeredAt: '2026-01-01T00:00:00.000Z',
        timeZone: 'Pacific/Auckland',
      }),
    });
  });

  it.each([['Mars/Olympus'], [42], ['']])('answers 400 naming timeZone for %p', async (timeZone) => {
    // Act
    const response = await handler(registerRequest({ partnerId: 'acme', timeZone }), context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(bodyOf(response))).toContain('timeZone');
    expect(sfnMock).not.toHaveReceivedCommand(StartSyncExecutionCommand);
  });

  it('answers 409 when the partner is already registered', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves({
      status: 'FAILED',
      error: 'PartnerAlreadyRegistered',
      cause: 'exists',
      startDate: START_DATE,
    });

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'PartnerAlreadyRegistered' });
  });

  it('answers 502 when the registration workflow fails for another reason', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves({
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: 'DynamoDB unavailable',
      startDate: START_DATE,
    });

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(502);
    expect(bodyOf(response)).toMatchObject({ error: 'WorkflowFailed' });
  });

  it('answers 500 InternalError when Step Functions throttles the call', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).rejects(sfnThrottling());

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'InternalError',
      message: 'The request could not be completed',
    });
  });

  it("leaves the admin scope to API Gateway: it does not read the token's claims", async () => {
    // Prepare: API Gateway's JWT authorizer enforces the route's admin scope before the function runs.
    sfnMock.on(StartSyncExecutionCommand).resolves(SUCCEEDED);

    // Act
    const response = await handler(
      registerRequest({ partnerId: 'acme' }, { partnerId: 'acme', scope: 'openid' }),
      context,
    );

    // Assess
    expect(response.statusCode).toBe(201);
    expect(sfnMock).toHaveReceivedCommandWith(StartSyncExecutionCommand, {
      stateMachineArn: ARNS.registration,
    });
  });

  it.each([
    ['body.partnerId', { partnerId: 'has space' }],
    ['body.partnerId', { displayName: 'No id' }],
    ['body.displayName', { partnerId: 'acme', displayName: '' }],
    ['body.ownerUserId', { partnerId: 'acme', ownerUserId: 'has space' }],
    ['body.ownerUserId', { partnerId: 'acme', ownerUserId: 42 }],
    ['body.ownerEmail', { partnerId: 'acme', ownerEmail: 'not-an-address' }],
    ['body.ownerEmail', { partnerId: 'acme', ownerEmail: `${'a'.repeat(320)}@example.com` }],
    ['body', 'not json'],
  ])('answers 400 naming %s, without starting the workflow', async (field, body) => {
    // Act
    const response = await handler(registerRequest(body), context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidRequest', field });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it("passes the owner's user id and the salted hash of the owner's email, never the address", async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves(SUCCEEDED);
    const email = 'Owner@Example.com';

    // Act
    let response: Awaited<ReturnType<typeof handler>> | undefined;
    const lines = await logLinesOf(async () => {
      response = await handler(
        registerRequest({ partnerId: 'acme', ownerUserId: 'user_owner', ownerEmail: email }),
        context,
      );
    });

    // Assess
    expect(response?.statusCode).toBe(201);
    const input = JSON.parse(
      String(sfnMock.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input.input),
    ) as Record<string, unknown>;
    expect(input).toEqual({
      partnerId: 'acme',
      displayName: 'acme',
      registeredAt: '2026-01-01T00:00:00.000Z',
      timeZone: 'UTC',
      ownerUserId: 'user_owner',
      ownerEmailHash: identityHash(email, 'test-salt'),
    });
    expect(input.ownerEmailHash).toMatch(/^[0-9a-f]{64}$/);
    expect(bodyOf(response ?? {})).toEqual({
      partnerId: 'acme',
      displayName: 'acme',
      registeredAt: '2026-01-01T00:00:00.000Z',
      timeZone: 'UTC',
      ownerUserId: 'user_owner',
    });
    for (const text of [JSON.stringify(input), response?.body ?? '', JSON.stringify(lines)]) {
      expect(text.toLowerCase()).not.toContain('owner@example.com');
    }
  });
});

const ADMIN_TOKEN = { scope: 'partner-referrals/admin' };

/** A held row: the review routes act on `on_hold` only. */
const commission = (overrides: Partial<Commission> = {}): Commission =>
  pendingCommission({ status: 'on_hold', statusReason: 'open dispute', ...overrides });

const listRequest = (query?: Record<string, string>, claims: Record<string, string> = ADMIN_TOKEN) =>
  authorizedEvent({ path: '/admin/commissions', routeKey: 'GET /admin/commissions', query }, claims);

describe('admin-api handler: GET /admin/commissions', () => {
  const handler = createHandler();

  beforeEach(() => {
    sfnMock.reset();
    dbMock.reset();
  });

  it('lists the commissions on hold by default, oldest due first, 50 a page, in one Query', async () => {
    // Prepare
    const last = {
      status: 'on_hold',
      dueAt: '2026-02-14T10:00:00.000Z',
      partnerId: 'acme',
      commissionId: 'inv#in_1',
    };
    dbMock
      .on(QueryCommand)
      .resolves({ Items: [{ ...commissionItemOf(commission()) }], LastEvaluatedKey: last });

    // Act
    const response = await handler(listRequest(), context);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      status: 'on_hold',
      commissions: [
        expect.objectContaining({
          partnerId: 'acme',
          referredUserId: 'user_1',
          commissionId: 'inv#in_1',
          status: 'on_hold',
          statusReason: 'open dispute',
          netCents: 750,
        }),
      ],
      nextCursor: encodeCommissionsCursor(last),
    });
    expect(dbMock.calls()).toHaveLength(1);
    expect(dbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: 'PartnerCommissions',
      IndexName: 'status-dueAt-index',
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'on_hold' },
      ScanIndexForward: true,
      Limit: 50,
    });
  });

  it('lists any status, and continues from its cursor', async () => {
    // Prepare
    dbMock.on(QueryCommand).resolves({ Items: [] });
    const key = {
      status: 'approved',
      dueAt: '2026-02-01T00:00:00.000Z',
      partnerId: 'p',
      commissionId: 'inv#in_7',
    };

    // Act
    const response = await handler(
      listRequest({ status: 'approved', cursor: encodeCommissionsCursor(key) }),
      context,
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ status: 'approved', commissions: [], nextCursor: null });
    expect(dbMock).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: { ':status': 'approved' },
      ExclusiveStartKey: key,
    });
  });

  it.each([
    [
      "another status's",
      {
        status: 'pending',
        cursor: encodeCommissionsCursor({ status: 'on_hold', dueAt: 'x', partnerId: 'p', commissionId: 'c' }),
      },
    ],
    [
      "a partner list's",
      { cursor: encodeCommissionsCursor({ partnerId: 'p', commissionId: 'c', earnedAt: 'x' }) },
    ],
    ['a garbled', { cursor: '%%%' }],
  ])('answers 400 InvalidCursor to %s cursor, reading nothing', async (_label, query) => {
    const response = await handler(listRequest(query), context);

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidCursor' });
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 400 InvalidCommissionStatus naming status, reading nothing', async () => {
    const response = await handler(listRequest({ status: 'held' }), context);

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidCommissionStatus', field: 'status' });
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });
});

const reviewRequest = (
  decision: 'approve' | 'reject',
  partnerId = 'acme',
  commissionId = 'inv#in_1',
  claims: Record<string, string> = ADMIN_TOKEN,
) =>
  authorizedEvent(
    {
      method: 'POST',
      path: `/admin/partners/${partnerId}/commissions/${encodeURIComponent(commissionId)}/${decision}`,
      routeKey: `POST /admin/partners/{partnerId}/commissions/{commissionId}/${decision}`,
      pathParameters: { partnerId, commissionId },
    },
    claims,
  );

describe('admin-api handler: POST /admin/partners/{partnerId}/commissions/{commissionId}/approve|reject', () => {
  const handler = createHandler();
  const HELD = { Item: { status: 'on_hold', referredUserId: 'user_1' } };

  beforeEach(() => {
    sfnMock.reset();
    dbMock.reset();
  });

  it.each(['approve', 'reject'] as const)(
    'to %s, reads the held commission, then starts the commission workflow with a review fact: 202',
    async (decision) => {
      // Prepare
      const executionArn = `arn:aws:states:us-east-1:123456789012:execution:commission:review-${decision}`;
      dbMock.on(GetCommand).resolves(HELD);
      sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: NOW });

      // Act
      const response = await handler(reviewRequest(decision), context);

      // Assess
      expect(response.statusCode).toBe(202);
      expect(bodyOf(response)).toEqual({ executionArn, commissionId: 'inv#in_1', decision });
      expect(dbMock.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
        TableName: 'PartnerCommissions',
        Key: { partnerId: 'acme', commissionId: 'inv#in_1' },
        ProjectionExpression: '#status, referredUserId',
        ExpressionAttributeNames: { '#status': 'status' },
        ConsistentRead: true,
      });
      expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
      const start = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
      expect(start?.stateMachineArn).toBe(COMMISSION_ARN);
      expect(start?.name).toBe(executionNameFor('review', `acme-inv#in_1-${decision}`));
      expect(start?.name).toMatch(/^review-[A-Za-z0-9_-]{1,73}$/);
      expect(JSON.parse(String(start?.input))).toEqual({
        fact: {
          kind: 'review',
          key: `review#inv#in_1#${decision}`,
          at: '2026-01-01T00:00:00.000Z',
          commissionId: 'inv#in_1',
          decision,
        },
        userId: 'user_1',
        findUserBy: [],
        links: [],
        parkExpiresAt: Math.floor(NOW.getTime() / 1000) + 35 * 86_400,
      });
    },
  );

  it('answers 200 (already decided) when the execution of that decision exists', async () => {
    // Prepare
    dbMock.on(GetCommand).resolves(HELD);
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: { httpStatusCode: 400 } }));

    // Act
    const response = await handler(reviewRequest('approve'), context);

    // Assess
    expect(response.statusCode).toBe(200);
    const name = executionNameFor('review', 'acme-inv#in_1-approve');
    expect(bodyOf(response)).toEqual({
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:commission:${name}`,
      commissionId: 'inv#in_1',
      decision: 'approve',
    });
  });

  it('answers 404 UnknownCommission when the partner has no such commission, starting nothing', async () => {
    dbMock.on(GetCommand).resolves({});

    const response = await handler(reviewRequest('approve', 'acme', 'inv#in_404'), context);

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ error: 'UnknownCommission' });
    expect(String(bodyOf(response).message)).toContain('inv#in_404');
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it.each(['pending', 'approved', 'paid', 'reversed'])(
    'answers 409 CommissionNotOnHold naming the status when the commission is %s, starting nothing',
    async (status) => {
      dbMock.on(GetCommand).resolves({ Item: { status, referredUserId: 'user_1' } });

      const response = await handler(reviewRequest('reject'), context);

      expect(response.statusCode).toBe(409);
      expect(bodyOf(response)).toMatchObject({ error: 'CommissionNotOnHold' });
      expect(String(bodyOf(response).message)).toContain(`is ${status}, not on_hold`);
      expect(sfnMock).not.toHaveReceivedAnyCommand();
    },
  );

  it.each([
    ['partnerId', 'bad#id', 'inv#in_1'],
    ['commissionId', 'acme', 'in_1'],
    ['commissionId', 'acme', 'inv#in 1'],
  ])('answers 400 naming %s, reading nothing', async (field, partnerId, commissionId) => {
    const response = await handler(reviewRequest('approve', partnerId, commissionId), context);

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidRequest', field });
    expect(dbMock).not.toHaveReceivedAnyCommand();
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it("leaves the admin scope to API Gateway: it does not read the token's claims", async () => {
    dbMock.on(GetCommand).resolves(HELD);
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: NOW });

    const response = await handler(
      reviewRequest('approve', 'acme', 'inv#in_1', { partnerId: 'rival' }),
      context,
    );

    expect(response.statusCode).toBe(202);
  });

  it('answers 500 without details for a commission row without its user', async () => {
    dbMock.on(GetCommand).resolves({ Item: { status: 'on_hold' } });

    const response = await handler(reviewRequest('approve'), context);

    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'InternalError',
      message: 'The request could not be completed',
    });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });
});

describe('admin-api handler: POST /admin/approvals', () => {
  const handler = createHandler();

  beforeEach(() => {
    sfnMock.reset();
    dbMock.reset();
  });

  it('starts an approval run now and answers 202 with its execution ARN', async () => {
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:approval:run-1';
    sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: NOW });

    const response = await handler(
      authorizedEvent(
        { method: 'POST', path: '/admin/approvals', routeKey: 'POST /admin/approvals' },
        ADMIN_TOKEN,
      ),
      context,
    );

    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ executionArn });
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: APPROVAL_ARN,
      input: '{}',
    });
    expect(dbMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 500 when the approval workflow is not configured', async () => {
    const unconfigured = createAdminApiHandler({
      config: loadRuntimeConfig({ CLICK_IP_SALT: 'test-salt' }),
      sfn: new SFNClient({ region: 'eu-west-1' }),
      db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    });

    const response = await unconfigured(
      authorizedEvent(
        { method: 'POST', path: '/admin/approvals', routeKey: 'POST /admin/approvals' },
        ADMIN_TOKEN,
      ),
      context,
    );

    expect(response.statusCode).toBe(500);
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });
});
