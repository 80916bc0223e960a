import type * as http from 'node:http';
import { readBody, REQUEST_BODY_LIMITS } from '../request-body';
import type { PageHandler } from '../static-site';

/** The console's JSON API, under `/console/api/` on the local AWS endpoint. */
export const CONSOLE_API_PREFIX = '/console/api/';

export interface ConsoleRequest {
  /** The path's `:name` segments, decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body of a POST (`{}` when empty). */
  body: Record<string, unknown>;
}

export interface ConsoleRoute {
  method: 'GET' | 'POST';
  /** After the prefix, with `:name` segments: `executions/:executionArn/history`. */
  path: string;
  handle(request: ConsoleRequest): Promise<unknown>;
}

/** A console request that cannot be served as asked: answered with its status and `{ error, message }`. */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const actual = got[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(actual);
    else if (part !== actual) return undefined;
  }
  return params;
}

function send(res: http.ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'cache-control': 'no-store',
  });
  res.end(body);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConsoleError(400, 'InvalidJson', 'The request body is not JSON');
  }
}

/** Serves the routes; a path under the prefix that no route matches is a 404, a handler's throw a 500. */
export function consoleApi(routes: readonly ConsoleRoute[]): PageHandler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(CONSOLE_API_PREFIX)) return false;
    const rest = url.pathname.slice(CONSOLE_API_PREFIX.length);
    let found: { route: ConsoleRoute; params: Record<string, string> } | undefined;
    for (const route of routes) {
      const params = route.method === req.method ? matchPath(route.path, rest) : undefined;
      if (params) found = { route, params };
    }
    if (!found) {
      send(res, 404, { error: 'NotFound', message: `No console route ${req.method} ${url.pathname}` });
      return true;
    }
    const { route, params } = found;
    void readBody(req, REQUEST_BODY_LIMITS.httpApi)
      .then((raw) => {
        const text = raw?.toString('utf8').trim() ?? '';
        const body = parseJson(text === '' ? '{}' : text);
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw new ConsoleError(400, 'InvalidJson', 'The request body must be a JSON object');
        return route.handle({ params, query: url.searchParams, body: body as Record<string, unknown> });
      })
      .then(
        (out) => send(res, 200, out ?? {}),
        (error: unknown) => {
          if (error instanceof ConsoleError)
            send(res, error.status, { error: error.code, message: error.message });
          else {
            process.stderr.write(`[console] ${req.method} ${url.pathname} failed: ${String(error)}\n`);
            send(res, 500, {
              error: 'InternalError',
              message: error instanceof Error ? error.message : String(error),
            });
          }
        },
      );
    return true;
  };
}
