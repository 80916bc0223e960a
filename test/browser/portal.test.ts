import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { parse } from 'csv-parse/sync';
import type { Browser, Locator, Page } from 'playwright-core';
import type { ActivityView } from '../../domain/activity';
import type { CommissionView } from '../../domain/commissions-view';
import type { DashboardView } from '../../domain/dashboard';
import { decimalAmount } from '../../domain/exports';
import { localStateMachineArn } from '../../local/aws-names';
import type { RunningLocalCloud } from '../../local/cloud';
import { userSignedUpEvent } from '../../local/events/app-events';
import { putEventsEntry } from '../../local/events/event-envelope';
import { invoicePaidEvent } from '../../local/events/stripe-events';
import { screenshot, startCloudWithBrowser, type CloudWithBrowser } from '../support/browser';
import { registerPartner } from '../support/local-cloud';

/**
 * A partner uses the portal against the running stack, seeded through the front doors (registration, app
 * events, Stripe invoices, tracking-link clicks): what the page shows is what the API answers.
 */
const PARTNER = 'p_portal';
/** One more than the dashboard's page of 50, so the referrals have a second page. */
const USERS = Array.from({ length: 53 }, (_, i) => `u_portal_${String(i).padStart(2, '0')}`);
const CLICKS = 7;
const NOW_S = Math.floor(Date.now() / 1000);
/** Before every invoice: a week ago. */
const SIGNED_UP_AT = new Date((NOW_S - 7 * 86_400) * 1000).toISOString();
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let started: CloudWithBrowser | undefined;
let cloud: RunningLocalCloud;
let browser: Browser;
let token: string;

async function apiGet<T>(route: string): Promise<T> {
  const res = await fetch(`${cloud.apiUrl}${route}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  // The body beside the status: a refusal says why
  expect([route, res.status, res.ok ? '' : text]).toEqual([route, 200, '']);
  return JSON.parse(text) as T;
}

async function putEvents(events: EventBridgeClient, entries: PutEventsRequestEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 10) {
    const { FailedEntryCount } = await events.send(
      new PutEventsCommand({ Entries: entries.slice(i, i + 10) }),
    );
    expect(FailedEntryCount ?? 0).toBe(0);
  }
  await cloud.settle();
}

beforeAll(async () => {
  started = await startCloudWithBrowser('portal', { retryDelayScale: 0 });
  ({ cloud, browser } = started);
  token = await cloud.issuer.sign({ sub: PARTNER, partnerId: PARTNER }, { audience: 'partner-referrals' });
  expect((await registerPartner(cloud, { partnerId: PARTNER, displayName: 'Portal Partner' })).status).toBe(
    201,
  );
  for (let i = 0; i < CLICKS; i += 1)
    expect((await fetch(`${cloud.apiUrl}/r/${PARTNER}`, { redirect: 'manual' })).status).toBe(302);
  const events = new EventBridgeClient({ endpoint: cloud.endpointUrl, region: 'us-east-1', credentials });
  const stripeBus = cloud.buses.find((b) => b.name.startsWith('aws.partner/'))?.name ?? '';
  await putEvents(
    events,
    USERS.map((u) =>
      putEventsEntry(
        'partner-referrals',
        userSignedUpEvent({
          partnerId: PARTNER,
          userId: u,
          eventId: `evt_su_${u}`,
          occurredAt: SIGNED_UP_AT,
        }),
      ),
    ),
  );
  // Paid an hour apart over the last days, AF+ monthly and AF annual alternating
  await putEvents(
    events,
    USERS.map((u, i) =>
      putEventsEntry(
        stripeBus,
        invoicePaidEvent({
          userId: u,
          invoiceId: `in_${u}`,
          eventId: `evt_in_${u}`,
          priceId: i % 2 ? 'price_af_annual' : 'price_afplus_monthly',
          amountPaidCents: i % 2 ? 9900 : 2999,
          created: NOW_S - (i + 1) * 3600,
        }),
        { source: stripeBus },
      ),
    ),
  );
  // Ten payments at once on one partner's stats row conflict (as DynamoDB's transactions would): some
  // referrals are paid with a "stats pending" mark, which the on-demand reconciliation clears.
  const sfn = new SFNClient({ endpoint: cloud.endpointUrl, region: 'us-east-1', credentials });
  await sfn.send(
    new StartExecutionCommand({ stateMachineArn: localStateMachineArn('reconciliation'), input: '{}' }),
  );
  await cloud.settle();
});
afterAll(() => started?.stop());

/** The `<dt>` → `<dd>` pairs of the description list with this accessible name. */
async function termsOf(list: Locator): Promise<Record<string, string>> {
  await list.waitFor();
  return list.evaluate((dl) =>
    Object.fromEntries(
      [...dl.querySelectorAll('dt')].map((dt) => [
        dt.textContent ?? '',
        dt.nextElementSibling?.textContent ?? '',
      ]),
    ),
  );
}

/** The first cell (the row header) of every body row of the table under a section heading. */
const rowHeadersOf = (page: Page, heading: string): Promise<string[]> =>
  page.getByRole('region', { name: heading }).locator('tbody th[scope="row"]').allTextContents();

async function signIn(page: Page): Promise<void> {
  await page.goto(`${cloud.apiUrl}/portal/`);
  await page.getByLabel('Partner token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Portal Partner' }).waitFor();
}

it('refuses a token without a partnerId claim, naming the claim', async () => {
  const page = await browser.newPage();
  await page.goto(`${cloud.apiUrl}/portal/`);
  await page.getByRole('heading', { name: 'Partner portal' }).waitFor();
  await screenshot(page, 'portal-sign-in');
  const admin = await cloud.issuer.sign({ sub: 'finance' }, { audience: 'partner-referrals' });
  await page.getByLabel('Partner token').fill(admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').textContent()).resolves.toContain('no partnerId claim');
  await page.close();
});

it('shows the dashboard API’s numbers, pages the referrals and downloads commissions that match the API', async () => {
  const page = await browser.newPage({ acceptDownloads: true });
  await signIn(page);
  const dashboard = await apiGet<DashboardView>(`/partners/${PARTNER}/dashboard`);
  if (dashboard.stats.totalPaid !== USERS.length) {
    const csv = await fetch(`${cloud.apiUrl}/partners/${PARTNER}/exports/referrals.csv`, {
      headers: { authorization: `Bearer ${token}` },
    });
    console.log(await csv.text());
  }
  expect(dashboard.stats.totalPaid).toBe(USERS.length);

  // The headline numbers and earnings are the API's, in its display form
  const numbers = await termsOf(page.getByLabel('Headline numbers'));
  expect(numbers).toMatchObject({
    Clicks: String(dashboard.stats.totalClicks),
    'Sign-ups': String(dashboard.stats.totalSignups),
    'Paying customers': String(dashboard.stats.totalPaid),
    'Click → sign-up': dashboard.conversion.clickToSignup.percent,
    'Sign-up → paid': dashboard.conversion.signupToPaid.percent,
  });
  expect(dashboard.stats.totalClicks).toBe(CLICKS);
  const earnings = await termsOf(page.getByLabel('Earnings by status'));
  expect(earnings).toMatchObject({
    Balance: dashboard.earnings.balance,
    Pending: dashboard.earnings.pending,
    Approved: dashboard.earnings.approved,
    Paid: dashboard.earnings.paid,
    Reversed: dashboard.earnings.reversed,
  });
  expect(dashboard.earnings.pendingCents).toBeGreaterThan(0);
  await expect(page.getByRole('textbox', { name: 'Your referral link' }).inputValue()).resolves.toBe(
    `${cloud.apiUrl}/r/${PARTNER}`,
  );
  await screenshot(page, 'portal-dashboard');

  // Referrals: page 1 is the dashboard's 50, page 2 the rest, newest payment first
  const referrals = page.getByRole('region', { name: 'Recent referrals' });
  expect(await rowHeadersOf(page, 'Recent referrals')).toEqual(
    dashboard.recentReferrals.map((r) => r.referralId),
  );
  await referrals.getByRole('button', { name: 'Next page' }).click();
  await referrals.getByText('Page 2').waitFor();
  const second = await apiGet<DashboardView>(
    `/partners/${PARTNER}/dashboard?cursor=${encodeURIComponent(dashboard.nextCursor ?? '')}`,
  );
  expect(await rowHeadersOf(page, 'Recent referrals')).toEqual(
    second.recentReferrals.map((r) => r.referralId),
  );
  const seen = [...dashboard.recentReferrals, ...second.recentReferrals].map((r) => r.referralId);
  expect(new Set(seen).size).toBe(USERS.length);
  await expect(referrals.getByRole('button', { name: 'Next page' }).isDisabled()).resolves.toBe(true);

  // Commissions with a status filter: every seeded commission is pending (inside the hold period)
  const commissions = page.getByRole('region', { name: 'Commissions' });
  await commissions.getByLabel('Status').selectOption('approved');
  await commissions.getByText('No commissions approved.').waitFor();
  await commissions.getByLabel('Status').selectOption('pending');
  await commissions.locator('tbody tr').first().waitFor();
  const pendingApi = await apiGet<{ commissions: CommissionView[] }>(
    `/partners/${PARTNER}/commissions?status=pending`,
  );
  expect(await commissions.locator('tbody th[scope="row"]').allTextContents()).toEqual(
    pendingApi.commissions.map((c) => c.invoiceId),
  );

  // The CSV download (fetched with the bearer token, every page) has the API's commissions
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Commissions CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`${PARTNER}-commissions.csv`);
  const rows = parse(readFileSync(await download.path()), { columns: true }) as Record<string, string>[];
  const all: CommissionView[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const pageOf: { commissions: CommissionView[]; nextCursor: string | null } = await apiGet(
      `/partners/${PARTNER}/commissions${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    all.push(...pageOf.commissions);
    cursor = pageOf.nextCursor;
  }
  expect(all).toHaveLength(USERS.length);
  const byId = (list: { id: string }[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
  expect(
    byId(
      rows.map((r) => ({
        id: r.commission_id ?? '',
        earnings: r.earnings,
        status: r.status,
        invoice: r.invoice_id,
      })),
    ),
  ).toEqual(
    byId(
      all.map((c) => ({
        id: c.commissionId,
        earnings: decimalAmount(c.netCents, c.currency),
        status: c.status,
        invoice: c.invoiceId,
      })),
    ),
  );

  // Sign out forgets the token
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Partner token').waitFor();
  await expect(page.evaluate(() => sessionStorage.length)).resolves.toBe(0);
  await page.close();
});

it('switches the activity chart’s range and shows the activity API’s days', async () => {
  const page = await browser.newPage();
  await signIn(page);
  const activity = page.getByRole('region', { name: 'Earnings and clicks over time' });
  for (const [range, name] of [
    ['7d', '7 d'],
    ['90d', '90 d'],
  ] as const) {
    await activity.getByRole('radio', { name }).check();
    const view = await apiGet<ActivityView>(`/partners/${PARTNER}/activity?range=${range}`);
    await activity.getByText(`${view.from} to ${view.to}`).waitFor();
    const table = activity.getByRole('table', { name: 'Activity by day' });
    if (!(await table.isVisible())) await activity.getByText('Show as a table').click();
    // Every day of the range, with the API's conversions
    expect(await table.locator('tbody th').allTextContents()).toEqual(view.days.map((d) => d.day));
    const conversions = await table.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(conversions).toEqual(view.days.map((d) => String(d.conversions)));
    expect(view.days.some((d) => d.conversions > 0)).toBe(true);
  }
  await screenshot(page, 'portal-activity');
  await page.close();
});

it('fits a phone screen', async () => {
  const page = await browser.newPage({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  await signIn(page);
  await page.getByLabel('Earnings by status').waitFor();
  // Nothing wider than the screen: no sideways scrolling of the page (tables scroll inside their own box)
  const overflow = await page.locator('html').evaluate((html) => html.scrollWidth - html.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, 'portal-dashboard-phone');
  await page.close();
});
