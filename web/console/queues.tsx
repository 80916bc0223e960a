import { useEffect, useState } from 'preact/hooks';
import { consoleApi } from './api';
import './sections.css';
import { useConsoleApi } from './use-console-api';
import { TableHead } from '../shared/table-head';

/** What `local/console/queues.ts` answers (copied: the browser build has no Node types). */
interface QueueRole {
  kind: 'on-failure' | 'target-dlq' | 'pipe-dlq' | 'rule-target' | 'redrive-dlq';
  of: string;
}
interface QueueSummary {
  name: string;
  arn: string;
  roles: QueueRole[];
  redrivable: boolean;
  visible: number;
  inFlight: number;
  delayed: number;
}
interface PeekedMessage {
  messageId: string;
  body: string;
  attributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  sentAt: string;
  receiveCount: number;
  firstReceivedAt?: string;
  inFlight: boolean;
  deadLetterSource?: string;
  why?: string;
}
interface MoveTask {
  Status: 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove: number;
  FailureReason?: string;
  StartedTimestamp: number;
}
interface QueueDetail extends QueueSummary {
  messages: PeekedMessage[];
  moveTasks: MoveTask[];
}
interface ParkedFact {
  linkId: string;
  factKey: string;
  kind?: string;
  parkedAt: string;
  expiresAt?: string;
  why: string;
}

const ROLE_TEXT: Record<QueueRole['kind'], string> = {
  'on-failure': 'on-failure destination of',
  'target-dlq': 'dead-letter queue of the rule target',
  'pipe-dlq': 'dead-letter queue of the pipe',
  'rule-target': 'target of the rule',
  'redrive-dlq': 'dead-letter queue of',
};
const rolesText = (roles: QueueRole[]) =>
  roles.map((r) => `${ROLE_TEXT[r.kind]} ${r.of}`).join('; ') || 'no sender in the template';

/** The section; `route` is what follows `#/queues/` in the hash: nothing (the list) or a queue name. */
export function QueuesPage({ route }: { route: readonly string[] }) {
  const [name] = route;
  return name === undefined ? <QueueList /> : <QueueView name={name} />;
}

function QueueList() {
  const { value, error } = useConsoleApi<{ queues: QueueSummary[] }>('queues');
  return (
    <section>
      <h1>Queues</h1>
      <p class="meta">
        Dead-letter and parking queues. Reading peeks: no message is received, hidden or counted.
      </p>
      {error && <p role="alert">{error}</p>}
      {value && (
        <table class="grid" aria-label="Queues">
          <TableHead columns={['Queue', 'What it holds', 'Messages', 'In flight']} />
          <tbody>
            {value.queues.map((q) => (
              <tr key={q.name}>
                <td>
                  <a href={`#/queues/${encodeURIComponent(q.name)}`}>{q.name}</a>
                </td>
                <td>{rolesText(q.roles)}</td>
                <td class="num">{q.visible + q.inFlight + q.delayed}</td>
                <td class="num">{q.inFlight}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ParkedFacts />
    </section>
  );
}

function ParkedFacts() {
  const [cursor, setCursor] = useState<string | undefined>();
  const { value, error } = useConsoleApi<{ parked: ParkedFact[]; cursor?: string }>(
    cursor ? `parked?cursor=${encodeURIComponent(cursor)}` : 'parked',
  );
  return (
    <>
      <h2>Parked facts</h2>
      <p class="meta">
        Facts in PartnerReferrals waiting for a user link (referral-fact's ParkUntilLinked); read-only.
      </p>
      {error && <p role="alert">{error}</p>}
      {value && value.parked.length === 0 && <p>No fact is waiting.</p>}
      {value && value.parked.length > 0 && (
        <table class="grid" aria-label="Parked facts">
          <TableHead columns={['Fact', 'Kind', 'Waits for', 'Parked', 'Expires']} />
          <tbody>
            {value.parked.map((p) => (
              <tr key={`${p.linkId}/${p.factKey}`}>
                <td>{p.factKey}</td>
                <td>{p.kind ?? ''}</td>
                <td>{p.why}</td>
                <td>{p.parkedAt}</td>
                <td>{p.expiresAt ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {value?.cursor && <button onClick={() => setCursor(value.cursor)}>Next page</button>}
    </>
  );
}

const pretty = (body: string): string => {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
};

function QueueView({ name }: { name: string }) {
  const { value, error, reload } = useConsoleApi<QueueDetail>(`queues/${encodeURIComponent(name)}`);
  const [actionError, setActionError] = useState<string | undefined>();
  const running = value?.moveTasks.some((t) => t.Status === 'RUNNING') ?? false;
  // A move task runs on after its start answers: follow it until it ends.
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => void reload(), 300);
    return () => clearTimeout(timer);
  }, [running, value, reload]);
  const redrive = (path: string) => {
    setActionError(undefined);
    consoleApi(path, { method: 'POST' }).then(
      () => reload(),
      (e: unknown) => setActionError(e instanceof Error ? e.message : String(e)),
    );
  };
  const base = `queues/${encodeURIComponent(name)}`;
  return (
    <section>
      <p>
        <a href="#/queues">← Queues</a>
      </p>
      <h1>{name}</h1>
      {error && <p role="alert">{error}</p>}
      {actionError && <p role="alert">{actionError}</p>}
      {value && (
        <>
          <p>{rolesText(value.roles)}</p>
          <p aria-label="Message count">
            {value.messages.length} {value.messages.length === 1 ? 'message' : 'messages'} ({value.inFlight}{' '}
            in flight)
          </p>
          {value.redrivable ? (
            <button
              disabled={running || value.messages.length === 0}
              onClick={() => redrive(`${base}/redrive`)}
            >
              Redrive all
            </button>
          ) : (
            <p class="meta">A parking queue: nothing to redrive it to.</p>
          )}
          {value.moveTasks.length > 0 && (
            <table class="grid" aria-label="Move tasks">
              <TableHead columns={['Started', 'Status', 'Moved', 'Failure']} />
              <tbody>
                {value.moveTasks.map((t) => (
                  <tr key={t.StartedTimestamp}>
                    <td>{new Date(t.StartedTimestamp).toISOString()}</td>
                    <td>{t.Status}</td>
                    <td class="num">
                      {t.ApproximateNumberOfMessagesMoved} of {t.ApproximateNumberOfMessagesToMove}
                    </td>
                    <td>{t.FailureReason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {value.messages.map((m) => (
            <article class="message" key={m.messageId} aria-label={`Message ${m.messageId}`}>
              <h2>{m.messageId}</h2>
              {m.why && <p class="why">{m.why}</p>}
              <p class="meta">
                Sent {m.sentAt} · received {m.receiveCount} times
                {m.firstReceivedAt ? `, first ${m.firstReceivedAt}` : ''}
                {m.inFlight ? ' · in flight' : ''}
                {m.deadLetterSource ? ` · moved here from ${m.deadLetterSource}` : ''}
              </p>
              {Object.keys(m.attributes).length > 0 && (
                <table class="grid" aria-label="Attributes">
                  <tbody>
                    {Object.entries(m.attributes).map(([k, a]) => (
                      <tr key={k}>
                        <th>{k}</th>
                        <td>{a.StringValue ?? a.BinaryValue ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <pre aria-label="Body">{pretty(m.body)}</pre>
              {value.redrivable && (
                <button
                  disabled={running}
                  onClick={() => redrive(`${base}/messages/${encodeURIComponent(m.messageId)}/redrive`)}
                >
                  Redrive this message
                </button>
              )}
            </article>
          ))}
        </>
      )}
    </section>
  );
}
