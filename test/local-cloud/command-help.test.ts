import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { decimal, defineCommand, parseCommand, UsageError } from '../../local/command-line';
import { startBanner } from '../../local/start-banner';

/**
 * Every command the README tells people to run answers `--help` and names a mistyped flag, each in its own
 * process. Cheap by construction: the commands parse their arguments before they start
 * anything, and PATH holds no `java`, so a command that started DynamoDB Local or the stack would fail here.
 */
const ROOT = path.join(__dirname, '..', '..');
const ENV = { ...process.env, PATH: path.dirname(process.execPath) };

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

const runFile = (file: string, args: string[]): Promise<Exit> =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: ENV,
    timeout: 240_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

/**
 * The commands and the files their scripts run. Listed rather than read from package.json: a command that did not
 * parse its arguments yet would run for real here (a benchmark for minutes, a generator rewriting files).
 */
const COMMANDS = [
  ['start', 'local/cli.ts'],
  ['reconcile', 'local/reconcile.ts'],
  ['token', 'local/token.ts'],
  ['export', 'local/export.ts'],
  ['demo', 'local/demo.ts'],
  ['demo:year', 'local/year.ts'],
  ['chaos', 'chaos/cli.ts'],
  ['bench', 'bench/all.ts'],
  ['bench:bundles', 'bench/bundles.ts'],
  ['bench:dashboard', 'bench/dashboard.ts'],
  ['bench:reconciliation', 'bench/reconciliation.ts'],
  ['bench:throughput', 'bench/throughput.ts'],
  ['bench:cost', 'bench/cost.ts'],
  ['bench:viral', 'bench/viral.ts'],
].map(([script = '', file = '']) => ({
  script,
  file,
  name: script === 'start' ? 'npm start' : `npm run ${script}`,
}));

const SCRIPTS = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** The flags the README and the banner tell people to use. */
const DOCUMENTED_FLAGS: Record<string, string[]> = {
  start: [
    '--port <n>',
    '--api-port <n>',
    '--dynamodb-port <n>',
    '--data-dir <dir>',
    '--in-memory',
    '--seed',
    '--host <host>',
    '--item-write-limit <units/s>',
    '--webhook-url <url>',
    '--webhook-api-key <key>',
    '--webhook-secret <secret>',
  ],
  reconcile: ['--endpoint-url <url>', '--endpoint <url>'],
  token: ['--admin', '--audience <aud>', '--expires-in <duration>', '--jwt-dir <dir>', '--api-url <url>'],
  export: [
    '--partner <partnerId>',
    '--from <day|time>',
    '--to <day|time>',
    '--timezone <zone>',
    '--api-url <url>',
    '--token <jwt>',
    '--out <file>',
  ],
  chaos: [
    '--journeys <N>',
    '--duplicates <P>',
    '--reorder <P>',
    '--faults <P>',
    '--latency <P>',
    '--latency-ms <MS>',
    '--seed <S>',
    '--concurrency <C>',
    '--json <FILE>',
  ],
};

describe('every command answers --help', () => {
  it.each(COMMANDS)('npm run $script runs $file', ({ script, file }) => {
    expect(SCRIPTS[script]).toMatch(new RegExp(`\\btsx ${file}$`));
  });

  it.each(COMMANDS)(
    '$name -- --help: exit 0, the usage and every flag on stdout',
    async ({ script, file, name }) => {
      const { code, stdout, stderr } = await runFile(file, ['--help']);

      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout.startsWith(`Usage: ${name}`)).toBe(true);
      expect(stdout).toContain('-h, --help');
      for (const flag of DOCUMENTED_FLAGS[script] ?? []) expect(stdout).toContain(`  ${flag}  `);
      if (script.startsWith('bench')) expect(stdout).toMatch(/Writes bench\/results\/\S+\.json/);
    },
  );

  it.each([
    ['start', ['--colour'], "Unknown option '--colour'"],
    ['start', ['--port', '99999'], '--port: expected an integer from 1 to 65535, got "99999"'],
    [
      'start',
      ['--webhook-url', 'http://hooks.example.com/'],
      '--webhook-url: expected an https:// URL (API destinations call HTTPS endpoints; http:// only on localhost)',
    ],
    ['start', ['--webhook-api-key', 'k'], '--webhook-api-key: needs --webhook-url'],
    ['token', ['acme', '--colour'], "Unknown option '--colour'"],
    ['export', ['ledger'], '"ledger" is not an export: expected commissions, payouts, referrals'],
    [
      'reconcile',
      ['--endpoint-url', 'localhost:4566'],
      '--endpoint-url: expected an http:// or https:// URL',
    ],
    ['bench:viral', ['--colour'], "Unknown option '--colour'"],
  ])('%s %p: exit 2 naming the flag, with the usage and where the help is', async (script, args, problem) => {
    const { file, name } = COMMANDS.find((c) => c.script === script) ?? { file: '', name: '' };

    const { code, stdout, stderr } = await runFile(file, args);

    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toContain(`${name}: ${problem}`);
    expect(stderr).toContain(`Usage: ${name}`);
    expect(stderr).toContain(`See \`${name} -- --help\``);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe('the option table', () => {
  const command = defineCommand({
    name: 'npm run example',
    summary: ['An example.'],
    flags: {
      share: { type: 'string', arg: 'P', default: '0.5', parse: decimal(0, 1), description: 'a share' },
      label: { type: 'string', arg: 'text', description: 'a label' },
      quiet: { type: 'boolean', description: 'say less' },
    },
  });

  it('gives converted defaults, the given values, and false for an absent boolean', () => {
    expect(parseCommand(command, []).values).toEqual({ share: 0.5, quiet: false, help: false });
    expect(parseCommand(command, ['--share', '0.25', '--label', 'x', '--quiet']).values).toEqual({
      share: 0.25,
      label: 'x',
      quiet: true,
      help: false,
    });
  });

  it.each([
    [['--share', '2'], '--share: expected a number from 0 to 1, got "2"'],
    [['--share'], "Option '--share <value>' argument missing"],
    [['--quiet=yes'], "Option '--quiet' does not take an argument"],
    [['stray'], "Unexpected argument 'stray'"],
  ])('%p is a usage error: %s', (argv, message) => {
    expect(() => parseCommand(command, argv)).toThrow(UsageError);
    expect(() => parseCommand(command, argv)).toThrow(message);
  });
});

describe("npm start's banner", () => {
  it('aims every hint at the ports the stack was started on', () => {
    const endpoint = 'http://127.0.0.1:4999';
    const api = 'http://127.0.0.1:3999';

    const banner = startBanner(
      {
        endpointUrl: endpoint,
        apiUrl: api,
        dynamoDbEndpoint: 'http://127.0.0.1:8999',
        buses: [{ name: 'partner-referrals' }],
        stateMachines: ['payment'],
        schedules: ['reconciliation-nightly'],
        model: { routes: [{ routeKey: 'GET /partners/{partnerId}/dashboard' }] },
      },
      { dataDir: undefined, entriesFile: '/tmp/invoice-paid.json' },
    );

    const awsHints = banner.split('\n').filter((l) => l.trim().startsWith('aws '));
    expect(awsHints).toHaveLength(3);
    for (const hint of awsHints) expect(hint).toContain(`aws --endpoint-url ${endpoint} `);
    expect(banner).toContain(`${api}/partners/indie-hacker/dashboard`);
    expect(banner).toContain(`Partner portal  ${api}/portal/`);
    expect(banner).toContain(`Reconcile now: npm run reconcile -- --endpoint-url ${endpoint}`);
    expect(banner).not.toMatch(/:(4566|3000|8000)\b/);
    expect(banner).not.toContain('Webhooks');
  });

  it('names the webhook endpoint and the headers it gets, when --webhook-url is given', () => {
    const banner = startBanner(
      {
        endpointUrl: 'http://127.0.0.1:4999',
        apiUrl: 'http://127.0.0.1:3999',
        dynamoDbEndpoint: 'http://127.0.0.1:8999',
        buses: [{ name: 'partner-referrals' }],
        stateMachines: ['payment'],
        schedules: [],
        model: {
          routes: [],
          apiDestinations: [
            { endpoint: 'http://127.0.0.1:9000/hooks', connectionHeaders: { 'x-api-key': 'k' } },
          ],
        },
      },
      { dataDir: undefined, entriesFile: '/tmp/invoice-paid.json' },
    );

    const line = banner.split('\n').find((l) => l.trim().startsWith('Webhooks'));
    expect(line).toContain('POST http://127.0.0.1:9000/hooks');
    expect(line).toContain('x-api-key and webhook-id, webhook-timestamp, webhook-signature');
    expect(line).not.toContain(' k ');
  });
});

describe('npm run reconcile', () => {
  it.each(['--endpoint-url', '--endpoint'])(
    'calls the Step Functions API at the endpoint given with %s',
    async (flag) => {
      // Prepare: an endpoint that records what reaches it and refuses it as AWS refuses a bad client.
      const seen: { host?: string; target?: string }[] = [];
      const server = http.createServer((req, res) => {
        seen.push({ host: req.headers.host, target: String(req.headers['x-amz-target']) });
        req.resume();
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'UnrecognizedClientException', message: 'not a local stack' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        // Act
        const { code, stderr } = await runFile('local/reconcile.ts', [flag, url]);

        // Assess
        expect(seen[0]).toEqual({
          host: url.replace('http://', ''),
          target: 'AWSStepFunctions.ListStateMachines',
        });
        expect(code).toBe(1);
        expect(stderr).toContain(`No local stack answers at ${url}`);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  );
});
