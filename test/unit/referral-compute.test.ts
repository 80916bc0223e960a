import { marshall } from '@aws-sdk/util-dynamodb';
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
        UpdateExpression: 'DELETE pendingStats :marker',
        ConditionExpression: 'contains(pendingStats, :markerName)',
        ExpressionAttributeValues: { ':markerName': { S: 'w2' } },
      },
    });
    expect(plan.statsWrite?.ClientRequestToken).toMatch(/^[0-9a-f]{32}$/);
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
