/**
 * `npm run chaos -- --journeys N --duplicates P --reorder P --faults P --latency P --latency-ms MS --seed S
 * [--concurrency C] [--json file]`: the chaos run on a fresh in-memory local stack (N users' stories). Prints
 * the figures and exits 1 when an invariant breaks.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReport } from './report';
import { runChaos } from './run';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      journeys: { type: 'string', default: '1000' },
      duplicates: { type: 'string', default: '0.2' },
      reorder: { type: 'string', default: '0.1' },
      faults: { type: 'string', default: '0.05' },
      latency: { type: 'string', default: '0.1' },
      'latency-ms': { type: 'string', default: '25' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '4' },
      json: { type: 'string' },
    },
  });
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
