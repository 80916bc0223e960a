/**
 * `npm run export -- <commissions|payouts|referrals> [options]`: downloads one CSV export through the HTTP API's
 * admin route (`GET /admin/exports/{exportName}`), following its `Link: <…>; rel="next"` pages, and writes them
 * as one file (the header row comes on the first page only). `npm run export -- --help` lists the options.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { PARTNER_ID_PATTERN } from '../domain/config';
import { EXPORT_NAMES, exportKindOf, type ExportKind, type ExportName } from '../domain/exports';
import { ROUTES } from '../domain/routes';
import {
  defineCommand,
  httpUrl,
  parseCommand,
  readCommandLine,
  UsageError,
  type ParsedCommand,
} from './command-line';
import { loadOrCreateIssuer } from './http-api/jwt';
import { DEFAULT_API_URL, DEFAULT_JWT_DIR, tokenFor } from './token';

const KINDS = EXPORT_NAMES.map(exportKindOf);

const EXPORT_COMMAND = defineCommand({
  name: 'npm run export',
  usage: [`-- <${KINDS.join('|')}> [options]`],
  summary: [
    'Downloads a CSV export through the HTTP API (`npm start`, or a deployed API with --token), following its',
    'pages, into one file: every partner’s rows, or one partner’s with --partner. Exits 1 when the API refuses.',
  ],
  positionals: true,
  flags: {
    partner: {
      type: 'string',
      arg: 'partnerId',
      description: "one partner's rows (default every partner's)",
    },
    from: {
      type: 'string',
      arg: 'day|time',
      description: 'rows from this day (YYYY-MM-DD) or ISO timestamp on',
    },
    to: {
      type: 'string',
      arg: 'day|time',
      description: 'rows through this day, or before this ISO timestamp',
    },
    timezone: {
      type: 'string',
      arg: 'zone',
      description: 'the IANA zone days are read in (the API defaults to UTC)',
    },
    'api-url': {
      type: 'string',
      arg: 'url',
      default: DEFAULT_API_URL,
      parse: httpUrl,
      description: "the HTTP API: `npm start`'s --api-port, or a deployed API's URL",
    },
    token: {
      type: 'string',
      arg: 'jwt',
      description: 'a bearer token with the admin scope (default an admin token of the local issuer)',
    },
    'jwt-dir': {
      type: 'string',
      arg: 'dir',
      default: DEFAULT_JWT_DIR,
      description: 'where the local issuer keeps its key, shared with `npm start`',
    },
    out: { type: 'string', arg: 'file', description: 'where to write the CSV (default stdout)' },
  },
});

export interface ExportCommand {
  name: ExportName;
  partnerId?: string;
  query: Record<string, string>;
  apiUrl: string;
  token?: string;
  jwtDir: string;
  out?: string;
}

function exportCommandOf({ values, positionals }: ParsedCommand<typeof EXPORT_COMMAND.flags>): ExportCommand {
  if (positionals.length !== 1) throw new UsageError(`expected one export: ${KINDS.join(', ')}`);
  const kind = positionals[0] as ExportKind;
  if (!KINDS.includes(kind)) throw new UsageError(`"${kind}" is not an export: expected ${KINDS.join(', ')}`);
  if (values.partner !== undefined && !PARTNER_ID_PATTERN.test(values.partner))
    throw new UsageError(
      `--partner: "${values.partner}" is not a partner id: 1-64 characters of [A-Za-z0-9_-]`,
    );
  const query: Record<string, string> = {};
  const given: [string, string | undefined][] = [
    ['partnerId', values.partner],
    ['from', values.from],
    ['to', values.to],
    ['timezone', values.timezone],
  ];
  for (const [name, value] of given) if (value !== undefined) query[name] = value;
  return {
    name: `${kind}.csv`,
    query,
    apiUrl: values['api-url'],
    jwtDir: values['jwt-dir'],
    ...(values.partner === undefined ? {} : { partnerId: values.partner }),
    ...(values.token === undefined ? {} : { token: values.token }),
    ...(values.out === undefined ? {} : { out: values.out }),
  };
}

/** The command line → the export to download; a `UsageError` saying what is wrong otherwise. */
export const parseExportArgs = (argv: readonly string[]): ExportCommand =>
  exportCommandOf(parseCommand(EXPORT_COMMAND, argv));

/** The API refused a page: its status and what it said. */
export class ExportRefusedError extends Error {
  override readonly name = 'ExportRefused';
}

const NEXT_LINK = /<([^>]*)>\s*;\s*rel="?next"?/;

/**
 * Fetches the export's pages one after the other, writing each to `sink` before asking for the next, so only one
 * page is held. Returns the number of pages.
 */
export async function downloadExport(
  command: Pick<ExportCommand, 'name' | 'query' | 'apiUrl'>,
  token: string,
  sink: Writable,
): Promise<number> {
  let url: URL | undefined = new URL(
    `${command.apiUrl}${ROUTES.adminExports.replace('{exportName}', command.name)}?${new URLSearchParams(command.query).toString()}`,
  );
  let pages = 0;
  while (url) {
    const res: Response = await fetch(url, { headers: { authorization: `Bearer ${token}` } }).catch(
      (error: unknown) => {
        throw new ExportRefusedError(
          `Could not reach ${url?.origin ?? command.apiUrl} (${error instanceof Error ? error.message : String(error)}): is \`npm start\` running there?`,
        );
      },
    );
    const text = await res.text();
    if (res.status !== 200) {
      let reason = text;
      try {
        const body = JSON.parse(text) as { message?: string };
        reason = body.message ?? text;
      } catch {
        // not JSON: the text itself
      }
      throw new ExportRefusedError(`${url.pathname}${url.search}: ${res.status} ${reason}`);
    }
    pages += 1;
    if (!sink.write(text)) await once(sink, 'drain');
    const next: string | undefined = NEXT_LINK.exec(res.headers.get('link') ?? '')?.[1];
    url = next === undefined ? undefined : new URL(next, url);
  }
  return pages;
}

async function main(): Promise<number> {
  const command = readCommandLine(EXPORT_COMMAND, exportCommandOf);
  const token =
    command.token ?? (await tokenFor(await loadOrCreateIssuer(command.jwtDir), { kind: 'admin' }, {}));
  const sink = command.out === undefined ? process.stdout : createWriteStream(command.out);
  const pages = await downloadExport(command, token, sink);
  if (command.out !== undefined) {
    sink.end();
    await once(sink, 'finish');
    process.stderr.write(
      `Wrote ${command.name} (${pages} page${pages === 1 ? '' : 's'}) to ${command.out}\n`,
    );
  }
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
