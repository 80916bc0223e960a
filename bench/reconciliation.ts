/**
 * `npm run bench:reconciliation`: the real reconciliation workflow (its ASL, the compute Lambda
 * in-process, DynamoDB Local) over 10k and 100k paid referrals spread over many partners, each with its
 * ledger row, cloned from ones the real workflows wrote (`PaidReferrals`); every stats row wrong (all
 * zero) so every partner is recomputed and corrected. Reports referrals per second; linear
 * growth means the rate stays flat as the size grows.
 */
import { TABLE_NAMES } from '../domain/config';
import { LocalSystem } from '../local/system';
import { emptyStatsItem, PaidReferrals, putAll } from './support/load';
import { report } from './support/report';

const SIZES = [10_000, 100_000];
const REFERRALS_PER_PARTNER = 100;

export interface ReconciliationRow {
  referrals: number;
  ledgerRows: number;
  partners: number;
  seconds: number;
  referralsPerSecond: number;
  partnersCorrected: number;
  /** The ledger rows agree with their referrals, so the ledger check reports none. */
  partnersWithLedgerDrift: number;
}

export async function benchReconciliation(sizes: readonly number[] = SIZES): Promise<ReconciliationRow[]> {
  const rows: ReconciliationRow[] = [];
  const referrals = await PaidReferrals.capture();
  for (const size of sizes) {
    const system = await LocalSystem.start({ retryDelayScale: 0 });
    try {
      const partners = Math.ceil(size / REFERRALS_PER_PARTNER);
      const ids = Array.from({ length: partners }, (_, p) => `rp_${String(p).padStart(5, '0')}`);
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
      const ledgerRows = ledger.length;
      await putAll(system.dynamoDb, TABLE_NAMES.commissions, ledger);
      const t = performance.now();
      const { executionArn } = system.runtime.start('reconciliation', {});
      const done = await system.runtime.waitFor(executionArn);
      const seconds = (performance.now() - t) / 1000;
      if (done.status !== 'SUCCEEDED')
        throw new Error(`reconciliation ${done.status}: ${done.error} ${done.cause}`);
      const summary = done.output as { partnersCorrected: number; partnersWithLedgerDrift?: number };
      rows.push({
        referrals: size,
        ledgerRows,
        partners,
        seconds,
        referralsPerSecond: size / seconds,
        partnersCorrected: summary.partnersCorrected,
        partnersWithLedgerDrift: summary.partnersWithLedgerDrift ?? 0,
      });
    } finally {
      await system.stop();
    }
  }
  const first = rows[0]?.referralsPerSecond ?? 1;
  report(
    'reconciliation',
    `Reconciliation (${REFERRALS_PER_PARTNER} paid referrals per partner with their ledger rows, every partner corrected; linear when the rate stays flat)`,
    [
      'referrals',
      'ledger rows',
      'partners',
      'seconds',
      'referrals/s',
      'rate vs smallest',
      'partners corrected',
      'ledger drift',
    ],
    rows.map((r) => [
      r.referrals,
      r.ledgerRows,
      r.partners,
      r.seconds.toFixed(1),
      Math.round(r.referralsPerSecond),
      (r.referralsPerSecond / first).toFixed(2),
      r.partnersCorrected,
      r.partnersWithLedgerDrift,
    ]),
    rows,
  );
  return rows;
}

if (require.main === module) void benchReconciliation();
