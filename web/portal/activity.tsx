import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Api } from './api';
import { count, money } from './format';
import { ACTIVITY_RANGES, type ActivityRange, type ActivityView } from './types';
import { useLoad } from './use-load';
import { TableHead } from '../shared/table-head';

const RANGE_LABELS: Record<ActivityRange, string> = {
  '24h': '24 h',
  '7d': '7 d',
  '30d': '30 d',
  '90d': '90 d',
  '1y': '1 y',
};

/** A local day (`2026-12-01`) as uPlot's x: seconds at that day's UTC midnight, drawn in UTC so labels show the day. */
const dayToX = (day: string): number => Date.parse(`${day}T00:00:00Z`) / 1000;

/**
 * Earnings and clicks per day over the chosen range, in the partner's time zone (`GET …/activity?range=`),
 * with the same numbers as a table for screen readers and keyboard users.
 */
export function Activity({ api, partnerId }: { api: Api; partnerId: string }) {
  const [range, setRange] = useState<ActivityRange>('30d');
  const loaded = useLoad(
    () => api.get<ActivityView>(`/partners/${encodeURIComponent(partnerId)}/activity`, { range }),
    [api, partnerId, range],
  );
  return (
    <section aria-labelledby="activity-heading">
      <h2 id="activity-heading">Earnings and clicks over time</h2>
      <div role="radiogroup" aria-label="Range" class="segmented">
        {ACTIVITY_RANGES.map((r) => (
          <label key={r}>
            <input type="radio" name="range" value={r} checked={r === range} onChange={() => setRange(r)} />
            <span>{RANGE_LABELS[r]}</span>
          </label>
        ))}
      </div>
      {loaded.state === 'loading' && <p aria-live="polite">Loading…</p>}
      {loaded.state === 'error' && (
        <p role="alert" class="error">
          Activity: {loaded.message}
        </p>
      )}
      {loaded.state === 'ready' && <ActivityChart view={loaded.value} />}
    </section>
  );
}

function ActivityChart({ view }: { view: ActivityView }) {
  const box = useRef<HTMLDivElement>(null);
  const totalEarned = view.days.reduce((sum, d) => sum + d.earningsCents - d.reversedCents, 0);
  const totalClicks = view.days.reduce((sum, d) => sum + d.clicks, 0);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const data: uPlot.AlignedData = [
      view.days.map((d) => dayToX(d.day)),
      view.days.map((d) => d.earningsCents - d.reversedCents),
      view.days.map((d) => d.clicks),
    ];
    const plot = new uPlot(
      {
        width: el.clientWidth,
        height: 240,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, clicks: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [
          {
            label: 'Day',
            value: (_u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 10)),
          },
          {
            label: 'Earnings',
            scale: 'money',
            stroke: '#1d4ed8',
            fill: 'rgba(29, 78, 216, 0.12)',
            width: 2,
            value: (_u, v) => (v == null ? '' : money(v, view.currency)),
          },
          {
            label: 'Clicks',
            scale: 'clicks',
            stroke: '#b45309',
            width: 2,
            value: (_u, v) => (v == null ? '' : count(v)),
          },
        ],
        axes: [
          {},
          {
            scale: 'money',
            values: (_u, ticks) => ticks.map((t) => money(Math.round(t), view.currency)),
            size: 70,
          },
          {
            scale: 'clicks',
            side: 1,
            grid: { show: false },
            values: (_u, ticks) => ticks.map((t) => count(Math.round(t))),
          },
        ],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [view]);
  return (
    <figure class="chart">
      <div ref={box} role="img" aria-label={`Earnings and clicks per day from ${view.from} to ${view.to}`} />
      <figcaption>
        {view.from} to {view.to} ({view.timeZone}): {money(totalEarned, view.currency)} earned,{' '}
        {count(totalClicks)} clicks
      </figcaption>
      <details>
        <summary>Show as a table</summary>
        <div class="table-scroll">
          <table aria-label="Activity by day">
            <TableHead columns={['Day', 'Clicks', 'Sign-ups', 'Conversions', 'Earned', 'Reversed']} />
            <tbody>
              {view.days.map((d) => (
                <tr key={d.day}>
                  <th scope="row">{d.day}</th>
                  <td>{count(d.clicks)}</td>
                  <td>{count(d.signups)}</td>
                  <td>{count(d.conversions)}</td>
                  <td>{money(d.earningsCents, view.currency)}</td>
                  <td>{money(d.reversedCents, view.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
