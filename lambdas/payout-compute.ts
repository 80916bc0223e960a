import * as z from 'zod/mini';
import { loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import {
  planPayout,
  summarizePayoutPage,
  type CreatedPayout,
  type PayoutPlan,
  type PayoutRunSummary,
} from '../domain/payout-plan';
import { CLAIM_PREFIX } from '../domain/payouts';
import { integerSchema, nonNegativeIntegerSchema } from '../domain/validation';
import { annotate, lambdaHandler } from './commons/handler';
import { attributeMapSchema, itemFrom, parseInput } from './commons/items';
import { logger } from './commons/logger';

const text = z.string({ error: 'expected a string' });
const nonEmpty = text.check(z.minLength(1));
/** An approved commission as `FindApprovedCommissions` projects it. */
const payableSchema = z.object({
  commissionId: text,
  referredUserId: text,
  netCents: integerSchema,
  earnedAt: text,
  currency: text,
});
const createdSchema = z.object({ payoutId: text, amountCents: integerSchema });
const carryReason = z.enum(['nothing_payable', 'below_minimum', 'negative_balance']);
const summarySchema = z.object({
  run: z.object({ firstExecution: text, startedAt: text }),
  pages: nonNegativeIntegerSchema,
  partnersChecked: nonNegativeIntegerSchema,
  payoutsCreated: nonNegativeIntegerSchema,
  amountCents: integerSchema,
  belowMinimum: nonNegativeIntegerSchema,
  negativeBalance: nonNegativeIntegerSchema,
  partnersBusy: nonNegativeIntegerSchema,
  carriedForward: z.array(z.object({ partnerId: text, reason: carryReason, balanceCents: integerSchema })),
  carriedForwardOmitted: nonNegativeIntegerSchema,
}) satisfies z.ZodMiniType<PayoutRunSummary, unknown>;
/** A DynamoDB Query result as the aws-sdk integration returns it. */
const pageSchema = z.object({
  Items: z.array(attributeMapSchema),
  LastEvaluatedKey: z.optional(attributeMapSchema),
});

export const payoutComputeInputSchema = z.discriminatedUnion(
  'action',
  [
    z.object({
      action: z.literal('plan'),
      partnerId: nonEmpty,
      runId: nonEmpty,
      cutoff: nonEmpty,
      now: nonEmpty,
      attempt: integerSchema,
      payoutsTable: nonEmpty,
      /** `FindApprovedCommissions`' page. */
      approved: pageSchema,
      /** `FindClaims`' page: the partner's claims (sort keys `claim#<commissionId>`). */
      claims: pageSchema,
      /** The payouts this run created for the partner so far. */
      created: z.array(createdSchema),
    }),
    z.object({
      action: z.literal('summarize'),
      prior: summarySchema,
      results: z.array(
        z.object({
          partnerId: text,
          created: z.array(createdSchema),
          carried: z.nullish(z.object({ reason: carryReason, balanceCents: integerSchema })),
          busy: z.optional(z.boolean()),
        }),
      ),
    }),
  ],
  { error: 'expected action plan or summarize' },
);

export type PayoutComputeOutput = (PayoutPlan & { created: CreatedPayout[] }) | PayoutRunSummary;

/** The payout workflow's pure steps behind one function, chosen by `action`. Throws `MalformedEvent`. */
export const createPayoutComputeHandler = ({
  config,
}: {
  config: Pick<RuntimeConfig, 'minimumPayoutCents'>;
}) =>
  lambdaHandler(async (event: unknown): Promise<PayoutComputeOutput> => {
    const input = parseInput(payoutComputeInputSchema, event);
    annotate({ workflow: 'payout', ...('partnerId' in input ? { partnerId: input.partnerId } : {}) });
    if (input.action === 'summarize') {
      const summary = summarizePayoutPage(input.prior, input.results);
      logger.info('Payout page summarized', { ...summary, carriedForward: summary.carriedForward.length });
      return summary;
    }
    const approved = input.approved.Items.map((item, i) =>
      itemFrom(payableSchema, item, `approved.Items[${i}]`),
    );
    const claimed = input.claims.Items.map((item, i) => {
      const { payoutId } = itemFrom(z.object({ payoutId: text }), item, `claims.Items[${i}]`);
      return payoutId.slice(CLAIM_PREFIX.length);
    });
    const plan = planPayout({
      partnerId: input.partnerId,
      runId: input.runId,
      cutoff: input.cutoff,
      now: input.now,
      attempt: input.attempt,
      approved,
      approvedMore: input.approved.LastEvaluatedKey !== undefined,
      claimed,
      minimumPayoutCents: config.minimumPayoutCents,
      payoutsTable: input.payoutsTable,
    });
    if (plan.outcome === 'carried') {
      logger.info('Balance carried to the next run', { partnerId: input.partnerId, ...plan });
      return { ...plan, created: input.created };
    }
    logger.info('Payout planned', {
      partnerId: input.partnerId,
      payoutId: plan.payoutId,
      amountCents: plan.amountCents,
    });
    return {
      ...plan,
      created: [...input.created, { payoutId: plan.payoutId, amountCents: plan.amountCents }],
    };
  });

export const handler = createPayoutComputeHandler({ config: loadRuntimeConfig(process.env) });
