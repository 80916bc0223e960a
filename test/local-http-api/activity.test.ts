import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ActivityView } from '../../domain/activity';
import { TABLE_NAMES } from '../../domain/config';
import { ROUTES } from '../../domain/routes';
import { createDashboardApiHandler } from '../../lambdas/dashboard-api';
import { loadOrCreateIssuer, type LocalIssuer } from '../../local/http-api/jwt';
import { startHttpApi, type HttpApiRoute, type RunningHttpApi } from '../../local/http-api/server';
import { partnerStats, testConfig } from '../unit/builders';
import { ADMIN_SCOPE, AUDIENCE, call } from './support';

/**
 * `GET /partners/{partnerId}/activity` through the local HTTP API with the real dashboard handler, DynamoDB
 * mocked: the days of each range in the partner's zone, the reads it makes (bounded, never a Scan), and its
 * 400/403/404.
 */
const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
);
const ddb = mockClient(db);
let issuer: LocalIssuer;
let api: RunningHttpApi;

// 00:30 UTC on Dec 2: still Dec 1 in Los Angeles, already Dec 2 (13:30) in Auckland.
const NOW = new Date('2026-12-02T00:30:00Z');
const context = { functionName: 'dashboard-api', awsRequestId: 'req-1' } as Context;
const handler = createDashboardApiHandler({ config: testConfig(), db, now: () => NOW });
const route = (routeKey: string, scopes: string[]): HttpApiRoute => ({
  routeKey,
  authorizationType: 'JWT',
  authorizationScopes: scopes,
  handler: (event) => handler(event as never, context),
});

beforeAll(async () => {
  issuer = await loadOrCreateIssuer(undefined);
  api = await startHttpApi({
    port: 0,
    routes: [route(`GET ${ROUTES.activity}`, []), route(`GET ${ROUTES.adminActivity}`, [ADMIN_SCOPE])],
    jwt: { issuer, audience: [AUDIENCE] },
  });
});
afterAll(() => api.close());

function partnerIn(timeZone: string | undefined): void {
  ddb.reset();
  ddb
    .on(GetCommand)
    .resolves({ Item: { ...partnerStats({ partnerId: 'acme' }), ...(timeZone ? { timeZone } : {}) } });
  ddb.on(QueryCommand).resolves({
    Items: [
      { partnerId: 'acme', day: '2026-12-01', signups: 2, earningsCents: 1250 },
      { partnerId: 'acme', day: '2026-11-30', conversions: 1, reversedCents: 300 },
    ],
  });
  ddb.on(BatchGetCommand).resolves({
    Responses: {
      [TABLE_NAMES.clickCounters]: [{ 'd2026-12-01': 3, 'd2026-12-02': 1 }, { 'd2026-12-01': 4 }, {}],
    },
  });
}

const partnerToken = () => issuer.sign({ sub: 'acme', partnerId: 'acme' }, { audience: AUDIENCE });

async function activity(target: string): Promise<ActivityView> {
  const reply = await call(api.url, target, { token: await partnerToken() });
  expect([reply.status, reply.text.slice(0, 200)]).toEqual([200, expect.any(String)]);
  return reply.json() as unknown as ActivityView;
}

describe('GET /partners/{partnerId}/activity', () => {
  it('gives every day of the last 30 local days, oldest first, zeros filled (Los Angeles)', async () => {
    partnerIn('America/Los_Angeles');

    const view = await activity('/partners/acme/activity');

    expect(view).toMatchObject({ partnerId: 'acme', timeZone: 'America/Los_Angeles', range: '30d' });
    expect([view.from, view.to, view.days.length]).toEqual(['2026-11-02', '2026-12-01', 30]);
    expect(view.days.map((d) => d.day)).toEqual([...view.days.map((d) => d.day)].sort());
    expect(view.days.slice(-2)).toEqual([
      { day: '2026-11-30', clicks: 0, signups: 0, conversions: 1, earningsCents: 0, reversedCents: 300 },
      { day: '2026-12-01', clicks: 7, signups: 2, conversions: 0, earningsCents: 1250, reversedCents: 0 },
    ]);
    expect(view.days[0]).toEqual({
      day: '2026-11-02',
      clicks: 0,
      signups: 0,
      conversions: 0,
      earningsCents: 0,
      reversedCents: 0,
    });
  });

  it('reads one bounded Query of the buckets and one BatchGetItem of the range’s day attributes', async () => {
    partnerIn('America/Los_Angeles');

    await activity('/partners/acme/activity?range=7d');

    expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(1);
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE_NAMES.activity,
      ExpressionAttributeValues: { ':partnerId': 'acme', ':from': '2026-11-25', ':to': '2026-12-01' },
      Limit: 366,
    });
    const batch =
      ddb.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.[TABLE_NAMES.clickCounters];
    expect(Object.values(batch?.ExpressionAttributeNames ?? {})).toEqual(
      ['25', '26', '27', '28', '29', '30'].map((d) => `d2026-11-${d}`).concat('d2026-12-01'),
    );
  });

  it('counts a click near midnight UTC on the partner’s local day (Auckland is a day ahead)', async () => {
    partnerIn('Pacific/Auckland');

    const view = await activity('/partners/acme/activity?range=24h');

    // The last 24 hours in Auckland run from 13:30 on Dec 1 to 13:30 on Dec 2: both local days.
    expect(view.days.map((d) => [d.day, d.clicks])).toEqual([
      ['2026-12-01', 7],
      ['2026-12-02', 1],
    ]);
  });

  it('reads a partner without a zone in UTC', async () => {
    partnerIn(undefined);

    const view = await activity('/partners/acme/activity?range=1y');

    expect([view.timeZone, view.to, view.days.length]).toEqual(['UTC', '2026-12-02', 365]);
  });

  it('answers 400 naming range for an unknown range', async () => {
    partnerIn('UTC');

    const reply = await call(api.url, '/partners/acme/activity?range=2w', { token: await partnerToken() });

    expect(reply.status).toBe(400);
    expect(reply.text).toContain('range');
  });

  it('answers 403 to another partner and 404 for an unknown partner', async () => {
    partnerIn('UTC');
    const other = await issuer.sign({ sub: 'other', partnerId: 'other' }, { audience: AUDIENCE });
    expect((await call(api.url, '/partners/acme/activity', { token: other })).status).toBe(403);

    ddb.reset();
    ddb.on(GetCommand).resolves({});
    expect((await call(api.url, '/partners/acme/activity', { token: await partnerToken() })).status).toBe(
      404,
    );
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('serves an admin any partner’s activity', async () => {
    partnerIn('UTC');
    const admin = await issuer.sign({ sub: 'ops', scope: ADMIN_SCOPE }, { audience: AUDIENCE });

    const reply = await call(api.url, '/admin/partners/acme/activity?range=7d', { token: admin });

    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ partnerId: 'acme', range: '7d' });
  });
});
