/**
 * The HTTP API's partner responses, as the portal reads them: the API's own view types (Node-free domain
 * modules). Money is integer minor units of `currency`.
 */
export type { ActivityDay, ActivityRange, ActivityView } from '../../domain/activity';
export { ACTIVITY_RANGES } from '../../domain/activity';
export type { CommissionsPage, CommissionView } from '../../domain/commissions-view';
export type { DashboardView, EarningsView, Rate, ReferralView } from '../../domain/dashboard';
export type { PayoutsPage, PayoutView } from '../../domain/payouts';
export { COMMISSION_STATUSES, type CommissionStatus } from '../../domain/referral';
