import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The browser apps: each `web/<app>/` is a Vite + Preact app built to `dist/web/<app>/` and served under
 * `/<app>/` (the portal by the local HTTP API and by CloudFront, the console by the local AWS endpoint).
 * `web/shared/` is code both import.
 */
export const WEB_APPS = ['portal', 'console'] as const;
export type WebApp = (typeof WEB_APPS)[number];

const WEB_ROOT = __dirname;
const STAMP = '.built';

export const webDistOf = (app: WebApp): string => path.join(WEB_ROOT, '..', 'dist', 'web', app);

/**
 * Vite and its Preact preset are ESM only, and the root tsconfig resolves modules the CommonJS way, which
 * cannot see their types: they are loaded by name when a build is due, never by the stack's own start.
 */
const loadEsm = (name: string): Promise<unknown> => import(name);

export async function buildWebApp(app: WebApp): Promise<void> {
  const { build } = (await loadEsm('vite')) as { build(config: object): Promise<unknown> };
  const { default: preact } = (await loadEsm('@preact/preset-vite')) as { default: () => object };
  await build({
    configFile: false,
    root: path.join(WEB_ROOT, app),
    base: `/${app}/`,
    logLevel: 'warn',
    plugins: [preact()],
    build: { outDir: webDistOf(app), emptyOutDir: true, sourcemap: false, reportCompressedSize: false },
  });
  writeFileSync(path.join(webDistOf(app), STAMP), new Date().toISOString());
}

/** The newest modification time under a folder (the sources an app's build reads). */
function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Whether an app's build is missing or older than its sources: its own folder, `web/shared/`, and `domain/`,
 * whose Node-free modules (money, views) the apps import.
 */
export function isStale(app: WebApp): boolean {
  const stamp = path.join(webDistOf(app), STAMP);
  if (!existsSync(stamp)) return true;
  const sources = Math.max(
    newestMtimeMs(path.join(WEB_ROOT, app)),
    newestMtimeMs(path.join(WEB_ROOT, 'shared')),
    newestMtimeMs(path.join(WEB_ROOT, '..', 'domain')),
  );
  return sources > statSync(stamp).mtimeMs;
}

/** Builds each app whose build is missing or stale. */
export async function ensureWebBuilt(apps: readonly WebApp[] = WEB_APPS): Promise<WebApp[]> {
  const due = apps.filter(isStale);
  for (const app of due) await buildWebApp(app);
  return due;
}

if (require.main === module) {
  const force = process.argv.includes('--force');
  const run = force ? Promise.all(WEB_APPS.map(buildWebApp)).then(() => [...WEB_APPS]) : ensureWebBuilt();
  run.then(
    (built) => process.stdout.write(built.length ? `built ${built.join(', ')} into dist/web/\n` : ''),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
