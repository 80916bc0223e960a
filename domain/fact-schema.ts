import * as z from 'zod/mini';
import { BILLING_CYCLES, PLAN_TYPES } from './config';
import { COMMISSIONABLE_REASONS, DISPUTE_PHASES, type Fact } from './facts';
import { nonNegativeIntegerSchema } from './validation';

/** A recorded fact as the lifecycle compute reads it back: every field the fold relies on, checked. */
const base = {
  key: z.string().check(z.minLength(1)),
  at: z.iso.datetime({ error: 'expected an ISO-8601 timestamp' }),
};
const ids = z.array(z.string());
const amount = nonNegativeIntegerSchema;
const plan = z.enum(PLAN_TYPES);
const cycle = z.enum(BILLING_CYCLES);

export const factSchema = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.literal('signup'),
    partnerId: z.string(),
    emailHash: z.optional(z.string()),
    selfReferral: z.optional(z.boolean()),
  }),
  z.object({ ...base, kind: z.literal('verified') }),
  z.object({ ...base, kind: z.literal('checkout'), customerId: z.string(), subscriptionId: z.string() }),
  z.object({
    ...base,
    kind: z.literal('invoice'),
    invoiceId: z.string(),
    billingReason: z.enum(COMMISSIONABLE_REASONS),
    amountCents: amount,
    currency: z.string(),
    planType: plan,
    billingCycle: cycle,
    subscriptionId: z.string(),
    customerId: z.string(),
    paymentIds: ids,
  }),
  z.object({ ...base, kind: z.literal('invoicePayment'), invoiceId: z.string(), paymentIds: ids }),
  z.object({
    ...base,
    kind: z.literal('refund'),
    chargeId: z.string(),
    paymentIds: ids,
    invoiceId: z.optional(z.string()),
    amountRefundedCents: amount,
  }),
  z.object({
    ...base,
    kind: z.literal('dispute'),
    disputeId: z.string(),
    paymentIds: ids,
    amountCents: amount,
    phase: z.enum(DISPUTE_PHASES),
  }),
  z.object({
    ...base,
    kind: z.literal('subscription'),
    subscriptionId: z.string(),
    state: z.enum(['active', 'canceled']),
    planType: z.optional(plan),
    billingCycle: z.optional(cycle),
  }),
  z.object({ ...base, kind: z.literal('approval'), commissionId: z.string() }),
  z.object({
    ...base,
    kind: z.literal('review'),
    commissionId: z.string(),
    decision: z.enum(['approve', 'reject']),
  }),
  z.object({
    ...base,
    kind: z.literal('payout'),
    commissionId: z.string(),
    payoutId: z.string(),
    earningsCents: z.int(),
  }),
]) satisfies z.ZodMiniType<Fact, unknown>;
