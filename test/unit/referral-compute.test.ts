import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DEFAULT_COMMISSION_SCHEDULE, DEFAULT_HOLD_PERIOD_DAYS } from '../../domain/config';
import { MalformedEventError } from '../../domain/errors';
import { factKeys, type Fact } from '../../domain/facts';
import { referralStateOf } from '../../domain/lifecycle';
import type { WritePlan } from '../../domain/referral-write';
import { createReferralComputeHandler } from '../../lambdas/referral-compute';
import { lambdaContext } from './lambda-context';

const config = {
  commissionSchedule: DEFAULT_COMMISSION_SCHEDULE,
  holdPeriodDays: DEFAULT_HOLD_PERIOD_DAYS,
  referralsTable: 'PartnerReferrals',
  statsTable: 'PartnerStats',
  commissionsTable: 'PartnerCommissions',
  activityTable: 'PartnerActivity',
};
const compute = createReferralComputeHandler({ config });
const context = lambdaContext('referral-compute');
const handler = (input: unknown): Promise<WritePlan> => compute(input, context);

const signup: Fact = {
  kind: 'signup',
  key: factKeys.signup('evt_1'),
  at: '2026-01-10T09:00:00.000Z',
  partnerId: 'p1',
};
const invoice: Fact = {
  kind: 'invoice',
  key: factKeys.invoice('in_1'),
  at: '2026-01-15T10:00:00.000Z',
  invoiceId: 'in_1',
  billingReason: 'subscription_create',
  amountCents: 2999,
  currency: 'usd',
  planType: 'AFPlus',
  billingCycle: 'Monthly',
  subscriptionId: 'sub_1',
  customerId: 'cus_1',
  paymentIds: ['ch_1'],
};
const refund: Fact = {
  kind: 'refund',
  key: factKeys.refund('ch_1', 1000),
  at: '2026-01-20T10:00:00.000Z',
  chargeId: 'ch_1',
  paymentIds: ['ch_1'],
  amountRefundedCents: 1000,
};

/** A fact as the workflow's `query` of the user's partition returns it. */
const factItem = (fact: Fact) =>
  marshall({ partnerId: 'user#u1', referralId: `fact#${fact.key}`, fact: JSON.stringify(fact) });

/** The referral as a previous write left it: the state of `facts` plus the keys it was computed from. */
function storedReferral(facts: Fact[]) {
  const state = referralStateOf('u1', facts, {
    schedule: DEFAULT_COMMISSION_SCHEDULE,
    holdPeriodDays: DEFAULT_HOLD_PERIOD_DAYS,
  });
  if (!state) throw new Error('no signup among the facts');
  return marshall(
    { ...state.referral, factKeys: new Set(facts.map((f) => f.key)), factCount: facts.length },
    { removeUndefinedValues: true },
  );
}

/** The referral item as the plan's truth write leaves it (its state, its marker and the recorded changes). */
function afterTruthWrite(plan: Changed, facts: Fact[], pendingStats: string[]) {
  const [referral] = plan.truthWrite.TransactItems;
  if (!referral || !('Update' in referral)) throw new Error('the truth write starts with the referral');
  const recorded = referral.Update.ExpressionAttributeValues?.[':pendingChanges'];
  if (!recorded) throw new Error('the truth write records no changes');
  return { ...storedReferral(facts), pendingStats: { SS: pendingStats }, pendingChanges: recorded };
}

/** The recorded changes of a truth write, as plain values. */
function recordedChanges(plan: Changed): unknown {
  const [referral] = plan.truthWrite.TransactItems;
  const value =
    referral && 'Update' in referral && referral.Update.ExpressionAttributeValues?.[':pendingChanges'];
  return value ? unmarshall({ v: value as never }).v : undefined;
}

type Changed = Extract<WritePlan, { outcome: 'changed' }>;
const changed = (plan: WritePlan): Changed => {
  if (plan.outcome !== 'changed') throw new Error(`expected a change, got ${plan.outcome}`);
  return plan;
};

describe('referral-compute handler', () => {
  it('waits for the signup: facts without one write nothing', async () => {
    // Act
    const plan = await handler({ userId: 'u1', facts: [factItem(invoice)], referral: [] });

    // Assess
    expect(plan).toEqual({ outcome: 'awaitingSignup', factCount: 1 });
  });

  it('creates the referral and its commission in one transaction, and the stats change with its marker', async () => {
    // Act
    const plan = changed(
      await handler({ userId: 'u1', facts: [factItem(invoice), factItem(signup)], referral: [] }),
    );

    // Assess: the truth, conditional on there being no referral yet
    const [referral, commission, ...rest] = plan.truthWrite.TransactItems;
    expect(rest).toEqual([]);
    expect(referral).toMatchObject({
      Update: {
        TableName: 'PartnerReferrals',
        Key: { partnerId: { S: 'p1' }, referralId: { S: 'ref_u1' } },
        ConditionExpression: 'attribute_not_exists(referralId)',
      },
    });
    expect(referral && 'Update' in referral && referral.Update.UpdateExpression).toMatch(
      / ADD pendingStats :marker$/,
    );
    expect(commission).toMatchObject({
      Put: {
        TableName: 'PartnerCommissions',
        Item: {
          partnerId: { S: 'p1' },
          commissionId: { S: 'inv#in_1' },
          earningsCents: { N: '750' },
          status: { S: 'pending' },
          statusEarnedAt: { S: 'pending#2026-01-15T10:00:00.000Z' },
          dueAt: { S: '2026-02-14T10:00:00.000Z' },
        },
      },
    });
    // The stats: the signup and the payment at once, removing exactly this write's marker
    const [stats, marker] = plan.statsWrite?.TransactItems ?? [];
    expect(stats && 'Update' in stats && stats.Update.ExpressionAttributeValues).toMatchObject({
      ':totalSignups': { N: '1' },
      ':afPlusSignups': { N: '1' },
      ':totalPaid': { N: '1' },
      ':totalRevenueCents': { N: '2999' },
      ':pendingEarningsCents': { N: '750' },
    });
    expect(marker).toMatchObject({
      Update: {
        UpdateExpression: 'DELETE pendingStats :markers REMOVE pendingChanges.#m0',
        ConditionExpression: 'contains(pendingStats, :m0)',
        ExpressionAttributeNames: { '#m0': 'w2' },
        ExpressionAttributeValues: { ':markers': { SS: ['w2'] }, ':m0': { S: 'w2' } },
      },
    });
    // And the activity buckets: the signup on its day, the conversion and its earnings on the invoice's
    expect(plan.statsWrite?.TransactItems.slice(2)).toEqual([
      {
        Update: {
          TableName: 'PartnerActivity',
          Key: { partnerId: { S: 'p1' }, day: { S: '2026-01-10' } },
          UpdateExpression: 'ADD signups :signups',
          ExpressionAttributeValues: { ':signups': { N: '1' } },
        },
      },
      {
        Update: {
          TableName: 'PartnerActivity',
          Key: { partnerId: { S: 'p1' }, day: { S: '2026-01-15' } },
          UpdateExpression: 'ADD conversions :conversions, earningsCents :earningsCents',
          ExpressionAttributeValues: { ':conversions': { N: '1' }, ':earningsCents': { N: '750' } },
        },
      },
    ]);
    expect(plan.statsWrite?.ClientRequestToken).toMatch(/^[0-9a-f]{32}$/);
    expect(plan.summary.statsMarkers).toEqual(['w2']);
  });

  it('records the stats change with its marker on the referral, in the truth write', async () => {
    // Act
    const plan = changed(
      await handler({ userId: 'u1', facts: [factItem(signup), factItem(invoice)], referral: [] }),
    );

    // Assess: what the stats write adds, as a map a later execution can read back
    expect(recordedChanges(plan)).toEqual({
      w2: {
        at: '2026-01-15T10:00:00.000Z',
        delta: {
          totalSignups: 1,
          afPlusSignups: 1,
          totalPaid: 1,
          afPlusPaid: 1,
          afPlusMonthlyPaid: 1,
          activeSubscriptions: 1,
          afPlusActiveSubscriptions: 1,
          totalRevenueCents: 2999,
          netRevenueCents: 2999,
          totalEarningsCents: 750,
          pendingEarningsCents: 750,
        },
        byDay: {
          '2026-01-10': { signups: 1 },
          '2026-01-15': { conversions: 1, earningsCents: 750 },
        },
      },
    });
  });

  it('answers up to date when the stored referral already folded every fact', async () => {
    // Act
    const plan = await handler({
      userId: 'u1',
      facts: [factItem(signup), factItem(invoice)],
      referral: [storedReferral([signup, invoice])],
    });

    // Assess
    expect(plan).toEqual({ outcome: 'upToDate', partnerId: 'p1', referralId: 'ref_u1', factCount: 2 });
  });

  it('a new fact rewrites the referral conditional on the fact count it read, and only the rows that changed', async () => {
    // Act
    const plan = changed(
      await handler({
        userId: 'u1',
        facts: [factItem(signup), factItem(invoice), factItem(refund)],
        referral: [storedReferral([signup, invoice])],
      }),
    );

    // Assess: 1000 of 2999 refunded reverses 250 of the 750 (pro rata, half up)
    const [referral, commission] = plan.truthWrite.TransactItems;
    expect(referral).toMatchObject({
      Update: {
        ConditionExpression: 'factCount = :readCount',
        ExpressionAttributeValues: { ':readCount': { N: '2' } },
      },
    });
    expect(commission).toMatchObject({
      Put: { Item: { commissionId: { S: 'inv#in_1' }, reversedCents: { N: '250' }, netCents: { N: '500' } } },
    });
    const [stats] = plan.statsWrite?.TransactItems ?? [];
    expect(stats && 'Update' in stats && stats.Update.ExpressionAttributeValues).toMatchObject({
      ':pendingEarningsCents': { N: '-250' },
      ':reversedEarningsCents': { N: '250' },
      ':refundedCents': { N: '1000' },
      ':netRevenueCents': { N: '-1000' },
      ':refundCount': { N: '1' },
    });
  });

  describe('stats changes left pending (a committed write whose response was lost)', () => {
    it('an up-to-date referral with a pending marker gets the stats write its own execution planned', async () => {
      // Prepare: the first execution's plan, and the referral as its committed truth write left it
      const facts = [signup, invoice];
      const first = changed(await handler({ userId: 'u1', facts: facts.map(factItem), referral: [] }));

      // Act: the same facts, re-read after the lost response
      const again = await handler({
        userId: 'u1',
        facts: facts.map(factItem),
        referral: [afterTruthWrite(first, facts, ['w2'])],
      });

      // Assess: the very request the first planned (same token, same items), so two executions applying it
      // at once apply it once
      expect(again).toMatchObject({ outcome: 'upToDate', factCount: 2 });
      expect(again.outcome === 'upToDate' && again.statsWrite).toEqual(first.statsWrite);
      expect(again.outcome === 'upToDate' && again.summary).toMatchObject({
        status: 'paid',
        statsMarkers: ['w2'],
        commissionsWritten: [],
      });
    });

    it('a recorded change read back with its days in another order gets the very same request', async () => {
      // Prepare: signup and payment on two days; DynamoDB returns a map's keys in an order of its own
      const facts = [signup, invoice];
      const first = changed(await handler({ userId: 'u1', facts: facts.map(factItem), referral: [] }));
      const stored = afterTruthWrite(first, facts, ['w2']);
      const recorded = unmarshall({ v: stored.pendingChanges as never }).v as {
        w2: { byDay: Record<string, unknown> };
      };
      const days = Object.keys(recorded.w2.byDay);
      expect(days.length).toBeGreaterThan(1);
      const reordered = {
        w2: {
          ...recorded.w2,
          byDay: Object.fromEntries(days.reverse().map((d) => [d, recorded.w2.byDay[d]])),
        },
      };

      // Act
      const again = await handler({
        userId: 'u1',
        facts: facts.map(factItem),
        referral: [{ ...stored, pendingChanges: { M: marshall(reordered) } }],
      });

      // Assess: same token, same items in the same order, so DynamoDB sees one request, not a mismatch
      expect(again.outcome === 'upToDate' && again.statsWrite).toEqual(first.statsWrite);
    });

    it('applies every pending marker with a recorded change in one write, conditional on each', async () => {
      // Prepare: two writes left pending; w1 from before changes were recorded has none
      const stored = {
        ...storedReferral([signup, invoice]),
        pendingStats: { SS: ['w1', 'w2', 'w3'] },
        pendingChanges: {
          M: marshall({
            w3: { at: '2026-01-20T10:00:00.000Z', delta: { refundCount: 1, refundedCents: 1000 } },
            w2: { at: '2026-01-15T10:00:00.000Z', delta: { totalPaid: 1, refundedCents: -5 } },
            w9: { at: '2026-01-21T10:00:00.000Z', delta: { totalPaid: 100 } },
          }),
        },
      };

      // Act
      const plan = await handler({
        userId: 'u1',
        facts: [factItem(signup), factItem(invoice)],
        referral: [stored],
      });

      // Assess: the sum of w2 and w3 (w9's marker is gone, w1 has no change), the latest time, both markers
      if (plan.outcome !== 'upToDate' || !plan.statsWrite) throw new Error('expected a pending stats write');
      const [stats, markers] = plan.statsWrite.TransactItems;
      expect(stats).toMatchObject({
        Update: {
          UpdateExpression:
            'ADD totalPaid :totalPaid, refundedCents :refundedCents, refundCount :refundCount, version :one SET lastActivityAt = :at',
          ExpressionAttributeValues: {
            ':totalPaid': { N: '1' },
            ':refundedCents': { N: '995' },
            ':refundCount': { N: '1' },
            ':at': { S: '2026-01-20T10:00:00.000Z' },
          },
        },
      });
      expect(markers).toMatchObject({
        Update: {
          UpdateExpression: 'DELETE pendingStats :markers REMOVE pendingChanges.#m0, pendingChanges.#m1',
          ConditionExpression: 'contains(pendingStats, :m0) AND contains(pendingStats, :m1)',
          ExpressionAttributeNames: { '#m0': 'w2', '#m1': 'w3' },
          ExpressionAttributeValues: { ':markers': { SS: ['w2', 'w3'] } },
        },
      });
      expect(plan.summary?.statsMarkers).toEqual(['w2', 'w3']);
    });

    it('a new write adds its change as one entry and never writes back the entries it read', async () => {
      // Prepare: w2 still pending as read (a stats write may remove it before this write lands)
      const first = changed(
        await handler({ userId: 'u1', facts: [signup, invoice].map(factItem), referral: [] }),
      );
      const stored = afterTruthWrite(first, [signup, invoice], ['w2']);

      // Act
      const plan = changed(
        await handler({ userId: 'u1', facts: [signup, invoice, refund].map(factItem), referral: [stored] }),
      );

      // Assess: SET pendingChanges.w3 only; a whole map would bring back a w2 removed meanwhile
      const [update] = plan.truthWrite.TransactItems;
      const u = update && 'Update' in update ? update.Update : undefined;
      expect(u?.UpdateExpression).toContain('pendingChanges.#pendingChange = :pendingChange');
      expect(u?.UpdateExpression).not.toContain('pendingChanges = ');
      expect(u?.ExpressionAttributeNames?.['#pendingChange']).toBe('w3');
      expect(unmarshall({ v: u?.ExpressionAttributeValues?.[':pendingChange'] as never }).v).toEqual({
        at: expect.any(String),
        delta: expect.objectContaining({ refundCount: 1 }),
        // A referral stored before activity buckets carries no activityDays: its first write adds them all.
        byDay: {
          '2026-01-10': { signups: 1 },
          '2026-01-15': { conversions: 1, earningsCents: 750 },
          '2026-01-20': { reversedCents: 250 },
        },
      });
      expect(recordedChanges(plan)).toBeUndefined();
      expect(plan.summary.statsMarkers).toEqual(['w3']);
    });

    it('a referral without the map gets it whole, holding only the change of this write', async () => {
      // Prepare: a referral stored before changes were recorded
      const first = changed(
        await handler({ userId: 'u1', facts: [signup, invoice].map(factItem), referral: [] }),
      );
      const stored: Record<string, unknown> = afterTruthWrite(first, [signup, invoice], []);
      delete stored.pendingChanges;

      // Act
      const plan = changed(
        await handler({ userId: 'u1', facts: [signup, invoice, refund].map(factItem), referral: [stored] }),
      );

      // Assess
      expect(Object.keys(recordedChanges(plan) as object)).toEqual(['w3']);
    });

    it('rejects a recorded change that is not one, naming the field', async () => {
      // Prepare
      const stored = {
        ...storedReferral([signup, invoice]),
        pendingStats: { SS: ['w2'] },
        pendingChanges: {
          M: marshall({ w2: { at: '2026-01-15T10:00:00.000Z', delta: { totalPaid: 1.5 } } }),
        },
      };

      // Act / Assess
      await expect(
        handler({ userId: 'u1', facts: [signup, invoice].map(factItem), referral: [stored] }),
      ).rejects.toThrow(
        new MalformedEventError('referral[0].pendingChanges.w2.delta.totalPaid', 'expected an integer'),
      );
    });
  });

  it('the same facts in another order and with duplicates give the same plan', async () => {
    // Act
    const a = await handler({ userId: 'u1', facts: [signup, invoice, refund].map(factItem), referral: [] });
    const b = await handler({
      userId: 'u1',
      facts: [refund, invoice, refund, signup].map(factItem),
      referral: [],
    });

    // Assess
    expect(b).toEqual(a);
  });

  it('rejects a fact item that is not a fact, naming the field', async () => {
    // Act
    const bad = marshall({
      partnerId: 'user#u1',
      referralId: 'fact#x',
      fact: JSON.stringify({ ...invoice, amountCents: 1.5 }),
    });

    // Assess
    await expect(handler({ userId: 'u1', facts: [bad], referral: [] })).rejects.toThrow(
      new MalformedEventError('facts[0].fact.amountCents', 'expected a non-negative integer'),
    );
  });
});
