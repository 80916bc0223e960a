/**
 * `npm run bench`: every benchmark in one run, one after the other, each printing its table and writing
 * `bench/results/<name>.json`. Not part of CI: figures depend on the machine.
 */
import { benchBundles } from './bundles';
import { benchCost } from './cost';
import { benchDashboard } from './dashboard';
import { defineCommand, readCommandLine } from '../local/command-line';
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

const ALL_COMMAND = defineCommand({
  name: 'npm run bench',
  summary: [
    `Every benchmark, one after the other: ${BENCHES.map(([name]) => name).join(', ')}; each prints its table`,
    'and its target (`npm run bench:<name> -- --help` says what it measures). Not part of CI: figures depend on the machine.',
  ],
  flags: {},
  notes: ['Writes bench/results/<name>.json for each (the rows and the machine).'],
});

async function main(): Promise<void> {
  readCommandLine(ALL_COMMAND);
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
