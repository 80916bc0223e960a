import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { loadOrCreateIssuer, LOCAL_ISSUER_URL, type LocalIssuer } from '../../local/http-api/jwt';
import { KEY_FILE, type StoredSigningKey } from '../../local/http-api/key-store';
import { LAMBDA_RESPONSE_LIMIT_BYTES } from '../../local/http-api/response';
import { startHttpApi, type HttpApiRoute, type RunningHttpApi } from '../../local/http-api/server';
import { ADMIN_SCOPE, AUDIENCE, call, echoed, echoRoute, tempDir } from './support';

/**
 * The local HTTP API through real HTTP: what API Gateway's HTTP API does in front of Lambda proxy
 * integrations (payload format 2.0).
 */
let issuer: LocalIssuer;
let api: RunningHttpApi;
const dashboard = echoRoute('GET /partners/{partnerId}/dashboard', { type: 'JWT' });
const admin = echoRoute('POST /admin/partners', { type: 'JWT', scopes: [ADMIN_SCOPE] });
const adminDashboard = echoRoute('GET /admin/partners/{partnerId}/dashboard', {
  type: 'JWT',
  scopes: [ADMIN_SCOPE],
});
const click = echoRoute('GET /r/{partnerId}');
const handlerErrors: unknown[] = [];
const results = new Map<string, unknown>();
const resultRoute: HttpApiRoute = {
  routeKey: 'GET /result/{kind}',
  authorizationType: 'NONE',
  authorizationScopes: [],
  handler: async (event) => {
    const kind = event.pathParameters?.kind ?? '';
    if (kind === 'throws') throw new Error('boom');
    return results.get(kind);
  },
};

const partnerToken = (partnerId: string) =>
  issuer.sign({ sub: partnerId, partnerId }, { audience: AUDIENCE });
const adminToken = () => issuer.sign({ sub: 'ops', scope: `openid ${ADMIN_SCOPE}` }, { audience: AUDIENCE });
/** Any claims (arrays, numbers, no `exp`), signed with the issuer's key: tokens `issuer.sign` would not mint. */
let signRaw: (claims: JWTPayload) => Promise<string>;

beforeAll(async () => {
  const jwtDir = tempDir('http-api-');
  issuer = await loadOrCreateIssuer(jwtDir);
  const { privateJwk } = JSON.parse(readFileSync(path.join(jwtDir, KEY_FILE), 'utf8')) as StoredSigningKey;
  const key = await importJWK(privateJwk, 'RS256');
  signRaw = (claims) =>
    new SignJWT({ iss: LOCAL_ISSUER_URL, aud: AUDIENCE, iat: Math.floor(Date.now() / 1000), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: issuer.keyId })
      .sign(key);
  api = await startHttpApi({
    port: 0,
    routes: [dashboard, admin, adminDashboard, click, resultRoute],
    jwt: { issuer, audience: [AUDIENCE] },
    onHandlerError: (_routeKey, error) => handlerErrors.push(error),
  });
});
afterAll(() => api.close());

describe('routes', () => {
  it('takes a request to its route with the path parameters', async () => {
    const reply = await call(api.url, '/partners/acme/dashboard', { token: await partnerToken('acme') });

    expect(reply.status).toBe(200);
    expect(echoed(reply)).toMatchObject({
      routeKey: 'GET /partners/{partnerId}/dashboard',
      pathParameters: { partnerId: 'acme' },
    });
  });

  it('answers 404 {"message":"Not Found"} when no route matches the path or the method', async () => {
    const unknownPath = await call(api.url, '/nowhere');
    const wrongMethod = await call(api.url, '/r/acme', { method: 'DELETE' });

    for (const reply of [unknownPath, wrongMethod]) {
      expect(reply.status).toBe(404);
      expect(reply.json()).toEqual({ message: 'Not Found' });
      expect(reply.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    }
  });

  it('lists its route keys', () => {
    expect(api.routeKeys()).toEqual([
      'GET /partners/{partnerId}/dashboard',
      'POST /admin/partners',
      'GET /admin/partners/{partnerId}/dashboard',
      'GET /r/{partnerId}',
      'GET /result/{kind}',
    ]);
  });

  it('sends unmatched requests to $default when the API has one', async () => {
    const fallback = echoRoute('$default');
    const withDefault = await startHttpApi({ port: 0, routes: [echoRoute('GET /r/{partnerId}'), fallback] });
    try {
      const reply = await call(withDefault.url, '/somewhere/else?x=1', { method: 'PUT' });

      expect(reply.status).toBe(200);
      expect(echoed(reply)).toMatchObject({ routeKey: '$default', rawPath: '/somewhere/else' });
      expect(echoed(reply)).not.toHaveProperty('pathParameters');
    } finally {
      await withDefault.close();
    }
  });
});

describe('the payload format 2.0 event', () => {
  it('carries the request as API Gateway renders it', async () => {
    const reply = await call(api.url, '/r/acme?utm=mail&utm=news&q=a%20b', {
      headers: [
        ['User-Agent', 'Mozilla/5.0 (test)'],
        ['X-Custom', 'one'],
        ['Cookie', 'session=abc; theme=dark'],
      ],
    });

    const event = echoed(reply);
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'GET /r/{partnerId}',
      rawPath: '/r/acme',
      rawQueryString: 'utm=mail&utm=news&q=a%20b',
      cookies: ['session=abc', 'theme=dark'],
      headers: expect.objectContaining({
        'user-agent': 'Mozilla/5.0 (test)',
        'x-custom': 'one',
        host: `127.0.0.1:${api.port}`,
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-port': String(api.port),
      }),
      queryStringParameters: { utm: 'mail,news', q: 'a b' },
      pathParameters: { partnerId: 'acme' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: {
          method: 'GET',
          path: '/r/acme',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'Mozilla/5.0 (test)',
        },
        requestId: reply.headers.get('apigw-requestid'),
        routeKey: 'GET /r/{partnerId}',
        stage: '$default',
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      },
      isBase64Encoded: false,
    });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it('omits cookies, query parameters and body when the request has none', async () => {
    const event = echoed(await call(api.url, '/r/acme'));

    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('body');
    expect(event.rawQueryString).toBe('');
  });

  it('passes a JSON body as text and a form or untyped body base64-encoded, as AWS does', async () => {
    const token = await adminToken();
    const post = (body: string | Uint8Array<ArrayBuffer>, contentType?: string) =>
      call(api.url, '/admin/partners', {
        method: 'POST',
        token,
        body,
        headers: contentType ? { 'content-type': contentType } : {},
      });

    const asJson = echoed(await post('{"partnerId":"acme"}', 'application/json; charset=utf-8'));
    const asForm = echoed(await post('partnerId=acme', 'application/x-www-form-urlencoded'));
    // fetch sends bytes without a content type.
    const untyped = echoed(await post(new TextEncoder().encode('{"partnerId":"acme"}')));

    expect(asJson).toMatchObject({ body: '{"partnerId":"acme"}', isBase64Encoded: false });
    expect(asForm).toMatchObject({
      body: Buffer.from('partnerId=acme').toString('base64'),
      isBase64Encoded: true,
    });
    expect(untyped.headers).not.toHaveProperty('content-type');
    expect(untyped).toMatchObject({
      body: Buffer.from('{"partnerId":"acme"}').toString('base64'),
      isBase64Encoded: true,
    });
  });

  it("hands JWT routes the token's claims as strings; scopes only where the route requires scopes", async () => {
    const partner = echoed(
      await call(api.url, '/partners/acme/dashboard', { token: await partnerToken('acme') }),
    ) as APIGatewayProxyEventV2WithJWTAuthorizer;
    const registration = echoed(
      await call(api.url, '/admin/partners', { method: 'POST', token: await adminToken() }),
    ) as APIGatewayProxyEventV2WithJWTAuthorizer;

    expect(partner.requestContext.authorizer).toEqual({
      principalId: '',
      integrationLatency: 0,
      jwt: {
        claims: {
          sub: 'acme',
          partnerId: 'acme',
          iss: issuer.issuerUrl,
          aud: AUDIENCE,
          iat: expect.stringMatching(/^\d+$/),
          exp: expect.stringMatching(/^\d+$/),
        },
        scopes: null,
      },
    });
    expect(registration.requestContext.authorizer.jwt).toMatchObject({
      claims: { scope: `openid ${ADMIN_SCOPE}` },
      scopes: ['openid', ADMIN_SCOPE],
    });
    expect(echoed(await call(api.url, '/r/acme')).requestContext).not.toHaveProperty('authorizer');
  });
});

describe('claims as the integration sees them', () => {
  it('renders list claims as "[a b]", numbers and booleans as text, objects as JSON, as AWS does', async () => {
    const token = await signRaw({
      sub: 'acme',
      partnerId: 'acme',
      exp: Math.floor(Date.now() / 1000) + 300,
      aud: ['other-app', AUDIENCE],
      groups: ['partners', 'beta'],
      tier: 3,
      verified: true,
      address: { country: 'FR' },
    });

    const event = echoed(
      await call(api.url, '/partners/acme/dashboard', { token }),
    ) as APIGatewayProxyEventV2WithJWTAuthorizer;

    expect(event.requestContext.authorizer.jwt.claims).toMatchObject({
      aud: `[other-app ${AUDIENCE}]`,
      groups: '[partners beta]',
      tier: '3',
      verified: 'true',
      address: '{"country":"FR"}',
      exp: expect.stringMatching(/^\d+$/),
    });
    expect(
      Object.values(event.requestContext.authorizer.jwt.claims).every((v) => typeof v === 'string'),
    ).toBe(true);
  });

  it('hands an scp list claim over as "[a b]" text and the parsed scopes in jwt.scopes', async () => {
    const token = await signRaw({
      sub: 'ops',
      exp: Math.floor(Date.now() / 1000) + 300,
      scp: ['openid', ADMIN_SCOPE],
    });

    const reply = await call(api.url, '/admin/partners/acme/dashboard', { token });

    expect(reply.status).toBe(200);
    expect((echoed(reply) as APIGatewayProxyEventV2WithJWTAuthorizer).requestContext.authorizer.jwt).toEqual({
      claims: expect.objectContaining({ scp: `[openid ${ADMIN_SCOPE}]` }),
      scopes: ['openid', ADMIN_SCOPE],
    });
  });
});

describe('the JWT authorizer', () => {
  const challenge = (description: string, scope = '') =>
    `Bearer scope="${scope}" error="invalid_token" error_description="${description}"`;

  it('answers 401 without a token, and does not call the function', async () => {
    const before = dashboard.events.length;

    const reply = await call(api.url, '/partners/acme/dashboard');

    expect(reply.status).toBe(401);
    expect(reply.json()).toEqual({ message: 'Unauthorized' });
    expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    expect(dashboard.events).toHaveLength(before);
  });

  it('answers 401 with the reason in www-authenticate for a bad, expired, unexpiring or wrong-audience token', async () => {
    const otherIssuer = await loadOrCreateIssuer(undefined);
    const cases = [
      ['not-a-jwt', challenge('the token is not a valid JWT')],
      [
        await issuer.sign(
          { sub: 'acme', partnerId: 'acme' },
          { audience: AUDIENCE, issuedAt: new Date(Date.now() - 7200_000), expiresIn: '1h' },
        ),
        challenge('the token has expired'),
      ],
      [
        await issuer.sign({ sub: 'acme', partnerId: 'acme' }, { audience: 'another-api' }),
        challenge('the token does not have a valid audience'),
      ],
      [
        await otherIssuer.sign({ sub: 'acme', partnerId: 'acme' }, { audience: AUDIENCE }),
        challenge('the token was not signed by a key of the issuer'),
      ],
      [
        await signRaw({ sub: 'acme', partnerId: 'acme' }),
        challenge('the token has no expiration time (exp)'),
      ],
    ] as const;

    for (const [token, expected] of cases) {
      const reply = await call(api.url, '/partners/acme/dashboard', { token });

      expect(reply.status).toBe(401);
      expect(reply.json()).toEqual({ message: 'Unauthorized' });
      expect(reply.headers.get('www-authenticate')).toBe(expected);
    }
  });

  it('accepts the token with or without the Bearer prefix', async () => {
    const token = await partnerToken('acme');

    const bare = await call(api.url, '/partners/acme/dashboard', { headers: { authorization: token } });

    expect(bare.status).toBe(200);
  });

  it('answers 403 when the token lacks every scope the route requires', async () => {
    const reply = await call(api.url, '/admin/partners', {
      method: 'POST',
      token: await partnerToken('acme'),
    });

    expect(reply.status).toBe(403);
    expect(reply.json()).toEqual({ message: 'Forbidden' });
    expect(reply.headers.get('www-authenticate')).toBe(
      `Bearer scope="${ADMIN_SCOPE}" error="insufficient_scope" error_description="expected scopes: [${ADMIN_SCOPE}]"`,
    );
  });

  it.each([
    ['a comma-joined list', { scope: `read,${ADMIN_SCOPE}` }],
    ['the scope in brackets', { scope: `[${ADMIN_SCOPE}]` }],
    ['a tab-separated list', { scope: `read\t${ADMIN_SCOPE}` }],
    ['a list in scope (OAuth scope is a string)', { scope: [ADMIN_SCOPE] }],
    ['another scope in scp', { scp: ['openid'] }],
  ])('answers 403 on an admin route for %s', async (_, scopeClaims) => {
    const before = adminDashboard.events.length;
    const token = await signRaw({ sub: 'ops', exp: Math.floor(Date.now() / 1000) + 300, ...scopeClaims });

    const reply = await call(api.url, '/admin/partners/acme/dashboard', { token });

    expect(reply.status).toBe(403);
    expect(reply.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(adminDashboard.events).toHaveLength(before);
  });

  it.each([
    ['scope, space-separated', { scope: `openid ${ADMIN_SCOPE}` }],
    ['scp, space-separated', { scp: `openid ${ADMIN_SCOPE}` }],
    ['scp, a list', { scp: ['openid', ADMIN_SCOPE] }],
  ])('lets the admin scope in through %s', async (_, scopeClaims) => {
    const token = await signRaw({ sub: 'ops', exp: Math.floor(Date.now() / 1000) + 300, ...scopeClaims });

    const reply = await call(api.url, '/admin/partners/acme/dashboard', { token });

    expect(reply.status).toBe(200);
  });

  it('serves the public key at /.well-known/jwks.json', async () => {
    const reply = await call(api.url, '/.well-known/jwks.json');

    expect(reply.json()).toEqual(issuer.jwks());
    expect(reply.json()).toMatchObject({ keys: [{ kid: issuer.keyId, kty: 'RSA' }] });
  });

  it('refuses to start a JWT route without an authorizer', async () => {
    await expect(startHttpApi({ port: 0, routes: [echoRoute('GET /me', { type: 'JWT' })] })).rejects.toThrow(
      'GET /me uses JWT but no JWT authorizer was given',
    );
  });
});

describe("reading the function's result", () => {
  it('a string is a 200 JSON response with the string as body', async () => {
    results.set('text', 'Hello from Lambda!');

    const reply = await call(api.url, '/result/text');

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.text).toBe('Hello from Lambda!');
  });

  it('an object without statusCode is a 200 JSON response of that object', async () => {
    results.set('object', { message: 'Hello', body: 'not a structured body' });

    const reply = await call(api.url, '/result/object');

    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ message: 'Hello', body: 'not a structured body' });
  });

  it('a structured result gives its status, headers, cookies as set-cookie, and decodes a base64 body', async () => {
    results.set('structured', {
      statusCode: 302,
      headers: { Location: 'https://example.com/?ref=acme', 'X-Count': 3 },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
      isBase64Encoded: true,
    });

    const res = await fetch(`${api.url}/result/structured`, { redirect: 'manual' });

    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/?ref=acme');
    expect(res.headers.get('x-count')).toBe('3');
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0, 1, 2, 255]);
  });

  it('a function error or an unreadable result is a 500 {"message":"Internal Server Error"}', async () => {
    results.set('malformed', { statusCode: 'teapot' });
    handlerErrors.length = 0;

    const thrown = await call(api.url, '/result/throws');
    const malformed = await call(api.url, '/result/malformed');

    for (const reply of [thrown, malformed]) {
      expect(reply.status).toBe(500);
      expect(reply.json()).toEqual({ message: 'Internal Server Error' });
    }
    expect(handlerErrors).toEqual([
      expect.objectContaining({ message: 'boom' }),
      expect.objectContaining({ name: 'MalformedLambdaResponse' }),
    ]);
  });

  it("a result over Lambda's 6 MB response payload is a 500, never a cut body; one just under it is served", async () => {
    // What the JSON of { statusCode, body } adds around the body.
    const envelope = JSON.stringify({ statusCode: 200, body: '' }).length;
    results.set('at-limit', { statusCode: 200, body: 'x'.repeat(LAMBDA_RESPONSE_LIMIT_BYTES - envelope) });
    results.set('over-limit', {
      statusCode: 200,
      body: 'x'.repeat(LAMBDA_RESPONSE_LIMIT_BYTES - envelope + 1),
    });
    handlerErrors.length = 0;

    const atLimit = await call(api.url, '/result/at-limit');
    const overLimit = await call(api.url, '/result/over-limit');

    expect([atLimit.status, atLimit.text.length]).toEqual([200, LAMBDA_RESPONSE_LIMIT_BYTES - envelope]);
    expect([overLimit.status, overLimit.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    expect(handlerErrors).toEqual([expect.objectContaining({ name: 'Function.ResponseSizeTooLarge' })]);
  });
});

describe('throttling', () => {
  it('refuses with 429 past the burst, refills at the rate, and counts each route on its own', async () => {
    let clock = Date.now();
    const throttled = await startHttpApi({
      port: 0,
      routes: [echoRoute('GET /r/{partnerId}'), echoRoute('GET /other')],
      throttle: { rateLimit: 1, burstLimit: 2 },
      now: () => new Date(clock),
    });
    try {
      const statuses = async (target: string, n: number) => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push((await call(throttled.url, target)).status);
        return out;
      };

      expect(await statuses('/r/acme', 3)).toEqual([200, 200, 429]);
      expect((await call(throttled.url, '/r/acme')).json()).toEqual({ message: 'Too Many Requests' });
      expect(await statuses('/other', 1)).toEqual([200]);
      clock += 1000;
      expect(await statuses('/r/acme', 2)).toEqual([200, 429]);
    } finally {
      await throttled.close();
    }
  });

  it('gives a route with route settings its own limits, and the others the default', async () => {
    const clock = Date.now();
    const throttled = await startHttpApi({
      port: 0,
      routes: [echoRoute('GET /r/{partnerId}'), echoRoute('GET /other')],
      throttle: { rateLimit: 1, burstLimit: 1 },
      routeThrottles: { 'GET /r/{partnerId}': { rateLimit: 1, burstLimit: 3 } },
      now: () => new Date(clock),
    });
    try {
      const statuses = async (target: string, n: number) => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push((await call(throttled.url, target)).status);
        return out;
      };

      expect(await statuses('/r/acme', 4)).toEqual([200, 200, 200, 429]);
      expect(await statuses('/other', 2)).toEqual([200, 429]);
    } finally {
      await throttled.close();
    }
  });
});

describe('the port', () => {
  it('names the port in a PortInUse error when it is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(startHttpApi({ port, routes: [] })).rejects.toMatchObject({
        name: 'PortInUse',
        port,
        message: expect.stringContaining('--api-port'),
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
