import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { routeKeyOf } from '../../domain/routes';

/** An HTTP API (payload v2) request, as API Gateway passes it to the Lambda. */
export function httpEvent(args: {
  method?: string;
  path: string;
  routeKey: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  sourceIp?: string;
}): APIGatewayProxyEventV2 {
  const method = args.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: args.routeKey,
    rawPath: args.path,
    rawQueryString: new URLSearchParams(args.query ?? {}).toString(),
    headers: { 'user-agent': 'Mozilla/5.0 (test)', ...args.headers },
    queryStringParameters: args.query,
    pathParameters: args.pathParameters,
    body: args.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method,
        path: args.path,
        protocol: 'HTTP/1.1',
        sourceIp: args.sourceIp ?? '203.0.113.7',
        userAgent: 'Mozilla/5.0 (test)',
      },
      requestId: 'req-1',
      routeKey: args.routeKey,
      stage: '$default',
      time: '15/Jan/2026:10:00:00 +0000',
      timeEpoch: 1_768_471_200_000,
    },
  };
}

/** The same request behind the JWT authorizer, with the verified token's claims. */
export function authorizedEvent(
  args: Parameters<typeof httpEvent>[0],
  claims: Record<string, string>,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const event = httpEvent(args);
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
    },
  };
}

/**
 * A partner's own read (`GET /partners/{partnerId}/dashboard` or `/commissions`) as API Gateway hands it to
 * dashboard-api, signed in as that partner unless `callerPartnerId` says otherwise.
 */
export function partnerReadEvent(
  partnerId: string,
  route: 'dashboard' | 'commissions' | 'payouts',
  opts: { callerPartnerId?: string; query?: Record<string, string> } = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  return authorizedEvent(
    {
      path: `/partners/${partnerId}/${route}`,
      routeKey: routeKeyOf(route),
      pathParameters: { partnerId },
      ...(opts.query ? { query: opts.query } : {}),
    },
    { partnerId: opts.callerPartnerId ?? partnerId },
  );
}

/** A handler response's JSON body. */
export const bodyOf = (response: { body?: string }): Record<string, unknown> =>
  JSON.parse(response.body ?? '{}') as Record<string, unknown>;
