/**
 * `npm run bench`: every benchmark in one run, one after the other, each printing its table and writing
 * `bench/results/<name>.json`. Not part of CI: figures depend on the machine.
 */
import { benchBundles } from './bundles';
import { benchCost } from './cost';
import { benchDashboard } from './dashboard';
import { benchReconciliation } from './reconciliation';
import { loadAverage } from './support/report';
import { benchThroughput } from './throughput';
import { benchViral } from './viral';

const BENCHES: [string, () => unknown][] = [
  ['bundles', benchBundles],
  ['dashboard', benchDashboard],
  ['throughput', benchThroughput],
  ['reconciliation', benchReconciliation],
  ['cost', benchCost],
  ['viral', benchViral],
];

async function main(): Promise<void> {
  const started = performance.now();
  for (const [name, bench] of BENCHES) {
    process.stdout.write(`\n[${name}: starting, load average 1/5/15 min ${loadAverage().join(' / ')}]\n`);
    await bench();
  }
  process.stdout.write(`\nAll benchmarks in ${((performance.now() - started) / 1000).toFixed(0)} s.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
