/**
 * `npm run chaos`: the chaos run on a fresh in-memory local stack (N users' stories). Prints the figures and
 * exits 1 when an invariant breaks. `npm run chaos -- --help` lists the options.
 */
import { writeFileSync } from 'node:fs';
import { decimal, defineCommand, integer, readCommandLine } from '../local/command-line';
import { formatReport } from './report';
import { runChaos } from './run';

const CHAOS_COMMAND = defineCommand({
  name: 'npm run chaos',
  summary: [
    "The chaos run: users' stories with duplicated, reordered and late deliveries and failing or slow Task calls,",
    'on a fresh local stack; prints the figures and checks every invariant. A short run: --journeys 100.',
  ],
  flags: {
    journeys: {
      type: 'string',
      arg: 'N',
      default: '1000',
      parse: integer(1, 1_000_000),
      description: 'users, each a story sampled from the seed, over N/25 partners',
    },
    duplicates: {
      type: 'string',
      arg: 'P',
      default: '0.2',
      parse: decimal(0, 1),
      description: 'share of deliveries made twice',
    },
    reorder: {
      type: 'string',
      arg: 'P',
      default: '0.1',
      parse: decimal(0, 1),
      description: 'share of users delivered out of order',
    },
    faults: {
      type: 'string',
      arg: 'P',
      default: '0.05',
      parse: decimal(0, 0.5),
      description: 'share of Task calls failing transiently, at most 0.5',
    },
    latency: {
      type: 'string',
      arg: 'P',
      default: '0.1',
      parse: decimal(0, 1),
      description: 'share of Task calls held before they run',
    },
    'latency-ms': {
      type: 'string',
      arg: 'MS',
      default: '25',
      parse: integer(0, 10_000),
      description: 'the longest hold',
    },
    seed: {
      type: 'string',
      arg: 'S',
      default: '1',
      parse: integer(0, 2 ** 31),
      description: "the stories' and the faults' seed",
    },
    concurrency: {
      type: 'string',
      arg: 'C',
      default: '4',
      parse: integer(1, 64),
      description: 'PutEvents calls in flight',
    },
    crash: {
      type: 'string',
      arg: 'N',
      default: '0',
      parse: integer(0, 100),
      description: 'crash the stack N times during the deliveries (kill -9 in process) and start it again',
    },
    json: { type: 'string', arg: 'FILE', description: 'also write the report as JSON' },
  },
  notes: ['Exits 0 when every invariant holds, 1 when one breaks, 2 on an error.'],
});

async function main(): Promise<number> {
  const { values } = readCommandLine(CHAOS_COMMAND);
  let last = '';
  const report = await runChaos({
    journeys: values.journeys,
    duplicates: values.duplicates,
    reorder: values.reorder,
    faults: values.faults,
    latency: values.latency,
    latencyMs: values['latency-ms'],
    seed: values.seed,
    concurrency: values.concurrency,
    crashes: values.crash,
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
