import * as http from 'node:http';
import type { APIGatewayEventRequestContextJWTAuthorizer } from 'aws-lambda';
import { abortServer, closeServer, hostForUrl, listenOn } from '../ports';
import type { PageHandler } from '../static-site';
import { continueWithin, readBody, REQUEST_BODY_LIMITS } from '../request-body';
import { authorize, type JwtAuthorizerConfig } from './authorizer';
import { buildEvent, newRequestId, queryStringParameters, type ApiRequest, type HttpApiEvent } from './event';
import { fromLambdaResult, gatewayResponse, type ApiResponse } from './response';
import { RouteTable } from './routes';
import { RouteThrottle, type ThrottleSettings } from './throttle';

export interface HttpApiRoute {
  /** `GET /partners/{partnerId}/dashboard`, `ANY /files/{path+}` or `$default`. */
  routeKey: string;
  authorizationType: 'NONE' | 'JWT';
  /** With `JWT`: the token must carry at least one of these (none listed: any valid token). */
  authorizationScopes: string[];
  /**
   * The Lambda: receives the payload format 2.0 event, returns what the function would return. Declared
   * as a method so its parameter is checked bivariantly: a handler written for the JWT event (or for the
   * plain one) registers without a cast, and the server hands JWT routes the JWT event.
   */
  handler(event: HttpApiEvent): Promise<unknown>;
}

export interface HttpApiOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  routes: readonly HttpApiRoute[];
  /** The JWT authorizer; required when a route uses `JWT`. */
  jwt?: JwtAuthorizerConfig;
  /** The stage's default route throttling; absent: unthrottled. */
  throttle?: ThrottleSettings;
  /** Route settings by route key (`GET /r/{partnerId}` → its own throttle), over the default. */
  routeThrottles?: Readonly<Record<string, ThrottleSettings>>;
  /** The clock for throttling and token checks (tests pin it); default the system clock. */
  now?: () => Date;
  /** Told about handler failures (the 500s); default a line on stderr. */
  onHandlerError?: (routeKey: string, error: unknown) => void;
  /** The command-line flag that moves the port, named in the `PortInUse` error; default `--api-port`. */
  portFlag?: string;
  /** Asked before the routes (the portal's static site locally; CloudFront serves it in AWS). */
  pages?: readonly PageHandler[];
}

export interface RunningHttpApi {
  url: string;
  port: number;
  routeKeys(): string[];
  close(): Promise<void>;
  /** Cuts every connection at once, answering nothing more (a crash). */
  abort(): void;
}

/**
 * An HTTP API stage (`$default`) on a local port, behaving as API Gateway's HTTP API does for Lambda
 * proxy integrations with payload format 2.0: route selection, the JWT authorizer, route throttling, the
 * event it builds and the way it reads the function's result. It also serves the local issuer's
 * `/.well-known/jwks.json` and `/.well-known/openid-configuration`, which no route of the app uses.
 */
export async function startHttpApi(options: HttpApiOptions): Promise<RunningHttpApi> {
  const host = options.host ?? '127.0.0.1';
  const table = new RouteTable(options.routes);
  const jwt = options.jwt;
  const jwtRoute = options.routes.find((r) => r.authorizationType === 'JWT');
  if (jwtRoute && !jwt)
    throw new Error(`Route ${jwtRoute.routeKey} uses JWT but no JWT authorizer was given`);
  const now = options.now ?? (() => new Date());
  const throttle = new RouteThrottle(options.throttle, () => now().getTime(), options.routeThrottles);
  const onHandlerError =
    options.onHandlerError ??
    ((routeKey: string, error: unknown) =>
      process.stderr.write(
        `[http-api] ${routeKey} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      ));

  let port = options.port;
  const handle = async (request: ApiRequest): Promise<ApiResponse> => {
    const wellKnown = jwt ? wellKnownResponse(request, jwt, `http://${hostForUrl(host)}:${port}`) : undefined;
    if (wellKnown) return wellKnown;

    const match = table.match(request.method, request.rawPath);
    if (!match) return gatewayResponse(404, 'Not Found');
    if (!throttle.allow(match.routeKey)) return gatewayResponse(429, 'Too Many Requests');

    let authorizer: APIGatewayEventRequestContextJWTAuthorizer | undefined;
    if (match.route.authorizationType === 'JWT' && jwt) {
      const outcome = await authorize(
        jwt,
        {
          headers: Object.fromEntries([...request.headers].map(([k, v]) => [k, v.join(',')])),
          queryStringParameters: queryStringParameters(request.rawQueryString) ?? {},
        },
        match.route.authorizationScopes,
        now(),
      );
      if (!outcome.ok)
        return gatewayResponse(outcome.statusCode, outcome.message, {
          'www-authenticate': outcome.wwwAuthenticate,
        });
      authorizer = {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: outcome.claims, scopes: outcome.scopes },
      };
    }

    const event = buildEvent(request, match, authorizer);
    try {
      return fromLambdaResult(await match.route.handler(event));
    } catch (error) {
      // A function error or a result API Gateway cannot read: the client sees only a 500.
      onHandlerError(match.routeKey, error);
      return gatewayResponse(500, 'Internal Server Error');
    }
  };

  const pages = options.pages ?? [];
  const server = http.createServer((req, res) => {
    if (pages.some((page) => page(req, res))) return;
    const receivedAt = now();
    const requestId = newRequestId();
    void readBody(req, REQUEST_BODY_LIMITS.httpApi)
      .then((body) =>
        body
          ? handle(apiRequest(req, body, port, requestId, receivedAt))
          : gatewayResponse(413, 'Request Entity Too Large'),
      )
      .catch((error: unknown) => {
        onHandlerError('(server)', error);
        return gatewayResponse(500, 'Internal Server Error');
      })
      .then((response) => {
        if (res.destroyed) return;
        res.writeHead(response.statusCode, {
          ...response.headers,
          'apigw-requestid': requestId,
          'content-length': String(response.body.length),
        });
        res.end(req.method === 'HEAD' ? undefined : response.body);
      });
  });
  continueWithin(server, () => REQUEST_BODY_LIMITS.httpApi);

  port = await listenOn(server, host, options.port, 'the HTTP API', options.portFlag ?? '--api-port');

  return {
    url: `http://${hostForUrl(host)}:${port}`,
    port,
    routeKeys: () => table.routeKeys,
    close: () => closeServer(server),
    abort: () => abortServer(server),
  };
}

function apiRequest(
  req: http.IncomingMessage,
  body: Buffer,
  port: number,
  requestId: string,
  receivedAt: Date,
): ApiRequest {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  return {
    method: req.method ?? 'GET',
    rawPath: q === -1 ? target : target.slice(0, q),
    rawQueryString: q === -1 ? '' : target.slice(q + 1),
    headers: new Map(Object.entries(req.headersDistinct).flatMap(([k, v]) => (v ? [[k, v] as const] : []))),
    body,
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    port,
    requestId,
    receivedAt,
  };
}

function wellKnownResponse(
  request: ApiRequest,
  jwt: JwtAuthorizerConfig,
  baseUrl: string,
): ApiResponse | undefined {
  if (request.method !== 'GET') return undefined;
  const json = (value: unknown): ApiResponse => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(value)),
  });
  if (request.rawPath === '/.well-known/jwks.json') return json(jwt.issuer.jwks());
  if (request.rawPath === '/.well-known/openid-configuration')
    return json({
      issuer: jwt.issuer.issuerUrl,
      jwks_uri: `${baseUrl}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
  return undefined;
}
