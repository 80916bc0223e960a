/**
 * `config.json`, served beside the assets: where the API is and how a partner signs in. Locally (`npm start`)
 * it is `{ auth: { kind: 'token' } }` (paste a token from `npm run token`); in AWS the stack writes the OpenID
 * Connect settings (authorization code flow with PKCE). No DOM here: the infra tests parse the config the
 * stack writes with `portalConfigOf`.
 */
export interface TokenSignIn {
  kind: 'token';
}

export interface OidcSignIn {
  kind: 'oidc';
  /** The identity provider's issuer URL; its `/.well-known/openid-configuration` names the endpoints. */
  issuer: string;
  clientId: string;
  /** Space-separated, e.g. `openid profile`. */
  scopes: string;
  /** The API's JWT audience (`partner-referrals`), sent as `audience` to providers that take it. */
  audience: string;
}

export interface PortalConfig {
  /** The HTTP API's base URL, no trailing slash. */
  apiUrl: string;
  auth: TokenSignIn | OidcSignIn;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const text = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || v === '') throw new Error(`config.json: ${field} must be a non-empty string`);
  return v;
};

/** The parsed config, or an error naming the field that is wrong. */
export function portalConfigOf(json: unknown): PortalConfig {
  if (!isRecord(json)) throw new Error('config.json: expected an object');
  const apiUrl = text(json.apiUrl, 'apiUrl').replace(/\/+$/, '');
  const auth = json.auth;
  if (!isRecord(auth)) throw new Error('config.json: auth must be an object');
  if (auth.kind === 'token') return { apiUrl, auth: { kind: 'token' } };
  if (auth.kind !== 'oidc') throw new Error('config.json: auth.kind must be "token" or "oidc"');
  return {
    apiUrl,
    auth: {
      kind: 'oidc',
      issuer: text(auth.issuer, 'auth.issuer').replace(/\/+$/, ''),
      clientId: text(auth.clientId, 'auth.clientId'),
      scopes: text(auth.scopes, 'auth.scopes'),
      audience: text(auth.audience, 'auth.audience'),
    },
  };
}
