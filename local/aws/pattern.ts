/**
 * EventBridge event pattern matching, as AWS documents it: a pattern is an object whose leaves are
 * arrays of matchers (any one must match); nested objects descend into the event; when the event's
 * value is an array, the leaf matches if any element matches.
 *
 * Matchers: exact values (string, number, boolean, null), `{prefix}`, `{suffix}`,
 * `{"equals-ignore-case"}`, `{wildcard}`, `{"anything-but": value | [values] | {prefix} | {suffix}}`,
 * `{exists: boolean}` and `{numeric: [op, n, op, n]}`.
 */

type Json = unknown;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `event` matches every field of `pattern`. */
export function matchesPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  return matchesObject(pattern, event);
}

function matchesObject(pattern: Record<string, unknown>, value: unknown): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    const field = isObject(value) ? value[key] : undefined;
    if (Array.isArray(sub)) return matchesLeaf(sub, field);
    if (isObject(sub)) {
      if (Array.isArray(field)) return field.some((el) => matchesObject(sub, el));
      return matchesObject(sub, field);
    }
    throw new InvalidPatternError(`Pattern value for "${key}" must be an object or an array`);
  });
}

export class InvalidPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
}

function matchesLeaf(matchers: readonly unknown[], field: unknown): boolean {
  if (field === undefined) {
    return matchers.some((m) => isObject(m) && m.exists === false);
  }
  const values: readonly Json[] = Array.isArray(field) ? field : [field];
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m.exists === true;
    // An empty event array matches nothing but `exists`.
    return values.some((v) => matchesOne(m, v));
  });
}

function matchesOne(matcher: unknown, value: Json): boolean {
  if (!isObject(matcher)) return matcher === value;
  const entries = Object.entries(matcher);
  if (entries.length !== 1) throw new InvalidPatternError(`Unsupported matcher ${JSON.stringify(matcher)}`);
  const [op, arg] = entries[0] as [string, unknown];
  switch (op) {
    case 'prefix':
      if (isObject(arg) && typeof arg['equals-ignore-case'] === 'string')
        return (
          typeof value === 'string' && value.toLowerCase().startsWith(arg['equals-ignore-case'].toLowerCase())
        );
      return typeof value === 'string' && typeof arg === 'string' && value.startsWith(arg);
    case 'suffix':
      if (isObject(arg) && typeof arg['equals-ignore-case'] === 'string')
        return (
          typeof value === 'string' && value.toLowerCase().endsWith(arg['equals-ignore-case'].toLowerCase())
        );
      return typeof value === 'string' && typeof arg === 'string' && value.endsWith(arg);
    case 'equals-ignore-case':
      return (
        typeof value === 'string' && typeof arg === 'string' && value.toLowerCase() === arg.toLowerCase()
      );
    case 'wildcard':
      return typeof value === 'string' && typeof arg === 'string' && wildcard(arg).test(value);
    case 'anything-but':
      return anythingBut(arg, value);
    case 'numeric':
      return numeric(arg, value);
    default:
      throw new InvalidPatternError(`Unsupported matcher "${op}"`);
  }
}

function wildcard(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 's');
}

function anythingBut(arg: unknown, value: Json): boolean {
  if (Array.isArray(arg)) return !arg.some((a) => a === value);
  if (isObject(arg)) {
    // {prefix}, {suffix}, {equals-ignore-case}, {wildcard}: a value that does not match it.
    return typeof value === 'string' && !matchesOne(arg, value);
  }
  return arg !== value;
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numeric(arg: unknown, value: Json): boolean {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0) {
    throw new InvalidPatternError(`numeric needs [op, number, ...], got ${JSON.stringify(arg)}`);
  }
  if (typeof value !== 'number') return false;
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i] as unknown;
    const n = arg[i + 1] as unknown;
    const compare = typeof op === 'string' ? COMPARE[op] : undefined;
    if (!compare || typeof n !== 'number')
      throw new InvalidPatternError(`Bad numeric matcher ${JSON.stringify(arg)}`);
    if (!compare(value, n)) return false;
  }
  return true;
}
