import { N, S, type AttributeMap, type UpdateAction } from './attribute-value';
import { activityBucketUpdates, addActivity, type ActivityByDay } from './activity-days';
import { addContributions } from './contribution';
import { earningsOf, type Commission } from './lifecycle';
import { isReferralId, type EarningsByStatus, type Referral } from './referral';
import { STATS_COUNTERS, zeroCounters, type PartnerStats, type ReferralCounters } from './stats';

/**
 * The reconciliation workflow's pure steps: sum a partner's referrals page by page (`accumulate`), compare
 * with the stats row and plan one conditional transaction (`planCorrection`), check the partner's ledger
 * rows against its referrals (`accumulateLedger`, `confirmLedgerDrift`), and add each page's results onto the
 * run's summary (`summarize`), failed partners included.
 */

/**
 * A referral whose stats update may still be pending, with the marker keys seen on it. No keys: only a
 * compensation flag is left (the stats write committed but its answer was lost after the retries).
 */
export interface PendingReferral {
  referralId: string;
  keys: string[];
  /**
   * The activity days the markers' recorded changes carry (`pendingChanges.<marker>.byDay`). The counters
   * are recounted from the referrals, but the daily buckets are not: clearing a marker applies its days.
   */
  byDay?: ActivityByDay;
}

/** The changes a referral recorded with its markers, as `accumulate` reads them. */
export type RecordedChanges = Readonly<Record<string, { byDay?: ActivityByDay | undefined }>>;

/** The referral's sums the ledger check compares with its rows, in the order of `LedgerSums`. */
export const LEDGER_FIELDS = [
  'pendingCents',
  'approvedCents',
  'paidCents',
  'onHoldCents',
  'reversedCents',
] as const satisfies readonly (keyof EarningsByStatus)[];
export type LedgerField = (typeof LEDGER_FIELDS)[number];

/** Cents by `LEDGER_FIELDS`: pending, approved, paid, on hold (net) and reversed. */
export type LedgerSums = [number, number, number, number, number];

/**
 * A referral with earnings, as the referral pages read it: its `factCount` (`null` before its first
 * fact-based write) and its sums. The `factCount` grows with every write of the referral, and every write of
 * its ledger rows is in the same transaction, so an unchanged `factCount` later proves the rows read in
 * between belong to this state.
 */
export type SeenEarnings = [factCount: number | null, ...sums: LedgerSums];

export interface Accumulation {
  counters: ReferralCounters;
  pending: PendingReferral[];
  /**
   * Referrals whose sums are not all zero, by referral id, for the ledger check. A referral without earnings
   * is left out to keep the workflow state small: it has no rows either (every invoice row adds its
   * `earningsCents` > 0 to the five sums, and a clawback adds nothing to them in total).
   */
  earnings: Record<string, SeenEarnings>;
}

const pendingKeysOf = (referral: Referral): string[] =>
  referral.pendingStats ? [...referral.pendingStats].sort() : [];

const sumsOf = (e: Partial<Pick<EarningsByStatus, LedgerField>>): LedgerSums =>
  LEDGER_FIELDS.map((field) => e[field] ?? 0) as LedgerSums;
const isZero = (sums: readonly number[]): boolean => sums.every((v) => v === 0);
const sameSums = (a: LedgerSums, b: LedgerSums): boolean => a.every((v, i) => v === b[i]);
const ZERO_SUMS: LedgerSums = [0, 0, 0, 0, 0];

/** Adds one page of the partner's items onto `prior`; items that are not referrals (`ref_…`) are skipped. */
export function accumulate(
  prior: Accumulation | undefined,
  referralItems: readonly (Referral & { pendingChanges?: RecordedChanges | undefined })[],
): Accumulation {
  const referrals = referralItems.filter((item) => isReferralId(item.referralId));
  const counters = addContributions({ ...(prior?.counters ?? zeroCounters()) }, referrals);
  const pending = [...(prior?.pending ?? [])];
  const earnings: Record<string, SeenEarnings> = { ...(prior?.earnings ?? {}) };
  for (const referral of referrals) {
    const keys = pendingKeysOf(referral);
    if (keys.length > 0 || referral.statsPendingSince !== undefined) {
      const byDay: ActivityByDay = {};
      for (const key of keys) addActivity(byDay, referral.pendingChanges?.[key]?.byDay ?? {});
      pending.push({
        referralId: referral.referralId,
        keys,
        ...(Object.keys(byDay).length > 0 ? { byDay } : {}),
      });
    }
    const sums = sumsOf(referral);
    if (!isZero(sums)) earnings[referral.referralId] = [referral.factCount ?? null, ...sums];
  }
  return { counters, pending, earnings };
}

export interface FieldDrift {
  stored: number;
  actual: number;
}

export interface CorrectionPlan {
  partnerId: string;
  corrected: boolean;
  fields: Record<string, FieldDrift>;
  transactItems: UpdateAction[];
  /** More referrals carry markers than one transaction can clear; the next run clears the rest. */
  morePending: boolean;
}

/** DynamoDB allows 100 actions per transaction: one for the stats row, the rest for markers. */
export const MAX_TRANSACTION_ACTIONS = 100;
export const MAX_PENDING_PER_CORRECTION = MAX_TRANSACTION_ACTIONS - 1;

/**
 * The oldest pending referrals whose marker updates and bucket days fit one transaction beside the stats
 * update (always the first: one referral's change alone fits, `MAX_BUCKET_DAYS`).
 */
function clearableOf(pending: readonly PendingReferral[]): {
  clearable: PendingReferral[];
  byDay: ActivityByDay;
} {
  const clearable: PendingReferral[] = [];
  const byDay: ActivityByDay = {};
  for (const referral of pending) {
    const days = new Set([...Object.keys(byDay), ...Object.keys(referral.byDay ?? {})]);
    if (clearable.length > 0 && clearable.length + 1 + days.size > MAX_PENDING_PER_CORRECTION) break;
    clearable.push(referral);
    addActivity(byDay, referral.byDay ?? {});
  }
  return { clearable, byDay };
}

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
  activityTable: string;
  now: string;
}): CorrectionPlan {
  const { partnerId, stats, acc, statsTable, referralsTable, activityTable, now } = args;
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
  const statsUpdate: UpdateAction = {
    Update: {
      TableName: statsTable,
      Key: { partnerId: S(partnerId) },
      UpdateExpression: `SET ${sets.join(', ')}, version = :next, lastReconciledAt = :now`,
      ConditionExpression: 'version = :seen',
      ExpressionAttributeValues: statsValues,
    },
  };

  const { clearable, byDay } = clearableOf(acc.pending);
  const markerUpdates: UpdateAction[] = clearable.map(({ referralId, keys }) => {
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
    const names: Record<string, string> = {};
    keys.forEach((key, i) => {
      values[`:k${i}`] = S(key);
      names[`#k${i}`] = key;
    });
    // The recorded changes go with their markers: the counters are recounted, the days applied below.
    const changes = keys.map((_, i) => `pendingChanges.#k${i}`).join(', ');
    return {
      Update: {
        TableName: referralsTable,
        Key: { partnerId: S(partnerId), referralId: S(referralId) },
        UpdateExpression: `DELETE pendingStats :keys REMOVE statsPendingSince, statsPendingReason, ${changes}`,
        ConditionExpression: keys.map((_, i) => `contains(pendingStats, :k${i})`).join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });

  return {
    partnerId,
    corrected: true,
    fields,
    transactItems: [statsUpdate, ...markerUpdates, ...activityBucketUpdates(activityTable, partnerId, byDay)],
    morePending: acc.pending.length > clearable.length,
  };
}

// ---- The ledger check ------------------------------------------------------------------------------------
//
// A referral's ledger rows are written in the same transaction as the referral (referral-write.ts), so the
// referral's sums always equal the sums over its rows (`earningsOf`). A difference means someone edited one
// of the tables by hand (or a write bypassed the workflows): reconciliation reports it and corrects nothing,
// because it cannot know which side is right.
//
// The reads are no snapshot: the referral pages are read first, the ledger pages after them, and live traffic
// may write a referral and its rows in between. A referral whose rows do not add up is therefore only a
// suspect until it is read again (`confirmLedgerDrift`): when its `factCount` and sums are the same as on the
// referral page, nothing wrote it while its rows were read, and the difference is real.

/** A ledger row, as much of it as the check reads (`earningsOf` reads these fields only). */
export type LedgerRow = Pick<
  Commission,
  'referralId' | 'type' | 'status' | 'earningsCents' | 'reversedCents' | 'netCents'
>;

/** The rows of one referral: their sums (`LedgerSums` order) and how many there are. */
export type RowSums = [...sums: LedgerSums, rows: number];

export interface LedgerAccumulation {
  /** By referral id. */
  rows: Record<string, RowSums>;
  /** Referrals whose rows do not add up to their sums so far, in referral id order, at most `MAX_LEDGER_RECHECKS`. */
  suspects: string[];
  /** How many referrals do not add up so far (`suspects` and the ones beyond its cap). */
  mismatched: number;
}

/** Referrals read again per partner and run (a nested Map of `GetItem`s): the rest wait for the next run. */
export const MAX_LEDGER_RECHECKS = 10;
/** Drift entries listed per partner (whole referrals; the first one always): the partner's result stays small. */
export const MAX_LEDGER_DRIFT_PER_PARTNER = 10;

const sumsOfRow = (row: LedgerRow): LedgerSums => sumsOf(earningsOf([row as Commission]));

const ownEntries = <T>(record: Record<string, T>): Map<string, T> => new Map(Object.entries(record));

/**
 * Adds one page of the partner's ledger rows onto `prior` and recomputes the suspects against the referrals
 * `acc` saw: a referral with earnings whose rows add up differently (or that has none), and any referral id
 * rows name that `acc` holds no earnings for (a referral without earnings has no rows, or it does not exist).
 * Only the last page's suspects are final.
 */
export function accumulateLedger(
  prior: LedgerAccumulation | undefined,
  acc: Accumulation,
  page: readonly LedgerRow[],
): LedgerAccumulation {
  const rows = ownEntries(prior?.rows ?? {});
  for (const row of page) {
    const [pending, approved, paid, onHold, reversed, count] = rows.get(row.referralId) ?? [...ZERO_SUMS, 0];
    const add = sumsOfRow(row);
    rows.set(row.referralId, [
      pending + add[0],
      approved + add[1],
      paid + add[2],
      onHold + add[3],
      reversed + add[4],
      count + 1,
    ]);
  }
  const earnings = ownEntries(acc.earnings);
  const ids = [...new Set([...earnings.keys(), ...rows.keys()])].sort();
  const mismatched = ids.filter((id) => {
    const seen = earnings.get(id);
    const sums = rows.get(id);
    if (!seen || !sums) return true;
    return !sameSums(seen.slice(1) as LedgerSums, sums.slice(0, 5) as LedgerSums);
  });
  return {
    rows: Object.fromEntries(rows),
    suspects: mismatched.slice(0, MAX_LEDGER_RECHECKS),
    mismatched: mismatched.length,
  };
}

/** A suspect read again after the ledger pages (consistent `GetItem`): absent when the referral does not exist. */
export interface RecheckedReferral {
  referralId: string;
  current?: Partial<Pick<Referral, LedgerField | 'factCount'>>;
}

/**
 * One difference between a referral and its ledger rows. `field` is a sum of the referral and `ledger` the
 * same sum over its rows; `field: 'referral'` with `referral: null` is rows whose referral does not exist
 * (`ledger` counts them).
 */
export type LedgerDrift =
  | { referralId: string; field: LedgerField; ledger: number; referral: number }
  | { referralId: string; field: 'referral'; ledger: number; referral: null };

export interface LedgerCheck {
  ledgerDrift: LedgerDrift[];
  /** Further referrals whose rows did not add up, not read again or not listed: they show once the listed ones are repaired. */
  ledgerDriftOmitted: number;
}

/**
 * The suspects whose difference is real: read again, unchanged since the referral pages (same `factCount`,
 * same sums; a referral without earnings then is unchanged while it still has none, as any workflow write
 * that gives it rows gives it earnings), or missing while rows name it. A suspect written meanwhile is left
 * for the next run.
 */
export function confirmLedgerDrift(
  acc: Accumulation,
  ledger: LedgerAccumulation,
  recheck: readonly RecheckedReferral[],
): LedgerCheck {
  const earnings = ownEntries(acc.earnings);
  const rows = ownEntries(ledger.rows);
  const reread = new Map(recheck.map((r) => [r.referralId, r.current]));
  const listed: LedgerDrift[] = [];
  let omitted = ledger.mismatched - ledger.suspects.length;
  for (const referralId of ledger.suspects) {
    if (!reread.has(referralId)) {
      omitted += 1; // not read again: unconfirmed
      continue;
    }
    const current = reread.get(referralId);
    const [pending, approved, paid, onHold, reversed, count] = rows.get(referralId) ?? [...ZERO_SUMS, 0];
    const rowSums: LedgerSums = [pending, approved, paid, onHold, reversed];
    let found: LedgerDrift[];
    if (current === undefined) {
      found = count > 0 ? [{ referralId, field: 'referral', ledger: count, referral: null }] : [];
    } else {
      const [factCount, ...seenSums] = earnings.get(referralId) ?? [null, ...ZERO_SUMS];
      const currentSums = sumsOf(current);
      const unchanged =
        sameSums(seenSums, currentSums) &&
        (!earnings.has(referralId) || (current.factCount ?? null) === factCount);
      if (!unchanged) continue; // written since the referral pages: the next run checks it again
      found = LEDGER_FIELDS.flatMap((field, i) =>
        rowSums[i] === currentSums[i]
          ? []
          : [{ referralId, field, ledger: rowSums[i] as number, referral: currentSums[i] as number }],
      );
    }
    if (found.length === 0) continue;
    if (listed.length > 0 && listed.length + found.length > MAX_LEDGER_DRIFT_PER_PARTNER) omitted += 1;
    else listed.push(...found);
  }
  return { ledgerDrift: listed, ledgerDriftOmitted: omitted };
}

/** Why one partner's iteration failed (its Catch): the error's name and cause, as Step Functions gives them. */
export interface PartnerFailure {
  error: string;
  cause: string;
}

/** One partner's result, as the reconciliation Map's iterations end. */
export interface PartnerResult extends Partial<LedgerCheck> {
  partnerId: string;
  corrected: boolean;
  skipped?: boolean;
  fields?: Record<string, FieldDrift>;
  /** The iteration failed (retries exhausted, a row that cannot be read or summed): the next run tries again. */
  failure?: PartnerFailure;
}

export interface PartnerLedgerDrift extends Pick<LedgerCheck, 'ledgerDrift'> {
  partnerId: string;
  ledgerDriftOmitted?: number;
}

/**
 * A run is a chain of executions, one page of partners each, each started by the one before it (continue as
 * new): the run is named by its first execution, and every execution carries this forward.
 */
export interface ReconciliationRun {
  firstExecution: string;
  startedAt: string;
}

export interface ReconciliationSummary {
  /** Absent only in summaries built outside a workflow run (tests). */
  run?: ReconciliationRun;
  /** Pages of partners summarized so far: one per execution of the run. */
  pages: number;
  partnersChecked: number;
  partnersCorrected: number;
  partnersSkipped: number;
  drift: { partnerId: string; fields: Record<string, FieldDrift> }[];
  /** Drifted partners left out of `drift` to keep the workflow state small (see `MAX_DRIFT_ENTRIES`). */
  driftOmitted?: number;
  /** Partners whose ledger rows differ from their referrals (reported, never corrected). */
  partnersWithLedgerDrift: number;
  ledgerDrift: PartnerLedgerDrift[];
  /** Partners with ledger drift left out of `ledgerDrift` (see `MAX_LEDGER_DRIFT_PARTNERS`). */
  ledgerDriftOmitted?: number;
  /** Partners whose iteration failed; counted in `partnersChecked`, neither corrected nor skipped. */
  partnersFailed: number;
  failures: (PartnerFailure & { partnerId: string })[];
  /** Failed partners left out of `failures` (see `MAX_FAILURE_ENTRIES`). */
  failuresOmitted: number;
}

/**
 * What the run's last execution reports when partners failed: it ends in its `PartnersFailed` Fail state, whose
 * cause (at most 32,768 characters) carries the counts and the failures, not the drift lists.
 */
export type PartnersFailedReport = Pick<
  ReconciliationSummary,
  | 'run'
  | 'pages'
  | 'partnersChecked'
  | 'partnersCorrected'
  | 'partnersSkipped'
  | 'partnersWithLedgerDrift'
  | 'partnersFailed'
  | 'failures'
  | 'failuresOmitted'
>;

// The summary lives in the workflow state and in each continuation's input (256 KiB each, and the summarize
// step holds the prior summary and the new one at once), so every list in it is capped. The worst case (every
// counter of a listed partner drifted, about 1.2 KB an entry) stays near 100 KB.
/** Drifted partners listed. */
export const MAX_DRIFT_ENTRIES = 50;
/** Partners with ledger drift listed (each lists up to `MAX_LEDGER_DRIFT_PER_PARTNER` entries). */
export const MAX_LEDGER_DRIFT_PARTNERS = 25;
/** Failed partners listed: they also make up the `PartnersFailed` cause, which must stay under 32,768 characters. */
export const MAX_FAILURE_ENTRIES = 20;
/** A failure's cause is cut to this many characters (a Lambda's cause carries its stack trace). */
export const MAX_FAILURE_CAUSE_LENGTH = 500;

/** The `PartnersFailed` cause's content: the summary without its drift lists. */
export const partnersFailedReport = (summary: ReconciliationSummary): PartnersFailedReport => ({
  ...(summary.run ? { run: summary.run } : {}),
  pages: summary.pages,
  partnersChecked: summary.partnersChecked,
  partnersCorrected: summary.partnersCorrected,
  partnersSkipped: summary.partnersSkipped,
  partnersWithLedgerDrift: summary.partnersWithLedgerDrift,
  partnersFailed: summary.partnersFailed,
  failures: summary.failures,
  failuresOmitted: summary.failuresOmitted,
});

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Adds a page of partner results onto the running summary (one page more). */
export function summarize(
  prior: ReconciliationSummary | undefined,
  results: readonly PartnerResult[],
): ReconciliationSummary {
  const summary: ReconciliationSummary = {
    ...(prior?.run ? { run: prior.run } : {}),
    pages: (prior?.pages ?? 0) + 1,
    partnersChecked: prior?.partnersChecked ?? 0,
    partnersCorrected: prior?.partnersCorrected ?? 0,
    partnersSkipped: prior?.partnersSkipped ?? 0,
    drift: [...(prior?.drift ?? [])],
    driftOmitted: prior?.driftOmitted ?? 0,
    partnersWithLedgerDrift: prior?.partnersWithLedgerDrift ?? 0,
    ledgerDrift: [...(prior?.ledgerDrift ?? [])],
    ledgerDriftOmitted: prior?.ledgerDriftOmitted ?? 0,
    partnersFailed: prior?.partnersFailed ?? 0,
    failures: [...(prior?.failures ?? [])],
    failuresOmitted: prior?.failuresOmitted ?? 0,
  };
  for (const result of results) {
    summary.partnersChecked += 1;
    if (result.failure) {
      summary.partnersFailed += 1;
      if (summary.failures.length < MAX_FAILURE_ENTRIES) {
        const { error, cause } = result.failure;
        summary.failures.push({
          partnerId: result.partnerId,
          error,
          cause: cut(cause, MAX_FAILURE_CAUSE_LENGTH),
        });
      } else summary.failuresOmitted += 1;
      continue;
    }
    if (result.corrected) summary.partnersCorrected += 1;
    if (result.skipped) summary.partnersSkipped += 1;
    if (result.corrected && result.fields && Object.keys(result.fields).length > 0) {
      if (summary.drift.length < MAX_DRIFT_ENTRIES)
        summary.drift.push({ partnerId: result.partnerId, fields: result.fields });
      else summary.driftOmitted = (summary.driftOmitted ?? 0) + 1;
    }
    const ledgerDrift = result.ledgerDrift ?? [];
    if (ledgerDrift.length > 0) {
      summary.partnersWithLedgerDrift += 1;
      if (summary.ledgerDrift.length < MAX_LEDGER_DRIFT_PARTNERS) {
        const omitted = result.ledgerDriftOmitted ?? 0;
        summary.ledgerDrift.push({
          partnerId: result.partnerId,
          ledgerDrift,
          ...(omitted > 0 ? { ledgerDriftOmitted: omitted } : {}),
        });
      } else summary.ledgerDriftOmitted = (summary.ledgerDriftOmitted ?? 0) + 1;
    }
  }
  return summary;
}
