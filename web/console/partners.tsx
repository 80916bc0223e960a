import { useState } from 'preact/hooks';
import { consoleApi } from './api';
import './sections.css';
import { useConsoleApi } from './use-console-api';
import { TableHead } from '../shared/table-head';

/** What `local/console/partners.ts` answers (copied: the browser build has no Node types). */
interface PartnerView {
  partnerId: string;
  displayName?: string;
  registeredAt: string;
  lastActivityAt?: string;
  lastReconciledAt?: string;
  version: number;
  totalClicks: number;
  counters: Record<string, number>;
  /** Money counters, formatted by the server. */
  formatted: Record<string, string>;
  drift: Record<string, { stored: number; actual: number }>;
  pendingMarkers: number;
  inSync: boolean;
}
interface RunOutcome {
  status: 'SUCCEEDED' | 'PARTNERS_FAILED';
  report: {
    partnersChecked: number;
    partnersCorrected: number;
    partnersFailed?: number;
    drift: { partnerId: string; fields: Record<string, { stored: number; actual: number }> }[];
  };
  executions: string[];
}

const EARNINGS = [
  ['pendingEarningsCents', 'pending'],
  ['approvedEarningsCents', 'approved'],
  ['paidEarningsCents', 'paid'],
  ['onHoldEarningsCents', 'on hold'],
  ['reversedEarningsCents', 'reversed'],
] as const;

const driftText = (drift: PartnerView['drift']) =>
  Object.entries(drift).map(([field, d]) => `${field}: stored ${d.stored}, actual ${d.actual}`);

/** The partners section: every partner's stats and its drift from its referrals, and a reconciliation run. */
export function PartnersPage(_props: { route: readonly string[] }) {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const { value, error, reload } = useConsoleApi<{ partners: PartnerView[]; cursor?: string }>(
    cursor ? `partners?cursor=${encodeURIComponent(cursor)}` : 'partners',
  );
  const [run, setRun] = useState<{ running?: boolean; outcome?: RunOutcome; error?: string }>({});
  const reconcile = () => {
    setRun({ running: true });
    consoleApi<RunOutcome>('reconciliation', { method: 'POST' }).then(
      (outcome) => {
        setRun({ outcome });
        void reload();
      },
      (e: unknown) => setRun({ error: e instanceof Error ? e.message : String(e) }),
    );
  };
  return (
    <section>
      <h1>Partners</h1>
      <p class="meta">
        Stats rows (a Scan, 25 a page) and their drift: what reconciliation would correct, computed by its own
        steps from each partner's referrals, without writing.
      </p>
      <button disabled={run.running} onClick={reconcile}>
        {run.running ? 'Reconciling…' : 'Reconcile'}
      </button>
      {run.error && <p role="alert">{run.error}</p>}
      {run.outcome && (
        <div role="status" aria-label="Reconciliation result">
          <p>
            Reconciliation{' '}
            {run.outcome.status === 'SUCCEEDED' ? 'succeeded' : 'finished with failed partners'}:{' '}
            {run.outcome.report.partnersChecked} partners checked, {run.outcome.report.partnersCorrected}{' '}
            corrected
            {run.outcome.report.partnersFailed ? `, ${run.outcome.report.partnersFailed} failed` : ''} (
            {run.outcome.executions.length} {run.outcome.executions.length === 1 ? 'execution' : 'executions'}
            ).
          </p>
          <ul>
            {run.outcome.report.drift.map((d) => (
              <li key={d.partnerId}>
                {d.partnerId} corrected: {driftText(d.fields).join('; ')}
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && <p role="alert">{error}</p>}
      {value && (
        <table class="grid" aria-label="Partners">
          <TableHead
            columns={[
              'Partner',
              'Clicks',
              'Signups',
              'Verified',
              'Paid',
              'Active',
              'Revenue',
              'Earnings',
              'Drift',
            ]}
          />
          <tbody>
            {value.partners.map((p) => (
              <tr key={p.partnerId} aria-label={`Partner ${p.partnerId}`}>
                <td>
                  <strong>{p.partnerId}</strong>
                  {p.displayName && <div class="meta">{p.displayName}</div>}
                  <div class="meta">
                    v{p.version}
                    {p.lastReconciledAt ? ` · reconciled ${p.lastReconciledAt}` : ''}
                  </div>
                </td>
                <td class="num">{p.totalClicks}</td>
                <td class="num">{p.counters.totalSignups}</td>
                <td class="num">{p.counters.totalVerified}</td>
                <td class="num">{p.counters.totalPaid}</td>
                <td class="num">{p.counters.activeSubscriptions}</td>
                <td class="num">{p.formatted.totalRevenueCents}</td>
                <td>
                  {p.formatted.totalEarningsCents}
                  <div class="meta">
                    {EARNINGS.map(([field, label]) => `${label} ${p.formatted[field] ?? ''}`).join(' · ')}
                  </div>
                </td>
                <td>
                  {p.inSync ? (
                    <span class="in-sync">in sync</span>
                  ) : (
                    <ul class="drift" aria-label={`Drift of ${p.partnerId}`}>
                      {driftText(p.drift).map((line) => (
                        <li key={line}>{line}</li>
                      ))}
                      {p.pendingMarkers > 0 && (
                        <li>{p.pendingMarkers} referrals with a stats-pending mark</li>
                      )}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursors.length > 0 && <button onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>}
      {value?.cursor && (
        <button onClick={() => setCursors([...cursors, value.cursor ?? ''])}>Next page</button>
      )}
    </section>
  );
}
