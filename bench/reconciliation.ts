/**
 * `npm run bench:reconciliation`: the real reconciliation workflow (its ASL, the compute Lambda
 * in-process, DynamoDB Local) over 10k and 100k referrals spread over many partners, every stats row
 * wrong (all zero) so every partner is recomputed and corrected. Reports referrals per second; linear
 * growth means the rate stays flat as the size grows.
 */
import { TABLE_NAMES } from '../domain/config';
import { LocalSystem } from '../local/system';
import { emptyStatsItem, paidReferralItem, putAll } from './support/load';
import { report } from './support/report';

const SIZES = [10_000, 100_000];
const REFERRALS_PER_PARTNER = 100;

export interface ReconciliationRow {
  referrals: number;
  partners: number;
  seconds: number;
  referralsPerSecond: number;
  partnersCorrected: number;
}

export async function benchReconciliation(sizes: readonly number[] = SIZES): Promise<ReconciliationRow[]> {
  const rows: ReconciliationRow[] = [];
  for (const size of sizes) {
    const system = await LocalSystem.start({ retryDelayScale: 0 });
    try {
      const partners = Math.ceil(size / REFERRALS_PER_PARTNER);
      const ids = Array.from({ length: partners }, (_, p) => `rp_${String(p).padStart(5, '0')}`);
      await putAll(system.dynamoDb, TABLE_NAMES.stats, ids.map(emptyStatsItem));
      await putAll(
        system.dynamoDb,
        TABLE_NAMES.referrals,
        ids.flatMap((id) => Array.from({ length: REFERRALS_PER_PARTNER }, (_, i) => paidReferralItem(id, i))),
      );
      const t = performance.now();
      const { executionArn } = system.runtime.start('reconciliation', {});
      const done = await system.runtime.waitFor(executionArn);
      const seconds = (performance.now() - t) / 1000;
      if (done.status !== 'SUCCEEDED')
        throw new Error(`reconciliation ${done.status}: ${done.error} ${done.cause}`);
      const summary = done.output as { partnersCorrected: number };
      rows.push({
        referrals: size,
        partners,
        seconds,
        referralsPerSecond: size / seconds,
        partnersCorrected: summary.partnersCorrected,
      });
    } finally {
      await system.stop();
    }
  }
  const first = rows[0]?.referralsPerSecond ?? 1;
  report(
    'reconciliation',
    `Reconciliation (${REFERRALS_PER_PARTNER} referrals per partner, every partner corrected; linear when the rate stays flat)`,
    ['referrals', 'partners', 'seconds', 'referrals/s', 'rate vs smallest', 'partners corrected'],
    rows.map((r) => [
      r.referrals,
      r.partners,
      r.seconds.toFixed(1),
      Math.round(r.referralsPerSecond),
      (r.referralsPerSecond / first).toFixed(2),
      r.partnersCorrected,
    ]),
    rows,
  );
  return rows;
}

if (require.main === module) void benchReconciliation();
