import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { saveBlob, type Api } from './api';
import { date, dateTime, label, money } from './format';
import {
  COMMISSION_STATUSES,
  type CommissionsPage,
  type CommissionView,
  type CommissionStatus,
  type DashboardView,
  type PayoutsPage,
} from './types';
import { useLoad } from './use-load';
import { TableHead } from '../shared/table-head';

/** Previous / next over an API's `nextCursor`: the cursors of the pages before are kept to go back. */
function useCursorPages() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length,
    next: (cursor: string) => setCursors([...cursors, cursor]),
    previous: () => setCursors(cursors.slice(0, -1)),
    reset: () => setCursors([undefined]),
  };
}

function Pager({
  name,
  pages,
  nextCursor,
}: {
  name: string;
  pages: ReturnType<typeof useCursorPages>;
  nextCursor: string | null;
}) {
  return (
    <nav class="pager" aria-label={`${name} pages`}>
      <button type="button" disabled={pages.page === 1} onClick={pages.previous}>
        Previous page
      </button>
      <span aria-live="polite">Page {pages.page}</span>
      <button
        type="button"
        disabled={nextCursor === null}
        onClick={() => nextCursor && pages.next(nextCursor)}
      >
        Next page
      </button>
    </nav>
  );
}

function Table({
  caption,
  head,
  children,
}: {
  caption: string;
  head: string[];
  children: ComponentChildren;
}) {
  return (
    <div class="table-scroll">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <TableHead columns={head} />
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** The dashboard's recent paid referrals, newest payment first, 50 a page (its `cursor`). */
export function Referrals({ api, partnerId, first }: { api: Api; partnerId: string; first: DashboardView }) {
  const pages = useCursorPages();
  const loaded = useLoad(
    () =>
      pages.cursor === undefined
        ? Promise.resolve(first)
        : api.get<DashboardView>(`/partners/${encodeURIComponent(partnerId)}/dashboard`, {
            cursor: pages.cursor,
          }),
    [first, pages.cursor],
  );
  return (
    <section aria-labelledby="referrals-heading">
      <h2 id="referrals-heading">Recent referrals</h2>
      <Loading loaded={loaded} what="Referrals">
        {(d) => (
          <>
            {d.recentReferrals.length === 0 ? (
              <p>No paying referrals yet.</p>
            ) : (
              <Table
                caption="Recent referrals"
                head={['Referral', 'Plan', 'Status', 'Paid', 'First payment', 'Revenue', 'Your earnings']}
              >
                {d.recentReferrals.map((r) => (
                  <tr key={r.referralId}>
                    <th scope="row">{r.referralId}</th>
                    <td>
                      {r.planType}
                      {r.billingCycle ? ` · ${r.billingCycle}` : ''}
                    </td>
                    <td>{label(r.subscriptionStatus ?? r.status)}</td>
                    <td>{date(r.paidAt)}</td>
                    <td class="num">{money(r.paymentAmountCents, r.currency)}</td>
                    <td class="num">{money(r.revenueCents, r.currency)}</td>
                    <td class="num">{money(r.partnerEarningsCents, r.currency)}</td>
                  </tr>
                ))}
              </Table>
            )}
            <Pager name="Referrals" pages={pages} nextCursor={d.nextCursor} />
          </>
        )}
      </Loading>
    </section>
  );
}

/** The partner's commissions, newest first, optionally of one status. */
export function Commissions({ api, partnerId }: { api: Api; partnerId: string }) {
  const [status, setStatus] = useState<CommissionStatus | ''>('');
  const pages = useCursorPages();
  const loaded = useLoad(
    () =>
      api.get<CommissionsPage<CommissionView>>(`/partners/${encodeURIComponent(partnerId)}/commissions`, {
        status: status || undefined,
        cursor: pages.cursor,
      }),
    [api, partnerId, status, pages.cursor],
  );
  return (
    <section aria-labelledby="commissions-heading">
      <h2 id="commissions-heading">Commissions</h2>
      <label class="inline">
        Status{' '}
        <select
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value as CommissionStatus | '');
            pages.reset();
          }}
        >
          <option value="">All</option>
          {COMMISSION_STATUSES.map((s) => (
            <option value={s} key={s}>
              {label(s)}
            </option>
          ))}
        </select>
      </label>
      <Loading loaded={loaded} what="Commissions">
        {({ commissions, nextCursor }) => (
          <>
            {commissions.length === 0 ? (
              <p>No commissions{status ? ` ${label(status)}` : ''}.</p>
            ) : (
              <Table
                caption="Commissions"
                head={['Earned', 'Invoice', 'Plan', 'Sale', 'Commission', 'Status', 'Due']}
              >
                {commissions.map((c) => (
                  <tr key={c.commissionId}>
                    <td>{date(c.earnedAt)}</td>
                    <th scope="row">
                      {c.invoiceId}
                      {c.type === 'clawback' ? ' (clawback)' : ''}
                    </th>
                    <td>
                      {c.planType} · {c.billingCycle}
                    </td>
                    <td class="num">{money(c.baseAmountCents, c.currency)}</td>
                    <td class="num">{money(c.netCents, c.currency)}</td>
                    <td>{label(c.status)}</td>
                    <td>{date(c.dueAt)}</td>
                  </tr>
                ))}
              </Table>
            )}
            <Pager name="Commissions" pages={pages} nextCursor={nextCursor} />
          </>
        )}
      </Loading>
    </section>
  );
}

export function Payouts({ api, partnerId }: { api: Api; partnerId: string }) {
  const pages = useCursorPages();
  const loaded = useLoad(
    () =>
      api.get<PayoutsPage>(`/partners/${encodeURIComponent(partnerId)}/payouts`, {
        cursor: pages.cursor,
      }),
    [api, partnerId, pages.cursor],
  );
  return (
    <section aria-labelledby="payouts-heading">
      <h2 id="payouts-heading">Payouts</h2>
      <Loading loaded={loaded} what="Payouts">
        {({ payouts, nextCursor }) => (
          <>
            {payouts.length === 0 ? (
              <p>No payouts yet.</p>
            ) : (
              <Table
                caption="Payouts"
                head={['Payout', 'Period', 'Commissions', 'Amount', 'Status', 'Paid', 'Reference']}
              >
                {payouts.map((p) => (
                  <tr key={p.payoutId}>
                    <th scope="row">{p.payoutId}</th>
                    <td>
                      {date(p.periodStart)} – {date(p.periodEnd)}
                    </td>
                    <td class="num">{p.commissions.length}</td>
                    <td class="num">{money(p.amountCents, p.currency)}</td>
                    <td>{label(p.status)}</td>
                    <td>{dateTime(p.paidAt)}</td>
                    <td>{p.reference ?? '—'}</td>
                  </tr>
                ))}
              </Table>
            )}
            <Pager name="Payouts" pages={pages} nextCursor={nextCursor} />
          </>
        )}
      </Loading>
    </section>
  );
}

const EXPORTS = [
  ['commissions.csv', 'Commissions'],
  ['payouts.csv', 'Payouts'],
  ['referrals.csv', 'Referrals'],
] as const;

/** The CSV exports: fetched with the bearer token (every page) and saved as a file. */
export function Downloads({ api, partnerId }: { api: Api; partnerId: string }) {
  const [status, setStatus] = useState('');
  const download = async (name: string) => {
    setStatus(`Preparing ${name}…`);
    try {
      saveBlob(await api.csv(name), `${partnerId}-${name}`);
      setStatus(`Downloaded ${name}`);
    } catch (error) {
      setStatus(`${name}: ${(error as Error).message}`);
    }
  };
  return (
    <section aria-labelledby="downloads-heading">
      <h2 id="downloads-heading">Downloads</h2>
      <div class="buttons">
        {EXPORTS.map(([name, title]) => (
          <button type="button" key={name} onClick={() => void download(name)}>
            {title} CSV
          </button>
        ))}
      </div>
      <p role="status" class="hint">
        {status}
      </p>
    </section>
  );
}

function Loading<T>({
  loaded,
  what,
  children,
}: {
  loaded: ReturnType<typeof useLoad<T>>;
  what: string;
  children: (value: T) => ComponentChildren;
}) {
  if (loaded.state === 'loading') return <p aria-live="polite">Loading…</p>;
  if (loaded.state === 'error')
    return (
      <p role="alert" class="error">
        {what}: {loaded.message}
      </p>
    );
  return <>{children(loaded.value)}</>;
}
