import { createHash } from 'node:crypto';
import { N, S, toAttributeMap, toAttributeValue, type TransactWriteItem } from './attribute-value';
import { contributionDelta } from './contribution';
import type { Fact } from './facts';
import { commissionItemOf } from './ledger';
import { referralStateOf, type Commission, type ProgramTerms, type ReferralState } from './lifecycle';
import type { Referral } from './referral';
import { STATS_COUNTERS } from './stats';
import { statsUpdateFor } from './stats-update';

/**
 * The lifecycle workflows' pure step: from the user's facts and the stored referral, the write that brings
 * the truth (the referral and its ledger rows, in one transaction, conditional on the referral as read) up to
 * date, and the stats change that follows it (applied exactly once through the write's marker).
 */

export interface Tables {
  referrals: string;
  stats: string;
  commissions: string;
}

export interface WritePlanInput {
  userId: string;
  facts: readonly Fact[];
  /** The referral as read (absent before the first write). */
  stored: Referral | undefined;
  terms: ProgramTerms;
  tables: Tables;
}

export interface WriteSummary {
  status: Referral['status'];
  factCount: number;
  commissionsWritten: string[];
  commissionsDeleted: string[];
}

export type WritePlan =
  | { outcome: 'awaitingSignup'; factCount: number }
  | { outcome: 'upToDate'; partnerId: string; referralId: string; factCount: number }
  | {
      outcome: 'changed';
      partnerId: string;
      referralId: string;
      truthWrite: { TransactItems: TransactWriteItem[] };
      /** Absent when the counters do not move. */
      statsWrite?: { ClientRequestToken: string; TransactItems: TransactWriteItem[] };
      summary: WriteSummary;
    };

/** DynamoDB's limit on actions per transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** More ledger rows change in one step than one transaction holds (never seen: one fact moves a few rows). */
export class TooManyLedgerChangesError extends Error {
  override readonly name = 'TooManyLedgerChanges';
}

/** The state fields a referral write owns; bookkeeping (pending stats, compensation marks) is left alone. */
const STATE_FIELDS = [
  'referredUserId',
  'status',
  'planType',
  'billingCycle',
  'signedUpAt',
  'verifiedAt',
  'paidAt',
  'canceledAt',
  'paymentAmountCents',
  'partnerEarningsCents',
  'pendingCents',
  'approvedCents',
  'paidCents',
  'onHoldCents',
  'reversedCents',
  'revenueCents',
  'refundedCents',
  'disputeLostCents',
  'invoiceCount',
  'refundCount',
  'disputeCount',
  'currency',
  'subscriptionStatus',
  'stripeCustomerId',
  'stripeSubscriptionId',
  'stripeInvoiceId',
  'selfReferral',
] as const satisfies readonly (keyof ReferralState['referral'])[];

const keysOf = (referral: Referral | undefined): Set<string> => new Set(referral?.factKeys ?? []);

export function planReferralWrite({ userId, facts, stored, terms, tables }: WritePlanInput): WritePlan {
  const next = referralStateOf(userId, facts, terms);
  const factKeys = [...new Set(facts.map((f) => f.key))].sort();
  if (!next) return { outcome: 'awaitingSignup', factCount: factKeys.length };
  const { partnerId, referralId } = next.referral;
  const folded = keysOf(stored);
  // Facts only grow, and every writer read them before writing: a stored set at least as large has ours.
  if (stored && factKeys.every((k) => folded.has(k))) {
    return { outcome: 'upToDate', partnerId, referralId, factCount: folded.size };
  }
  const previous = stored
    ? referralStateOf(
        userId,
        facts.filter((f) => folded.has(f.key)),
        terms,
      )
    : undefined;

  const delta = contributionDelta(stored, next.referral as Referral);
  const movesStats = STATS_COUNTERS.some((k) => delta[k] !== 0);
  const marker = `w${factKeys.length}`;

  const ledger = ledgerChanges(previous?.commissions ?? [], next.commissions, tables.commissions);
  if (ledger.actions.length + 1 > MAX_TRANSACTION_ACTIONS) {
    throw new TooManyLedgerChangesError(`${ledger.actions.length} ledger rows change for ${referralId}`);
  }
  const key = { partnerId: S(partnerId), referralId: S(referralId) };
  const truthWrite = {
    TransactItems: [
      referralUpdate(tables.referrals, key, stored, next, factKeys, movesStats ? marker : undefined),
      ...ledger.actions,
    ],
  };
  const summary: WriteSummary = {
    status: next.referral.status,
    factCount: factKeys.length,
    commissionsWritten: ledger.written,
    commissionsDeleted: ledger.deleted,
  };
  if (!movesStats) return { outcome: 'changed', partnerId, referralId, truthWrite, summary };

  const at = latestFactTime(facts);
  const stats = statsUpdateFor(delta, at);
  return {
    outcome: 'changed',
    partnerId,
    referralId,
    truthWrite,
    statsWrite: {
      ClientRequestToken: createHash('md5').update(`${partnerId}|${referralId}|${marker}`).digest('hex'),
      TransactItems: [
        {
          Update: {
            TableName: tables.stats,
            Key: { partnerId: S(partnerId) },
            ...stats,
            ConditionExpression: 'attribute_exists(partnerId)',
          },
        },
        {
          Update: {
            TableName: tables.referrals,
            Key: key,
            UpdateExpression: 'DELETE pendingStats :marker',
            ConditionExpression: 'contains(pendingStats, :markerName)',
            ExpressionAttributeValues: { ':marker': { SS: [marker] }, ':markerName': S(marker) },
          },
        },
      ],
    },
    summary,
  };
}

const latestFactTime = (facts: readonly Fact[]): string =>
  facts.map((f) => f.at).reduce((a, b) => (a > b ? a : b));

/** SET every state field, REMOVE the ones the new state no longer has, conditional on the referral as read. */
function referralUpdate(
  table: string,
  key: { partnerId: { S: string }; referralId: { S: string } },
  stored: Referral | undefined,
  next: ReferralState,
  factKeys: string[],
  marker: string | undefined,
): TransactWriteItem {
  const names: Record<string, string> = {};
  const values: Record<string, ReturnType<typeof toAttributeValue>> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  STATE_FIELDS.forEach((field, i) => {
    const value = next.referral[field];
    if (value === undefined) {
      if (stored && stored[field] !== undefined) {
        names[`#f${i}`] = field;
        removes.push(`#f${i}`);
      }
      return;
    }
    names[`#f${i}`] = field;
    values[`:v${i}`] = toAttributeValue(value);
    sets.push(`#f${i} = :v${i}`);
  });
  sets.push('factKeys = :factKeys', 'factCount = :factCount');
  values[':factKeys'] = { SS: factKeys };
  values[':factCount'] = N(factKeys.length);
  let expression = `SET ${sets.join(', ')}`;
  if (removes.length > 0) expression += ` REMOVE ${removes.join(', ')}`;
  if (marker) {
    expression += ' ADD pendingStats :marker';
    values[':marker'] = { SS: [marker] };
  }
  let condition = 'attribute_not_exists(referralId)';
  if (stored) {
    condition = stored.factCount === undefined ? 'attribute_not_exists(factCount)' : 'factCount = :readCount';
    if (stored.factCount !== undefined) values[':readCount'] = N(stored.factCount);
  }
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: expression,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Puts for the rows that changed, deletes for rows the facts no longer give (an earlier invoice arrived). */
function ledgerChanges(before: readonly Commission[], after: readonly Commission[], table: string) {
  const old = new Map(before.map((c) => [c.commissionId, JSON.stringify(commissionItemOf(c))]));
  const actions: TransactWriteItem[] = [];
  const written: string[] = [];
  const deleted: string[] = [];
  const kept = new Set<string>();
  for (const c of after) {
    kept.add(c.commissionId);
    const item = commissionItemOf(c);
    if (old.get(c.commissionId) === JSON.stringify(item)) continue;
    actions.push({ Put: { TableName: table, Item: toAttributeMap({ ...item }) } });
    written.push(c.commissionId);
  }
  for (const c of before) {
    if (kept.has(c.commissionId)) continue;
    actions.push({
      Delete: { TableName: table, Key: { partnerId: S(c.partnerId), commissionId: S(c.commissionId) } },
    });
    deleted.push(c.commissionId);
  }
  return { actions, written, deleted };
}
