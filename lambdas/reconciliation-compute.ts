import * as z from 'zod/mini';
import { loadRuntimeConfig } from '../domain/config';
import {
  activityByDaySchema,
  partnerStatsItemSchema,
  pendingChangesSchema,
  referralItemSchema,
} from '../domain/items';
import { COMMISSION_STATUSES, isReferralId } from '../domain/referral';
import {
  accumulate,
  accumulateLedger,
  confirmLedgerDrift,
  LEDGER_FIELDS,
  partnersFailedReport,
  planCorrection,
  summarize,
  type Accumulation,
  type CorrectionPlan,
  type LedgerAccumulation,
  type LedgerCheck,
  type LedgerDrift,
  type LedgerRow,
  type PartnerResult,
  type ReconciliationSummary,
  type RecheckedReferral,
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
const sumsShape = [integer, integer, integer, integer, integer] as const;
const accumulationSchema = z.object({
  counters: countersSchema,
  pending: z.array(
    z.object({ referralId: z.string(), keys: z.array(z.string()), byDay: z.optional(activityByDaySchema) }),
  ),
  earnings: z.record(z.string(), z.tuple([z.nullable(integer), ...sumsShape])),
}) satisfies z.ZodMiniType<Accumulation, unknown>;
const ledgerAccumulationSchema = z.object({
  rows: z.record(z.string(), z.tuple([...sumsShape, integer])),
  suspects: z.array(z.string()),
  mismatched: integer,
}) satisfies z.ZodMiniType<LedgerAccumulation, unknown>;
/** A `PartnerCommissions` row as the ledger Query projects it: what `earningsOf` reads. */
const ledgerRowSchema = z.object({
  referralId: z.string({ error: 'expected a string' }),
  type: z.enum(['invoice', 'clawback']),
  status: z.enum(COMMISSION_STATUSES),
  earningsCents: integer,
  reversedCents: integer,
  netCents: integer,
}) satisfies z.ZodMiniType<LedgerRow, unknown>;
/** A suspect referral as the recheck's `GetItem` projects it. */
const recheckedItemSchema = z.object({
  factCount: z.optional(integer),
  ...(Object.fromEntries(LEDGER_FIELDS.map((f) => [f, z._default(integer, 0)])) as Record<
    (typeof LEDGER_FIELDS)[number],
    z.ZodMiniDefault<typeof integer>
  >),
});
const ledgerDriftSchema = z.union([
  z.object({ referralId: z.string(), field: z.enum(LEDGER_FIELDS), ledger: integer, referral: integer }),
  z.object({ referralId: z.string(), field: z.literal('referral'), ledger: integer, referral: z.null() }),
]) satisfies z.ZodMiniType<LedgerDrift, unknown>;
const driftSchema = z.record(z.string(), z.object({ stored: z.number(), actual: z.number() }));
const failureEntrySchema = z.object({ partnerId: z.string(), error: z.string(), cause: z.string() });
const summarySchema = z.object({
  run: z.optional(z.object({ firstExecution: z.string(), startedAt: z.string() })),
  pages: z._default(integer, 0),
  partnersChecked: integer,
  partnersCorrected: integer,
  partnersSkipped: integer,
  drift: z.array(z.object({ partnerId: z.string(), fields: driftSchema })),
  driftOmitted: z.optional(integer),
  partnersWithLedgerDrift: z._default(integer, 0),
  ledgerDrift: z._default(
    z.array(
      z.object({
        partnerId: z.string(),
        ledgerDrift: z.array(ledgerDriftSchema),
        ledgerDriftOmitted: z.optional(integer),
      }),
    ),
    [],
  ),
  ledgerDriftOmitted: z.optional(integer),
  partnersFailed: z._default(integer, 0),
  failures: z._default(z.array(failureEntrySchema), []),
  failuresOmitted: z._default(integer, 0),
}) satisfies z.ZodMiniType<ReconciliationSummary, unknown>;
/** What the Catch around a partner's iteration adds (`ResultPath`): the error and, usually, its cause. */
const caughtSchema = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

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
      action: z.literal('accumulateLedger'),
      partnerId: z.string(),
      /** One page of the partner's ledger `Query` (AttributeValue form, projected to `LedgerRow`). */
      items: z.array(attributeMapSchema),
      /** The referral pages' accumulation (the sums the rows are checked against). */
      acc: accumulationSchema,
      /** The ledger accumulation so far; `null` or absent on the first page. */
      ledger: z.nullish(ledgerAccumulationSchema),
    }),
    z.object({
      action: z.literal('confirmLedger'),
      partnerId: z.string(),
      acc: accumulationSchema,
      ledger: ledgerAccumulationSchema,
      /** The recheck Map's iterations: each suspect and its `GetItem` result (`Item` absent: no referral). */
      recheck: z.array(
        z.object({ referralId: z.string(), current: z.object({ Item: z.optional(attributeMapSchema) }) }),
      ),
    }),
    z.object({
      action: z.literal('summarize'),
      results: z.array(
        z.object({
          partnerId: z.string(),
          corrected: z.boolean(),
          skipped: z.optional(z.boolean()),
          fields: z.optional(driftSchema),
          ledgerDrift: z.optional(z.array(ledgerDriftSchema)),
          ledgerDriftOmitted: z.optional(integer),
          /** Present when the partner's iteration failed and its Catch reported it. */
          failure: z.optional(caughtSchema),
        }),
      ),
      prior: z.nullish(summarySchema),
    }),
    z.object({
      action: z.literal('reportFailures'),
      /** The run's summary after its last page. */
      summary: summarySchema,
    }),
  ],
  {
    error: 'expected action accumulate, plan, accumulateLedger, confirmLedger, summarize or reportFailures',
  },
);

export type ReconciliationComputeInput = z.input<typeof reconciliationComputeInputSchema>;
/** The `PartnersFailed` Fail state's cause, as JSON (a Fail state takes a string; see `partnersFailedReport`). */
export interface FailureCause {
  cause: string;
}
export type ReconciliationComputeOutput =
  Accumulation | CorrectionPlan | LedgerAccumulation | LedgerCheck | ReconciliationSummary | FailureCause;

/** The bucket table a correction applies cleared markers' activity days to (the workflow grants it). */
const { activityTable } = loadRuntimeConfig(process.env);

/** The reconciliation workflow's pure steps behind one function, chosen by `action`. Throws `MalformedEvent`. */
export const handler = lambdaHandler(async (event: unknown): Promise<ReconciliationComputeOutput> => {
  const input = parseInput(reconciliationComputeInputSchema, event);
  annotate({ workflow: 'reconciliation', ...('partnerId' in input ? { partnerId: input.partnerId } : {}) });
  switch (input.action) {
    case 'accumulate': {
      const referrals = input.items.flatMap((item, i) => {
        const sk = item.referralId;
        const isReferral = sk !== undefined && 'S' in sk && sk.S !== undefined && isReferralId(sk.S);
        if (!isReferral) return [];
        const { pendingChanges } = itemFrom(pendingChangesSchema, item, `items[${i}]`);
        return [{ ...itemFrom(referralItemSchema, item, `items[${i}]`), pendingChanges }];
      });
      return accumulate(input.acc ?? undefined, referrals);
    }
    case 'plan': {
      const stats = itemFrom(partnerStatsItemSchema, input.stats, 'stats');
      const plan = planCorrection({ ...input, stats, activityTable });
      if (plan.corrected) {
        logger.info('Stats correction planned', {
          partnerId: plan.partnerId,
          fields: plan.fields,
          pendingCleared: plan.transactItems.filter((t) => t.Update.TableName === input.referralsTable)
            .length,
          morePending: plan.morePending,
        });
      }
      return plan;
    }
    case 'accumulateLedger': {
      const rows = input.items.map((item, i) => itemFrom(ledgerRowSchema, item, `items[${i}]`));
      return accumulateLedger(input.ledger ?? undefined, input.acc, rows);
    }
    case 'confirmLedger': {
      const recheck: RecheckedReferral[] = input.recheck.map(({ referralId, current }, i) =>
        current.Item
          ? { referralId, current: itemFrom(recheckedItemSchema, current.Item, `recheck[${i}].current.Item`) }
          : { referralId },
      );
      const check = confirmLedgerDrift(input.acc, input.ledger, recheck);
      if (check.ledgerDrift.length > 0) {
        // Rows and referral are written in one transaction: only an edit outside the workflows explains this.
        logger.warn('Ledger rows differ from their referrals (reported, not corrected)', {
          partnerId: input.partnerId,
          ledgerDrift: check.ledgerDrift,
          ledgerDriftOmitted: check.ledgerDriftOmitted,
        });
      }
      return check;
    }
    case 'summarize': {
      const results: PartnerResult[] = input.results.map(({ failure, ...result }) =>
        failure ? { ...result, failure: { error: failure.Error, cause: failure.Cause ?? '' } } : result,
      );
      for (const { partnerId, failure } of results) {
        if (failure)
          logger.error('Partner not reconciled (the next run tries again)', { partnerId, ...failure });
      }
      const summary = summarize(input.prior ?? undefined, results);
      logger.info('Reconciliation page summarized', {
        ...summary,
        drift: summary.drift.length,
        ledgerDrift: summary.ledgerDrift.length,
        failures: summary.failures.length,
      });
      return summary;
    }
    case 'reportFailures':
      return { cause: JSON.stringify(partnersFailedReport(input.summary)) };
  }
});
