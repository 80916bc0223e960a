/**
 * `npm run bench:portal`: builds the partner portal and measures what its first load fetches: the JavaScript
 * and CSS `index.html` names (scripts, module preloads, stylesheets), raw, gzip and brotli at their highest
 * levels (what CloudFront's compression approaches). Target: under 150 KB of compressed JavaScript; exits 1
 * above it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildWebApp, webDistOf } from '../web/build';
import { report } from './support/report';

const TARGET_JS_GZIP_BYTES = 150 * 1024;

/** The same-origin assets an HTML page loads at once: `<script src>`, `<link rel="modulepreload|stylesheet">`. */
export function firstLoadAssets(html: string): string[] {
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1] ?? '');
  const links = [...html.matchAll(/<link\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => /\brel="(?:modulepreload|stylesheet)"/.test(tag))
    .map((tag) => /\bhref="([^"]+)"/.exec(tag)?.[1] ?? '');
  return [...new Set([...scripts, ...links])].filter((url) => url !== '' && !/^[a-z]+:/i.test(url));
}

async function main(): Promise<void> {
  await buildWebApp('portal');
  const dist = webDistOf('portal');
  const assets = firstLoadAssets(readFileSync(path.join(dist, 'index.html'), 'utf8'));
  const rows = assets.map((url) => {
    const bytes = readFileSync(path.join(dist, url.replace(/^\/portal\//, '')));
    return {
      file: url,
      kind: url.endsWith('.css') ? 'css' : 'js',
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
  const total = (kind: string) => {
    const of = rows.filter((r) => r.kind === kind);
    return {
      raw: of.reduce((s, r) => s + r.raw, 0),
      gzip: of.reduce((s, r) => s + r.gzip, 0),
      brotli: of.reduce((s, r) => s + r.brotli, 0),
    };
  };
  const js = total('js');
  const css = total('css');
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  report(
    'portal-size',
    `Partner portal first load (target: JavaScript under ${kb(TARGET_JS_GZIP_BYTES)} gzip)`,
    ['asset', 'raw', 'gzip', 'brotli'],
    [
      ...rows.map((r) => [r.file, kb(r.raw), kb(r.gzip), kb(r.brotli)]),
      ['all JavaScript', kb(js.raw), kb(js.gzip), kb(js.brotli)],
      ['all CSS', kb(css.raw), kb(css.gzip), kb(css.brotli)],
    ],
    { assets: rows, js, css, targetJsGzipBytes: TARGET_JS_GZIP_BYTES },
  );
  if (js.gzip > TARGET_JS_GZIP_BYTES) {
    process.stderr.write(
      `The portal's JavaScript is ${kb(js.gzip)} gzip, over the ${kb(TARGET_JS_GZIP_BYTES)} target\n`,
    );
    process.exitCode = 1;
  }
}

if (require.main === module)
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
