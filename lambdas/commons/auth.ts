import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ForbiddenError } from '../../domain/errors';
import { isAdminRouteKey } from '../../domain/routes';

/**
 * The partner a request may read. On an `/admin/` route API Gateway has already enforced the admin scope,
 * so the path names the partner. On a partner route the partner is the verified `partnerId` claim only;
 * a path naming anyone else is refused, whatever else the token carries.
 */
export function partnerAllowedFor(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  pathPartnerId: string,
): string {
  if (isAdminRouteKey(event.routeKey)) return pathPartnerId;
  const claim = event.requestContext.authorizer?.jwt?.claims?.partnerId;
  if (typeof claim !== 'string' || claim.length === 0) {
    throw new ForbiddenError('This token carries no partnerId claim');
  }
  if (claim !== pathPartnerId) throw new ForbiddenError(`This token may not read partner ${pathPartnerId}`);
  return claim;
}
