import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalCloud, type LocalCloudOptions, type RunningLocalCloud } from '../../local/cloud';
import { freePort } from '../../local/dynamodb-local';

/**
 * Debian's Chromium driven by playwright-core: no browser download. Playwright gives each launch a fresh
 * profile (`--user-data-dir`); the flags stop Chromium's own background connections, which this machine's
 * closed network refuses and which slow every start.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

const ROOT = path.join(__dirname, '..', '..');

/**
 * Builds the web apps whose builds are stale, in a child process: Vite is ESM only and jest's module system
 * runs CommonJS.
 */
export function ensureWebBuilt(): void {
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'web', 'build.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/**
 * Where the browser tests' screenshots go: `test-results/screenshots/` (ignored by git) unless
 * `SCREENSHOTS_DIR` says otherwise; `npm run screenshots` points it at `docs/screenshots/`, which the
 * README shows.
 */
export const SCREENSHOTS_DIR = process.env.SCREENSHOTS_DIR ?? path.join(ROOT, 'test-results', 'screenshots');

/** A full-page screenshot of the page as it is, named for the README. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface CloudWithBrowser {
  cloud: RunningLocalCloud;
  browser: Browser;
  /** Closes the browser, then stops the cloud. */
  stop(): Promise<void>;
}

/**
 * What every browser test starts from: the web apps built, a local cloud on free ports in its own assembly
 * directory (no schedules: a test runs reconciliation when it means to) and Chromium, started side by side.
 */
export async function startCloudWithBrowser(
  name: string,
  options: Partial<LocalCloudOptions> = {},
): Promise<CloudWithBrowser> {
  ensureWebBuilt();
  const [cloud, browser] = await Promise.all([
    startLocalCloud({
      assemblyDir: mkdtempSync(path.join(os.tmpdir(), `${name}-`)),
      endpointPort: await freePort(),
      apiPort: await freePort(),
      schedules: false,
      ...options,
    }),
    launchBrowser(),
  ]);
  return {
    cloud,
    browser,
    stop: async () => {
      await browser.close();
      await cloud.stop();
    },
  };
}
