/** The local HTTP API: API Gateway's HTTP API (payload format 2.0) and a local JWT issuer. */
export { startHttpApi, type HttpApiOptions, type HttpApiRoute, type RunningHttpApi } from './server';
export {
  loadOrCreateIssuer,
  LOCAL_ISSUER_URL,
  type LocalIssuer,
  type LocalTokenClaims,
  type VerifyResult,
} from './jwt';
export type { JwtAuthorizerConfig } from './authorizer';
export type { HttpApiEvent } from './event';
export type { ThrottleSettings } from './throttle';
