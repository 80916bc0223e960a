import type { Browser } from 'playwright-core';
import type { RunningLocalCloud } from '../../local/cloud';
import { startCloudWithBrowser, type CloudWithBrowser } from '../support/browser';

/** The built apps are served where the README says: the portal by the HTTP API, the console by the endpoint. */
let started: CloudWithBrowser | undefined;
let cloud: RunningLocalCloud;
let browser: Browser;

beforeAll(async () => {
  started = await startCloudWithBrowser('sites');
  ({ cloud, browser } = started);
});
afterAll(() => started?.stop());

it.each([
  ['portal', () => `${cloud.apiUrl}/portal/`, 'Partner portal'],
  ['console', () => `${cloud.endpointUrl}/console/`, 'Operations console'],
])('serves the %s, gzipped, and it renders in Chromium', async (_name, url, title) => {
  const page = await browser.newPage();
  const response = await page.goto(url());
  expect(response?.status()).toBe(200);
  await expect(page.title()).resolves.toBe(title);
  // The app's script ran: it rendered into #app.
  await page.locator('#app > *').first().waitFor();

  const html = await fetch(url(), { headers: { 'accept-encoding': 'gzip' } });
  expect(html.headers.get('content-encoding')).toBe('gzip');
  const deep = await fetch(`${url()}some/client/route`);
  expect(deep.status).toBe(200);
  expect(await deep.text()).toContain(`<title>${title}</title>`);
  const outside = await fetch(`${url()}..%2f..%2fpackage.json`);
  expect(await outside.text()).not.toContain('"name": "partner-referrals"');
  await page.close();
});
