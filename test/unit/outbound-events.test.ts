import fc from 'fast-check';
import { MalformedEventError } from '../../domain/errors';
import { commissionItemOf } from '../../domain/ledger';
import type { Commission, CommissionChange } from '../../domain/lifecycle';
import {
  commissionEventsOf,
  outboundEventsOf,
  payoutEventsOf,
  signedDetail,
  type OutboundEventBody,
  type RowChange,
} from '../../domain/outbound-events';
import type { Payout, PayoutStatus } from '../../domain/payouts';
import { COMMISSION_STATUSES, type CommissionStatus } from '../../domain/referral';
import { verifyWebhook } from '../../domain/webhook-signature';
import { commission } from './builders';

const RECORDED_AT = '2026-03-01T00:00:00.000Z';
const row = (c: Commission) => commissionItemOf(c) as unknown as Record<string, unknown>;
const keysOf = (c: Commission) => ({ partnerId: c.partnerId, commissionId: c.commissionId });

/** The stream record of a commission row going from `before` to `after` (absent: not there). */
function commissionChange(before: Commission | undefined, after: Commission | undefined): RowChange {
  const c = (after ?? before) as Commission;
  return {
    eventName: !before ? 'INSERT' : !after ? 'REMOVE' : 'MODIFY',
    keys: keysOf(c),
    ...(before ? { oldImage: row(before) } : {}),
    ...(after ? { newImage: row(after) } : {}),
    recordedAt: RECORDED_AT,
  };
}

/** `c` after one more change in its history. */
function moved(c: Commission, change: Partial<CommissionChange> & { at: string }): Commission {
  const entry: CommissionChange = {
    status: change.status ?? c.status,
    reason: change.reason ?? c.statusReason,
    netCents: change.netCents ?? c.netCents,
    at: change.at,
  };
  return {
    ...c,
    status: entry.status,
    statusReason: entry.reason,
    netCents: entry.netCents,
    reversedCents: c.earningsCents - entry.netCents,
    history: [...c.history, entry],
  };
}

const types = (events: OutboundEventBody[]) => events.map((e) => [e.type, e.id]);

function payout(overrides: Partial<Payout> = {}): Payout {
  return {
    partnerId: 'acme',
    payoutId: 'po_2026-02-01_acme',
    status: 'pending',
    amountCents: 5250,
    currency: 'usd',
    lines: [{ commissionId: 'inv#in_1', referredUserId: 'user_1', netCents: 5250 }],
    periodStart: '2026-01-01T00:00:00.000Z',
    periodEnd: '2026-02-01T00:00:00.000Z',
    runId: 'payout-2026-02-01',
    createdAt: '2026-02-01T06:00:00.000Z',
    updatedAt: '2026-02-01T06:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

const payoutChange = (before: Payout | undefined, after: Payout): RowChange => ({
  eventName: before ? 'MODIFY' : 'INSERT',
  keys: { partnerId: after.partnerId, payoutId: after.payoutId },
  ...(before ? { oldImage: before as unknown as Record<string, unknown> } : {}),
  newImage: after as unknown as Record<string, unknown>,
  recordedAt: RECORDED_AT,
});

describe('commission events', () => {
  it('announces a new commission as created, with the commission view and its partner', () => {
    // Prepare
    const c = commission();

    // Act
    const [event, ...more] = commissionEventsOf(commissionChange(undefined, c));

    // Assess
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      id: 'commission:acme:inv#in_1:v1',
      type: 'CommissionCreated',
      version: 1,
      occurredAt: '2026-01-15T10:00:00.000Z',
      partnerId: 'acme',
      data: {
        partnerId: 'acme',
        commissionId: 'inv#in_1',
        netCents: 750,
        currency: 'usd',
        status: 'pending',
      },
    });
    expect(event?.data).not.toHaveProperty('statusEarnedAt');
  });

  it('announces a commission created on hold twice, created and held, under distinct ids', () => {
    const held = commission({
      status: 'on_hold',
      statusReason: 'self_referral',
      history: [
        { at: '2026-01-15T10:00:00.000Z', status: 'on_hold', reason: 'self_referral', netCents: 750 },
      ],
    });

    expect(types(commissionEventsOf(commissionChange(undefined, held)))).toEqual([
      ['CommissionCreated', 'commission:acme:inv#in_1:v1'],
      ['CommissionHeld', 'commission:acme:inv#in_1:v1:CommissionHeld'],
    ]);
  });

  it.each<[CommissionStatus, string | undefined]>([
    ['approved', 'CommissionApproved'],
    ['reversed', 'CommissionReversed'],
    ['on_hold', 'CommissionHeld'],
    ['paid', 'CommissionPaid'],
  ])('announces a move to %s as %s, at the version of the new history', (status, type) => {
    const before = commission();
    const after = moved(before, { at: '2026-02-14T10:00:00.000Z', status, netCents: 750 });

    const events = commissionEventsOf(commissionChange(before, after));

    expect(events.map((e) => [e.type, e.version, e.occurredAt])).toEqual([
      [type, 2, '2026-02-14T10:00:00.000Z'],
    ]);
  });

  it('announces a lower net in the same status (a partial refund) as reversed', () => {
    const before = commission();
    const after = moved(before, { at: '2026-01-20T00:00:00.000Z', netCents: 375, reason: 'refund' });

    expect(types(commissionEventsOf(commissionChange(before, after)))).toEqual([
      ['CommissionReversed', 'commission:acme:inv#in_1:v2'],
    ]);
  });

  it('announces a clawback row, created or changed, as clawed back', () => {
    const claw = commission({
      commissionId: 'clawback#in_1',
      type: 'clawback',
      status: 'approved',
      netCents: -375,
      earningsCents: -375,
      history: [
        { at: '2026-03-01T00:00:00.000Z', status: 'approved', reason: 'clawback: refund', netCents: -375 },
      ],
    });
    const deeper = moved(claw, { at: '2026-03-02T00:00:00.000Z', netCents: -750 });

    expect(types(commissionEventsOf(commissionChange(undefined, claw)))).toEqual([
      ['CommissionClawedBack', 'commission:acme:clawback#in_1:v1'],
    ]);
    expect(types(commissionEventsOf(commissionChange(claw, deeper)))).toEqual([
      ['CommissionClawedBack', 'commission:acme:clawback#in_1:v2'],
    ]);
  });

  it('announces a removed row as reversed, superseded, with the old row, after its last version', () => {
    const before = commission();

    const [event, ...more] = commissionEventsOf(commissionChange(before, undefined));

    expect(more).toEqual([]);
    expect(event).toMatchObject({
      id: 'commission:acme:inv#in_1:v2',
      type: 'CommissionReversed',
      version: 2,
      occurredAt: RECORDED_AT,
      data: { status: 'reversed', statusReason: 'superseded', netCents: 750, earnedAt: before.earnedAt },
    });
  });

  it('announces nothing for a row put again unchanged, whatever the order of its attributes', () => {
    const c = commission();
    const reordered = Object.fromEntries(Object.entries(row(c)).reverse());

    expect(commissionEventsOf({ ...commissionChange(c, c), newImage: reordered })).toEqual([]);
  });

  it('rejects an image that is not a commission, naming the field', () => {
    const change = commissionChange(undefined, commission());
    const broken = { ...change, newImage: { ...change.newImage, netCents: '750' } };

    expect(() => commissionEventsOf(broken)).toThrow(
      new MalformedEventError('dynamodb.NewImage.netCents', 'expected an integer'),
    );
  });
});

describe('payout events', () => {
  it('announces a new payout with what a transfer needs: partner, amount, currency, the payout id', () => {
    const [event, ...more] = payoutEventsOf(payoutChange(undefined, payout()));

    expect(more).toEqual([]);
    expect(event).toMatchObject({
      id: 'payout:acme:po_2026-02-01_acme:v1',
      type: 'PayoutCreated',
      version: 1,
      occurredAt: '2026-02-01T06:00:00.000Z',
      data: { partnerId: 'acme', amountCents: 5250, currency: 'usd', payoutId: 'po_2026-02-01_acme' },
    });
  });

  it.each<[PayoutStatus, string]>([
    ['processing', 'PayoutProcessing'],
    ['paid', 'PayoutPaid'],
    ['failed', 'PayoutFailed'],
    ['canceled', 'PayoutCanceled'],
  ])('announces a move to %s as %s at the payout version', (status, type) => {
    const before = payout();
    const after = payout({ status, version: 2, updatedAt: '2026-02-02T00:00:00.000Z' });

    expect(types(payoutEventsOf(payoutChange(before, after)))).toEqual([
      [type, 'payout:acme:po_2026-02-01_acme:v2'],
    ]);
  });

  it('announces nothing for a claim row or for a payout rewritten in the same status', () => {
    const claim: RowChange = {
      eventName: 'INSERT',
      keys: { partnerId: 'acme', payoutId: 'claim#inv#in_1' },
      newImage: { partnerId: 'acme', payoutId: 'claim#inv#in_1', claimedBy: 'po_x' },
      recordedAt: RECORDED_AT,
    };

    expect(outboundEventsOf(claim)).toEqual([]);
    expect(payoutEventsOf(payoutChange(payout(), payout({ reference: 'tr_1', version: 2 })))).toEqual([]);
  });
});

describe('signed details', () => {
  it('carry a signature the webhook receiver verifies over the body without it', () => {
    const [body] = commissionEventsOf(commissionChange(undefined, commission()));
    const detail = signedDetail(body as OutboundEventBody, 'secret', 1_767_225_600);
    const { signature, ...delivered } = detail;

    expect(signature.timestamp).toBe(1_767_225_600);
    expect(
      verifyWebhook(
        { id: detail.id, timestamp: signature.timestamp, signature: signature.v1, body: delivered },
        'secret',
        1_767_225_600,
      ),
    ).toBe(true);
  });
});

describe('versions and ids over any sequence of row versions (property)', () => {
  const statusArb = fc.constantFrom(...COMMISSION_STATUSES);
  const stepArb = fc.record({ status: statusArb, netDrop: fc.integer({ min: 0, max: 200 }) });

  it('gives versions that increase and ids that are stable and unique per change', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 12 }), fc.boolean(), (steps, removeAtEnd) => {
        // Prepare: a commission's successive rows, each one more history entry, maybe removed at the end.
        const rows: Commission[] = [commission()];
        steps.forEach((step, i) => {
          const last = rows[rows.length - 1] as Commission;
          rows.push(
            moved(last, {
              at: new Date(Date.parse('2026-01-16T00:00:00Z') + i * 86_400_000).toISOString(),
              status: step.status,
              netCents: Math.max(0, last.netCents - step.netDrop),
            }),
          );
        });
        const versions: (Commission | undefined)[] = [
          undefined,
          ...rows,
          ...(removeAtEnd ? [undefined] : []),
        ];

        // Act: every change announced, and every change delivered a second time.
        const changes = versions.slice(1).map((after, i) => commissionChange(versions[i], after));
        const announced = changes.map((change) => commissionEventsOf(change));
        const again = changes.map((change) => commissionEventsOf(change));

        // Assess
        const events = announced.flat();
        const ids = events.map((e) => e.id);
        expect(again.flat().map((e) => e.id)).toEqual(ids);
        expect(new Set(ids).size).toBe(ids.length);
        for (let i = 1; i < events.length; i++) {
          const [prev, next] = [events[i - 1] as OutboundEventBody, events[i] as OutboundEventBody];
          expect(next.version).toBeGreaterThanOrEqual(prev.version);
          if (next.version === prev.version)
            expect(announced.some((e) => e.includes(prev) && e.includes(next))).toBe(true);
        }
        expect(events.every((e) => e.id.startsWith(`commission:acme:inv#in_1:v${e.version}`))).toBe(true);
      }),
    );
  });
});
