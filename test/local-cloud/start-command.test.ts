import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDynamoDbLocal, freePort } from '../../local/dynamodb-local';
import { listenersOn, processTree } from '../support/stack-process';

/**
 * `npm start` as a person runs it: the real command in its own process, its banner, Ctrl-C, and the
 * errors it gives instead of stack traces.
 */
const ROOT = path.join(__dirname, '..', '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  errors: () => string;
  exited: Promise<number | null>;
}

/**
 * The process `npm start` execs: `node --import tsx local/cli.ts`. Not through tsx's CLI, which relays a
 * signal to a child process of its own and SIGKILLs it (exit 130) when the child's acknowledgement takes
 * over 30 ms, as it may on a busy machine.
 */
function startCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...env, POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => stdout, errors: () => stderr, exited };
}

async function waitForOutput(started: Started, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes(text)) {
    if (started.child.exitCode !== null)
      throw new Error(`exited ${started.child.exitCode}: ${started.errors()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" in: ${started.output()}${started.errors()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const portArgs = async () => {
  const ports = { endpoint: await freePort(), api: await freePort(), dynamoDb: await freePort() };
  return {
    ports,
    args: [
      '--port',
      String(ports.endpoint),
      '--api-port',
      String(ports.api),
      '--dynamodb-port',
      String(ports.dynamoDb),
    ],
  };
};

describe('npm start', () => {
  it('prints its endpoints, buses and a CLI example, and on Ctrl-C stops leaving nothing listening', async () => {
    const { ports, args } = await portArgs();
    const started = startCommand([...args, '--in-memory']);
    try {
      await waitForOutput(started, 'Ctrl-C to stop');
      const banner = started.output();
      expect(banner).toContain(`AWS endpoint    http://127.0.0.1:${ports.endpoint}`);
      expect(banner).toContain(`HTTP API        http://127.0.0.1:${ports.api}`);
      // The routes the template declares, the admin ones included.
      expect(banner).toContain('GET /admin/partners/{partnerId}/dashboard');
      expect(banner).toContain(`DynamoDB Local  http://127.0.0.1:${ports.dynamoDb}`);
      expect(banner).toMatch(/Event buses {5}partner-referrals, aws\.partner\/stripe\.com\//);
      expect(banner).toContain(`aws --endpoint-url http://127.0.0.1:${ports.endpoint} events put-events`);
      const stack = new Set(processTree(started.child.pid ?? -1));
      const ours = () => listenersOn(Object.values(ports)).filter((pid) => stack.has(pid));
      expect(ours().length).toBeGreaterThanOrEqual(2);

      started.child.kill('SIGINT');

      expect(await started.exited).toBe(0);
      // Who still listens on the three ports, among the stack's processes (not another test's, on a port
      // freed a moment ago).
      expect(ours()).toEqual([]);
    } finally {
      started.child.kill('SIGKILL');
    }
  });

  it('names the busy port and the flag that moves it, without a stack trace', async () => {
    const { ports, args } = await portArgs();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.api, '127.0.0.1', resolve));
    try {
      const started = startCommand(args);

      expect(await started.exited).toBe(1);
      expect(started.errors()).toContain(String(ports.api));
      expect(started.errors()).toContain('--api-port');
      expect(started.errors()).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
    }
  });

  it('says how to install Java when it is missing', async () => {
    const { args } = await portArgs();
    const started = startCommand([...args, '--in-memory'], {
      ...process.env,
      PATH: path.dirname(process.execPath),
    });

    expect(await started.exited).toBe(1);
    expect(started.errors()).toContain('DynamoDB Local needs Java 17');
    expect(started.errors()).toContain('apt-get install');
    expect(started.errors()).not.toMatch(/^\s+at /m);
  });
});

describe('DynamoDB Local failing to start', () => {
  it('reports its log', async () => {
    const notADirectory = path.join(mkdtempSync(path.join(os.tmpdir(), 'ddb-fail-')), 'file');
    writeFileSync(notADirectory, '');

    const failure = await startDynamoDbLocal({ dbPath: path.join(notADirectory, 'db') }).then(
      () => new Error('started'),
      (error: Error) => error,
    );

    expect(failure.message).toContain('DynamoDB Local stopped while starting');
    expect(failure.message).toContain('Invalid directory for database creation');
  });
});
