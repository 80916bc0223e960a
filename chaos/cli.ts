/**
 * `npm run chaos -- --journeys N --duplicates P --reorder P --faults P --latency P --latency-ms MS --seed S
 * [--concurrency C] [--json file] [--help]`: the chaos run on a fresh in-memory local stack (N users' stories). Prints
 * the figures and exits 1 when an invariant breaks.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReport } from './report';
import { runChaos } from './run';

/** The numeric flags: default and meaning (the usage text and the parser's defaults). */
const FLAGS = {
  journeys: ['1000', 'N', 'users, each a story sampled from the seed (over N/25 partners)'],
  duplicates: ['0.2', 'P', 'share of deliveries made twice'],
  reorder: ['0.1', 'P', 'share of users delivered out of order'],
  faults: ['0.05', 'P', 'share of Task calls failing transiently (at most 0.5)'],
  latency: ['0.1', 'P', 'share of Task calls held before they run'],
  'latency-ms': ['25', 'MS', 'the longest hold'],
  seed: ['1', 'S', "the stories' and the faults' seed"],
  concurrency: ['4', 'C', 'PutEvents calls in flight'],
} as const;

const USAGE = [
  'npm run chaos -- [options]   (a short run: --journeys 100)',
  ...Object.entries(FLAGS).map(
    ([flag, [value, arg, meaning]]) => `  --${`${flag} ${arg}`.padEnd(16)} ${meaning} (default ${value})`,
  ),
  `  --${'json FILE'.padEnd(16)} also write the report as JSON`,
  `  --${'help'.padEnd(16)} this text`,
  'Exits 0 when every invariant holds, 1 when one breaks, 2 on an error.',
].join('\n');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      ...(Object.fromEntries(
        Object.entries(FLAGS).map(([flag, [value]]) => [flag, { type: 'string', default: value }]),
      ) as Record<keyof typeof FLAGS, { type: 'string'; default: string }>),
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const num = (flag: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new Error(`--${flag} must be between ${min} and ${max}, got ${value}`);
    return n;
  };
  const options = {
    journeys: Math.floor(num('journeys', values.journeys, 1, 1_000_000)),
    duplicates: num('duplicates', values.duplicates, 0, 1),
    reorder: num('reorder', values.reorder, 0, 1),
    faults: num('faults', values.faults, 0, 0.5),
    latency: num('latency', values.latency, 0, 1),
    latencyMs: Math.floor(num('latency-ms', values['latency-ms'], 0, 10_000)),
    seed: Math.floor(num('seed', values.seed, 0, 2 ** 31)),
    concurrency: Math.floor(num('concurrency', values.concurrency, 1, 64)),
  };
  let last = '';
  const report = await runChaos({
    ...options,
    onProgress: (phase, done, total) => {
      const line = `${phase}: ${Math.floor((done / total) * 100)}%`;
      if (line !== last && process.stderr.isTTY) process.stderr.write(`\r${line}   `);
      last = line;
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\r');
  process.stdout.write(`${formatReport(report)}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
