import type { BillingCycle, PlanType } from './config';

export const REFERRAL_STATUSES = ['signed_up', 'verified', 'paid', 'canceled'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** Transitions whose effect on the stats may still be pending (the referral's `pendingStats` set). */
export const STATS_TRANSITIONS = ['signup', 'verify', 'payment', 'cancellation'] as const;
export type StatsTransition = (typeof STATS_TRANSITIONS)[number];

/** A `PartnerReferrals` item as the workflows write it. Money is integer cents. */
export interface Referral {
  partnerId: string;
  referralId: string;
  referredUserId: string;
  status: ReferralStatus;
  planType: PlanType;
  billingCycle?: BillingCycle;
  signedUpAt: string;
  verifiedAt?: string;
  paidAt?: string;
  canceledAt?: string;
  paymentAmountCents?: number;
  partnerEarningsCents?: number;
  currency?: string;
  /** Commission state, shaped for a later ledger: pending → approved → paid. */
  commissionStatus?: 'pending' | 'approved' | 'paid';
  subscriptionStatus?: 'active' | 'canceled';
  stripeCustomerId?: string;
  stripeSubscriptionId?: string;
  stripeInvoiceId?: string;
  /** Transitions written to the referral whose stats update has not been applied yet. */
  pendingStats?: ReadonlySet<StatsTransition> | StatsTransition[];
  statsPendingSince?: string;
  statsPendingReason?: string;
}

/** The referral's sort key: one referral per referred user, so a redelivered signup collides. */
export const REFERRAL_ID_PREFIX = 'ref_';
export const referralIdFor = (userId: string): string => `${REFERRAL_ID_PREFIX}${userId}`;
/** Whether a `PartnerReferrals` sort key is a referral's (the table also holds guard items). */
export const isReferralId = (referralId: string): boolean => referralId.startsWith(REFERRAL_ID_PREFIX);
/** Partition holding the per-user guard items (who claimed the user, parked events). */
export const userGuardPartition = (userId: string): string => `user#${userId}`;
