/**
 * The HTTP API's partner responses as the portal reads them: copies of the fields it shows from
 * `domain/dashboard.ts`, `domain/commissions-view.ts` and `domain/payouts.ts`, which use Node's `Buffer` and so
 * do not type-check in the browser. Money is integer minor units of `currency`.
 */
export type { ActivityDay, ActivityRange, ActivityView } from '../../domain/activity';
export { ACTIVITY_RANGES } from '../../domain/activity';

export const COMMISSION_STATUSES = ['pending', 'approved', 'paid', 'reversed', 'on_hold'] as const;
export type CommissionStatus = (typeof COMMISSION_STATUSES)[number];

export interface Rate {
  basisPoints: number;
  percent: string;
}

export interface Earnings {
  pendingCents: number;
  approvedCents: number;
  paidCents: number;
  onHoldCents: number;
  reversedCents: number;
  balanceCents: number;
}

export interface ReferralRow {
  referralId: string;
  status: string;
  planType: string;
  billingCycle: string | null;
  signedUpAt: string;
  paidAt: string | null;
  currency: string;
  paymentAmountCents: number;
  revenueCents: number;
  partnerEarningsCents: number;
  subscriptionStatus: string | null;
}

export interface Dashboard {
  partnerId: string;
  displayName: string;
  currency: string;
  stats: {
    totalClicks: number;
    totalSignups: number;
    totalVerified: number;
    totalPaid: number;
    activeSubscriptions: number;
    totalRevenueCents: number;
    totalEarningsCents: number;
  };
  earnings: Earnings;
  conversion: { clickToSignup: Rate; signupToPaid: Rate };
  recentReferrals: ReferralRow[];
  nextCursor: string | null;
}

export interface CommissionRow {
  commissionId: string;
  type: 'invoice' | 'clawback';
  invoiceId: string;
  planType: string;
  billingCycle: string;
  baseAmountCents: number;
  currency: string;
  netCents: number;
  status: CommissionStatus;
  earnedAt: string;
  dueAt: string;
  paidAt: string | null;
}

export interface PayoutRow {
  payoutId: string;
  status: string;
  amountCents: number;
  currency: string;
  commissions: { commissionId: string }[];
  periodStart: string;
  periodEnd: string;
  createdAt: string;
  paidAt: string | null;
  reference: string | null;
}
