import * as z from 'zod/mini';
import {
  adminCommissionView,
  commissionIdSchema,
  commissionItemSchema,
  commissionStatusOf,
  commissionView,
  CommissionNotOnHoldError,
  decodeAdminCommissionsCursor,
  decodePartnerCommissionsCursor,
  encodeCommissionsCursor,
  InvalidCommissionStatusError,
  nextAdminCommissionsCursor,
  nextPartnerCommissionsCursor,
  UnknownCommissionError,
} from '../../domain/commissions-view';
import { InvalidCursorError } from '../../domain/errors';
import { commissionItemOf } from '../../domain/ledger';
import { COMMISSION_STATUSES } from '../../domain/referral';
import { commission } from './builders';

describe('commission rows', () => {
  it("a partner's row: the commission's terms, amounts, status and history, no ids of other records", () => {
    // Prepare
    const item = commissionItemOf(
      commission({ status: 'approved', approvedAt: '2026-02-14T11:00:00.000Z', payoutId: 'po_1' }),
    );

    // Act
    const row = commissionView(z.parse(commissionItemSchema, { ...item }));

    // Assess
    expect(row).toEqual({
      commissionId: 'inv#in_1',
      type: 'invoice',
      invoiceId: 'in_1',
      subscriptionMonth: 1,
      planType: 'AFPlus',
      billingCycle: 'Monthly',
      baseAmountCents: 2999,
      currency: 'usd',
      rule: '25%',
      earningsCents: 750,
      reversedCents: 0,
      netCents: 750,
      status: 'approved',
      statusReason: 'hold period',
      earnedAt: '2026-01-15T10:00:00.000Z',
      dueAt: '2026-02-14T10:00:00.000Z',
      approvedAt: '2026-02-14T11:00:00.000Z',
      paidAt: null,
      history: [{ at: '2026-01-15T10:00:00.000Z', status: 'pending', reason: 'hold period', netCents: 750 }],
    });
    for (const hidden of ['partnerId', 'referredUserId', 'referralId', 'subscriptionId', 'statusEarnedAt']) {
      expect(row).not.toHaveProperty(hidden);
    }
  });

  it("an admin's row also names the partner, referral and referred user", () => {
    const row = adminCommissionView(commissionItemOf(commission({ status: 'on_hold' })));

    expect(row).toMatchObject({
      partnerId: 'acme',
      referralId: 'ref_user_1',
      referredUserId: 'user_1',
      commissionId: 'inv#in_1',
      status: 'on_hold',
    });
  });

  it('a clawback row keeps its negative amounts', () => {
    const row = commissionView(
      commissionItemOf(
        commission({
          commissionId: 'clawback#in_1',
          type: 'clawback',
          earningsCents: -750,
          netCents: -750,
          status: 'approved',
        }),
      ),
    );

    expect(row).toMatchObject({ type: 'clawback', earningsCents: -750, netCents: -750 });
  });

  it.each([
    ['a missing status', { status: undefined }, 'status'],
    ['an unknown status', { status: 'lost' }, 'status'],
    ['fractional cents', { earningsCents: 7.5 }, 'earningsCents'],
    ['a history entry without its status', { history: [{ at: 'x', reason: 'r', netCents: 1 }] }, 'history'],
  ])('the item schema refuses %s', (_label, change, field) => {
    const item = { ...commissionItemOf(commission()), ...change };

    const result = z.safeParse(commissionItemSchema, item);

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(field);
  });
});

describe('commission request parameters', () => {
  it.each(COMMISSION_STATUSES)('accepts the status %s', (status) => {
    expect(commissionStatusOf(status)).toBe(status);
  });

  it.each(['', 'PENDING', 'onhold', 'paid#'])('refuses the status %p with a named 400 error', (status) => {
    const act = (): unknown => commissionStatusOf(status);

    expect(act).toThrow(InvalidCommissionStatusError);
    expect(act).toThrow(expect.objectContaining({ name: 'InvalidCommissionStatus', field: 'status' }));
  });

  it('names the 404 and 409 errors, the 409 saying which status the commission has', () => {
    expect(new UnknownCommissionError('acme', 'inv#in_1')).toMatchObject({ name: 'UnknownCommission' });
    const notHeld = new CommissionNotOnHoldError('inv#in_1', 'approved');
    expect(notHeld.name).toBe('CommissionNotOnHold');
    expect(notHeld.message).toContain('is approved, not on_hold');
  });

  it.each([
    ['inv#in_1MtHbELkdIwHu7ix', true],
    ['clawback#in_1', true],
    ['in_1', false],
    ['inv#', false],
    ['inv#in 1', false],
    ['refund#re_1', false],
  ])('commission id %p is valid: %p', (id, valid) => {
    expect(z.safeParse(commissionIdSchema, id).success).toBe(valid);
  });
});

describe("a partner's commission cursors", () => {
  const byEarnedAt = { partnerId: 'acme', commissionId: 'inv#in_1', earnedAt: '2026-01-15T10:00:00.000Z' };
  const byStatus = {
    partnerId: 'acme',
    commissionId: 'inv#in_1',
    statusEarnedAt: 'pending#2026-01-15T10:00:00.000Z',
  };

  it('round-trip the LastEvaluatedKey of the index each list queries', () => {
    const all = nextPartnerCommissionsCursor(byEarnedAt, undefined);
    const pending = nextPartnerCommissionsCursor(byStatus, 'pending');

    expect(all).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePartnerCommissionsCursor(String(all), 'acme', undefined)).toEqual(byEarnedAt);
    expect(decodePartnerCommissionsCursor(String(pending), 'acme', 'pending')).toEqual(byStatus);
  });

  it('have no next page without a complete LastEvaluatedKey', () => {
    expect(nextPartnerCommissionsCursor(undefined, undefined)).toBeNull();
    expect(
      nextPartnerCommissionsCursor({ partnerId: 'acme', commissionId: 'inv#in_1' }, undefined),
    ).toBeNull();
    expect(nextPartnerCommissionsCursor(byEarnedAt, 'pending')).toBeNull();
  });

  it.each([
    [
      "another partner's",
      encodeCommissionsCursor({ ...byEarnedAt, partnerId: 'rival' }),
      undefined,
      'another partner',
    ],
    [
      'the unfiltered list’s, on a filtered list',
      encodeCommissionsCursor(byEarnedAt),
      'pending',
      'not a commissions',
    ],
    [
      'a filtered list’s, on the unfiltered list',
      encodeCommissionsCursor(byStatus),
      undefined,
      'not a commissions',
    ],
    ['another status’s', encodeCommissionsCursor(byStatus), 'approved', 'not a cursor of the approved'],
    ['one with an extra key', encodeCommissionsCursor({ ...byEarnedAt, admin: 'yes' }), undefined, 'not a'],
    ['garbage', 'not*base64', undefined, 'not a commissions'],
    ['not JSON', Buffer.from('hello').toString('base64url'), undefined, 'not a commissions'],
    [
      'a number key',
      Buffer.from(JSON.stringify({ ...byEarnedAt, earnedAt: 5 })).toString('base64url'),
      undefined,
      'not a',
    ],
  ] as const)('refuse %s cursor', (_label, cursor, status, message) => {
    const act = (): unknown => decodePartnerCommissionsCursor(cursor, 'acme', status);

    expect(act).toThrow(InvalidCursorError);
    expect(act).toThrow(message);
  });
});

describe("the admins' commission cursors", () => {
  const key = {
    status: 'on_hold',
    dueAt: '2026-02-14T10:00:00.000Z',
    partnerId: 'acme',
    commissionId: 'inv#in_1',
  };

  it('round-trip the status-dueAt-index LastEvaluatedKey', () => {
    const cursor = nextAdminCommissionsCursor(key);

    expect(decodeAdminCommissionsCursor(String(cursor), 'on_hold')).toEqual(key);
    expect(nextAdminCommissionsCursor(undefined)).toBeNull();
  });

  it.each([
    ['another status’s', encodeCommissionsCursor({ ...key, status: 'pending' })],
    ['a partner list’s', encodeCommissionsCursor({ partnerId: 'acme', commissionId: 'c', earnedAt: 'x' })],
    ['garbage', '***'],
  ])('refuse %s cursor', (_label, cursor) => {
    expect(() => decodeAdminCommissionsCursor(cursor, 'on_hold')).toThrow(InvalidCursorError);
  });
});
