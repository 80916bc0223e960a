import * as z from 'zod';

const NON_NEGATIVE_INTEGER = 'expected a non-negative integer';
/** Counts, cents and epoch seconds: integers ≥ 0. */
export const nonNegativeIntegerSchema = z
  .number({ error: NON_NEGATIVE_INTEGER })
  .int({ error: NON_NEGATIVE_INTEGER })
  .min(0, { error: NON_NEGATIVE_INTEGER });

/** `['detail', 'data', 'object', 'lines', 'data', 0, 'price']` → `detail.data.object.lines.data[0].price`. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/**
 * Parses `input` with `schema`; on failure throws the error built from the first issue's field path and
 * message, so every rejection names the field.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  toError: (field: string, problem: string) => Error,
  root = '',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw toError(formatPath(issue?.path ?? [], root), issue?.message ?? 'invalid value');
}
