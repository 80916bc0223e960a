/**
 * A token's OAuth scopes, read the one way the local JWT authorizer reads them (RFC 6749 §3.3: a scope
 * string is scope tokens separated by single spaces):
 *   - `scope`, a space-separated string;
 *   - otherwise `scp`, a space-separated string or an array of strings (one scope each).
 * Nothing else separates scopes: `read,partner-referrals/admin` is ONE scope of that name, and the string
 * `[partner-referrals/admin]` is one scope with the brackets, neither of them `partner-referrals/admin`.
 * Values of any other type carry no scopes.
 */
export function scopesOf(claims: Readonly<Record<string, unknown>>): string[] {
  if (typeof claims.scope === 'string') return splitScopes(claims.scope);
  const scp = claims.scp;
  if (typeof scp === 'string') return splitScopes(scp);
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return [];
}

/**
 * Whether a token's scopes meet a route's `authorizationScopes`: at least one of them, as API Gateway
 * requires; a route that lists none is met by any (valid) token.
 */
export function meetsRouteScopes(tokenScopes: readonly string[], routeScopes: readonly string[]): boolean {
  return routeScopes.length === 0 || routeScopes.some((s) => tokenScopes.includes(s));
}

const splitScopes = (value: string): string[] => value.split(' ').filter((s) => s.length > 0);
