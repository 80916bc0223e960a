import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { UsageError } from '../../local/command-line';
import { loadOrCreateIssuer } from '../../local/http-api/jwt';
import { startHttpApi } from '../../local/http-api/server';
import { curlExample, DEFAULT_API_URL, DEFAULT_JWT_DIR, parseTokenArgs, tokenFor } from '../../local/token';
import { ADMIN_SCOPE, AUDIENCE, call, echoRoute, tempDir } from './support';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

describe('npm run token', () => {
  it('reads a partner id or --admin, with the template audience, 12 h and .local/jwt by default', () => {
    expect(parseTokenArgs(['acme'])).toEqual({
      request: { kind: 'partner', partnerId: 'acme' },
      audience: AUDIENCE,
      expiresIn: '12h',
      jwtDir: DEFAULT_JWT_DIR,
      apiUrl: DEFAULT_API_URL,
    });
    expect(DEFAULT_JWT_DIR).toBe(path.join(ROOT, '.local', 'jwt'));
    expect(
      parseTokenArgs(['--admin', '--expires-in', '30m', '--api-url', 'http://localhost:4000/']),
    ).toMatchObject({
      request: { kind: 'admin' },
      expiresIn: '30m',
      apiUrl: 'http://localhost:4000',
    });
  });

  it.each([
    [[], 'give a partner id or --admin'],
    [['acme', '--admin'], 'not both'],
    [['acme', 'beta'], 'expected one partner id'],
    [['acme blog!'], 'is not a partner id'],
    [['acme', '--expires-in', 'soon'], '--expires-in: expected a duration'],
    [['acme', '--colour'], "Unknown option '--colour'"],
  ])('says what is wrong with %p', (argv, problem) => {
    expect(() => parseTokenArgs(argv)).toThrow(UsageError);
    expect(() => parseTokenArgs(argv)).toThrow(problem);
  });

  it('signs a partner token (sub, partnerId) and an admin token (the admin scope) for 12 hours', async () => {
    const issuer = await loadOrCreateIssuer(undefined);

    const partner = decodeJwt(await tokenFor(issuer, { kind: 'partner', partnerId: 'acme' }));
    const admin = decodeJwt(await tokenFor(issuer, { kind: 'admin' }));

    expect(partner).toMatchObject({ sub: 'acme', partnerId: 'acme', aud: AUDIENCE, iss: issuer.issuerUrl });
    expect(partner).not.toHaveProperty('scope');
    expect((partner.exp ?? 0) - (partner.iat ?? 0)).toBe(12 * 3600);
    expect(admin).toMatchObject({ sub: 'local-admin', scope: ADMIN_SCOPE, aud: AUDIENCE });
    expect(admin).not.toHaveProperty('partnerId');
  });

  it('gives curl examples for the requests the token opens: an admin token the /admin/ routes', () => {
    expect(curlExample({ kind: 'partner', partnerId: 'acme' }, 'T', 'http://127.0.0.1:3000')).toBe(
      'curl -H "authorization: Bearer T" http://127.0.0.1:3000/partners/acme/dashboard',
    );
    const admin = curlExample({ kind: 'admin' }, 'T', 'http://127.0.0.1:3000').split('\n');
    expect(admin).toHaveLength(2);
    expect(admin[0]).toContain('-X POST -H "authorization: Bearer T"');
    expect(admin[0]).toMatch(/ http:\/\/127\.0\.0\.1:3000\/admin\/partners$/);
    expect(admin[1]?.trim()).toBe(
      'curl -H "authorization: Bearer T" http://127.0.0.1:3000/admin/partners/acme-blog/dashboard',
    );
  });

  it("prints only a token, which another process's HTTP API accepts (the key is shared through the directory)", async () => {
    const jwtDir = path.join(tempDir('token-'), 'jwt');
    const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

    const { stdout, stderr } = await run(
      process.execPath,
      [tsx, 'local/token.ts', 'acme', '--jwt-dir', jwtDir],
      {
        cwd: ROOT,
      },
    );

    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    // Captured output (not a terminal): the token alone, so `$(npm run -s token -- acme)` is quiet.
    expect(stderr).toBe('');
    const route = echoRoute('GET /partners/{partnerId}/dashboard', { type: 'JWT' });
    const api = await startHttpApi({
      port: 0,
      routes: [route],
      jwt: { issuer: await loadOrCreateIssuer(jwtDir), audience: [AUDIENCE] },
    });
    try {
      expect((await call(api.url, '/partners/acme/dashboard', { token: stdout.trim() })).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('exits 2 with the usage on a usage error, printing nothing on stdout', async () => {
    const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

    const failure = await run(process.execPath, [tsx, 'local/token.ts'], { cwd: ROOT }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

    expect(failure).toMatchObject({ code: 2, stdout: '' });
    expect(failure?.stderr).toContain('npm run token: give a partner id or --admin');
    expect(failure?.stderr).toContain('Usage: npm run token -- <partnerId>');
  });
});
