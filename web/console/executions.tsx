import { useState } from 'preact/hooks';
import { ExecutionPage } from './execution';
import {
  EXECUTION_STATUSES,
  type ExecutionPageView,
  type ExecutionStatusName,
  type OverviewView,
} from './execution-views';
import { StatusBadge, formatDate } from './ui';
import { useConsoleApi } from './use-console-api';
import { TableHead } from '../shared/table-head';

/** The executions section; `route` is what follows `#/executions/` in the hash (an execution's ARN, or nothing). */
export function ExecutionsPage({ route }: { route: readonly string[] }) {
  const [arn] = route;
  return arn === undefined ? <ExecutionsOverview /> : <ExecutionPage executionArn={arn} />;
}

interface Filters {
  stateMachine: string;
  status: string;
  q: string;
}

const executionHref = (arn: string): string => `#/executions/${encodeURIComponent(arn)}`;

function ExecutionsOverview() {
  const overview = useConsoleApi<OverviewView>('overview');
  const [filters, setFilters] = useState<Filters>({ stateMachine: '', status: '', q: '' });
  const [draft, setDraft] = useState<Filters>(filters);
  const [next, setNext] = useState<string | undefined>(undefined);
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== '') query.set(key, value);
  if (next !== undefined) query.set('next', next);
  const page = useConsoleApi<ExecutionPageView>(`executions?${query.toString()}`);

  const pickStatus = (status: ExecutionStatusName, stateMachine: string) => {
    const f = { stateMachine, status, q: draft.q };
    setDraft(f);
    setNext(undefined);
    setFilters(f);
  };

  return (
    <section aria-labelledby="executions-title">
      <h1 id="executions-title">State machines</h1>
      {overview.error && <p role="alert">{overview.error}</p>}
      {overview.value && (
        <table class="grid">
          <TableHead columns={['Name', 'Type', ...EXECUTION_STATUSES, 'Pending redrive']} />
          <tbody>
            {overview.value.stateMachines.map((m) => (
              <tr key={m.name}>
                <th scope="row">{m.name}</th>
                <td>{m.type}</td>
                {EXECUTION_STATUSES.map((s) => (
                  <td key={s} class="num">
                    {m.counts[s] > 0 ? (
                      <button
                        type="button"
                        class="link"
                        aria-label={`${m.name}: ${m.counts[s]} ${s}`}
                        onClick={() => pickStatus(s, m.name)}
                      >
                        {m.counts[s]}
                      </button>
                    ) : (
                      0
                    )}
                  </td>
                ))}
                <td class="num">{m.redrivable}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Schedules</h2>
      {overview.value && (
        <table class="grid">
          <TableHead columns={['Rule', 'Schedule', 'Starts', 'Next run (UTC)']} />
          <tbody>
            {overview.value.schedules.map((s) => (
              <tr key={s.rule}>
                <th scope="row">{s.rule}</th>
                <td>
                  <code>{s.expression}</code>
                </td>
                <td>{s.targets.join(', ')}</td>
                <td>{formatDate(s.nextRun)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Executions</h2>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setNext(undefined);
          setFilters({ ...draft });
        }}
      >
        <label>
          State machine
          <select
            value={draft.stateMachine}
            onChange={(e) => setDraft({ ...draft, stateMachine: e.currentTarget.value })}
          >
            <option value="">All</option>
            {overview.value?.stateMachines.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            value={draft.status}
            onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}
          >
            <option value="">All</option>
            {EXECUTION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input
            type="search"
            placeholder="Execution name, Stripe event, invoice or user id"
            value={draft.q}
            onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })}
          />
        </label>
        <button type="submit">Search</button>
      </form>
      {page.error && <p role="alert">{page.error}</p>}
      {page.value && (
        <>
          <table class="grid" aria-label="Executions">
            <TableHead columns={['Name', 'State machine', 'Status', 'Started', 'Ended', 'Redrives']} />
            <tbody>
              {page.value.executions.map((e) => (
                <tr key={e.executionArn}>
                  <td>
                    <a href={executionHref(e.executionArn)}>{e.name}</a>
                  </td>
                  <td>{e.stateMachine}</td>
                  <td>
                    <StatusBadge status={e.status} />
                  </td>
                  <td>{formatDate(e.startDate)}</td>
                  <td>{e.stopDate ? formatDate(e.stopDate) : ''}</td>
                  <td class="num">{e.redriveCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.value.executions.length === 0 && <p>No executions match.</p>}
          <p class="hint">Searches the newest {page.value.window.toLocaleString('en')} executions.</p>
          {page.value.next !== undefined && (
            <button type="button" onClick={() => setNext(page.value?.next)}>
              Next page
            </button>
          )}
        </>
      )}
    </section>
  );
}
