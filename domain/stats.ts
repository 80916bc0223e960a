/** The counters of a `PartnerStats` item. Money is integer minor units of the program currency. */
export const STATS_COUNTERS = [
  'totalSignups',
  'afSignups',
  'afPlusSignups',
  'totalVerified',
  'totalPaid',
  'afPaid',
  'afPlusPaid',
  'afMonthlyPaid',
  'afAnnualPaid',
  'afPlusMonthlyPaid',
  'afPlusAnnualPaid',
  'activeSubscriptions',
  'afActiveSubscriptions',
  'afPlusActiveSubscriptions',
  'totalRevenueCents',
  'refundedCents',
  'disputeLostCents',
  'netRevenueCents',
  'refundCount',
  'disputeCount',
  'totalEarningsCents',
  'pendingEarningsCents',
  'approvedEarningsCents',
  'paidEarningsCents',
  'onHoldEarningsCents',
  'reversedEarningsCents',
] as const;
export type StatsCounter = (typeof STATS_COUNTERS)[number];

/** Counters derived from referrals. Clicks are not: they come from the click workflow only. */
export type ReferralCounters = Record<StatsCounter, number>;

export interface PartnerStats extends ReferralCounters {
  partnerId: string;
  totalClicks: number;
  version: number;
  registeredAt: string;
  lastActivityAt?: string;
  /** Set by registration; shown on the dashboard. */
  displayName?: string;
  /** The partner's IANA zone, fixed at registration (absent on older rows: UTC); its activity days are local. */
  timeZone?: string;
  /** Set by reconciliation when it corrects the row. */
  lastReconciledAt?: string;
}

export const zeroCounters = (): ReferralCounters =>
  Object.fromEntries(STATS_COUNTERS.map((c) => [c, 0])) as ReferralCounters;
