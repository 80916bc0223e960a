import * as z from 'zod/mini';
import { BILLING_CYCLES, PLAN_TYPES } from './config';
import { decodePageCursor, encodePageCursor, pageKeyOf } from './dashboard';
import { DomainError, InvalidCursorError } from './errors';
import { COMMISSIONABLE_REASONS } from './facts';
import type { CommissionItem } from './ledger';
import type { CommissionChange } from './lifecycle';
import { COMMISSION_STATUSES, type CommissionStatus } from './referral';
import { integerSchema, nonNegativeIntegerSchema } from './validation';

/**
 * The commission lists of the HTTP API: a partner's own commissions (`GET /partners/{partnerId}/commissions`,
 * newest first, optionally of one status) and the admins' list of one status (`GET /admin/commissions`,
 * oldest due first), 50 a page behind a cursor. Pure: the item schema, the row views, the cursors and the
 * named errors; the handlers only Query. Money is integer minor units of the row's `currency`.
 */

// ---- Errors ---------------------------------------------------------------------------------------------

/** A `status` filter that is not a commission status (400). */
export class InvalidCommissionStatusError extends DomainError {
  override readonly name = 'InvalidCommissionStatus';
  readonly field = 'status';
  constructor(readonly status: string) {
    super(
      `status: ${JSON.stringify(status)} is not a commission status (expected one of ${COMMISSION_STATUSES.join(', ')})`,
    );
  }
}

/** No `PartnerCommissions` row has this partner and commission id (404). */
export class UnknownCommissionError extends DomainError {
  override readonly name = 'UnknownCommission';
  constructor(
    readonly partnerId: string,
    readonly commissionId: string,
  ) {
    super(`Partner ${partnerId} has no commission ${commissionId}`);
  }
}

/** Only a held commission is reviewed (approved or rejected by an operator); this one is not held (409). */
export class CommissionNotOnHoldError extends DomainError {
  override readonly name = 'CommissionNotOnHold';
  constructor(
    readonly commissionId: string,
    readonly status: CommissionStatus,
  ) {
    super(
      `Commission ${commissionId} is ${status}, not on_hold: only a commission on hold can be approved or rejected`,
    );
  }
}

// ---- Request parameters -----------------------------------------------------------------------------------

/** A `status` query parameter: one of `COMMISSION_STATUSES`, else `InvalidCommissionStatus`. */
export function commissionStatusOf(status: string): CommissionStatus {
  if (!(COMMISSION_STATUSES as readonly string[]).includes(status))
    throw new InvalidCommissionStatusError(status);
  return status as CommissionStatus;
}

/** The status the admin list shows when the request names none: the operators' review queue. */
export const DEFAULT_ADMIN_COMMISSION_STATUS: CommissionStatus = 'on_hold';

/**
 * Commission ids (`commissionIds` in facts.ts): `inv#<invoice id>` and `clawback#<invoice id>`. In a URL path
 * the `#` is sent as `%23`; API Gateway hands the handler the decoded value.
 */
export const COMMISSION_ID_PATTERN = /^(?:inv|clawback)#[A-Za-z0-9_-]{1,200}$/;
const COMMISSION_ID_RULE = 'expected a commission id: inv#<invoice id> or clawback#<invoice id>';
export const commissionIdSchema = z
  .string({ error: COMMISSION_ID_RULE })
  .check(z.regex(COMMISSION_ID_PATTERN, { error: COMMISSION_ID_RULE }));

// ---- Items ------------------------------------------------------------------------------------------------

const text = z.string({ error: 'expected a string' });
const minor = integerSchema;
const changeSchema = z.object({
  at: text,
  status: z.enum(COMMISSION_STATUSES),
  reason: text,
  netCents: minor,
}) satisfies z.ZodMiniType<CommissionChange, unknown>;

/** A `PartnerCommissions` row as DynamoDB returns it (the document client's plain values). */
export const commissionItemSchema = z.object({
  partnerId: text,
  commissionId: text,
  referredUserId: text,
  referralId: text,
  type: z.enum(['invoice', 'clawback']),
  invoiceId: text,
  billingReason: z.enum(COMMISSIONABLE_REASONS),
  subscriptionId: text,
  subscriptionMonth: nonNegativeIntegerSchema,
  planType: z.enum(PLAN_TYPES),
  billingCycle: z.enum(BILLING_CYCLES),
  baseAmountCents: minor,
  currency: text,
  rule: text,
  earningsCents: minor,
  reversedCents: minor,
  netCents: minor,
  status: z.enum(COMMISSION_STATUSES),
  statusReason: text,
  earnedAt: text,
  dueAt: text,
  approvedAt: z.optional(text),
  paidAt: z.optional(text),
  payoutId: z.optional(text),
  history: z.array(changeSchema),
  statusEarnedAt: text,
}) satisfies z.ZodMiniType<CommissionItem, unknown>;

// ---- Views ------------------------------------------------------------------------------------------------

/** One row of a commission list: what the partner may see of a commission. */
export interface CommissionView {
  commissionId: string;
  type: CommissionItem['type'];
  invoiceId: string;
  subscriptionMonth: number;
  planType: CommissionItem['planType'];
  billingCycle: CommissionItem['billingCycle'];
  baseAmountCents: number;
  currency: string;
  rule: string;
  earningsCents: number;
  reversedCents: number;
  netCents: number;
  status: CommissionStatus;
  statusReason: string;
  earnedAt: string;
  dueAt: string;
  approvedAt: string | null;
  paidAt: string | null;
  history: CommissionChange[];
}

/** An admin's row also names whose commission it is (the review routes need the partner). */
export interface AdminCommissionView extends CommissionView {
  partnerId: string;
  referralId: string;
  referredUserId: string;
}

export interface CommissionsPage<V> {
  commissions: V[];
  nextCursor: string | null;
}

export function commissionView(c: CommissionItem): CommissionView {
  return {
    commissionId: c.commissionId,
    type: c.type,
    invoiceId: c.invoiceId,
    subscriptionMonth: c.subscriptionMonth,
    planType: c.planType,
    billingCycle: c.billingCycle,
    baseAmountCents: c.baseAmountCents,
    currency: c.currency,
    rule: c.rule,
    earningsCents: c.earningsCents,
    reversedCents: c.reversedCents,
    netCents: c.netCents,
    status: c.status,
    statusReason: c.statusReason,
    earnedAt: c.earnedAt,
    dueAt: c.dueAt,
    approvedAt: c.approvedAt ?? null,
    paidAt: c.paidAt ?? null,
    history: c.history.map(({ at, status, reason, netCents }) => ({ at, status, reason, netCents })),
  };
}

export function adminCommissionView(c: CommissionItem): AdminCommissionView {
  return {
    partnerId: c.partnerId,
    referralId: c.referralId,
    referredUserId: c.referredUserId,
    ...commissionView(c),
  };
}

// ---- Cursors ----------------------------------------------------------------------------------------------

/** `partnerId-earnedAt-index` page keys: the index keys plus the table keys. */
const BY_PARTNER_KEYS = ['partnerId', 'commissionId', 'earnedAt'] as const;
/** `partnerId-statusEarnedAt-index` page keys. */
const BY_PARTNER_STATUS_KEYS = ['partnerId', 'commissionId', 'statusEarnedAt'] as const;
/** `status-dueAt-index` page keys. */
const BY_STATUS_KEYS = ['status', 'dueAt', 'partnerId', 'commissionId'] as const;

export type PartnerCommissionsKey =
  Record<(typeof BY_PARTNER_KEYS)[number], string> | Record<(typeof BY_PARTNER_STATUS_KEYS)[number], string>;
export type AdminCommissionsKey = Record<(typeof BY_STATUS_KEYS)[number], string>;

const partnerKeyNames = (status: CommissionStatus | undefined) =>
  status === undefined ? BY_PARTNER_KEYS : BY_PARTNER_STATUS_KEYS;

/** The `begins_with` prefix of `statusEarnedAt` (`<status>#<earnedAt>`) for one status. */
export const statusEarnedAtPrefix = (status: CommissionStatus): string => `${status}#`;

/**
 * Decodes a cursor of `partnerId`'s commission list (of `status`, when the list is filtered): it must carry
 * exactly the key attributes of the index that list queries, be this partner's, and, filtered, be of that
 * status. Anything else is `InvalidCursor`.
 */
export function decodePartnerCommissionsCursor(
  cursor: string,
  partnerId: string,
  status: CommissionStatus | undefined,
): PartnerCommissionsKey {
  const key = decodePageCursor<string>(cursor, partnerKeyNames(status), 'commissions');
  if (key.partnerId !== partnerId) throw new InvalidCursorError('cursor: belongs to another partner');
  if (status !== undefined && !key.statusEarnedAt?.startsWith(statusEarnedAtPrefix(status))) {
    throw new InvalidCursorError(`cursor: not a cursor of the ${status} commissions`);
  }
  return key as PartnerCommissionsKey;
}

/** The next page's cursor of a partner's commission list; `null` on the last page. */
export function nextPartnerCommissionsCursor(
  lastEvaluatedKey: Readonly<Record<string, unknown>> | undefined,
  status: CommissionStatus | undefined,
): string | null {
  const names = partnerKeyNames(status);
  const key = pageKeyOf<string>(lastEvaluatedKey, names);
  return key ? encodePageCursor<string>(key, names) : null;
}

/** Decodes a cursor of the admins' list of `status`; another status's cursor is `InvalidCursor`. */
export function decodeAdminCommissionsCursor(cursor: string, status: CommissionStatus): AdminCommissionsKey {
  const key = decodePageCursor(cursor, BY_STATUS_KEYS, 'admin commissions');
  if (key.status !== status)
    throw new InvalidCursorError(`cursor: not a cursor of the ${status} commissions`);
  return key;
}

/** The next page's cursor of the admins' list; `null` on the last page. */
export function nextAdminCommissionsCursor(
  lastEvaluatedKey: Readonly<Record<string, unknown>> | undefined,
): string | null {
  const key = pageKeyOf(lastEvaluatedKey, BY_STATUS_KEYS);
  return key ? encodePageCursor(key, BY_STATUS_KEYS) : null;
}

/** Encodes a page key as a cursor (what the next-cursor functions return; tests build cursors with it). */
export const encodeCommissionsCursor = (key: Readonly<Record<string, string>>): string =>
  encodePageCursor(key, Object.keys(key));
