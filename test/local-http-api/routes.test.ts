import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { isAdminRouteKey, routeKeyOf, ROUTES, type RouteName } from '../../domain/routes';
import { ReferralsHttpApi } from '../../infra/constructs/http-api';
import { DEFAULT_SETTINGS, routeThrottlesOf } from '../../infra/settings';
import { RouteTable } from '../../local/http-api/routes';
import { meetsRouteScopes, scopesOf } from '../../local/http-api/scopes';
import { ADMIN_SCOPE } from './support';

const table = (...routeKeys: string[]) => new RouteTable(routeKeys.map((routeKey) => ({ routeKey })));
const keyOf = (t: RouteTable<{ routeKey: string }>, method: string, path: string) =>
  t.match(method, path)?.routeKey;

describe('HTTP API route selection', () => {
  it('matches literal segments and path variables, giving the decoded variables', () => {
    const t = table('GET /partners/{partnerId}/dashboard', 'POST /admin/partners');

    expect(t.match('GET', '/partners/acme%20blog/dashboard')).toEqual({
      route: { routeKey: 'GET /partners/{partnerId}/dashboard' },
      routeKey: 'GET /partners/{partnerId}/dashboard',
      pathParameters: { partnerId: 'acme blog' },
    });
    expect(t.match('POST', '/admin/partners')).toEqual({
      route: { routeKey: 'POST /admin/partners' },
      routeKey: 'POST /admin/partners',
    });
  });

  it('needs the method, the segment count and a non-empty variable to match', () => {
    const t = table('GET /r/{partnerId}');

    expect(t.match('POST', '/r/acme')).toBeUndefined();
    expect(t.match('GET', '/r/acme/extra')).toBeUndefined();
    expect(t.match('GET', '/r/')).toBeUndefined();
    expect(t.match('GET', '/r')).toBeUndefined();
  });

  it('prefers literal over variable over greedy, then a method over ANY', () => {
    const t = table('GET /files/readme', 'GET /files/{name}', 'ANY /files/{name}', 'GET /files/{path+}');

    expect(keyOf(t, 'GET', '/files/readme')).toBe('GET /files/readme');
    expect(keyOf(t, 'GET', '/files/notes')).toBe('GET /files/{name}');
    expect(keyOf(t, 'DELETE', '/files/notes')).toBe('ANY /files/{name}');
    expect(t.match('GET', '/files/a/b/c')).toMatchObject({
      routeKey: 'GET /files/{path+}',
      pathParameters: { path: 'a/b/c' },
    });
  });

  it('a greedy variable needs at least one segment', () => {
    const t = table('ANY /files/{path+}');

    expect(t.match('GET', '/files')).toBeUndefined();
    expect(t.match('GET', '/files/')).toBeUndefined();
  });

  it('sends what no route matches to $default, when there is one', () => {
    const t = table('GET /r/{partnerId}', '$default');

    expect(t.match('PUT', '/anything')).toEqual({ route: { routeKey: '$default' }, routeKey: '$default' });
    expect(t.routeKeys).toEqual(['GET /r/{partnerId}', '$default']);
  });

  it.each([
    ['GET/r', 'expected "$default" or "METHOD /path"'],
    ['FETCH /r', 'unknown method FETCH'],
    ['GET /{path+}/more', 'must be last'],
    ['GET /a{b}', 'malformed segment'],
  ])('refuses the route key %p', (routeKey, problem) => {
    expect(() => table(routeKey)).toThrow(problem);
  });

  it('refuses a route key defined twice', () => {
    expect(() => table('GET /r', 'GET /r')).toThrow('defined twice');
  });
});

/** The construct alone, synthesized. */
function synthesizedApi(): Template {
  const stack = new Stack(new App(), 'RoutesOnly');
  const fn = (name: string) =>
    new lambda.Function(stack, name, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
  new ReferralsHttpApi(stack, 'Api', {
    jwtIssuer: 'https://auth.example.com/',
    jwtAudience: 'partner-referrals',
    dashboard: fn('Dashboard'),
    admin: fn('Admin'),
    exports: fn('Exports'),
    click: fn('Click'),
    logRetention: logs.RetentionDays.ONE_WEEK,
  });
  return Template.fromStack(stack);
}

/** The routes the construct synthesizes (route key, authorization, scopes), as the local HTTP API reads them. */
function synthesizedRoutes(): {
  routeKey: string;
  authorizationType: string;
  authorizationScopes: string[];
}[] {
  const routes = synthesizedApi().findResources('AWS::ApiGatewayV2::Route');
  return Object.values(routes).map((r) => {
    const p = (r as { Properties: Record<string, unknown> }).Properties;
    return {
      routeKey: p.RouteKey as string,
      authorizationType: (p.AuthorizationType as string | undefined) ?? 'NONE',
      authorizationScopes: (p.AuthorizationScopes as string[] | undefined) ?? [],
    };
  });
}

describe("the project's routes, as the local HTTP API selects and authorizes them", () => {
  const routes = synthesizedRoutes();
  const t = new RouteTable(routes);
  const byKey = new Map(routes.map((r) => [r.routeKey, r]));
  const ADMIN_TOKEN = { scope: `openid ${ADMIN_SCOPE}`, partnerId: 'acme' };
  const PARTNER_TOKEN = { scope: 'openid', partnerId: 'acme' };

  it('the construct synthesizes exactly the routes of ROUTES, each with its method', () => {
    expect(t.routeKeys.sort()).toEqual((Object.keys(ROUTES) as RouteName[]).map(routeKeyOf).sort());
  });

  it.each([
    ['GET', '/partners/acme/dashboard', 'dashboard', { partnerId: 'acme' }],
    ['GET', '/partners/acme/commissions', 'commissions', { partnerId: 'acme' }],
    ['GET', '/admin/partners/acme/dashboard', 'adminDashboard', { partnerId: 'acme' }],
    ['POST', '/admin/partners', 'adminPartners', undefined],
    ['GET', '/admin/commissions', 'adminCommissions', undefined],
    [
      'POST',
      '/admin/partners/acme/commissions/inv%23in_1/approve',
      'adminApproveCommission',
      { partnerId: 'acme', commissionId: 'inv#in_1' },
    ],
    [
      'POST',
      '/admin/partners/acme/commissions/clawback%23in_1/reject',
      'adminRejectCommission',
      { partnerId: 'acme', commissionId: 'clawback#in_1' },
    ],
    ['POST', '/admin/approvals', 'adminApprovals', undefined],
    [
      'GET',
      '/partners/acme/exports/commissions.csv',
      'exports',
      { partnerId: 'acme', exportName: 'commissions.csv' },
    ],
    ['GET', '/admin/exports/payouts.csv', 'adminExports', { exportName: 'payouts.csv' }],
    ['GET', '/r/acme', 'click', { partnerId: 'acme' }],
  ] as const)('%s %s takes the %s route, with decoded path parameters', (method, path, name, params) => {
    const match = t.match(method, path);

    expect(match?.routeKey).toBe(routeKeyOf(name));
    expect(match?.pathParameters).toEqual(params);
  });

  it.each([
    ['GET', '/admin/partners/acme/commissions/inv%23in_1/approve'],
    ['POST', '/admin/commissions'],
    ['GET', '/admin/approvals'],
    ['POST', '/partners/acme/commissions'],
    ['POST', '/admin/partners/acme/commissions/inv%23in_1/decide'],
    ['GET', '/partners/acme/commissions/inv%23in_1'],
  ])('%s %s takes no route', (method, path) => {
    expect(t.match(method, path)).toBeUndefined();
  });

  it('every /admin/ route needs a JWT with the admin scope: an admin token meets it, a partner token does not', () => {
    const admin = routes.filter((r) => isAdminRouteKey(r.routeKey));

    expect(admin.map((r) => r.routeKey).sort()).toEqual(
      [
        'adminDashboard',
        'adminActivity',
        'adminPartners',
        'adminCommissions',
        'adminApproveCommission',
        'adminRejectCommission',
        'adminApprovals',
        'adminPayouts',
        'adminPayoutRun',
        'adminPayoutProcessing',
        'adminPayoutPaid',
        'adminPayoutFailed',
        'adminPayoutCancel',
        'adminExports',
      ]
        .map((name) => routeKeyOf(name as RouteName))
        .sort(),
    );
    for (const route of admin) {
      expect({ route: route.routeKey, type: route.authorizationType }).toEqual({
        route: route.routeKey,
        type: 'JWT',
      });
      expect(meetsRouteScopes(scopesOf(ADMIN_TOKEN), route.authorizationScopes)).toBe(true);
      expect({
        route: route.routeKey,
        partnerMeetsIt: meetsRouteScopes(scopesOf(PARTNER_TOKEN), route.authorizationScopes),
      }).toEqual({ route: route.routeKey, partnerMeetsIt: false });
    }
  });

  it("the partner's routes need a JWT and no scope (the handler reads the partner from the claim); the click is public", () => {
    for (const name of ['dashboard', 'commissions', 'exports'] as const) {
      expect(byKey.get(routeKeyOf(name))).toEqual({
        routeKey: routeKeyOf(name),
        authorizationType: 'JWT',
        authorizationScopes: [],
      });
      expect(meetsRouteScopes(scopesOf(PARTNER_TOKEN), [])).toBe(true);
    }
    expect(byKey.get(routeKeyOf('click'))).toMatchObject({ authorizationType: 'NONE' });
  });
});

describe('the stage throttles', () => {
  const template = synthesizedApi();
  const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as {
    Properties: { RouteSettings: Record<string, unknown>; DefaultRouteSettings: unknown };
    DependsOn: string[];
  }[];
  const routes = template.findResources('AWS::ApiGatewayV2::Route');

  it('gives the click route and the dashboard reads their own route settings, the rest the default', () => {
    expect(stage?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
    expect(stage?.Properties.RouteSettings).toEqual({
      [routeKeyOf('click')]: { ThrottlingRateLimit: 10_000, ThrottlingBurstLimit: 5_000 },
      [routeKeyOf('dashboard')]: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1_000 },
      [routeKeyOf('commissions')]: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1_000 },
      [routeKeyOf('adminDashboard')]: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1_000 },
    });
  });

  it('creates the stage after every route, since route settings must name existing route keys', () => {
    expect(stage?.DependsOn).toEqual(expect.arrayContaining(Object.keys(routes)));
  });

  it('the local HTTP API gets the same route settings from routeThrottlesOf', () => {
    const local = routeThrottlesOf(DEFAULT_SETTINGS.throttles);
    expect(
      Object.fromEntries(
        Object.entries(local).map(([key, t]) => [
          key,
          { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit },
        ]),
      ),
    ).toEqual(stage?.Properties.RouteSettings);
  });
});
