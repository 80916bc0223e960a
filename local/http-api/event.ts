import { randomBytes } from 'node:crypto';
import type {
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
} from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../aws-names';

export type HttpApiEvent = APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer;

/** A request as it reached the server, before API Gateway's rendering. */
export interface ApiRequest {
  method: string;
  rawPath: string;
  rawQueryString: string;
  /** Lower-cased names, every value received. */
  headers: ReadonlyMap<string, readonly string[]>;
  body: Buffer;
  sourceIp: string;
  /** The server's own port, for `x-forwarded-port`. */
  port: number;
  requestId: string;
  receivedAt: Date;
}

export const LOCAL_API_ID = 'local';

/** API Gateway's request ids look like `Mc7UVioPPHcEKPA=`: 11 random bytes in base64. */
export const newRequestId = (): string => randomBytes(11).toString('base64');

/**
 * The payload format 2.0 event: duplicate headers and query parameters joined with commas, cookies moved
 * out of the headers into `cookies`, fields omitted (not empty) when the request has none, the body
 * base64-encoded unless its content type is text (what AWS does; forms included).
 */
export function buildEvent(
  request: ApiRequest,
  route: { routeKey: string; pathParameters?: Record<string, string> },
  authorizer?: APIGatewayEventRequestContextJWTAuthorizer,
): HttpApiEvent {
  const headers = eventHeaders(request);
  const cookies = (request.headers.get('cookie') ?? [])
    .flatMap((h) => h.split(';'))
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  const query = queryStringParameters(request.rawQueryString);
  const host = headers.host ?? '127.0.0.1';
  const domainName = host.replace(/:\d+$/, '');
  const requestContext: APIGatewayEventRequestContextV2 = {
    accountId: LOCAL_ACCOUNT_ID,
    apiId: LOCAL_API_ID,
    domainName,
    domainPrefix: domainName.split('.')[0] ?? domainName,
    http: {
      method: request.method,
      path: request.rawPath,
      protocol: 'HTTP/1.1',
      sourceIp: request.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: request.requestId,
    routeKey: route.routeKey,
    stage: '$default',
    time: clfTime(request.receivedAt),
    timeEpoch: request.receivedAt.getTime(),
  };
  const body = eventBody(request.body, headers['content-type']);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(route.pathParameters ? { pathParameters: route.pathParameters } : {}),
    requestContext,
    ...(body.body !== undefined ? { body: body.body } : {}),
    isBase64Encoded: body.isBase64Encoded,
  };
  return authorizer ? { ...event, requestContext: { ...requestContext, authorizer } } : event;
}

function eventHeaders(request: ApiRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of request.headers) {
    if (name === 'cookie') continue;
    headers[name] = values.join(',');
  }
  // Headers API Gateway adds on its way to the integration.
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-port'] = String(request.port);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(request.receivedAt.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return headers;
}

/** Decoded names and values; a repeated name's values joined with commas; undefined when there is no query. */
export function queryStringParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const TEXT_TYPES = /^(text\/[^;]+|application\/json|application\/xml|application\/javascript)\s*(;|$)/i;

function eventBody(
  body: Buffer,
  contentType: string | undefined,
): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  if (contentType && TEXT_TYPES.test(contentType.trim()))
    return { body: body.toString('utf8'), isBase64Encoded: false };
  return { body: body.toString('base64'), isBase64Encoded: true };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `15/Jan/2026:10:00:00 +0000`, the access-log time API Gateway puts in `requestContext.time`. */
export function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  );
}
