import { DEFAULT_TIMEZONE } from './export-range';
import { InvalidCursorError } from './errors';
import { formatMinorUnits } from './money';
import type { EarningsByStatus, Referral } from './referral';
import { STATS_COUNTERS, type PartnerStats, type StatsCounter } from './stats';

export { formatMinorUnits } from './money';

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

const MONEY_COUNTERS = [
  ['totalRevenueCents', 'totalRevenue'],
  ['refundedCents', 'refunded'],
  ['disputeLostCents', 'disputeLost'],
  ['netRevenueCents', 'netRevenue'],
  ['totalEarningsCents', 'totalEarnings'],
  ['pendingEarningsCents', 'pendingEarnings'],
  ['approvedEarningsCents', 'approvedEarnings'],
  ['paidEarningsCents', 'paidEarnings'],
  ['onHoldEarningsCents', 'onHoldEarnings'],
  ['reversedEarningsCents', 'reversedEarnings'],
] as const satisfies readonly (readonly [StatsCounter, string])[];

export type StatsView = Record<StatsCounter | 'totalClicks', number> &
  Record<(typeof MONEY_COUNTERS)[number][1], string> & {
    registeredAt: string;
    lastActivityAt: string | null;
  };

/** Earnings by commission status in minor units, each with its display form beside it. */
export interface EarningsView extends EarningsByStatus {
  /**
   * What the next payout run would pay: approved earnings net of clawbacks (those already in a payout being
   * processed included). Negative when clawbacks exceed them: carried forward, never paid out.
   */
  balanceCents: number;
  balance: string;
  pending: string;
  approved: string;
  paid: string;
  onHold: string;
  reversed: string;
}

export function earningsView(earnings: EarningsByStatus, currency: string): EarningsView {
  const { pendingCents, approvedCents, paidCents, onHoldCents, reversedCents } = earnings;
  return {
    pendingCents,
    pending: formatMinorUnits(pendingCents, currency),
    approvedCents,
    approved: formatMinorUnits(approvedCents, currency),
    paidCents,
    paid: formatMinorUnits(paidCents, currency),
    onHoldCents,
    onHold: formatMinorUnits(onHoldCents, currency),
    reversedCents,
    reversed: formatMinorUnits(reversedCents, currency),
    balanceCents: approvedCents,
    balance: formatMinorUnits(approvedCents, currency),
  };
}

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
  /** The first invoice's amount. */
  paymentAmountCents: number;
  paymentAmount: string;
  /** Everything the referred user paid (every commissionable invoice). */
  revenueCents: number;
  revenue: string;
  /** The net of the referral's commissions that the partner keeps (pending, approved, paid, on hold). */
  partnerEarningsCents: number;
  partnerEarnings: string;
  earnings: EarningsView;
  subscriptionStatus: Referral['subscriptionStatus'] | null;
}

export interface DashboardView {
  partnerId: string;
  displayName: string;
  /** The IANA zone the partner's days are counted in, fixed at registration. */
  timeZone: string;
  currency: string;
  stats: StatsView;
  /** The partner's earnings by commission status (from the stats counters). */
  earnings: EarningsView;
  conversion: ConversionRates;
  recentReferrals: ReferralView[];
  nextCursor: string | null;
}

/**
 * The dashboard response: counters, earnings by status, derived rates and the page of recent paid referrals.
 * Money is integer minor units of the program's `currency`, each amount with its display form beside it.
 */
export function dashboardView(
  stats: PartnerStats,
  recentReferrals: Referral[],
  nextCursor: string | null,
  currency: string,
): DashboardView {
  const counters = Object.fromEntries(STATS_COUNTERS.map((c) => [c, stats[c]])) as Record<
    StatsCounter,
    number
  >;
  const money = Object.fromEntries(
    MONEY_COUNTERS.map(([cents, label]) => [label, formatMinorUnits(stats[cents], currency)]),
  ) as Record<(typeof MONEY_COUNTERS)[number][1], string>;
  return {
    partnerId: stats.partnerId,
    displayName: stats.displayName ?? stats.partnerId,
    timeZone: stats.timeZone ?? DEFAULT_TIMEZONE,
    currency,
    stats: {
      ...counters,
      totalClicks: stats.totalClicks,
      ...money,
      registeredAt: stats.registeredAt,
      lastActivityAt: stats.lastActivityAt ?? null,
    },
    earnings: earningsView(
      {
        pendingCents: stats.pendingEarningsCents,
        approvedCents: stats.approvedEarningsCents,
        paidCents: stats.paidEarningsCents,
        onHoldCents: stats.onHoldEarningsCents,
        reversedCents: stats.reversedEarningsCents,
      },
      currency,
    ),
    conversion: conversionRates(stats),
    recentReferrals: recentReferrals.map((r) => referralView(r, currency)),
    nextCursor,
  };
}

function referralView(r: Referral, programCurrency: string): ReferralView {
  const currency = r.currency ?? programCurrency;
  const paid = r.paymentAmountCents ?? 0;
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
    paymentAmount: formatMinorUnits(paid, currency),
    revenueCents: r.revenueCents,
    revenue: formatMinorUnits(r.revenueCents, currency),
    partnerEarningsCents: r.partnerEarningsCents,
    partnerEarnings: formatMinorUnits(r.partnerEarningsCents, currency),
    earnings: earningsView(r, currency),
    subscriptionStatus: r.subscriptionStatus ?? null,
  };
}

/**
 * A page cursor: base64url of a Query's `LastEvaluatedKey` JSON, where every key attribute is a string. The
 * key names are fixed by the index that was queried, so a cursor decodes only with exactly those names.
 */
export function encodePageCursor<K extends string>(
  key: Readonly<Record<K, string>>,
  names: readonly K[],
): string {
  const picked = Object.fromEntries(names.map((name) => [name, key[name]]));
  return toBase64Url(JSON.stringify(picked));
}

// base64url through btoa/atob and TextEncoder/TextDecoder, which Node and browsers share: this module's
// views are the portal's types too, so it must type-check without Node's `Buffer`.
function toBase64Url(text: string): string {
  const binary = String.fromCharCode(...new TextEncoder().encode(text));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Throws on what is not base64url. */
function fromBase64Url(encoded: string): string {
  const binary = atob(encoded.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/**
 * The `LastEvaluatedKey` a cursor carries, when it is one of ours for the index whose key attributes are
 * `names`: base64url JSON of an object with exactly those names, every value a string. Anything else throws
 * `InvalidCursor` (`cursor: not a <what> cursor`); whose key it is, the caller checks.
 */
export function decodePageCursor<K extends string>(
  cursor: string,
  names: readonly K[],
  what: string,
): Record<K, string> {
  const refuse = (): never => {
    throw new InvalidCursorError(`cursor: not a ${what} cursor`);
  };
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) refuse();
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(cursor));
  } catch {
    refuse();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return refuse();
  const key = parsed as Record<string, unknown>;
  if (Object.keys(key).sort().join(',') !== [...names].sort().join(',')) refuse();
  if (!names.every((name) => typeof key[name] === 'string')) refuse();
  return key as Record<K, string>;
}

/**
 * The page key of a Query's `LastEvaluatedKey`, when it has every key attribute as a string (the next
 * page's cursor); `undefined` otherwise (no more pages).
 */
export function pageKeyOf<K extends string>(
  lastEvaluatedKey: Readonly<Record<string, unknown>> | undefined,
  names: readonly K[],
): Record<K, string> | undefined {
  if (!lastEvaluatedKey || !names.every((name) => typeof lastEvaluatedKey[name] === 'string'))
    return undefined;
  return Object.fromEntries(names.map((name) => [name, lastEvaluatedKey[name]])) as Record<K, string>;
}

/** The `partnerId-paidAt-index` page key: the index keys plus the table keys. */
export interface DashboardCursorKey {
  partnerId: string;
  referralId: string;
  paidAt: string;
}

const DASHBOARD_KEY_NAMES = [
  'partnerId',
  'referralId',
  'paidAt',
] as const satisfies readonly (keyof DashboardCursorKey)[];

/** base64url of the `LastEvaluatedKey` JSON. */
export function encodeCursor(key: DashboardCursorKey): string {
  return encodePageCursor(key, DASHBOARD_KEY_NAMES);
}

/** Decodes a cursor for `partnerId`'s dashboard; throws `InvalidCursor` when it is garbled or another partner's. */
export function decodeCursor(cursor: string, partnerId: string): DashboardCursorKey {
  const key = decodePageCursor(cursor, DASHBOARD_KEY_NAMES, 'dashboard');
  if (key.partnerId !== partnerId) throw new InvalidCursorError('cursor: belongs to another partner');
  return { partnerId: key.partnerId, referralId: key.referralId, paidAt: key.paidAt };
}

/** The next page's cursor from the dashboard Query's `LastEvaluatedKey`; `null` on the last page. */
export function nextDashboardCursor(
  lastEvaluatedKey: Readonly<Record<string, unknown>> | undefined,
): string | null {
  const key = pageKeyOf(lastEvaluatedKey, DASHBOARD_KEY_NAMES);
  return key ? encodeCursor(key) : null;
}
