/**
 * `npm run bench:reconciliation`: the real reconciliation workflow (its ASL, the compute Lambda in-process,
 * DynamoDB Local) over 1k, 10k and 30k partners, each with one paid referral and its ledger row cloned from
 * ones the real workflows wrote (`PaidReferrals`), every stats row wrong (all zero) so every partner is
 * recomputed and corrected. A run is a chain of executions, one page of partners each: the benchmark follows
 * it and reports referrals per second (flat: linear cost) and the largest history of any execution of the
 * run (flat and under AWS's 25,000 events: no execution grows with the number of partners).
 */
import { TABLE_NAMES } from '../domain/config';
import { followRun } from '../local/reconcile';
import { LocalSystem } from '../local/system';
import { emptyStatsItem, PaidReferrals, putAll } from './support/load';
import { report } from './support/report';
import { defineCommand, integer, readCommandLine, UsageError } from '../local/command-line';

const SIZES = [1_000, 10_000, 30_000];
const REFERRALS_PER_PARTNER = 1;
/** AWS's hard quota on one execution's history. */
const MAX_HISTORY_EVENTS = 25_000;

export interface ReconciliationRow {
  partners: number;
  referrals: number;
  ledgerRows: number;
  executions: number;
  seconds: number;
  referralsPerSecond: number;
  /** Events in the longest GetExecutionHistory of any execution of the run. */
  largestHistoryEvents: number;
  partnersCorrected: number;
  /** The ledger rows agree with their referrals, so the ledger check reports none. */
  partnersWithLedgerDrift: number;
}

export async function benchReconciliation(sizes: readonly number[] = SIZES): Promise<ReconciliationRow[]> {
  const rows: ReconciliationRow[] = [];
  const referrals = await PaidReferrals.capture();
  for (const partners of sizes) {
    const system = await LocalSystem.start({ retryDelayScale: 0 });
    try {
      const ids = Array.from({ length: partners }, (_, p) => `rp_${String(p).padStart(6, '0')}`);
      await putAll(system.dynamoDb, TABLE_NAMES.stats, ids.map(emptyStatsItem));
      const paid = ids.flatMap((id) =>
        Array.from({ length: REFERRALS_PER_PARTNER }, (_, i) => referrals.of(id, i)),
      );
      await putAll(
        system.dynamoDb,
        TABLE_NAMES.referrals,
        paid.map((p) => p.referral),
      );
      const ledger = paid.flatMap((p) => p.ledger);
      await putAll(system.dynamoDb, TABLE_NAMES.commissions, ledger);

      const t = performance.now();
      const { executionArn } = system.runtime.start('reconciliation', {});
      const outcome = await followRun(executionArn, (arn) => system.runtime.waitFor(arn));
      const seconds = (performance.now() - t) / 1000;
      if (outcome.status !== 'SUCCEEDED') {
        throw new Error(`reconciliation: partners failed ${JSON.stringify(outcome.report.failures)}`);
      }
      const largestHistoryEvents = Math.max(
        ...outcome.executions.map((arn) => system.runtime.history(arn).length),
      );
      rows.push({
        partners,
        referrals: paid.length,
        ledgerRows: ledger.length,
        executions: outcome.executions.length,
        seconds,
        referralsPerSecond: paid.length / seconds,
        largestHistoryEvents,
        partnersCorrected: outcome.report.partnersCorrected,
        partnersWithLedgerDrift: outcome.report.partnersWithLedgerDrift,
      });
    } finally {
      await system.stop();
    }
  }
  const first = rows[0];
  report(
    'reconciliation',
    `Reconciliation (${REFERRALS_PER_PARTNER} paid referral per partner with its ledger row, every partner corrected; linear when the rate stays flat, bounded when the largest history stays flat under ${MAX_HISTORY_EVENTS.toLocaleString('en')})`,
    [
      'partners',
      'referrals',
      'executions',
      'seconds',
      'referrals/s',
      'rate vs smallest',
      'largest history',
      'history vs smallest',
      'partners corrected',
      'ledger drift',
    ],
    rows.map((r) => [
      r.partners,
      r.referrals,
      r.executions,
      r.seconds.toFixed(1),
      Math.round(r.referralsPerSecond),
      (r.referralsPerSecond / (first?.referralsPerSecond ?? 1)).toFixed(2),
      r.largestHistoryEvents,
      (r.largestHistoryEvents / (first?.largestHistoryEvents ?? 1)).toFixed(2),
      r.partnersCorrected,
      r.partnersWithLedgerDrift,
    ]),
    rows,
  );
  return rows;
}

const RECONCILIATION_COMMAND = defineCommand({
  name: 'npm run bench:reconciliation',
  usage: ['-- [partners ...]'],
  summary: [
    'The real reconciliation workflow (its ASL, the compute Lambda in-process, DynamoDB Local) over 1k, 10k and 30k',
    "partners (or the counts given), every partner's stats wrong so each is corrected: referrals per second and",
    "the largest history of any execution of the run's chain (flat, and under the 25,000 events of AWS).",
  ],
  positionals: true,
  flags: {},
  notes: ['Writes bench/results/reconciliation.json (the rows and the machine).'],
});

/** The partner counts given, each an integer; the default sizes when none is. */
const partnerCounts = (positionals: readonly string[]): number[] => {
  const count = integer(1, 1_000_000);
  try {
    return positionals.length > 0 ? positionals.map(count) : SIZES;
  } catch (error) {
    throw new UsageError(`partners: ${error instanceof Error ? error.message : String(error)}`);
  }
};

if (require.main === module) {
  void benchReconciliation(readCommandLine(RECONCILIATION_COMMAND, (c) => partnerCounts(c.positionals)));
}
