/**
 * The partner's activity over time, from daily buckets in the partner's time zone (contract shared by the
 * dashboard API and the portal; the buckets themselves are maintained by the workflows, exactly once).
 */
export const ACTIVITY_RANGES = ['24h', '7d', '30d', '90d', '1y'] as const;
export type ActivityRange = (typeof ACTIVITY_RANGES)[number];

/** One local day's counts; amounts in the program currency's minor units. */
export interface ActivityDay {
  /** The partner's local calendar day, `2026-12-01`. */
  day: string;
  clicks: number;
  signups: number;
  /** Referrals that paid their first invoice that day. */
  conversions: number;
  /** Commissions earned that day (first invoices and renewals). */
  earningsCents: number;
  /** Earnings taken back that day (refunds, lost disputes). */
  reversedCents: number;
}

/** `GET /partners/{partnerId}/activity?range=30d`: every day of the range, oldest first, zeros included. */
export interface ActivityView {
  partnerId: string;
  timeZone: string;
  range: ActivityRange;
  currency: string;
  /** First and last local day of the range (inclusive). */
  from: string;
  to: string;
  days: ActivityDay[];
}
