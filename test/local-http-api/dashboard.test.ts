import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { TABLE_NAMES } from '../../domain/config';
import { ROUTES } from '../../domain/routes';
import { createDashboardApiHandler } from '../../lambdas/dashboard-api';
import { loadOrCreateIssuer, type LocalIssuer } from '../../local/http-api/jwt';
import { startHttpApi, type HttpApiRoute, type RunningHttpApi } from '../../local/http-api/server';
import { partnerStats, testConfig } from '../unit/builders';
import { ADMIN_SCOPE, AUDIENCE, call } from './support';

/**
 * The real dashboard handler behind the local HTTP API, routed as the template routes them
 * (`/admin/…` with the admin scope, the partner dashboard with any valid token): API Gateway enforces the
 * admin scope, the dashboard trusts only the token's `partnerId` claim on the partner route. DynamoDB is
 * mocked; the workflow tests cover it for real.
 */
const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
);
const ddb = mockClient(db);
let issuer: LocalIssuer;
let api: RunningHttpApi;
let adminCalls = 0;

const context = { functionName: 'dashboard-api', awsRequestId: 'req-1' } as Context;
const dashboardHandler = createDashboardApiHandler({ config: testConfig(), db });
const route = (
  routeKey: string,
  authorizationScopes: string[],
  handler: HttpApiRoute['handler'],
): HttpApiRoute => ({ routeKey, authorizationType: 'JWT', authorizationScopes, handler });

beforeAll(async () => {
  issuer = await loadOrCreateIssuer(undefined);
  api = await startHttpApi({
    port: 0,
    routes: [
      route(`GET ${ROUTES.dashboard}`, [], (event) => dashboardHandler(event as never, context)),
      route(`GET ${ROUTES.adminDashboard}`, [ADMIN_SCOPE], (event) =>
        dashboardHandler(event as never, context),
      ),
      // A stand-in for the admin function: these tests only reach the authorizer in front of it.
      route(`POST ${ROUTES.adminPartners}`, [ADMIN_SCOPE], async () => {
        adminCalls += 1;
        return { statusCode: 500 };
      }),
    ],
    jwt: { issuer, audience: [AUDIENCE] },
  });
});
afterAll(() => api.close());
beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({ Item: partnerStats({ partnerId: 'acme', totalClicks: 7 }) });
  ddb.on(QueryCommand).resolves({ Items: [] });
  // Clicks before the shards (the row's 7) plus two shards' (3): 10.
  ddb.on(BatchGetCommand).resolves({
    Responses: { [TABLE_NAMES.clickCounters]: [{ clicks: 2 }, { clicks: 1 }] },
  });
});

const sign = (claims: { sub: string; partnerId?: string; scope?: string }) =>
  issuer.sign(claims, { audience: AUDIENCE });

describe('the partner dashboard route', () => {
  it('shows a partner its own dashboard with a partner token', async () => {
    const token = await sign({ sub: 'acme', partnerId: 'acme' });

    const reply = await call(api.url, '/partners/acme/dashboard', { token });

    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ partnerId: 'acme', stats: { totalClicks: 10 } });
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ Key: { partnerId: 'acme' } });
  });

  it.each([
    ['another partner', { sub: 'other', partnerId: 'other' }],
    ['a comma-joined scope list naming the admin scope', { sub: 'ops', scope: `read,${ADMIN_SCOPE}` }],
    ['the admin scope in brackets', { sub: 'ops', scope: `[${ADMIN_SCOPE}]` }],
    ['the admin scope itself, on another partner', { sub: 'other', partnerId: 'other', scope: ADMIN_SCOPE }],
    ['no partnerId claim', { sub: 'acme' }],
  ])(
    "refuses acme's dashboard to a token of %s (403 from the handler, no DynamoDB call)",
    async (_, claims) => {
      const token = await sign(claims);

      const reply = await call(api.url, '/partners/acme/dashboard', { token });

      expect(reply.status).toBe(403);
      expect(reply.json()).toMatchObject({ error: 'Forbidden' });
      expect(ddb.calls()).toHaveLength(0);
    },
  );
});

describe('the admin routes', () => {
  it("lets an admin-scoped token read any partner's dashboard under /admin/", async () => {
    const token = await sign({ sub: 'ops', scope: `openid ${ADMIN_SCOPE}` });

    const reply = await call(api.url, '/admin/partners/acme/dashboard', { token });

    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ partnerId: 'acme', stats: { totalClicks: 10 } });
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ Key: { partnerId: 'acme' } });
  });

  it.each([
    ['a partner token', { sub: 'acme', partnerId: 'acme' }],
    ['a comma-joined scope list', { sub: 'ops', scope: `read,${ADMIN_SCOPE}` }],
    ['the admin scope in brackets', { sub: 'ops', scope: `[${ADMIN_SCOPE}]` }],
  ])('refuses the admin dashboard to %s: 403 insufficient_scope from the authorizer', async (_, claims) => {
    const reply = await call(api.url, '/admin/partners/acme/dashboard', { token: await sign(claims) });

    expect(reply.status).toBe(403);
    expect(reply.json()).toEqual({ message: 'Forbidden' });
    expect(reply.headers.get('www-authenticate')).toBe(
      `Bearer scope="${ADMIN_SCOPE}" error="insufficient_scope" error_description="expected scopes: [${ADMIN_SCOPE}]"`,
    );
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses POST /admin/partners without the admin scope at the authorizer', async () => {
    const token = await sign({ sub: 'acme', partnerId: 'acme' });

    const reply = await call(api.url, '/admin/partners', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ partnerId: 'acme-2' }),
    });

    expect(reply.status).toBe(403);
    expect(reply.json()).toEqual({ message: 'Forbidden' });
    expect(reply.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(adminCalls).toBe(0);
  });
});
