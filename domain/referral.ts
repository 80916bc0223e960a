import type { ActivityByDay } from './activity-days';
import type { BillingCycle, PlanType } from './config';

export const REFERRAL_STATUSES = ['signed_up', 'verified', 'paid', 'canceled'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

export const COMMISSION_STATUSES = ['pending', 'approved', 'paid', 'reversed', 'on_hold'] as const;
export type CommissionStatus = (typeof COMMISSION_STATUSES)[number];

/** A partner's earnings on one referral (or in total) by commission status, in minor units. */
export interface EarningsByStatus {
  pendingCents: number;
  approvedCents: number;
  paidCents: number;
  onHoldCents: number;
  /** Taken back: refunds and lost disputes before payout, clawbacks after. */
  reversedCents: number;
}

/**
 * A `PartnerReferrals` item: the referral's state, a pure function of its facts (lifecycle.ts), plus the
 * bookkeeping of the workflow that wrote it. Money is integer minor units of `currency`.
 */
export interface Referral extends EarningsByStatus {
  partnerId: string;
  referralId: string;
  referredUserId: string;
  status: ReferralStatus;
  planType: PlanType;
  billingCycle?: BillingCycle;
  signedUpAt: string;
  verifiedAt?: string;
  /** The first invoice's time. */
  paidAt?: string;
  canceledAt?: string;
  /** The first invoice's amount. */
  paymentAmountCents?: number;
  /** What the partner keeps: the net of every commission (pending, approved, paid, on hold). */
  partnerEarningsCents: number;
  revenueCents: number;
  refundedCents: number;
  /** Taken by lost disputes (beyond what was refunded). */
  disputeLostCents: number;
  invoiceCount: number;
  refundCount: number;
  disputeCount: number;
  currency?: string;
  subscriptionStatus?: 'active' | 'canceled';
  stripeCustomerId?: string;
  stripeSubscriptionId?: string;
  stripeInvoiceId?: string;
  selfReferral?: boolean;
  /** The keys of the facts this state was computed from (the write's condition and the next diff's base). */
  factKeys?: ReadonlySet<string> | string[];
  factCount?: number;
  /** Writes of this referral whose stats change has not been applied yet (one marker per write). */
  pendingStats?: ReadonlySet<string> | string[];
  statsPendingSince?: string;
  statsPendingReason?: string;
  /** The partner's IANA zone, copied at signup: the zone of the referral's activity days (absent: UTC). */
  timeZone?: string;
  /** What the referral has added to its partner's activity buckets (`activityOf` at its last write). */
  activityDays?: ActivityByDay;
}

/** The referral's sort key: one referral per referred user, so a redelivered signup collides. */
export const REFERRAL_ID_PREFIX = 'ref_';
export const referralIdFor = (userId: string): string => `${REFERRAL_ID_PREFIX}${userId}`;
/** Whether a `PartnerReferrals` sort key is a referral's (the table also holds guard items). */
export const isReferralId = (referralId: string): boolean => referralId.startsWith(REFERRAL_ID_PREFIX);
/** Partition holding the per-user items: who claimed the user, and the user's facts. */
export const userGuardPartition = (userId: string): string => `user#${userId}`;
