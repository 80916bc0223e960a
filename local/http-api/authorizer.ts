import type { JWTPayload } from 'jose';
import type { LocalIssuer } from './jwt';
import { meetsRouteScopes, scopesOf } from './scopes';

export interface JwtAuthorizerConfig {
  issuer: LocalIssuer;
  /** The authorizer's audiences: a token's `aud` (or, without `aud`, its `client_id`) must name one. */
  audience: string[];
  /** Where the token is read; default `$request.header.Authorization`. */
  identitySource?: string[];
}

export interface IdentityRequest {
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string>>;
  queryStringParameters: Readonly<Record<string, string>>;
}

export type AuthorizerOutcome =
  | {
      ok: true;
      /** Every claim rendered as a string, as API Gateway passes them to the integration. */
      claims: Record<string, string>;
      /** The token's scopes when the route requires scopes; null otherwise (as in AWS). */
      scopes: string[] | null;
    }
  | { ok: false; statusCode: 401 | 403; message: 'Unauthorized' | 'Forbidden'; wwwAuthenticate: string };

const DEFAULT_IDENTITY_SOURCE = '$request.header.Authorization';

/**
 * API Gateway's JWT authorizer for one request: read the token from the identity source (with or without
 * `Bearer `), verify it, then require at least one of the route's scopes. 401 for a missing or invalid
 * token, 403 when the scopes fall short, each with the `www-authenticate` challenge AWS sends.
 */
export async function authorize(
  config: JwtAuthorizerConfig,
  request: IdentityRequest,
  routeScopes: readonly string[],
  now?: Date,
): Promise<AuthorizerOutcome> {
  const scopeParam = routeScopes.join(' ');
  const raw = identityValue(config.identitySource?.[0] ?? DEFAULT_IDENTITY_SOURCE, request);
  const token = raw?.replace(/^bearer\s+/i, '').trim();
  if (!token) return { ok: false, statusCode: 401, message: 'Unauthorized', wwwAuthenticate: 'Bearer' };

  const verified = await config.issuer.verify(token, { audience: config.audience, ...(now ? { now } : {}) });
  if (!verified.ok) {
    return {
      ok: false,
      statusCode: 401,
      message: 'Unauthorized',
      wwwAuthenticate: `Bearer scope="${scopeParam}" error="invalid_token" error_description="${verified.description}"`,
    };
  }
  const tokenScopes = scopesOf(verified.claims);
  if (!meetsRouteScopes(tokenScopes, routeScopes)) {
    return {
      ok: false,
      statusCode: 403,
      message: 'Forbidden',
      wwwAuthenticate: `Bearer scope="${scopeParam}" error="insufficient_scope" error_description="expected scopes: [${scopeParam}]"`,
    };
  }
  return {
    ok: true,
    claims: stringClaims(verified.claims),
    scopes: routeScopes.length > 0 ? tokenScopes : null,
  };
}

function identityValue(source: string, request: IdentityRequest): string | undefined {
  const header = /^\$request\.header\.(.+)$/.exec(source)?.[1];
  if (header) return request.headers[header.toLowerCase()];
  const query = /^\$request\.querystring\.(.+)$/.exec(source)?.[1];
  if (query) return request.queryStringParameters[query];
  throw new Error(`JWT identity source ${source} is not supported locally`);
}

/** Numbers and booleans as their text, lists as `[a b]`, objects as JSON: the authorizer hands over strings only. */
function stringClaims(claims: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value)
      ? `[${value.map(String).join(' ')}]`
      : typeof value === 'object' && value !== null
        ? JSON.stringify(value)
        : String(value);
  }
  return out;
}
