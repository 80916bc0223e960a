import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini loads no locale (its default message is "Invalid input"); the English one gives schemas without
// their own `error` the messages classic zod gives (`Invalid option: expected one of …`). Only `en` is bundled.
z.config(en());

/** Counters and versions: any safe integer. */
export const integerSchema = z.int({ error: 'expected an integer' });

const NON_NEGATIVE_INTEGER = 'expected a non-negative integer';
/** Counts, cents and epoch seconds: integers ≥ 0. */
export const nonNegativeIntegerSchema = z
  .int({ error: NON_NEGATIVE_INTEGER })
  .check(z.minimum(0, { error: NON_NEGATIVE_INTEGER }));

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
 * Parses `input` with `schema` (any zod schema); on failure throws the error built from the first issue's
 * field path and message, so every rejection names the field.
 */
export function parseOrThrow<S extends z.core.$ZodType>(
  schema: S,
  input: unknown,
  toError: (field: string, problem: string) => Error,
  root = '',
): z.output<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw toError(formatPath(issue?.path ?? [], root), issue?.message ?? 'invalid value');
}
