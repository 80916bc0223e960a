/**
 * The HTTP API's routes, shared by the CDK construct, the local tools and the handlers. Every admin route
 * lives under `/admin/` and carries the admin scope in its authorization scopes, so API Gateway's JWT
 * authorizer enforces it; no handler re-derives admin rights from claims.
 */
export const ROUTES = {
  dashboard: '/partners/{partnerId}/dashboard',
  commissions: '/partners/{partnerId}/commissions',
  activity: '/partners/{partnerId}/activity',
  adminActivity: '/admin/partners/{partnerId}/activity',
  adminDashboard: '/admin/partners/{partnerId}/dashboard',
  adminPartners: '/admin/partners',
  adminCommissions: '/admin/commissions',
  adminApproveCommission: '/admin/partners/{partnerId}/commissions/{commissionId}/approve',
  adminRejectCommission: '/admin/partners/{partnerId}/commissions/{commissionId}/reject',
  adminApprovals: '/admin/approvals',
  payouts: '/partners/{partnerId}/payouts',
  adminPayouts: '/admin/payouts',
  adminPayoutRun: '/admin/payouts',
  adminPayoutProcessing: '/admin/payouts/{payoutId}/processing',
  adminPayoutPaid: '/admin/payouts/{payoutId}/paid',
  adminPayoutFailed: '/admin/payouts/{payoutId}/failed',
  adminPayoutCancel: '/admin/payouts/{payoutId}/cancel',
  exports: '/partners/{partnerId}/exports/{exportName}',
  adminExports: '/admin/exports/{exportName}',
  click: '/r/{partnerId}',
} as const;

export type RouteName = keyof typeof ROUTES;

/** Each route's one method. */
export const ROUTE_METHODS = {
  dashboard: 'GET',
  commissions: 'GET',
  activity: 'GET',
  adminActivity: 'GET',
  adminDashboard: 'GET',
  adminPartners: 'POST',
  adminCommissions: 'GET',
  adminApproveCommission: 'POST',
  adminRejectCommission: 'POST',
  adminApprovals: 'POST',
  payouts: 'GET',
  adminPayouts: 'GET',
  adminPayoutRun: 'POST',
  adminPayoutProcessing: 'POST',
  adminPayoutPaid: 'POST',
  adminPayoutFailed: 'POST',
  adminPayoutCancel: 'POST',
  exports: 'GET',
  adminExports: 'GET',
  click: 'GET',
} as const satisfies Record<RouteName, 'GET' | 'POST'>;

/** The route key API Gateway puts in the event (`GET /partners/{partnerId}/dashboard`). */
export const routeKeyOf = (name: RouteName): string => `${ROUTE_METHODS[name]} ${ROUTES[name]}`;

export const ADMIN_PATH_PREFIX = '/admin/';

/** Whether a route key (`GET /admin/partners/{partnerId}/dashboard`) is an admin route. */
export function isAdminRouteKey(routeKey: string): boolean {
  return routeKey.split(' ')[1]?.startsWith(ADMIN_PATH_PREFIX) ?? false;
}
