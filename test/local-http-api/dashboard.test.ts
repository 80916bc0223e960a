import { marshall } from '@aws-sdk/util-dynamodb';
import { createDashboardApiHandler } from '../../lambdas/dashboard-api';
import { loadOrCreateIssuer, type LocalIssuer } from '../../local/http-api/jwt';
import { startHttpApi, type RunningHttpApi } from '../../local/http-api/server';
import { useFakeAws } from '../support/fake-aws';
import { partnerStats, testConfig } from '../unit/builders';
import { ADMIN_SCOPE, AUDIENCE, call } from './support';

/**
 * The real dashboard handler behind the local HTTP API: the event the server builds from a token is the
 * one the handler reads its caller from. DynamoDB is faked; the workflow tests cover it for real.
 */
const aws = useFakeAws();
let issuer: LocalIssuer;
let api: RunningHttpApi;

beforeAll(async () => {
  issuer = await loadOrCreateIssuer(undefined);
  api = await startHttpApi({
    port: 0,
    routes: [
      {
        routeKey: 'GET /partners/{partnerId}/dashboard',
        authorizationType: 'JWT',
        authorizationScopes: [],
        handler: createDashboardApiHandler({ config: testConfig() }),
      },
    ],
    jwt: { issuer, audience: [AUDIENCE] },
  });
});
afterAll(() => api.close());
beforeEach(() => {
  aws.on('DynamoDB_20120810.GetItem', {
    body: { Item: marshall(partnerStats({ partnerId: 'acme', totalClicks: 7 })) },
  });
  aws.on('DynamoDB_20120810.Query', { body: { Items: [] } });
});

describe('dashboard behind the local HTTP API', () => {
  it('shows a partner its own dashboard with a partner token', async () => {
    const token = await issuer.sign({ sub: 'acme', partnerId: 'acme' }, { audience: AUDIENCE });

    const reply = await call(api.url, '/partners/acme/dashboard', { token });

    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ partnerId: 'acme', stats: { totalClicks: 7 } });
  });

  it("refuses another partner's dashboard (403 from the handler, after the authorizer let the token in)", async () => {
    const token = await issuer.sign({ sub: 'other', partnerId: 'other' }, { audience: AUDIENCE });

    const reply = await call(api.url, '/partners/acme/dashboard', { token });

    expect(reply.status).toBe(403);
    expect(reply.json()).toMatchObject({ error: 'Forbidden' });
    expect(aws.calls).toHaveLength(0);
  });

  it("lets an admin token read any partner's dashboard", async () => {
    const token = await issuer.sign({ sub: 'ops', scope: ADMIN_SCOPE }, { audience: AUDIENCE });

    const reply = await call(api.url, '/partners/acme/dashboard', { token });

    expect(reply.status).toBe(200);
  });
});
