import * as z from 'zod/mini';
import { ACTIVITY_COUNTS } from './activity-days';
import { BILLING_CYCLES, PLAN_TYPES } from './config';
import { REFERRAL_STATUSES, type Referral } from './referral';
import { STATS_COUNTERS, type PartnerStats, type StatsCounter } from './stats';
import { integerSchema, nonNegativeIntegerSchema } from './validation';

/**
 * Schemas for stored items after unmarshalling (numbers as numbers, string sets as `Set<string>`).
 * They check what the pure functions rely on and keep every other attribute out of the result.
 */
const cents = nonNegativeIntegerSchema;
const integer = integerSchema;
const stringSet = z.union([
  z.pipe(
    z.instanceof(Set),
    z.transform((set: Set<unknown>) => [...set].map(String)),
  ),
  z.array(z.string()),
]);
const money = integer;

/** Non-zero activity counts by local day (`activityDays` on a referral, `byDay` of a recorded stats change). */
export const activityByDaySchema = z.record(
  z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a day YYYY-MM-DD' })),
  z.partialRecord(z.enum(ACTIVITY_COUNTS), integer),
);

/** A `PartnerActivity` bucket item: one local day's counts (missing counts are 0). */
export const activityBucketSchema = z.object({
  day: z.string({ error: 'expected a string' }),
  ...Object.fromEntries(ACTIVITY_COUNTS.map((c) => [c, z.optional(integer)])),
}) as z.ZodMiniType<{ day: string } & Partial<Record<(typeof ACTIVITY_COUNTS)[number], number>>, unknown>;

export const referralItemSchema = z.object({
  partnerId: z.string({ error: 'expected a string' }),
  referralId: z.string({ error: 'expected a string' }),
  referredUserId: z.string({ error: 'expected a string' }),
  status: z.enum(REFERRAL_STATUSES),
  planType: z.enum(PLAN_TYPES),
  billingCycle: z.optional(z.enum(BILLING_CYCLES)),
  signedUpAt: z.string({ error: 'expected a string' }),
  verifiedAt: z.optional(z.string()),
  paidAt: z.optional(z.string()),
  canceledAt: z.optional(z.string()),
  paymentAmountCents: z.optional(cents),
  partnerEarningsCents: z._default(money, 0),
  pendingCents: z._default(money, 0),
  approvedCents: z._default(money, 0),
  paidCents: z._default(money, 0),
  onHoldCents: z._default(money, 0),
  reversedCents: z._default(money, 0),
  revenueCents: z._default(cents, 0),
  refundedCents: z._default(cents, 0),
  disputeLostCents: z._default(cents, 0),
  invoiceCount: z._default(cents, 0),
  refundCount: z._default(cents, 0),
  disputeCount: z._default(cents, 0),
  currency: z.optional(z.string()),
  subscriptionStatus: z.optional(z.enum(['active', 'canceled'])),
  stripeCustomerId: z.optional(z.string()),
  stripeSubscriptionId: z.optional(z.string()),
  stripeInvoiceId: z.optional(z.string()),
  selfReferral: z.optional(z.boolean()),
  factKeys: z.optional(stringSet),
  factCount: z.optional(cents),
  pendingStats: z.optional(stringSet),
  statsPendingSince: z.optional(z.string()),
  statsPendingReason: z.optional(z.string()),
  timeZone: z.optional(z.string()),
  activityDays: z.optional(activityByDaySchema),
}) satisfies z.ZodMiniType<Referral, unknown>;

const counterShape = Object.fromEntries(STATS_COUNTERS.map((c) => [c, z._default(integer, 0)])) as Record<
  StatsCounter,
  z.ZodMiniDefault<typeof integer>
>;

/** A `PartnerStats` row. Counters missing from an old row read as 0; `version` is required. */
export const partnerStatsItemSchema = z.object({
  partnerId: z.string({ error: 'expected a string' }),
  ...counterShape,
  totalClicks: z._default(integer, 0),
  version: integer,
  registeredAt: z.string({ error: 'expected a string' }),
  lastActivityAt: z.optional(z.string()),
  lastReconciledAt: z.optional(z.string()),
  displayName: z.optional(z.string()),
  timeZone: z.optional(z.string()),
}) satisfies z.ZodMiniType<PartnerStats, unknown>;

/** The stats changes the referral's writes recorded with their markers (see `planReferralWrite`). */
export const pendingChangesSchema = z.object({
  pendingChanges: z.optional(
    z.record(
      z.string(),
      z.object({
        at: z.string(),
        delta: z.partialRecord(z.enum(STATS_COUNTERS), integerSchema),
        byDay: z.optional(activityByDaySchema),
      }),
    ),
  ),
});
