import * as z from 'zod/mini';
import { integerSchema, nonNegativeIntegerSchema } from './validation';

/**
 * Payouts: what a payout run grouped of a partner's approved, unpaid commissions, and its way to `paid`.
 * Pure types and schemas; the payout workflow (`statemachines/payout.asl.json`) creates them, the admin
 * routes move them. Money is integer minor units of `currency`.
 */

export const PAYOUT_STATUSES = ['pending', 'processing', 'paid', 'failed', 'canceled'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** Statuses a payout leaves no more: its commissions are paid, or back to `approved`. */
export const FINAL_PAYOUT_STATUSES = ['paid', 'failed', 'canceled'] as const satisfies readonly PayoutStatus[];

/** One commission a payout holds, with the net it pays for it (negative for a clawback). */
export interface PayoutLine {
  commissionId: string;
  referredUserId: string;
  netCents: number;
}

/** A `PartnerPayouts` payout row (`payoutId` = `po_…`). */
export interface Payout {
  partnerId: string;
  payoutId: string;
  status: PayoutStatus;
  /** The sum of the lines' net: what the partner is paid. */
  amountCents: number;
  currency: string;
  lines: PayoutLine[];
  /** The earliest `earnedAt` of its commissions and the run's cutoff. */
  periodStart: string;
  periodEnd: string;
  /** The execution (name) of the payout run that created it. */
  runId: string;
  createdAt: string;
  updatedAt: string;
  processingAt?: string;
  paidAt?: string;
  failedAt?: string;
  canceledAt?: string;
  /** The external reference of the transfer that paid it (e.g. a Stripe transfer id). */
  reference?: string;
  failureReason?: string;
  /** Incremented by every change: outbound events carry it so consumers can order updates. */
  version: number;
}

export const PAYOUT_ID_PREFIX = 'po_';
export const CLAIM_PREFIX = 'claim#';
/** The sort key of the claim that ties `commissionId` to one payout. */
export const claimIdOf = (commissionId: string): string => `${CLAIM_PREFIX}${commissionId}`;
export const isPayoutId = (sortKey: string): boolean => sortKey.startsWith(PAYOUT_ID_PREFIX);

export const PAYOUT_ID_PATTERN = /^po_[A-Za-z0-9_-]{1,120}$/;
const PAYOUT_ID_RULE = 'expected a payout id: po_…';
export const payoutIdSchema = z
  .string({ error: PAYOUT_ID_RULE })
  .check(z.regex(PAYOUT_ID_PATTERN, { error: PAYOUT_ID_RULE }));

const text = z.string({ error: 'expected a string' });
const lineSchema = z.object({
  commissionId: text,
  referredUserId: text,
  netCents: integerSchema,
}) satisfies z.ZodMiniType<PayoutLine, unknown>;

/** A `PartnerPayouts` payout row as DynamoDB returns it (the document client's plain values). */
export const payoutItemSchema = z.object({
  partnerId: text,
  payoutId: text,
  status: z.enum(PAYOUT_STATUSES),
  amountCents: integerSchema,
  currency: text,
  lines: z.array(lineSchema),
  periodStart: text,
  periodEnd: text,
  runId: text,
  createdAt: text,
  updatedAt: text,
  processingAt: z.optional(text),
  paidAt: z.optional(text),
  failedAt: z.optional(text),
  canceledAt: z.optional(text),
  reference: z.optional(text),
  failureReason: z.optional(text),
  version: nonNegativeIntegerSchema,
}) satisfies z.ZodMiniType<Payout, unknown>;
