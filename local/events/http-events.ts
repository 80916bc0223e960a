import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

/** API Gateway HTTP API (payload v2) requests, as the local runner and the tests hand them to the handlers. */
export function httpEvent(args: {
  pathParameters?: Record<string, string>;
  sourceIp?: string;
  body?: string;
  queryStringParameters?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'user-agent': 'jest-test-agent' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'GET',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: args.sourceIp ?? '127.0.0.1',
        userAgent: 'jest-test-agent',
      },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...(args.pathParameters ? { pathParameters: args.pathParameters } : {}),
    ...(args.queryStringParameters ? { queryStringParameters: args.queryStringParameters } : {}),
    ...(args.body !== undefined ? { body: args.body } : {}),
  };
}

/** A request that passed the JWT authorizer with these claims. */
export function jwtEvent(args: {
  pathParameters?: Record<string, string>;
  body?: string;
  claims: Record<string, string>;
  queryStringParameters?: Record<string, string>;
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const base = httpEvent(args);
  return {
    ...base,
    requestContext: {
      ...base.requestContext,
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: args.claims, scopes: args.claims.scope ? args.claims.scope.split(' ') : [] },
      },
    },
  };
}
