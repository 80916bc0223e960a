import * as z from 'zod/mini';
import { decodePageCursor, encodePageCursor, pageKeyOf } from './dashboard';
import { DomainError, InvalidCursorError } from './errors';
import { integerSchema, nonNegativeIntegerSchema } from './validation';

/**
 * Payouts: what a payout run grouped of a partner's approved, unpaid commissions, and its way to `paid`.
 * Pure types and schemas; the payout workflow (`statemachines/payout.asl.json`) creates them, the admin
 * routes move them. Money is integer minor units of `currency`.
 */

export const PAYOUT_STATUSES = ['pending', 'processing', 'paid', 'failed', 'canceled'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** Statuses a payout leaves no more: its commissions are paid, or back to `approved`. */
export const FINAL_PAYOUT_STATUSES = [
  'paid',
  'failed',
  'canceled',
] as const satisfies readonly PayoutStatus[];

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

// ---- Lists, views and errors of the HTTP API ----------------------------------------------------------------

/** A `status` query parameter that is not a payout status (400). */
export class InvalidPayoutStatusError extends DomainError {
  override readonly name = 'InvalidPayoutStatus';
  readonly field = 'status';
  constructor(readonly status: string) {
    super(
      `status: ${JSON.stringify(status)} is not a payout status (expected one of ${PAYOUT_STATUSES.join(', ')})`,
    );
  }
}

/** No payout has this id (404). */
export class UnknownPayoutError extends DomainError {
  override readonly name = 'UnknownPayout';
  constructor(readonly payoutId: string) {
    super(`There is no payout ${payoutId}`);
  }
}

export function payoutStatusOf(status: string): PayoutStatus {
  if (!(PAYOUT_STATUSES as readonly string[]).includes(status)) throw new InvalidPayoutStatusError(status);
  return status as PayoutStatus;
}

/** The status the admin list shows when the request names none: what is waiting to be sent. */
export const DEFAULT_ADMIN_PAYOUT_STATUS: PayoutStatus = 'pending';
export const PAYOUTS_PAGE_SIZE = 50;

/** A payout as the API shows it: the row without the run's bookkeeping, absent times as `null`. */
export interface PayoutView {
  partnerId: string;
  payoutId: string;
  status: PayoutStatus;
  amountCents: number;
  currency: string;
  commissions: PayoutLine[];
  periodStart: string;
  periodEnd: string;
  createdAt: string;
  updatedAt: string;
  processingAt: string | null;
  paidAt: string | null;
  failedAt: string | null;
  canceledAt: string | null;
  reference: string | null;
  failureReason: string | null;
  version: number;
}

export function payoutView(p: Payout): PayoutView {
  return {
    partnerId: p.partnerId,
    payoutId: p.payoutId,
    status: p.status,
    amountCents: p.amountCents,
    currency: p.currency,
    commissions: p.lines.map(({ commissionId, referredUserId, netCents }) => ({
      commissionId,
      referredUserId,
      netCents,
    })),
    periodStart: p.periodStart,
    periodEnd: p.periodEnd,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    processingAt: p.processingAt ?? null,
    paidAt: p.paidAt ?? null,
    failedAt: p.failedAt ?? null,
    canceledAt: p.canceledAt ?? null,
    reference: p.reference ?? null,
    failureReason: p.failureReason ?? null,
    version: p.version,
  };
}

export interface PayoutsPage {
  payouts: PayoutView[];
  nextCursor: string | null;
}

/** A partner's payouts page key (the table's keys) and the admin list's (`status-createdAt-index`). */
const BY_PARTNER_KEYS = ['partnerId', 'payoutId'] as const;
const BY_STATUS_KEYS = ['status', 'createdAt', 'partnerId', 'payoutId'] as const;

export function decodePartnerPayoutsCursor(
  cursor: string,
  partnerId: string,
): Record<'partnerId' | 'payoutId', string> {
  const key = decodePageCursor(cursor, BY_PARTNER_KEYS, 'payouts');
  if (key.partnerId !== partnerId) throw new InvalidCursorError('cursor: belongs to another partner');
  if (!isPayoutId(key.payoutId)) throw new InvalidCursorError('cursor: not a payouts cursor');
  return key;
}

export function decodeAdminPayoutsCursor(
  cursor: string,
  status: PayoutStatus,
): Record<(typeof BY_STATUS_KEYS)[number], string> {
  const key = decodePageCursor(cursor, BY_STATUS_KEYS, 'admin payouts');
  if (key.status !== status) throw new InvalidCursorError(`cursor: not a cursor of the ${status} payouts`);
  return key;
}

export function nextPayoutsCursor(
  lastEvaluatedKey: Readonly<Record<string, unknown>> | undefined,
  admin: boolean,
): string | null {
  const names = admin ? BY_STATUS_KEYS : BY_PARTNER_KEYS;
  const key = pageKeyOf<string>(lastEvaluatedKey, names);
  return key ? encodePageCursor<string>(key, names) : null;
}
