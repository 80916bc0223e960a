import * as z from 'zod/mini';
import { commissionItemSchema, commissionView, type CommissionView } from './commissions-view';
import { LEDGER_EVENT_SOURCE } from './config';
import { MalformedEventError } from './errors';
import type { CommissionItem } from './ledger';
import { isPayoutId, payoutItemSchema, type Payout, type PayoutStatus } from './payouts';
import type { CommissionStatus } from './referral';
import { nonNegativeIntegerSchema, parseOrThrow } from './validation';
import { signWebhook } from './webhook-signature';

/**
 * The outbound events: what one change of a `PartnerCommissions` or `PartnerPayouts` row announces on the
 * app bus (source `partner-referrals.ledger`), as a pure function of the row before and after the change
 * (a DynamoDB stream record's old and new image). The stream is the outbox: whatever was written is
 * announced, whoever wrote it and whatever happened to the writer afterwards.
 *
 * Each event names the entity's version (a commission's history length, a payout's `version`) and an id
 * built from it, `commission:<partnerId>:<commissionId>:v<version>`, so a redelivered change has the same id
 * and consumers drop duplicates by it. Money is integer minor units beside `currency`.
 */

export { LEDGER_EVENT_SOURCE };

export const COMMISSION_EVENT_TYPES = [
  'CommissionCreated',
  'CommissionApproved',
  'CommissionReversed',
  'CommissionClawedBack',
  'CommissionHeld',
  'CommissionPaid',
] as const;
export const PAYOUT_EVENT_TYPES = [
  'PayoutCreated',
  'PayoutProcessing',
  'PayoutPaid',
  'PayoutFailed',
  'PayoutCanceled',
] as const;
export const OUTBOUND_EVENT_TYPES = [...COMMISSION_EVENT_TYPES, ...PAYOUT_EVENT_TYPES] as const;
export type CommissionEventType = (typeof COMMISSION_EVENT_TYPES)[number];
export type PayoutEventType = (typeof PAYOUT_EVENT_TYPES)[number];
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

/** The status reason of a commission row the facts no longer give (an earlier invoice arrived). */
export const SUPERSEDED_REASON = 'superseded';

/** A commission as its events carry it: the partner's view of the row, and whose it is. */
export type CommissionEventData = CommissionView & { partnerId: string };

/** What a webhook delivers (and the signature covers). */
export interface OutboundEventBody {
  /** The idempotency key: the entity, its version and, for a second event of one change, its type. */
  id: string;
  type: OutboundEventType;
  version: number;
  /** The change's own time (the commission's latest history entry, the payout's `updatedAt`). */
  occurredAt: string;
  partnerId: string;
  data: CommissionEventData | Payout;
}

/** The EventBridge detail: the body and its webhook signature (`webhook-timestamp`, `webhook-signature`). */
export interface OutboundEventDetail extends OutboundEventBody {
  signature: { timestamp: number; v1: string };
}

// ---- Schemas (published under schemas/partner-referrals.ledger/ by domain/event-schemas.ts) -----------------

const text = z.string({ error: 'expected a string' });

export const commissionEventDataSchema = z.extend(
  z.pick(commissionItemSchema, {
    partnerId: true,
    commissionId: true,
    type: true,
    invoiceId: true,
    subscriptionMonth: true,
    planType: true,
    billingCycle: true,
    baseAmountCents: true,
    currency: true,
    rule: true,
    earningsCents: true,
    reversedCents: true,
    netCents: true,
    status: true,
    statusReason: true,
    earnedAt: true,
    dueAt: true,
    history: true,
  }),
  { approvedAt: z.nullable(text), paidAt: z.nullable(text) },
) satisfies z.ZodMiniType<CommissionEventData, unknown>;

const ID_PATTERNS = {
  commission: /^commission:[^:]+:[^:]+:v\d+(:Commission[A-Za-z]+)?$/,
  payout: /^payout:[^:]+:[^:]+:v\d+$/,
} as const;

/** The detail of one detail-type: the envelope fields, its data and the signature. */
export function outboundDetailSchema(type: OutboundEventType) {
  const commission = (COMMISSION_EVENT_TYPES as readonly string[]).includes(type);
  return z.object({
    id: text.check(z.regex(commission ? ID_PATTERNS.commission : ID_PATTERNS.payout)),
    type: z.literal(type),
    version: nonNegativeIntegerSchema,
    occurredAt: z.iso.datetime(),
    partnerId: text,
    data: commission ? commissionEventDataSchema : payoutItemSchema,
    signature: z.object({
      timestamp: nonNegativeIntegerSchema,
      v1: text.check(z.regex(/^v1,[A-Za-z0-9+/]+=*$/)),
    }),
  });
}

/** One row change, as a DynamoDB stream record reports it (images already unmarshalled to plain values). */
export interface RowChange {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  keys: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  /** When the stream recorded the change (ISO-8601): the time of a removal, which no row holds. */
  recordedAt: string;
}

const COMMISSION_STATUS_EVENTS: Readonly<Record<CommissionStatus, CommissionEventType | undefined>> = {
  // A commission returns to pending only when an open dispute closes won inside the hold period; the contract
  // has no event for it (it is announced again when it is approved).
  pending: undefined,
  approved: 'CommissionApproved',
  reversed: 'CommissionReversed',
  on_hold: 'CommissionHeld',
  paid: 'CommissionPaid',
};

const PAYOUT_STATUS_EVENTS: Readonly<Record<PayoutStatus, PayoutEventType | undefined>> = {
  pending: undefined,
  processing: 'PayoutProcessing',
  paid: 'PayoutPaid',
  failed: 'PayoutFailed',
  canceled: 'PayoutCanceled',
};

const malformed = (field: string, problem: string) => new MalformedEventError(field, problem);

const commissionOf = (image: Record<string, unknown>, field: string): CommissionItem =>
  parseOrThrow(commissionItemSchema, image, malformed, field);
const payoutOf = (image: Record<string, unknown>, field: string): Payout =>
  parseOrThrow(payoutItemSchema, image, malformed, field);

/** Same content, whatever the attribute order DynamoDB returned it in. */
function sameRow(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameRow((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/**
 * The events of one commission change. An id is the entity's version; the second event of one change (the
 * `CommissionHeld` of a commission created on hold) gets the type after the version, so no two events share
 * an id.
 */
export function commissionEventsOf(change: RowChange): OutboundEventBody[] {
  const before = change.oldImage ? commissionOf(change.oldImage, 'dynamodb.OldImage') : undefined;
  const after = change.newImage ? commissionOf(change.newImage, 'dynamodb.NewImage') : undefined;
  const event = (
    type: CommissionEventType,
    row: CommissionItem,
    version: number,
    occurredAt: string,
    data: CommissionEventData = { partnerId: row.partnerId, ...commissionView(row) },
    suffix = '',
  ): OutboundEventBody => ({
    id: `commission:${row.partnerId}:${row.commissionId}:v${version}${suffix}`,
    type,
    version,
    occurredAt,
    partnerId: row.partnerId,
    data,
  });

  if (!after) {
    if (!before) return [];
    // Removed: the facts no longer give this row. What it was is announced as reversed, superseded.
    const data = {
      partnerId: before.partnerId,
      ...commissionView(before),
      status: 'reversed' as const,
      statusReason: SUPERSEDED_REASON,
    };
    return [event('CommissionReversed', before, before.history.length + 1, change.recordedAt, data)];
  }
  if (before && sameRow(before, after)) return [];
  const version = after.history.length;
  const at = after.history[after.history.length - 1]?.at ?? after.earnedAt;
  if (after.type === 'clawback') return [event('CommissionClawedBack', after, version, at)];
  if (!before) {
    const created = event('CommissionCreated', after, version, at);
    if (after.status !== 'on_hold') return [created];
    return [created, event('CommissionHeld', after, version, at, undefined, ':CommissionHeld')];
  }
  if (before.status !== after.status) {
    const type = COMMISSION_STATUS_EVENTS[after.status];
    return type ? [event(type, after, version, at)] : [];
  }
  // Same status, less worth: a partial refund or a lost dispute took part of it back.
  if (after.netCents < before.netCents) return [event('CommissionReversed', after, version, at)];
  return [];
}

/** The events of one payout change: its creation, then each status it moves to. Claims announce nothing. */
export function payoutEventsOf(change: RowChange): OutboundEventBody[] {
  const payoutId = change.keys.payoutId;
  if (typeof payoutId !== 'string' || !isPayoutId(payoutId)) return [];
  if (!change.newImage) return [];
  const after = payoutOf(change.newImage, 'dynamodb.NewImage');
  const before = change.oldImage ? payoutOf(change.oldImage, 'dynamodb.OldImage') : undefined;
  const event = (type: PayoutEventType): OutboundEventBody => ({
    id: `payout:${after.partnerId}:${after.payoutId}:v${after.version}`,
    type,
    version: after.version,
    occurredAt: after.updatedAt,
    partnerId: after.partnerId,
    data: after,
  });
  if (!before) return [event('PayoutCreated')];
  if (before.status === after.status) return [];
  const type = PAYOUT_STATUS_EVENTS[after.status];
  return type ? [event(type)] : [];
}

/** The events of a change of either table, told apart by the row's key. */
export function outboundEventsOf(change: RowChange): OutboundEventBody[] {
  if (typeof change.keys.commissionId === 'string') return commissionEventsOf(change);
  if (typeof change.keys.payoutId === 'string') return payoutEventsOf(change);
  throw malformed('dynamodb.Keys', 'expected a commissionId or a payoutId key');
}

/** The detail put on the bus: the body and its signature at `timestamp` (epoch seconds). */
export function signedDetail(
  body: OutboundEventBody,
  secret: string,
  timestamp: number,
): OutboundEventDetail {
  return { ...body, signature: { timestamp, v1: signWebhook({ id: body.id, timestamp, body }, secret) } };
}
