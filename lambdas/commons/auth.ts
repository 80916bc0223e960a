import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ForbiddenError } from '../../domain/errors';
import { scopesOf, type JwtClaims } from './http';

export interface Caller {
  /** The partner the verified token belongs to (claim `partnerId`), if any. */
  partnerId: string | undefined;
  isAdmin: boolean;
}

/** The caller, from the claims the HTTP API JWT authorizer verified. Never from the path. */
export function callerOf(event: APIGatewayProxyEventV2WithJWTAuthorizer, adminScope: string): Caller {
  const claims: JwtClaims = event.requestContext.authorizer?.jwt?.claims ?? {};
  const partnerClaim = claims.partnerId;
  return {
    partnerId: typeof partnerClaim === 'string' && partnerClaim.length > 0 ? partnerClaim : undefined,
    isAdmin: scopesOf(claims).includes(adminScope),
  };
}

/** Partners read only their own data; admins read any partner's. */
export function assertMayRead(caller: Caller, partnerId: string): void {
  if (caller.isAdmin || caller.partnerId === partnerId) return;
  throw new ForbiddenError(`This token may not read partner ${partnerId}`);
}

export function assertAdmin(caller: Caller): void {
  if (!caller.isAdmin) throw new ForbiddenError('This operation needs the admin scope');
}
