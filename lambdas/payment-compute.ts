import * as z from 'zod/mini';
import { BILLING_CYCLES, loadRuntimeConfig, PLAN_TYPES, type RuntimeConfig } from '../domain/config';
import { contributionDelta } from '../domain/contribution';
import { commissionFor } from '../domain/earnings';
import { referralItemSchema } from '../domain/items';
import type { Referral } from '../domain/referral';
import { statsUpdateFor, type StatsUpdate } from '../domain/stats-update';
import { nonNegativeIntegerSchema } from '../domain/validation';
import { annotate, lambdaHandler } from './commons/handler';
import { attributeMapSchema, itemFrom, parseInput } from './commons/items';
import { logger } from './commons/logger';

export const paymentComputeInputSchema = z.object({
  /** The referral as `aws-sdk:dynamodb:query` / `dynamodb:getItem` return it (AttributeValue form). */
  referral: attributeMapSchema,
  payment: z.object({
    planType: z.enum(PLAN_TYPES),
    billingCycle: z.enum(BILLING_CYCLES),
    amountPaidCents: nonNegativeIntegerSchema,
    paidAt: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 timestamp' }),
    currency: z.optional(z.string()),
    invoiceId: z.optional(z.string()),
  }),
});

export type PaymentComputeInput = z.input<typeof paymentComputeInputSchema>;

export interface PaymentComputeOutput {
  partnerEarningsCents: number;
  /** The stats-row update for `TransactWriteItems` (AttributeValue form). */
  stats: StatsUpdate;
}

/**
 * The payment workflow's pure step: the partner's commission and the stats delta of the referral becoming
 * paid (contribution after minus before). Throws `MalformedEvent` (naming the field) or `InvalidAmount`.
 */
export function createPaymentComputeHandler({
  config,
}: {
  config: Pick<RuntimeConfig, 'commissionSchedule'>;
}) {
  return lambdaHandler(async (event: unknown): Promise<PaymentComputeOutput> => {
    const { referral: item, payment } = parseInput(paymentComputeInputSchema, event);
    const before: Referral = itemFrom(referralItemSchema, item, 'referral');
    annotate({ partnerId: before.partnerId, workflow: 'payment' });
    const partnerEarningsCents = commissionFor(payment, payment.amountPaidCents, config.commissionSchedule);
    const after: Referral = {
      ...before,
      status: 'paid',
      planType: payment.planType,
      billingCycle: payment.billingCycle,
      paidAt: payment.paidAt,
      paymentAmountCents: payment.amountPaidCents,
      partnerEarningsCents,
      currency: payment.currency ?? before.currency,
      commissionStatus: 'pending',
      subscriptionStatus: 'active',
    };
    const stats = statsUpdateFor(contributionDelta(before, after), payment.paidAt);
    logger.info('Payment computed', {
      partnerId: before.partnerId,
      referralId: before.referralId,
      invoiceId: payment.invoiceId,
      partnerEarningsCents,
    });
    return { partnerEarningsCents, stats };
  });
}

export const handler = createPaymentComputeHandler({ config: loadRuntimeConfig() });
