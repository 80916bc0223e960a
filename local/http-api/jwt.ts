import {
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { loadOrCreateSigningKey, SIGNING_ALG } from './key-store';

/**
 * The local stand-in for the deployment's identity provider. Its issuer is a fixed URL, not the API's
 * address: tokens then survive a restart on another port, and the value says plainly that no real
 * provider signed them. The HTTP API serves the public key at `/.well-known/jwks.json`.
 */
export const LOCAL_ISSUER_URL = 'https://local.partner-referrals/';

export interface LocalTokenClaims {
  sub: string;
  /** The partner the token belongs to (the dashboard compares it with the path). */
  partnerId?: string;
  /** Space-separated OAuth scopes, e.g. `partner-referrals/admin`. */
  scope?: string;
}

export interface SignOptions {
  audience: string | string[];
  /** Seconds, or `30s` / `15m` / `12h` / `7d`; default one hour. */
  expiresIn?: number | string;
  /** Default now; tests back-date it to mint expired tokens. */
  issuedAt?: Date;
  notBefore?: Date;
}

/** Why a token was refused; `description` is what API Gateway's `www-authenticate` would carry. */
export type TokenFailureReason =
  | 'malformed'
  | 'badAlgorithm'
  | 'unknownKey'
  | 'badSignature'
  | 'badIssuer'
  | 'badAudience'
  | 'expired'
  | 'noExpiry'
  | 'notYetValid'
  | 'issuedInFuture';

export type VerifyResult =
  { ok: true; claims: JWTPayload } | { ok: false; reason: TokenFailureReason; description: string };

export interface LocalIssuer {
  readonly issuerUrl: string;
  readonly keyId: string;
  sign(claims: LocalTokenClaims, options: SignOptions): Promise<string>;
  /** API Gateway's JWT authorizer checks: kid, algorithm, signature, iss, aud/client_id, exp (required), nbf, iat. */
  verify(token: string, options: { audience: string | string[]; now?: Date }): Promise<VerifyResult>;
  jwks(): JSONWebKeySet;
}

const DEFAULT_EXPIRY_SECONDS = 3600;

/** The issuer whose key lives in `dir` (created if absent), or a throwaway in-memory one when `dir` is undefined. */
export async function loadOrCreateIssuer(dir: string | undefined): Promise<LocalIssuer> {
  const { privateJwk } = await loadOrCreateSigningKey(dir);
  const publicJwk: JWK = {
    kty: 'RSA',
    n: privateJwk.n,
    e: privateJwk.e,
    kid: privateJwk.kid,
    alg: SIGNING_ALG,
    use: 'sig',
  };
  const privateKey = (await importJWK(privateJwk, SIGNING_ALG)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, SIGNING_ALG)) as CryptoKey;
  return {
    issuerUrl: LOCAL_ISSUER_URL,
    keyId: privateJwk.kid,
    jwks: () => ({ keys: [publicJwk] }),
    sign: (claims, options) => sign(privateKey, privateJwk.kid, claims, options),
    verify: (token, options) => verify(publicKey, privateJwk.kid, token, options),
  };
}

async function sign(
  key: CryptoKey,
  kid: string,
  claims: LocalTokenClaims,
  options: SignOptions,
): Promise<string> {
  const iat = Math.floor((options.issuedAt ?? new Date()).getTime() / 1000);
  const jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER_URL)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + durationSeconds(options.expiresIn ?? DEFAULT_EXPIRY_SECONDS));
  if (options.notBefore) jwt.setNotBefore(Math.floor(options.notBefore.getTime() / 1000));
  return jwt.sign(key);
}

/** `3600` (a number or a string), `30s`, `15m`, `12h`, `7d` → seconds (positive). */
export function durationSeconds(value: number | string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const m = typeof value === 'string' ? /^(\d+)\s*([smhd]?)$/.exec(value.trim()) : null;
  const seconds = m?.[1]
    ? Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? '') as '' | 's' | 'm' | 'h' | 'd']
    : 0;
  if (seconds <= 0) throw new Error(`expected a duration such as 3600, 15m or 12h, got ${String(value)}`);
  return seconds;
}

const fail = (reason: TokenFailureReason, description: string): VerifyResult => ({
  ok: false,
  reason,
  description,
});

async function verify(
  key: CryptoKey,
  kid: string,
  token: string,
  options: { audience: string | string[]; now?: Date },
): Promise<VerifyResult> {
  const now = options.now ?? new Date();
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return fail('malformed', 'the token is not a valid JWT');
  }
  if (header.alg !== SIGNING_ALG)
    return fail('badAlgorithm', `signing method ${String(header.alg)} is invalid`);
  // API Gateway looks the key up by `kid` in the issuer's key set; a token without one is refused.
  if (header.kid !== kid) return fail('unknownKey', 'the token was not signed by a key of the issuer');

  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, key, {
      issuer: LOCAL_ISSUER_URL,
      algorithms: [SIGNING_ALG],
      currentDate: now,
    }));
  } catch (error) {
    return failureOf(error);
  }
  // AWS: "exp – Must be after the current time in UTC." and "If any of these steps fail, API Gateway
  // denies the API request." It makes no exception for a token without exp (as it does for client_id, read
  // only without aud), so such a token is refused. The description is ours; AWS documents none for it.
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
  if (claims.exp === undefined) return fail('noExpiry', 'the token has no expiration time (exp)');
  if (!audienceMatches(claims, options.audience))
    return fail('badAudience', 'the token does not have a valid audience');
  if (typeof claims.iat === 'number' && claims.iat * 1000 > now.getTime())
    return fail('issuedInFuture', 'the token was issued in the future');
  return { ok: true, claims };
}

function failureOf(error: unknown): VerifyResult {
  if (error instanceof errors.JWTExpired) return fail('expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return fail('badIssuer', 'the token does not have a valid issuer');
    if (error.claim === 'nbf') return fail('notYetValid', 'the token is not valid yet');
    return fail('malformed', `the token's ${error.claim} claim is invalid`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return fail('badSignature', 'the token signature is invalid');
  if (error instanceof errors.JOSEError) return fail('malformed', 'the token is not a valid JWT');
  throw error;
}

/** `aud` must name one of the authorizer's audiences; only when `aud` is absent does `client_id` count (as in AWS). */
function audienceMatches(claims: JWTPayload, audience: string | string[]): boolean {
  const accepted = new Set(Array.isArray(audience) ? audience : [audience]);
  if (claims.aud !== undefined) {
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return auds.some((a) => accepted.has(a));
  }
  return typeof claims.client_id === 'string' && accepted.has(claims.client_id);
}
