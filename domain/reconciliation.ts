import { N, S, type AttributeMap, type TransactWriteItem } from './attribute-value';
import { addContributions } from './contribution';
import { isReferralId, type Referral } from './referral';
import { STATS_COUNTERS, zeroCounters, type PartnerStats, type ReferralCounters } from './stats';

/**
 * The reconciliation workflow's pure steps: sum a partner's referrals page by page (`accumulate`), compare
 * with the stats row and plan one conditional transaction (`planCorrection`), and total the Map's results
 * (`summarize`).
 */

/**
 * A referral whose stats update may still be pending, with the marker keys seen on it. No keys: only a
 * compensation flag is left (the stats write committed but its answer was lost after the retries).
 */
export interface PendingReferral {
  referralId: string;
  keys: string[];
}

export interface Accumulation {
  counters: ReferralCounters;
  pending: PendingReferral[];
}

const pendingKeysOf = (referral: Referral): string[] =>
  referral.pendingStats ? [...referral.pendingStats].sort() : [];

/** Adds one page of the partner's items onto `prior`; items that are not referrals (`ref_…`) are skipped. */
export function accumulate(
  prior: Accumulation | undefined,
  referralItems: readonly Referral[],
): Accumulation {
  const referrals = referralItems.filter((item) => isReferralId(item.referralId));
  const counters = addContributions({ ...(prior?.counters ?? zeroCounters()) }, referrals);
  const pending = [...(prior?.pending ?? [])];
  for (const referral of referrals) {
    const keys = pendingKeysOf(referral);
    if (keys.length > 0 || referral.statsPendingSince !== undefined) {
      pending.push({ referralId: referral.referralId, keys });
    }
  }
  return { counters, pending };
}

export interface FieldDrift {
  stored: number;
  actual: number;
}

export interface CorrectionPlan {
  partnerId: string;
  corrected: boolean;
  fields: Record<string, FieldDrift>;
  transactItems: TransactWriteItem[];
  /** More referrals carry markers than one transaction can clear; the next run clears the rest. */
  morePending: boolean;
}

/** DynamoDB allows 100 actions per transaction: one for the stats row, the rest for markers. */
export const MAX_TRANSACTION_ACTIONS = 100;
export const MAX_PENDING_PER_CORRECTION = MAX_TRANSACTION_ACTIONS - 1;

/**
 * When the counters differ from the sum of the referrals, or markers are pending: one `Update` of the stats
 * row (every counter set, `totalClicks` untouched, `version` bumped, guarded by `version = :seen`) plus one
 * `Update` per pending referral removing exactly the markers seen (guarded by `contains` for each). An empty
 * `transactItems` means the partner is in sync.
 */
export function planCorrection(args: {
  partnerId: string;
  stats: PartnerStats;
  acc: Accumulation;
  statsTable: string;
  referralsTable: string;
  now: string;
}): CorrectionPlan {
  const { partnerId, stats, acc, statsTable, referralsTable, now } = args;
  const fields: Record<string, FieldDrift> = {};
  for (const counter of STATS_COUNTERS) {
    if (stats[counter] !== acc.counters[counter]) {
      fields[counter] = { stored: stats[counter], actual: acc.counters[counter] };
    }
  }
  const differs = Object.keys(fields).length > 0;
  if (!differs && acc.pending.length === 0) {
    return { partnerId, corrected: false, fields, transactItems: [], morePending: false };
  }

  const sets = STATS_COUNTERS.map((counter) => `${counter} = :${counter}`);
  const statsValues: AttributeMap = Object.fromEntries(
    STATS_COUNTERS.map((c) => [`:${c}`, N(acc.counters[c])]),
  );
  statsValues[':seen'] = N(stats.version);
  statsValues[':next'] = N(stats.version + 1);
  statsValues[':now'] = S(now);
  const statsUpdate: TransactWriteItem = {
    Update: {
      TableName: statsTable,
      Key: { partnerId: S(partnerId) },
      UpdateExpression: `SET ${sets.join(', ')}, version = :next, lastReconciledAt = :now`,
      ConditionExpression: 'version = :seen',
      ExpressionAttributeValues: statsValues,
    },
  };

  const clearable = acc.pending.slice(0, MAX_PENDING_PER_CORRECTION);
  const markerUpdates: TransactWriteItem[] = clearable.map(({ referralId, keys }) => {
    if (keys.length === 0) {
      return {
        Update: {
          TableName: referralsTable,
          Key: { partnerId: S(partnerId), referralId: S(referralId) },
          UpdateExpression: 'REMOVE statsPendingSince, statsPendingReason',
          ConditionExpression: 'attribute_exists(statsPendingSince)',
        },
      };
    }
    const values: AttributeMap = { ':keys': { SS: [...keys] } };
    keys.forEach((key, i) => (values[`:k${i}`] = S(key)));
    return {
      Update: {
        TableName: referralsTable,
        Key: { partnerId: S(partnerId), referralId: S(referralId) },
        UpdateExpression: 'DELETE pendingStats :keys REMOVE statsPendingSince, statsPendingReason',
        ConditionExpression: keys.map((_, i) => `contains(pendingStats, :k${i})`).join(' AND '),
        ExpressionAttributeValues: values,
      },
    };
  });

  return {
    partnerId,
    corrected: true,
    fields,
    transactItems: [statsUpdate, ...markerUpdates],
    morePending: acc.pending.length > clearable.length,
  };
}

/** One partner's result, as the reconciliation Map's iterations end. */
export interface PartnerResult {
  partnerId: string;
  corrected: boolean;
  skipped?: boolean;
  fields?: Record<string, FieldDrift>;
}

export interface ReconciliationSummary {
  partnersChecked: number;
  partnersCorrected: number;
  partnersSkipped: number;
  drift: { partnerId: string; fields: Record<string, FieldDrift> }[];
  /** Drifted partners left out of `drift` to keep the workflow state small (see `MAX_DRIFT_ENTRIES`). */
  driftOmitted?: number;
}

/** The summary lives in the workflow state (256 KB): it lists at most this many drifted partners. */
export const MAX_DRIFT_ENTRIES = 100;

/** Adds a page of partner results onto the running summary. */
export function summarize(
  prior: ReconciliationSummary | undefined,
  results: readonly PartnerResult[],
): ReconciliationSummary {
  const summary: ReconciliationSummary = {
    partnersChecked: prior?.partnersChecked ?? 0,
    partnersCorrected: prior?.partnersCorrected ?? 0,
    partnersSkipped: prior?.partnersSkipped ?? 0,
    drift: [...(prior?.drift ?? [])],
    driftOmitted: prior?.driftOmitted ?? 0,
  };
  for (const result of results) {
    summary.partnersChecked += 1;
    if (result.corrected) summary.partnersCorrected += 1;
    if (result.skipped) summary.partnersSkipped += 1;
    if (result.corrected && result.fields && Object.keys(result.fields).length > 0) {
      if (summary.drift.length < MAX_DRIFT_ENTRIES)
        summary.drift.push({ partnerId: result.partnerId, fields: result.fields });
      else summary.driftOmitted = (summary.driftOmitted ?? 0) + 1;
    }
  }
  return summary;
}
