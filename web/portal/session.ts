import type { OidcSignIn } from './config';

/**
 * The signed-in partner: the bearer token and its `partnerId` claim, kept in sessionStorage (gone when the
 * tab closes; never localStorage). The portal reads the claim only to build URLs: the API checks the token.
 */
export interface Session {
  token: string;
  partnerId: string;
}

const SESSION_KEY = 'partner-portal.session';
const PKCE_KEY = 'partner-portal.pkce';

function base64UrlDecode(part: string): string {
  const padded = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  return new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
}

/** The session a JWT gives, or an error saying why it is not a partner token. */
export function sessionOf(token: string): Session {
  const trimmed = token.trim();
  const payload = trimmed.split('.')[1];
  if (trimmed.split('.').length !== 3 || !payload)
    throw new Error('Not a JWT: expected three dot-separated parts');
  let claims: unknown;
  try {
    claims = JSON.parse(base64UrlDecode(payload));
  } catch {
    throw new Error('Not a JWT: the payload is not base64url JSON');
  }
  const partnerId = (claims as { partnerId?: unknown }).partnerId;
  if (typeof partnerId !== 'string' || partnerId === '')
    throw new Error('This token has no partnerId claim: it is not a partner token');
  const exp = (claims as { exp?: unknown }).exp;
  if (typeof exp === 'number' && exp * 1000 <= Date.now()) throw new Error('This token has expired');
  return { token: trimmed, partnerId };
}

export function savedSession(): Session | null {
  const token = sessionStorage.getItem(SESSION_KEY);
  if (!token) return null;
  try {
    return sessionOf(token);
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(SESSION_KEY, session.token);
}

export function clearSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

// ---- OpenID Connect: authorization code flow with PKCE (RFC 7636) ---------------------------------------

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`OpenID discovery at ${issuer} failed: ${res.status}`);
  return (await res.json()) as Discovery;
}

const randomUrlSafe = (bytes: number): string =>
  btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

async function challengeOf(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The redirect URI registered with the identity provider: the portal's own root (`…/portal/`). */
export const redirectUri = (): string => new URL('./', document.baseURI).href;

/** Sends the browser to the provider's sign-in page. */
export async function beginOidcSignIn(oidc: OidcSignIn): Promise<void> {
  const { authorization_endpoint } = await discover(oidc.issuer);
  const verifier = randomUrlSafe(48);
  const state = randomUrlSafe(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: redirectUri(),
    scope: oidc.scopes,
    audience: oidc.audience,
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/**
 * On the way back from the provider (`?code=…&state=…`): exchanges the code for tokens and returns the
 * session of the access token (the API's JWT authorizer checks its audience and reads `partnerId`); `null`
 * when the URL carries no code.
 */
export async function completeOidcSignIn(oidc: OidcSignIn): Promise<Session | null> {
  const params = new URLSearchParams(location.search);
  const error = params.get('error');
  const code = params.get('code');
  if (!error && !code) return null;
  history.replaceState(null, '', redirectUri());
  if (error) throw new Error(`Sign-in refused: ${params.get('error_description') ?? error}`);
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PKCE_KEY);
  if (!saved || saved.state !== params.get('state'))
    throw new Error('Sign-in failed: the state does not match');
  const { token_endpoint } = await discover(oidc.issuer);
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: redirectUri(),
      client_id: oidc.clientId,
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`Sign-in failed: the token endpoint answered ${res.status}`);
  const tokens = (await res.json()) as { access_token?: string };
  if (!tokens.access_token) throw new Error('Sign-in failed: no access token');
  return sessionOf(tokens.access_token);
}
