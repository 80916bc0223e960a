import * as z from 'zod/mini';
import { partnerStatsItemSchema, referralItemSchema } from '../domain/items';
import { isReferralId } from '../domain/referral';
import {
  accumulate,
  planCorrection,
  summarize,
  type Accumulation,
  type CorrectionPlan,
  type ReconciliationSummary,
} from '../domain/reconciliation';
import { STATS_COUNTERS, type ReferralCounters, type StatsCounter } from '../domain/stats';
import { integerSchema } from '../domain/validation';
import { annotate, lambdaHandler } from './commons/handler';
import { attributeMapSchema, itemFrom, parseInput } from './commons/items';
import { logger } from './commons/logger';

const integer = integerSchema;
const countersSchema = z.object(
  Object.fromEntries(STATS_COUNTERS.map((c) => [c, integer])) as Record<StatsCounter, typeof integer>,
) satisfies z.ZodMiniType<ReferralCounters, unknown>;
const accumulationSchema = z.object({
  counters: countersSchema,
  pending: z.array(z.object({ referralId: z.string(), keys: z.array(z.string()) })),
}) satisfies z.ZodMiniType<Accumulation, unknown>;
const driftSchema = z.record(z.string(), z.object({ stored: z.number(), actual: z.number() }));
const summarySchema = z.object({
  partnersChecked: integer,
  partnersCorrected: integer,
  partnersSkipped: integer,
  drift: z.array(z.object({ partnerId: z.string(), fields: driftSchema })),
  driftOmitted: z.optional(integer),
}) satisfies z.ZodMiniType<ReconciliationSummary, unknown>;

export const reconciliationComputeInputSchema = z.discriminatedUnion(
  'action',
  [
    z.object({
      action: z.literal('accumulate'),
      partnerId: z.string(),
      /** One page of the partner's `Query` (AttributeValue form). */
      items: z.array(attributeMapSchema),
      /** The accumulation so far; `null` or absent on the first page. */
      acc: z.nullish(accumulationSchema),
    }),
    z.object({
      action: z.literal('plan'),
      partnerId: z.string(),
      /** The stats row from a consistent `GetItem` (AttributeValue form). */
      stats: attributeMapSchema,
      acc: accumulationSchema,
      statsTable: z.string().check(z.minLength(1)),
      referralsTable: z.string().check(z.minLength(1)),
      now: z.string().check(z.minLength(1)),
    }),
    z.object({
      action: z.literal('summarize'),
      results: z.array(
        z.object({
          partnerId: z.string(),
          corrected: z.boolean(),
          skipped: z.optional(z.boolean()),
          fields: z.optional(driftSchema),
        }),
      ),
      prior: z.nullish(summarySchema),
    }),
  ],
  { error: 'expected action accumulate, plan or summarize' },
);

export type ReconciliationComputeInput = z.input<typeof reconciliationComputeInputSchema>;
export type ReconciliationComputeOutput = Accumulation | CorrectionPlan | ReconciliationSummary;

/** The reconciliation workflow's pure steps behind one function, chosen by `action`. Throws `MalformedEvent`. */
export const handler = lambdaHandler(async (event: unknown): Promise<ReconciliationComputeOutput> => {
  const input = parseInput(reconciliationComputeInputSchema, event);
  annotate({ workflow: 'reconciliation', ...('partnerId' in input ? { partnerId: input.partnerId } : {}) });
  switch (input.action) {
    case 'accumulate': {
      const referrals = input.items.flatMap((item, i) => {
        const sk = item.referralId;
        const isReferral = sk !== undefined && 'S' in sk && sk.S !== undefined && isReferralId(sk.S);
        return isReferral ? [itemFrom(referralItemSchema, item, `items[${i}]`)] : [];
      });
      return accumulate(input.acc ?? undefined, referrals);
    }
    case 'plan': {
      const stats = itemFrom(partnerStatsItemSchema, input.stats, 'stats');
      const plan = planCorrection({ ...input, stats });
      if (plan.corrected) {
        logger.info('Stats correction planned', {
          partnerId: plan.partnerId,
          fields: plan.fields,
          pendingCleared: plan.transactItems.length - 1,
          morePending: plan.morePending,
        });
      }
      return plan;
    }
    case 'summarize': {
      const summary = summarize(input.prior ?? undefined, input.results);
      logger.info('Reconciliation page summarized', { ...summary, drift: summary.drift.length });
      return summary;
    }
  }
});
