import * as z from 'zod/mini';
import { loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import { MalformedEventError } from '../domain/errors';
import { factSchema } from '../domain/fact-schema';
import type { Fact } from '../domain/facts';
import { pendingChangesSchema, referralItemSchema } from '../domain/items';
import { planReferralWrite, type WritePlan } from '../domain/referral-write';
import { parseOrThrow } from '../domain/validation';
import { annotate, lambdaHandler } from './commons/handler';
import { attributeMapSchema, itemFrom, parseInput } from './commons/items';
import { logger } from './commons/logger';

export const referralComputeInputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  /** The user's fact items (`aws-sdk:dynamodb:query` Items): `{ partnerId: user#…, referralId: fact#…, fact: {S: json} }`. */
  facts: z.array(attributeMapSchema),
  /** The stored referral: zero or one item, from the index query or the consistent re-read. */
  referral: z.array(attributeMapSchema).check(z.maxLength(1)),
  /** The partner's zone (a signup reads it from the stats row): used only when the referral is first written. */
  timeZone: z.optional(z.string().check(z.minLength(1))),
});

export type ReferralComputeInput = z.input<typeof referralComputeInputSchema>;

const factItemSchema = z.object({ fact: z.string({ error: 'expected the fact as a JSON string' }) });

function factFrom(item: z.output<typeof attributeMapSchema>, index: number): Fact {
  const field = `facts[${index}]`;
  const { fact } = itemFrom(factItemSchema, item, field);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fact);
  } catch {
    throw new MalformedEventError(`${field}.fact`, 'not JSON');
  }
  return parseOrThrow(factSchema, parsed, (f, p) => new MalformedEventError(f, p), `${field}.fact`);
}

/**
 * The lifecycle workflows' compute step: the referral's new state from all its facts, as the transaction
 * that writes it with its ledger rows and the stats change that follows (see `planReferralWrite`).
 */
export function createReferralComputeHandler({
  config,
}: {
  config: Pick<
    RuntimeConfig,
    | 'commissionSchedule'
    | 'holdPeriodDays'
    | 'referralsTable'
    | 'statsTable'
    | 'commissionsTable'
    | 'activityTable'
  >;
}) {
  return lambdaHandler(async (event: unknown): Promise<WritePlan> => {
    const input = parseInput(referralComputeInputSchema, event);
    const facts = input.facts.map(factFrom);
    const storedItem = input.referral[0];
    const stored = storedItem ? itemFrom(referralItemSchema, storedItem, 'referral[0]') : undefined;
    const { pendingChanges } = storedItem
      ? itemFrom(pendingChangesSchema, storedItem, 'referral[0]')
      : { pendingChanges: undefined };
    const plan = planReferralWrite({
      userId: input.userId,
      facts,
      stored,
      pendingChanges,
      ...(input.timeZone === undefined ? {} : { timeZone: input.timeZone }),
      terms: { schedule: config.commissionSchedule, holdPeriodDays: config.holdPeriodDays },
      tables: {
        referrals: config.referralsTable,
        stats: config.statsTable,
        commissions: config.commissionsTable,
        activity: config.activityTable,
      },
    });
    if (plan.outcome !== 'awaitingSignup') annotate({ partnerId: plan.partnerId, workflow: 'referral' });
    logger.info('Referral computed', {
      userId: input.userId,
      outcome: plan.outcome,
      ...(plan.outcome === 'changed'
        ? plan.summary
        : ('summary' in plan && plan.summary) || { factCount: plan.factCount }),
    });
    return plan;
  });
}

export const handler = createReferralComputeHandler({ config: loadRuntimeConfig(process.env) });
