import { marshall } from '@aws-sdk/util-dynamodb';
import { DEFAULT_COMMISSION_SCHEDULE } from '../../domain/config';
import { MalformedEventError } from '../../domain/errors';
import { createPaymentComputeHandler } from '../../lambdas/payment-compute';
import { signedUpReferral } from './builders';
import { lambdaContext } from './lambda-context';

const compute = createPaymentComputeHandler({ config: { commissionSchedule: DEFAULT_COMMISSION_SCHEDULE } });
const context = lambdaContext('payment-compute');
const handler = (input: unknown) => compute(input, context);

/** The referral as the payment workflow's `aws-sdk:dynamodb:query` returns it. */
const referralItem = (overrides = {}) =>
  marshall(
    {
      ...signedUpReferral({ status: 'verified', verifiedAt: '2026-01-10T09:05:00.000Z' }),
      pendingStats: new Set(['verify']),
      ...overrides,
    },
    { removeUndefinedValues: true },
  );

const payment = {
  planType: 'AFPlus',
  billingCycle: 'Monthly',
  amountPaidCents: 2999,
  currency: 'usd',
  paidAt: '2026-01-15T10:00:00.000Z',
  invoiceId: 'in_1',
};

describe('payment-compute handler', () => {
  it('computes the seed commission and the stats delta of becoming paid', async () => {
    // Act
    const out = await handler({ referral: referralItem(), payment });

    // Assess
    expect(out.partnerEarningsCents).toBe(750);
    expect(out.stats).toEqual({
      UpdateExpression:
        'ADD afSignups :afSignups, afPlusSignups :afPlusSignups, totalPaid :totalPaid, afPlusPaid :afPlusPaid, ' +
        'afPlusMonthlyPaid :afPlusMonthlyPaid, activeSubscriptions :activeSubscriptions, ' +
        'totalRevenueCents :totalRevenueCents, totalEarningsCents :totalEarningsCents, ' +
        'pendingEarningsCents :pendingEarningsCents, version :one SET lastActivityAt = :at',
      ExpressionAttributeValues: {
        ':afSignups': { N: '-1' },
        ':afPlusSignups': { N: '1' },
        ':totalPaid': { N: '1' },
        ':afPlusPaid': { N: '1' },
        ':afPlusMonthlyPaid': { N: '1' },
        ':activeSubscriptions': { N: '1' },
        ':totalRevenueCents': { N: '2999' },
        ':totalEarningsCents': { N: '750' },
        ':pendingEarningsCents': { N: '750' },
        ':one': { N: '1' },
        ':at': { S: '2026-01-15T10:00:00.000Z' },
      },
    });
  });

  it('keeps the signup counters when the plan paid for is the plan signed up with', async () => {
    // Act
    const out = await handler({
      referral: referralItem(),
      payment: { ...payment, planType: 'AF', billingCycle: 'Annual' },
    });

    // Assess
    expect(out.stats.UpdateExpression).not.toMatch(/afSignups|afPlusSignups|totalSignups/);
    expect(out.stats.ExpressionAttributeValues).toMatchObject({
      ':afAnnualPaid': { N: '1' },
      ':afPaid': { N: '1' },
    });
  });

  it('pays nothing on a zero-amount invoice but still counts the paid referral', async () => {
    // Act
    const out = await handler({ referral: referralItem(), payment: { ...payment, amountPaidCents: 0 } });

    // Assess
    expect(out.partnerEarningsCents).toBe(0);
    expect(out.stats.ExpressionAttributeValues).toMatchObject({ ':totalPaid': { N: '1' } });
    expect(out.stats.ExpressionAttributeValues).not.toHaveProperty(':totalRevenueCents');
  });

  it.each([
    [
      'payment.amountPaidCents',
      { referral: referralItem(), payment: { ...payment, amountPaidCents: 29.99 } },
    ],
    ['payment.planType', { referral: referralItem(), payment: { ...payment, planType: 'Gold' } }],
    ['payment.paidAt', { referral: referralItem(), payment: { ...payment, paidAt: 'soon' } }],
    ['referral.planType', { referral: referralItem({ planType: 'Gold' }), payment }],
    ['referral', { referral: { partnerId: 'not-an-attribute-value' }, payment }],
  ])('rejects invalid input naming %s', async (field, input) => {
    // Act
    const act = handler(input);

    // Assess
    await expect(act).rejects.toBeInstanceOf(MalformedEventError);
    await expect(handler(input)).rejects.toMatchObject({
      name: 'MalformedEvent',
      field: expect.stringMatching(`^${field}`),
    });
  });
});
