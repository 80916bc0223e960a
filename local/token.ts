/**
 * `npm run token -- <partnerId>` / `npm run token -- --admin`: prints a token the local HTTP API accepts
 * (stdout carries the token alone, so `$(npm run -s token -- acme)` works) and, at a terminal, a
 * copy-paste curl example on stderr. `npm run token -- --help` lists the options.
 */
import * as path from 'node:path';
import { DEFAULT_ADMIN_SCOPE, PARTNER_ID_PATTERN } from '../domain/config';
import { ROUTES } from '../domain/routes';
import { DEFAULT_SETTINGS } from '../infra/settings';
import {
  defineCommand,
  httpUrl,
  parseCommand,
  readCommandLine,
  UsageError,
  type ParsedCommand,
} from './command-line';
import { durationSeconds, loadOrCreateIssuer, type LocalIssuer } from './http-api/jwt';

const PROJECT_ROOT = path.join(__dirname, '..');

/** Where the local issuer's key lives, shared by the local cloud and this command. */
export const DEFAULT_JWT_DIR = path.join(PROJECT_ROOT, '.local', 'jwt');
export const DEFAULT_API_URL = 'http://127.0.0.1:3000';
/** Long enough for a working day of manual testing. */
export const DEFAULT_TOKEN_EXPIRY = '12h';
export const ADMIN_SUBJECT = 'local-admin';

export type TokenRequest = { kind: 'partner'; partnerId: string } | { kind: 'admin' };

export interface TokenCommand {
  request: TokenRequest;
  audience: string;
  expiresIn: string;
  jwtDir: string;
  apiUrl: string;
}

const TOKEN_COMMAND = defineCommand({
  name: 'npm run token',
  usage: ['-- <partnerId> [options]', '-- --admin [options]'],
  summary: [
    'Prints a token the local HTTP API accepts: a partner token (claims sub, partnerId) or an admin token',
    `(scope ${DEFAULT_ADMIN_SCOPE}, the /admin/ routes). stdout carries the token alone, so`,
    '`$(npm run -s token -- acme)` works; at a terminal a curl example follows on stderr.',
  ],
  positionals: true,
  flags: {
    admin: { type: 'boolean', description: 'an admin token instead of a partner token' },
    audience: {
      type: 'string',
      arg: 'aud',
      default: DEFAULT_SETTINGS.jwtAudience,
      description: 'the audience the HTTP API expects',
    },
    'expires-in': {
      type: 'string',
      arg: 'duration',
      default: DEFAULT_TOKEN_EXPIRY,
      parse: (text: string) => (durationSeconds(text), text),
      description: 'seconds, or 30m / 12h / 7d',
    },
    'jwt-dir': {
      type: 'string',
      arg: 'dir',
      default: DEFAULT_JWT_DIR,
      description: 'where the local issuer keeps its key, shared with `npm start`',
    },
    'api-url': {
      type: 'string',
      arg: 'url',
      default: DEFAULT_API_URL,
      parse: httpUrl,
      description: "the HTTP API for the curl example: `npm start`'s --api-port",
    },
  },
});

/** The parsed command line → what to sign; a `UsageError` saying what is wrong otherwise. */
function tokenCommandOf({ values, positionals }: ParsedCommand<typeof TOKEN_COMMAND.flags>): TokenCommand {
  if (positionals.length > 1) throw new UsageError(`expected one partner id, got ${positionals.join(' ')}`);
  const partnerId = positionals[0];
  if (values.admin && partnerId !== undefined) throw new UsageError('give a partner id or --admin, not both');
  if (!values.admin && partnerId === undefined) throw new UsageError('give a partner id or --admin');
  if (partnerId !== undefined && !PARTNER_ID_PATTERN.test(partnerId))
    throw new UsageError(`"${partnerId}" is not a partner id: 1-64 characters of [A-Za-z0-9_-]`);
  return {
    request: partnerId === undefined ? { kind: 'admin' } : { kind: 'partner', partnerId },
    audience: values.audience,
    expiresIn: values['expires-in'],
    jwtDir: values['jwt-dir'],
    apiUrl: values['api-url'],
  };
}

/** The command line → what to sign; a `UsageError` saying what is wrong otherwise. */
export const parseTokenArgs = (argv: readonly string[]): TokenCommand =>
  tokenCommandOf(parseCommand(TOKEN_COMMAND, argv));

/** A partner token (`sub` and `partnerId` = the partner) or an admin token (`scope` = the admin scope). */
export function tokenFor(
  issuer: LocalIssuer,
  request: TokenRequest,
  options: { audience?: string; expiresIn?: string | number } = {},
): Promise<string> {
  const claims =
    request.kind === 'admin'
      ? { sub: ADMIN_SUBJECT, scope: DEFAULT_ADMIN_SCOPE }
      : { sub: request.partnerId, partnerId: request.partnerId };
  return issuer.sign(claims, {
    audience: options.audience ?? DEFAULT_SETTINGS.jwtAudience,
    expiresIn: options.expiresIn ?? DEFAULT_TOKEN_EXPIRY,
  });
}

/**
 * Requests the token opens: a partner token its own dashboard (`/partners/{partnerId}/dashboard`); an admin
 * token the `/admin/` routes, registering a partner and reading any partner's dashboard (one per line).
 */
export function curlExample(request: TokenRequest, token: string, apiUrl: string): string {
  const auth = `-H "authorization: Bearer ${token}"`;
  if (request.kind === 'partner')
    return `curl ${auth} ${apiUrl}${ROUTES.dashboard.replace('{partnerId}', request.partnerId)}`;
  return [
    `curl -X POST ${auth} -H "content-type: application/json" ` +
      `-d '{"partnerId":"acme-blog","displayName":"ACME"}' ${apiUrl}${ROUTES.adminPartners}`,
    `curl ${auth} ${apiUrl}${ROUTES.adminDashboard.replace('{partnerId}', 'acme-blog')}`,
  ].join('\n  ');
}

async function main(): Promise<number> {
  const command = readCommandLine(TOKEN_COMMAND, tokenCommandOf);
  const issuer = await loadOrCreateIssuer(command.jwtDir);
  const token = await tokenFor(issuer, command.request, command);
  process.stdout.write(`${token}\n`);
  // Captured by `$(...)`: the token alone; the hint is for a person at a terminal.
  if (!process.stdout.isTTY) return 0;
  process.stderr.write(
    `\n${command.request.kind === 'admin' ? 'Admin' : `Partner ${command.request.partnerId}`} token, ` +
      `valid ${command.expiresIn}, audience ${command.audience}, issuer ${issuer.issuerUrl}. Try:\n` +
      `  ${curlExample(command.request, token, command.apiUrl)}\n`,
  );
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
