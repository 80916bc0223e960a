/**
 * HTTP API route selection: a route key is `$default` or `METHOD /path` where a segment is a literal,
 * `{name}` (one segment) or, last, `{name+}` (one or more segments). Of the routes that match, API Gateway
 * picks the most specific: literal over variable over greedy, segment by segment, then an explicit method
 * over `ANY`; `$default` takes what no route matches.
 */
export const DEFAULT_ROUTE_KEY = '$default';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY']);

type Segment =
  { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

interface CompiledRoute<R> {
  route: R;
  method: string;
  segments: Segment[];
}

export interface RouteMatch<R> {
  route: R;
  routeKey: string;
  pathParameters?: Record<string, string>;
}

export class InvalidRouteKeyError extends Error {
  override readonly name = 'InvalidRouteKey';
  constructor(routeKey: string, problem: string) {
    super(`Route key "${routeKey}": ${problem}`);
  }
}

export class RouteTable<R extends { routeKey: string }> {
  private readonly compiled: CompiledRoute<R>[];
  private readonly defaultRoute: R | undefined;

  constructor(routes: readonly R[]) {
    const seen = new Set<string>();
    for (const r of routes) {
      if (seen.has(r.routeKey)) throw new InvalidRouteKeyError(r.routeKey, 'defined twice');
      seen.add(r.routeKey);
    }
    this.defaultRoute = routes.find((r) => r.routeKey === DEFAULT_ROUTE_KEY);
    this.compiled = routes.filter((r) => r.routeKey !== DEFAULT_ROUTE_KEY).map(compile);
  }

  get routeKeys(): string[] {
    return [...this.compiled.map((c) => c.route.routeKey), ...(this.defaultRoute ? [DEFAULT_ROUTE_KEY] : [])];
  }

  /** The route a request takes, with its path parameters (decoded); undefined when none, not even `$default`. */
  match(method: string, rawPath: string): RouteMatch<R> | undefined {
    const parts = rawPath.split('/').slice(1);
    let best: { c: CompiledRoute<R>; params: Record<string, string>; score: number[] } | undefined;
    for (const c of this.compiled) {
      if (c.method !== 'ANY' && c.method !== method) continue;
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      const score = [...c.segments.map(rank), c.method === 'ANY' ? 0 : 1];
      if (!best || compareScores(score, best.score) > 0) best = { c, params, score };
    }
    if (best) {
      const hasParams = Object.keys(best.params).length > 0;
      return {
        route: best.c.route,
        routeKey: best.c.route.routeKey,
        ...(hasParams ? { pathParameters: best.params } : {}),
      };
    }
    return this.defaultRoute ? { route: this.defaultRoute, routeKey: DEFAULT_ROUTE_KEY } : undefined;
  }
}

function compile<R extends { routeKey: string }>(route: R): CompiledRoute<R> {
  const m = /^(\S+) (\/\S*)$/.exec(route.routeKey);
  if (!m?.[1] || !m[2])
    throw new InvalidRouteKeyError(route.routeKey, 'expected "$default" or "METHOD /path"');
  if (!METHODS.has(m[1])) throw new InvalidRouteKeyError(route.routeKey, `unknown method ${m[1]}`);
  const raw = m[2].split('/').slice(1);
  const segments = raw.map((s, i): Segment => {
    const greedy = /^\{([A-Za-z0-9._-]+)\+\}$/.exec(s);
    if (greedy?.[1]) {
      if (i !== raw.length - 1)
        throw new InvalidRouteKeyError(route.routeKey, `{${greedy[1]}+} must be last`);
      return { kind: 'greedy', name: greedy[1] };
    }
    const param = /^\{([A-Za-z0-9._-]+)\}$/.exec(s);
    if (param?.[1]) return { kind: 'param', name: param[1] };
    if (/[{}]/.test(s)) throw new InvalidRouteKeyError(route.routeKey, `malformed segment ${s}`);
    return { kind: 'literal', value: s };
  });
  return { route, method: m[1], segments };
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, seg] of segments.entries()) {
    const part = parts[i];
    if (seg.kind === 'greedy') {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.every((p) => p === '')) return undefined;
      params[seg.name] = decode(rest.join('/'));
      return params;
    }
    if (part === undefined) return undefined;
    if (seg.kind === 'literal') {
      if (decode(part) !== seg.value) return undefined;
    } else {
      if (part === '') return undefined;
      params[seg.name] = decode(part);
    }
  }
  return parts.length === segments.length ? params : undefined;
}

const rank = (s: Segment): number => (s.kind === 'literal' ? 2 : s.kind === 'param' ? 1 : 0);

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** A malformed escape is passed through as sent rather than failing the request. */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
