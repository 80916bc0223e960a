/**
 * One shape for every command's options: a table (flag → type, placeholder, default, meaning, converter)
 * gives node:util `parseArgs` its options, the `--help` text and the usage errors, so the three cannot
 * disagree. `--help`/`-h` prints the help on stdout and exits 0; an unknown flag or a bad value prints what
 * is wrong, naming the flag, with the usage on stderr and exits 2: a mistyped command is not a crash, so no
 * stack trace.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export interface BooleanFlag {
  type: 'boolean';
  description: string;
}

export interface StringFlag<T = string> {
  type: 'string';
  /** The value's placeholder in the help: `n`, `url`, `dir`. */
  arg: string;
  description: string;
  /** As typed on a command line, so the help shows it; `parse` converts it like a given value. */
  default?: string;
  /** Text → value; throws an Error saying what it expected (the message is prefixed with the flag). */
  parse?: (text: string) => T;
}

export type Flag = BooleanFlag | StringFlag<unknown>;
export type Flags = Record<string, Flag>;

export interface Command<F extends Flags> {
  /** How a person runs it: `npm run chaos`. */
  name: string;
  /** What it does, where it writes; a line each. */
  summary: readonly string[];
  flags: F;
  /** What follows the name in each usage line (default `-- [options]`, or nothing for no flags). */
  usage?: readonly string[];
  /** Positional arguments are accepted (the command checks them); none are without it. */
  positionals?: boolean;
  /** Lines after the options: exit codes, environment variables. */
  notes?: readonly string[];
}

type ValueOf<F> = F extends BooleanFlag
  ? boolean
  : F extends { parse: (text: string) => infer T }
    ? F extends { default: string }
      ? T
      : T | undefined
    : F extends { default: string }
      ? string
      : string | undefined;

export type FlagValues<F extends Flags> = { -readonly [K in keyof F]: ValueOf<F[K]> } & { help: boolean };

export interface ParsedCommand<F extends Flags> {
  values: FlagValues<F>;
  positionals: string[];
}

/** A command line a person got wrong: the message says what and names the flag. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Keeps the table's literal types (`type: 'string'`, which flags have a default) for `FlagValues`. */
export const defineCommand = <F extends Flags>(command: Command<F>): Command<F> => command;

/** The arguments → the flags' values (converted) and the positionals; a `UsageError` naming the flag otherwise. */
export function parseCommand<F extends Flags>(
  command: Command<F>,
  argv: readonly string[],
): ParsedCommand<F> {
  const options: ParseArgsOptionsConfig = { help: { type: 'boolean', short: 'h', default: false } };
  for (const [flag, spec] of Object.entries(command.flags))
    options[flag] =
      spec.type === 'boolean'
        ? { type: 'boolean', default: false }
        : { type: 'string', ...(spec.default === undefined ? {} : { default: spec.default }) };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: command.positionals ?? false });
  } catch (error) {
    // Node adds how to pass a positional that starts with '-': beside the point for a mistyped flag.
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : '';
    throw new UsageError(message || String(error));
  }
  const values: Record<string, unknown> = { ...parsed.values };
  for (const [flag, spec] of Object.entries(command.flags)) {
    const text = values[flag];
    if (spec.type === 'string' && spec.parse && typeof text === 'string') {
      try {
        values[flag] = spec.parse(text);
      } catch (error) {
        throw new UsageError(`--${flag}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return { values: values as FlagValues<F>, positionals: parsed.positionals };
}

const usageLines = (command: Command<Flags>): string[] =>
  (command.usage ?? [Object.keys(command.flags).length > 0 ? '-- [options]' : '']).map(
    (rest, i) => `${i === 0 ? 'Usage:' : '      '} ${command.name}${rest ? ` ${rest}` : ''}`,
  );

/** The `--help` text: usage, summary, every flag with its placeholder and default, the notes. */
export function helpText(command: Command<Flags>): string {
  const rows: [string, string][] = Object.entries(command.flags).map(([flag, spec]) => [
    spec.type === 'boolean' ? `--${flag}` : `--${flag} <${spec.arg}>`,
    spec.type === 'string' && spec.default !== undefined
      ? `${spec.description} (default ${spec.default})`
      : spec.description,
  ]);
  rows.push(['-h, --help', 'this text']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    ...usageLines(command),
    '',
    ...command.summary,
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    ...(command.notes && command.notes.length > 0 ? ['', ...command.notes] : []),
    '',
  ].join('\n');
}

/** What a usage error prints: what is wrong, the usage, where the options are listed. */
export const usageErrorText = (command: Command<Flags>, message: string): string =>
  [`${command.name}: ${message}`, ...usageLines(command), `See \`${command.name} -- --help\`.`, ''].join(
    '\n',
  );

/**
 * The process's command line, parsed with `command`'s table and handed to `interpret` (checks beyond one flag,
 * such as "a partner id or --admin", throw `UsageError` too). `--help` prints the help and exits 0; a usage
 * error prints what is wrong and exits 2.
 */
export function readCommandLine<F extends Flags, T = ParsedCommand<F>>(
  command: Command<F>,
  interpret: (parsed: ParsedCommand<F>) => T = (parsed) => parsed as T,
  argv: readonly string[] = process.argv.slice(2),
): T {
  try {
    const parsed = parseCommand(command, argv);
    if (parsed.values.help) {
      process.stdout.write(helpText(command));
      process.exit(0);
    }
    return interpret(parsed);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(usageErrorText(command, error.message));
    process.exit(2);
  }
}

/** An integer in [min, max]. */
export const integer =
  (min: number, max: number) =>
  (text: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new Error(`expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
    return n;
  };

/** A number in [min, max]. */
export const decimal =
  (min: number, max: number) =>
  (text: string): number => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new Error(`expected a number from ${min} to ${max}, got ${JSON.stringify(text)}`);
    return n;
  };

export const portNumber = integer(1, 65535);

export const positiveNumber = (text: string): number => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new Error(`expected a positive number, got ${JSON.stringify(text)}`);
  return n;
};

/** An http(s) URL, without trailing slashes (so a path can be appended). */
export const httpUrl = (text: string): string => {
  const url = URL.parse(text);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`expected an http:// or https:// URL, got ${JSON.stringify(text)}`);
  return text.replace(/\/+$/, '');
};
