/**
 * `npm run token -- <partnerId>` / `npm run token -- --admin`: prints a token the local HTTP API accepts
 * (stdout carries the token alone, so `$(npm run -s token -- acme)` works) and, at a terminal, a
 * copy-paste curl example on stderr. Options:
 *   --audience <aud>      default the template's JWT audience (partner-referrals)
 *   --expires-in <d>      seconds or 30m / 12h / 7d, default 12h
 *   --jwt-dir <dir>       where the local issuer keeps its key, default .local/jwt
 *   --api-url <url>       for the curl example, default http://127.0.0.1:3000
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_ADMIN_SCOPE, PARTNER_ID_PATTERN } from '../domain/config';
import { ROUTES } from '../domain/routes';
import { DEFAULT_SETTINGS } from '../infra/settings';
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

export const USAGE = [
  'Usage: npm run token -- <partnerId>     a partner token (claims sub, partnerId)',
  `       npm run token -- --admin         an admin token (scope ${DEFAULT_ADMIN_SCOPE}, /admin/ routes)`,
  'Options: --audience <aud>  --expires-in <12h|30m|3600>  --jwt-dir <dir>  --api-url <url>',
].join('\n');

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command line → what to sign; a `UsageError` saying what is wrong otherwise. */
export function parseTokenArgs(argv: readonly string[]): TokenCommand {
  const parse = () =>
    parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        admin: { type: 'boolean', default: false },
        audience: { type: 'string', default: DEFAULT_SETTINGS.jwtAudience },
        'expires-in': { type: 'string', default: DEFAULT_TOKEN_EXPIRY },
        'jwt-dir': { type: 'string', default: DEFAULT_JWT_DIR },
        'api-url': { type: 'string', default: DEFAULT_API_URL },
      },
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`expected one partner id, got ${positionals.join(' ')}`);
  const partnerId = positionals[0];
  if (values.admin && partnerId !== undefined) throw new UsageError('give a partner id or --admin, not both');
  if (!values.admin && partnerId === undefined) throw new UsageError('give a partner id or --admin');
  if (partnerId !== undefined && !PARTNER_ID_PATTERN.test(partnerId))
    throw new UsageError(`"${partnerId}" is not a partner id: 1-64 characters of [A-Za-z0-9_-]`);
  const expiresIn = values['expires-in'] ?? DEFAULT_TOKEN_EXPIRY;
  try {
    durationSeconds(expiresIn);
  } catch (error) {
    throw new UsageError(`--expires-in: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    request: partnerId === undefined ? { kind: 'admin' } : { kind: 'partner', partnerId },
    audience: values.audience ?? DEFAULT_SETTINGS.jwtAudience,
    expiresIn,
    jwtDir: values['jwt-dir'] ?? DEFAULT_JWT_DIR,
    apiUrl: (values['api-url'] ?? DEFAULT_API_URL).replace(/\/+$/, ''),
  };
}

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

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let command: TokenCommand;
  try {
    command = parseTokenArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
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
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
