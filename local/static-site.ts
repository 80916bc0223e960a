import { createReadStream, existsSync, statSync } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import { createGzip } from 'node:zlib';

/** A request handler a local server asks before its own routes: true when it answered the request. */
export type PageHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);

/**
 * A built single-page app under a path prefix (`/portal/`), as CloudFront serves it from S3: files by path,
 * `index.html` for the prefix and for any path that names no file (the app routes in the browser), gzip
 * when the client accepts it, hashed `assets/` cached for good and `index.html` never. `config` is served as
 * `<prefix>config.json` (what the deployment writes beside the assets), asked per request so it can name
 * the host the browser reached.
 */
export function staticSite(
  prefix: `/${string}/`,
  dir: string,
  config?: (req: http.IncomingMessage) => unknown,
): PageHandler {
  const root = path.resolve(dir);
  return (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === prefix.slice(0, -1)) {
      res.writeHead(301, { location: prefix }).end();
      return true;
    }
    if (!pathname.startsWith(prefix)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    if (config && pathname === `${prefix}config.json`) {
      const body = JSON.stringify(config(req));
      res.writeHead(200, { 'content-type': CONTENT_TYPES['.json'], 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    const relative = decodeURIComponent(pathname.slice(prefix.length));
    const candidate = path.resolve(root, relative);
    const inside = candidate.startsWith(root + path.sep);
    const file =
      inside && existsSync(candidate) && statSync(candidate).isFile()
        ? candidate
        : path.join(root, 'index.html');
    if (!existsSync(file)) {
      res
        .writeHead(503, { 'content-type': 'text/plain' })
        .end(`${prefix} is not built: run npm run build:web\n`);
      return true;
    }
    const ext = path.extname(file);
    const gzip = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'cache-control': file.includes(`${path.sep}assets${path.sep}`)
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : { 'content-length': String(statSync(file).size) }),
    });
    if (req.method === 'HEAD') res.end();
    else if (gzip) createReadStream(file).pipe(createGzip()).pipe(res);
    else createReadStream(file).pipe(res);
    return true;
  };
}

/**
 * The portal's `config.json` locally: the API is the server that serves the portal (whatever host and port
 * the browser used), and partners sign in by pasting a token from `npm run token` (web/portal/config.ts).
 */
export const localPortalConfig = (req: http.IncomingMessage): unknown => ({
  apiUrl: `http://${req.headers.host ?? '127.0.0.1'}`,
  auth: { kind: 'token' },
});
