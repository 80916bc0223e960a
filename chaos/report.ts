import type { ChaosReport } from './run';

/** The chaos run's figures as plain-text tables. */
export function formatReport(report: ChaosReport): string {
  const lines: string[] = [];
  const o = report.options;
  lines.push(
    `Chaos run: ${o.journeys} journeys, duplicates ${pct(o.duplicates)}, reordered ${pct(o.reorder)}, ` +
      `faults ${pct(o.faults)}, seed ${o.seed}, ${o.concurrency} PutEvents in flight (${report.seconds.toFixed(0)} s)`,
    '',
  );
  lines.push(
    ...table(
      ['figure', 'value'],
      Object.entries(report.figures).map(([k, v]) => [k, String(v)]),
    ),
    '',
  );
  lines.push(
    ...table(
      ['fault injected', 'count'],
      Object.entries(report.faults).map(([k, v]) => [k, String(v)]),
    ),
    '',
  );
  const statuses = Object.entries(report.executions).map(([wf, byStatus]) => [
    wf,
    Object.entries(byStatus)
      .map(([s, n]) => `${s} ${n}`)
      .join(', '),
  ]);
  lines.push(...table(['workflow', 'executions'], statuses), '');
  const fired = report.catches.filter((c) => c.fired > 0).length;
  lines.push(`Catch blocks fired: ${fired} of ${report.catches.length}`);
  lines.push(
    ...table(
      ['catch block', 'fired'],
      report.catches.map(({ block, fired: n }) => [
        `${block.workflow}/${block.state} [${block.errors.join(', ')}] → ${block.next}`,
        String(n),
      ]),
    ),
    '',
  );
  lines.push(
    ...table(
      ['malformed event', 'answer'],
      report.malformed.map((m) => [m.name, m.answer]),
    ),
    '',
  );
  lines.push(
    ...table(
      ['invariant', 'result', 'detail'],
      report.checks.map((c) => [c.name, c.ok ? 'PASS' : 'FAIL', c.detail]),
    ),
  );
  lines.push('', report.ok ? 'All invariants hold.' : 'INVARIANT BROKEN.');
  return lines.join('\n');
}

const pct = (share: number): string => `${Math.round(share * 1000) / 10}%`;

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}
