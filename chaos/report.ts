import type { ChaosReport } from './run';

/** The chaos run's figures as plain-text tables. */
export function formatReport(report: ChaosReport): string {
  const lines: string[] = [];
  const o = report.options;
  lines.push(
    `Chaos run: ${o.journeys} users' stories, duplicates ${pct(o.duplicates)}, reordered ${pct(o.reorder)}, ` +
      `faults ${pct(o.faults)}, latency ${pct(o.latency)} up to ${o.latencyMs} ms, seed ${o.seed}, ` +
      `${o.concurrency} PutEvents in flight (${report.seconds.toFixed(0)} s)`,
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
      ['ledger (PartnerCommissions)', 'value'],
      Object.entries(report.ledger).map(([k, v]) => [k, String(v)]),
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
  const required = report.catches.filter((c) => !c.block.unreachable);
  const fired = required.filter((c) => c.fired > 0).length;
  lines.push(
    `Catch blocks fired: ${fired} of ${required.length} reachable ` +
      `(${report.catches.length - required.length} of ${report.catches.length} unreachable by traffic)`,
  );
  lines.push(
    ...table(
      ['catch block', 'fired'],
      required.map(({ block, fired: n }) => [
        `${block.workflow}/${block.state} [${block.errors.join(', ')}] → ${block.next}`,
        String(n),
      ]),
    ),
    '',
  );
  const unreachable = report.catches.filter((c) => c.block.unreachable);
  if (unreachable.length > 0) {
    lines.push(
      ...table(
        ['catch block no traffic can reach', 'fired', 'why'],
        unreachable.map(({ block, fired: n }) => [
          `${block.workflow}/${block.state}`,
          String(n),
          block.unreachable ?? '',
        ]),
      ),
      '',
    );
  }
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
