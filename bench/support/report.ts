import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const RESULTS_DIR = path.join(__dirname, '..', 'results');

/** The 1, 5 and 15 minute load averages: other work on the machine moves every timing. */
export const loadAverage = (): [number, number, number] => {
  const [one = 0, five = 0, fifteen = 0] = os.loadavg().map((l) => Math.round(l * 100) / 100);
  return [one, five, fifteen];
};

/** The machine a figure came from, written next to every result (the load as the result was written). */
export const machine = () => ({
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
  loadAverage: loadAverage(),
});

/** The lines of a plain-text table: the header, a rule, one line per row. */
export function tableLines(header: string[], rows: (string | number)[][]): string[] {
  const cells = rows.map((r) => r.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
}

/** Prints a plain-text table and writes `bench/results/<name>.json` with the rows and the machine. */
export function report(
  name: string,
  title: string,
  header: string[],
  rows: (string | number)[][],
  data: unknown,
): void {
  process.stdout.write(
    [
      `\n${title}`,
      ...tableLines(header, rows),
      `(load average 1/5/15 min: ${loadAverage().join(' / ')} on ${os.cpus().length} cores)`,
      '',
    ].join('\n'),
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    path.join(RESULTS_DIR, `${name}.json`),
    JSON.stringify({ name, machine: machine(), data }, null, 2),
  );
}

/** The p-th percentile (0–100) of a list of numbers, by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

export const ms = (n: number): string => n.toFixed(2);
