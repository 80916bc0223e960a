import { InvalidCursorError } from './errors';
import type { Referral } from './referral';
import { STATS_COUNTERS, type PartnerStats, type StatsCounter } from './stats';

/** A ratio as integer basis points (rounded half up) and its display form, `12.34%`. */
export interface Rate {
  basisPoints: number;
  percent: string;
}

export interface ConversionRates {
  /** totalSignups / totalClicks */
  clickToSignup: Rate;
  /** totalPaid / totalSignups */
  signupToPaid: Rate;
}

/** `numerator / denominator` in basis points, half up, integers only; 0 when the denominator is 0. */
export function rateOf(numerator: number, denominator: number): Rate {
  if (denominator <= 0 || numerator <= 0) return { basisPoints: 0, percent: '0.00%' };
  const basisPoints = Math.floor((numerator * 10_000 * 2 + denominator) / (2 * denominator));
  return {
    basisPoints,
    percent: `${Math.floor(basisPoints / 100)}.${String(basisPoints % 100).padStart(2, '0')}%`,
  };
}

export function conversionRates(
  stats: Pick<PartnerStats, 'totalClicks' | 'totalSignups' | 'totalPaid'>,
): ConversionRates {
  return {
    clickToSignup: rateOf(stats.totalSignups, stats.totalClicks),
    signupToPaid: rateOf(stats.totalPaid, stats.totalSignups),
  };
}

const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = { usd: '$', eur: '€', gbp: '£' };

/** Integer cents → `$1,234.56` (`-$0.05` for negatives). Formatting happens only at the API edge. */
export function formatCents(cents: number, currency = 'usd'): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = String(abs % 100).padStart(2, '0');
  const symbol = CURRENCY_SYMBOLS[currency.toLowerCase()];
  return symbol
    ? `${sign}${symbol}${whole}.${fraction}`
    : `${sign}${whole}.${fraction} ${currency.toUpperCase()}`;
}

const MONEY_COUNTERS = [
  ['totalRevenueCents', 'totalRevenue'],
  ['totalEarningsCents', 'totalEarnings'],
  ['pendingEarningsCents', 'pendingEarnings'],
] as const satisfies readonly (readonly [StatsCounter, string])[];

export type StatsView = Record<StatsCounter | 'totalClicks', number> &
  Record<(typeof MONEY_COUNTERS)[number][1], string> & {
    registeredAt: string;
    lastActivityAt: string | null;
  };

export interface ReferralView {
  referralId: string;
  status: Referral['status'];
  planType: Referral['planType'];
  billingCycle: Referral['billingCycle'] | null;
  signedUpAt: string;
  verifiedAt: string | null;
  paidAt: string | null;
  canceledAt: string | null;
  currency: string;
  paymentAmountCents: number;
  paymentAmount: string;
  partnerEarningsCents: number;
  partnerEarnings: string;
  commissionStatus: Referral['commissionStatus'] | null;
  subscriptionStatus: Referral['subscriptionStatus'] | null;
}

export interface DashboardView {
  partnerId: string;
  displayName: string;
  stats: StatsView;
  conversion: ConversionRates;
  recentReferrals: ReferralView[];
  nextCursor: string | null;
}

/** The dashboard response: counters, derived rates and the page of recent paid referrals. Money in cents. */
export function dashboardView(
  stats: PartnerStats,
  recentReferrals: Referral[],
  nextCursor: string | null,
): DashboardView {
  const counters = Object.fromEntries(STATS_COUNTERS.map((c) => [c, stats[c]])) as Record<
    StatsCounter,
    number
  >;
  const money = Object.fromEntries(
    MONEY_COUNTERS.map(([cents, label]) => [label, formatCents(stats[cents])]),
  ) as Record<(typeof MONEY_COUNTERS)[number][1], string>;
  return {
    partnerId: stats.partnerId,
    displayName: stats.displayName ?? stats.partnerId,
    stats: {
      ...counters,
      totalClicks: stats.totalClicks,
      ...money,
      registeredAt: stats.registeredAt,
      lastActivityAt: stats.lastActivityAt ?? null,
    },
    conversion: conversionRates(stats),
    recentReferrals: recentReferrals.map(referralView),
    nextCursor,
  };
}

function referralView(r: Referral): ReferralView {
  const currency = r.currency ?? 'usd';
  const paid = r.paymentAmountCents ?? 0;
  const earned = r.partnerEarningsCents ?? 0;
  return {
    referralId: r.referralId,
    status: r.status,
    planType: r.planType,
    billingCycle: r.billingCycle ?? null,
    signedUpAt: r.signedUpAt,
    verifiedAt: r.verifiedAt ?? null,
    paidAt: r.paidAt ?? null,
    canceledAt: r.canceledAt ?? null,
    currency,
    paymentAmountCents: paid,
    paymentAmount: formatCents(paid, currency),
    partnerEarningsCents: earned,
    partnerEarnings: formatCents(earned, currency),
    commissionStatus: r.commissionStatus ?? null,
    subscriptionStatus: r.subscriptionStatus ?? null,
  };
}

/** The `partnerId-paidAt-index` page key: the index keys plus the table keys. */
export interface DashboardCursorKey {
  partnerId: string;
  referralId: string;
  paidAt: string;
}

/** base64url of the `LastEvaluatedKey` JSON. */
export function encodeCursor(key: DashboardCursorKey): string {
  const { partnerId, referralId, paidAt } = key;
  return Buffer.from(JSON.stringify({ partnerId, referralId, paidAt }), 'utf8').toString('base64url');
}

/** Decodes a cursor for `partnerId`'s dashboard; throws `InvalidCursor` when it is garbled or another partner's. */
export function decodeCursor(cursor: string, partnerId: string): DashboardCursorKey {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) throw new InvalidCursorError('cursor: not a dashboard cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor: not a dashboard cursor');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidCursorError('cursor: not a dashboard cursor');
  }
  const key = parsed as Record<string, unknown>;
  const keys = Object.keys(key).sort().join(',');
  if (
    keys !== 'paidAt,partnerId,referralId' ||
    typeof key.partnerId !== 'string' ||
    typeof key.referralId !== 'string' ||
    typeof key.paidAt !== 'string'
  ) {
    throw new InvalidCursorError('cursor: not a dashboard cursor');
  }
  if (key.partnerId !== partnerId) throw new InvalidCursorError('cursor: belongs to another partner');
  return { partnerId: key.partnerId, referralId: key.referralId, paidAt: key.paidAt };
}
