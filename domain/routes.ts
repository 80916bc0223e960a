/**
 * The HTTP API's routes, shared by the CDK construct, the local tools and the handlers. Every admin route
 * lives under `/admin/` and carries the admin scope in its authorization scopes, so API Gateway's JWT
 * authorizer enforces it; no handler re-derives admin rights from claims.
 */
export const ROUTES = {
  dashboard: '/partners/{partnerId}/dashboard',
  adminDashboard: '/admin/partners/{partnerId}/dashboard',
  adminPartners: '/admin/partners',
  click: '/r/{partnerId}',
} as const;

export const ADMIN_PATH_PREFIX = '/admin/';

/** Whether a route key (`GET /admin/partners/{partnerId}/dashboard`) is an admin route. */
export function isAdminRouteKey(routeKey: string): boolean {
  return routeKey.split(' ')[1]?.startsWith(ADMIN_PATH_PREFIX) ?? false;
}
