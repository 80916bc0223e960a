import { useState } from 'preact/hooks';
import { count, money } from './format';
import type { DashboardView } from './types';

/** The headline numbers, the conversion rates and earnings by status, from the dashboard response. */
export function Overview({ dashboard: d }: { dashboard: DashboardView }) {
  const c = d.currency;
  const stats: [string, string][] = [
    ['Clicks', count(d.stats.totalClicks)],
    ['Sign-ups', count(d.stats.totalSignups)],
    ['Paying customers', count(d.stats.totalPaid)],
    ['Active subscriptions', count(d.stats.activeSubscriptions)],
    ['Click → sign-up', d.conversion.clickToSignup.percent],
    ['Sign-up → paid', d.conversion.signupToPaid.percent],
  ];
  const earnings: [string, number][] = [
    ['Pending', d.earnings.pendingCents],
    ['Approved', d.earnings.approvedCents],
    ['Paid', d.earnings.paidCents],
    ['Reversed', d.earnings.reversedCents],
  ];
  if (d.earnings.onHoldCents !== 0) earnings.splice(2, 0, ['On hold', d.earnings.onHoldCents]);
  return (
    <>
      <section aria-labelledby="numbers-heading">
        <h2 id="numbers-heading">Your numbers</h2>
        <dl class="tiles" aria-label="Headline numbers">
          {stats.map(([name, value]) => (
            <div class="tile" key={name}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="earnings-heading">
        <h2 id="earnings-heading">Earnings</h2>
        <dl class="tiles" aria-label="Earnings by status">
          <div class="tile balance">
            <dt>Balance</dt>
            <dd>{money(d.earnings.balanceCents, c)}</dd>
          </div>
          {earnings.map(([name, cents]) => (
            <div class="tile" key={name}>
              <dt>{name}</dt>
              <dd>{money(cents, c)}</dd>
            </div>
          ))}
        </dl>
        <p class="hint">The balance is what the next payout pays: approved earnings net of clawbacks.</p>
      </section>
    </>
  );
}

/** The partner's tracking link (`<api>/r/<partnerId>`) with a copy button. */
export function ReferralLink({ apiUrl, partnerId }: { apiUrl: string; partnerId: string }) {
  const link = `${apiUrl}/r/${encodeURIComponent(partnerId)}`;
  const [copied, setCopied] = useState('');
  return (
    <section aria-labelledby="link-heading">
      <h2 id="link-heading">Your referral link</h2>
      <div class="link-row">
        <input
          id="referral-link"
          aria-labelledby="link-heading"
          readOnly
          value={link}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(link).then(
              () => setCopied('Copied to the clipboard'),
              () => setCopied('Copy failed: select the link and copy it'),
            )
          }
        >
          Copy link
        </button>
      </div>
      <p role="status" class="hint">
        {copied}
      </p>
    </section>
  );
}
