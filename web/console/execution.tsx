import { useEffect, useState } from 'preact/hooks';
import { consoleApi } from './api';
import type { ExecutionDetailView } from './execution-views';
import { StateGraph } from './graph';
import { describeRun } from './graph-layout';
import { Json, StatusBadge, formatDate } from './ui';
import { useConsoleApi } from './use-console-api';
import { TableHead } from '../shared/table-head';

const RUNNING_REFRESH_MS = 1_000;
const REDRIVABLE_STATUSES = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/** One execution: its graph with the path taken, each state's input and output, its history, Stop and Redrive. */
export function ExecutionPage({ executionArn }: { executionArn: string }) {
  const path = `executions/${encodeURIComponent(executionArn)}`;
  const execution = useConsoleApi<ExecutionDetailView>(path);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [action, setAction] = useState<{ busy?: boolean; error?: string }>({});
  const e = execution.value;
  // A running execution (a redrive too) is read again until it closes, as the AWS console does.
  useEffect(() => {
    if (e?.status !== 'RUNNING') return;
    const timer = setTimeout(() => void execution.reload(), RUNNING_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [e]);

  const act = (verb: 'stop' | 'redrive') => {
    setAction({ busy: true });
    consoleApi(`${path}/${verb}`, { method: 'POST' }).then(
      () => {
        setAction({});
        void execution.reload();
      },
      (error: unknown) => setAction({ error: error instanceof Error ? error.message : String(error) }),
    );
  };

  if (execution.error) return <p role="alert">{execution.error}</p>;
  if (!e) return <p>Loading…</p>;
  const entered = Object.keys(e.states);
  const run = selected === undefined ? undefined : e.states[selected];
  return (
    <section aria-labelledby="execution-title">
      <p>
        <a href="#/executions">← Executions</a>
      </p>
      <h1 id="execution-title">{e.name}</h1>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={e.status} />
        </dd>
        <dt>State machine</dt>
        <dd>{e.stateMachine}</dd>
        <dt>ARN</dt>
        <dd>
          <code>{e.executionArn}</code>
        </dd>
        <dt>Started</dt>
        <dd>{formatDate(e.startDate)}</dd>
        {e.stopDate && (
          <>
            <dt>Ended</dt>
            <dd>{formatDate(e.stopDate)}</dd>
          </>
        )}
        <dt>Redrives</dt>
        <dd>
          {e.redriveCount}
          {e.redriveDate && ` (last ${formatDate(e.redriveDate)})`}
        </dd>
        {e.error && (
          <>
            <dt>Error</dt>
            <dd class="error-text">{e.error}</dd>
          </>
        )}
        {e.cause && (
          <>
            <dt>Cause</dt>
            <dd class="error-text">{e.cause}</dd>
          </>
        )}
      </dl>
      <div class="actions">
        <button type="button" disabled={e.status !== 'RUNNING' || action.busy} onClick={() => act('stop')}>
          Stop
        </button>
        <button
          type="button"
          disabled={!REDRIVABLE_STATUSES.has(e.status) || e.redriveStatus !== 'REDRIVABLE' || action.busy}
          title={e.redriveStatusReason}
          onClick={() => act('redrive')}
        >
          Redrive
        </button>
        <button type="button" onClick={() => void execution.reload()}>
          Refresh
        </button>
        {action.error && <span role="alert">{action.error}</span>}
      </div>

      <div class="panes">
        <div class="pane graph-pane">
          <h2>Graph</h2>
          <StateGraph
            definition={e.definition}
            states={e.states}
            selected={selected}
            onSelect={setSelected}
          />
        </div>
        <div class="pane">
          <h2>States entered</h2>
          <ul class="state-list">
            {entered.map((name) => (
              <li key={name}>
                <button
                  type="button"
                  class={`link${name === selected ? ' selected' : ''}`}
                  aria-pressed={name === selected}
                  onClick={() => setSelected(name)}
                >
                  {describeRun(name, e.states[name])}
                </button>
              </li>
            ))}
          </ul>
          <h2>{selected === undefined ? 'Execution input and output' : `State ${selected}`}</h2>
          {selected === undefined ? (
            <IO input={e.input} output={e.output} />
          ) : run ? (
            <>
              {run.error && (
                <p class="error-text">
                  {run.error}: {run.cause}
                </p>
              )}
              <IO input={run.input} output={run.output} />
            </>
          ) : (
            <p>Not entered in this execution.</p>
          )}
        </div>
      </div>

      <h2>Event history</h2>
      <table class="grid" aria-label="Event history">
        <TableHead columns={['ID', 'Type', 'Step', 'Time', 'Details']} />
        <tbody>
          {e.history.map((h) => {
            const { id, type, timestamp } = h;
            const detail = Object.entries(h).find(([key]) => key.endsWith('EventDetails'))?.[1] as
              Record<string, unknown> | undefined;
            const failed = type.endsWith('Failed') || type.endsWith('TimedOut') || type.endsWith('Aborted');
            return (
              <tr key={id} class={failed ? 'row-failed' : undefined}>
                <td class="num">{id}</td>
                <td>{type}</td>
                <td>{typeof detail?.name === 'string' ? detail.name : ''}</td>
                <td>{formatDate(timestamp)}</td>
                <td>
                  {detail && (
                    <details>
                      <summary>details</summary>
                      <Json value={detail} />
                    </details>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function IO({ input, output }: { input: unknown; output: unknown }) {
  return (
    <div class="io">
      <div>
        <h3>Input</h3>
        <Json value={input} />
      </div>
      <div>
        <h3>Output</h3>
        <Json value={output} />
      </div>
    </div>
  );
}
