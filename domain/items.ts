import * as z from 'zod';
import { BILLING_CYCLES, PLAN_TYPES } from './config';
import { REFERRAL_STATUSES, STATS_TRANSITIONS, type Referral } from './referral';
import { STATS_COUNTERS, type PartnerStats, type StatsCounter } from './stats';
import { nonNegativeIntegerSchema } from './validation';

/**
 * Schemas for stored items after unmarshalling (numbers as numbers, string sets as `Set<string>`).
 * They check what the pure functions rely on and keep every other attribute out of the result.
 */
const cents = nonNegativeIntegerSchema;
const integer = z.number({ error: 'expected an integer' }).int({ error: 'expected an integer' });
const transitions = z.array(z.enum(STATS_TRANSITIONS));
const pendingStats = z.union([
  z
    .instanceof(Set)
    .transform((set) => [...set])
    .pipe(transitions),
  transitions,
]);

export const referralItemSchema = z.object({
  partnerId: z.string({ error: 'expected a string' }),
  referralId: z.string({ error: 'expected a string' }),
  referredUserId: z.string({ error: 'expected a string' }),
  status: z.enum(REFERRAL_STATUSES),
  planType: z.enum(PLAN_TYPES),
  billingCycle: z.enum(BILLING_CYCLES).optional(),
  signedUpAt: z.string({ error: 'expected a string' }),
  verifiedAt: z.string().optional(),
  paidAt: z.string().optional(),
  canceledAt: z.string().optional(),
  paymentAmountCents: cents.optional(),
  partnerEarningsCents: cents.optional(),
  currency: z.string().optional(),
  commissionStatus: z.enum(['pending', 'approved', 'paid']).optional(),
  subscriptionStatus: z.enum(['active', 'canceled']).optional(),
  stripeCustomerId: z.string().optional(),
  stripeSubscriptionId: z.string().optional(),
  stripeInvoiceId: z.string().optional(),
  pendingStats: pendingStats.optional(),
  statsPendingSince: z.string().optional(),
  statsPendingReason: z.string().optional(),
}) satisfies z.ZodType<Referral, unknown>;

const counterShape = Object.fromEntries(STATS_COUNTERS.map((c) => [c, integer.default(0)])) as Record<
  StatsCounter,
  z.ZodDefault<typeof integer>
>;

/** A `PartnerStats` row. Counters missing from an old row read as 0; `version` is required. */
export const partnerStatsItemSchema = z.object({
  partnerId: z.string({ error: 'expected a string' }),
  ...counterShape,
  totalClicks: integer.default(0),
  version: integer,
  registeredAt: z.string({ error: 'expected a string' }),
  lastActivityAt: z.string().optional(),
  lastReconciledAt: z.string().optional(),
  displayName: z.string().optional(),
}) satisfies z.ZodType<PartnerStats, unknown>;
