import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, ListEventBusesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DEFAULT_ADMIN_SCOPE } from '../../domain/config';
import { STATS_COUNTERS } from '../../domain/stats';
import { freePort } from '../../local/dynamodb-local';
import { putEventsEntry, type PutEventsEntryFields } from '../../local/events/event-envelope';
import { loadOrCreateIssuer } from '../../local/http-api';
import { DEFAULT_JWT_DIR } from '../../local/token';

/**
 * The local stack in its own processes, as a person runs it: `npm start` (npm → node → java) or node
 * alone, with its ports and data directory, to be signalled or killed and started again.
 */
const ROOT = path.join(__dirname, '..', '..');
const credentials = { accessKeyId: 'any-key', secretAccessKey: 'any-secret' };

export interface StackPorts {
  endpoint: number;
  api: number;
  dynamoDb: number;
}

export async function freePorts(): Promise<StackPorts> {
  return { endpoint: await freePort(), api: await freePort(), dynamoDb: await freePort() };
}

/** `pid` and every process under it, now (from the parent ids in /proc/<pid>/stat). */
export function processTree(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in parentheses may hold spaces: the parent id follows its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/**
 * The processes with a socket listening on any of `ports` (from /proc/net/tcp and tcp6 and each process's
 * fds). Asking "does the port accept?" instead would also see another test's server on a port freed a moment
 * ago; this names who listens.
 */
export function listenersOn(ports: readonly number[]): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const port = Number.parseInt(f[1]?.split(':')[1] ?? '', 16);
      if (f[3] === '0A' && ports.includes(port) && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return [];
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const fds = readdirSync(`/proc/${entry}/fd`);
      const holds = fds.some((fd) => {
        try {
          return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`))?.[1] ?? '');
        } catch {
          return false;
        }
      });
      return holds ? [Number(entry)] : [];
    } catch {
      return []; // gone meanwhile, or not ours to read
    }
  });
}

/** Processes whose command line holds every one of `parts` (read from /proc). */
export function processesWith(...parts: string[]): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      return parts.every((p) => args.includes(p)) ? [Number(entry)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

/**
 * Resolves once none of the processes exists any more, or after `withinMs`. The kernel kills DynamoDB
 * Local when node dies (parent-death signal), but a JVM takes a moment to die and release its port.
 */
export async function untilGone(pids: readonly number[], withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  const alive = () =>
    pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  while (alive().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

export interface StackProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  endpointUrl: string;
  apiUrl: string;
}

/**
 * `via: 'npm'` runs `npm start` in a process group of its own (so the test can send Ctrl-C to the whole
 * group as a terminal does); `via: 'node'` runs the stack's node process directly.
 */
export async function startStack(opts: {
  dataDir: string;
  ports: StackPorts;
  via: 'npm' | 'node';
}): Promise<StackProcess> {
  const args = [
    '--data-dir',
    opts.dataDir,
    '--port',
    String(opts.ports.endpoint),
    '--api-port',
    String(opts.ports.api),
    '--dynamodb-port',
    String(opts.ports.dynamoDb),
  ];
  // A clean environment as in a terminal: this test process has set AWS_* variables for its own Lambdas.
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const child =
    opts.via === 'npm'
      ? spawn('npm', ['start', '--', ...args], { cwd: ROOT, env, detached: true })
      : spawn(process.execPath, ['--import', 'tsx', 'local/cli.ts', ...args], { cwd: ROOT, env });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // The banner is the stack saying it is up; a start that fails says why.
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (output.includes('Ctrl-C to stop')) done(resolve);
    };
    const onExit = () => done(() => reject(new Error(`the stack exited while starting:\n${output}`)));
    const done = (then: () => void) => {
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      then();
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  return {
    child,
    output: () => output,
    exited,
    endpointUrl: `http://127.0.0.1:${opts.ports.endpoint}`,
    apiUrl: `http://127.0.0.1:${opts.ports.api}`,
  };
}

/** Clients of a running stack's endpoint, with any credentials (DynamoDB Local runs with -sharedDb). */
export function stackClients(endpointUrl: string) {
  const config = { endpoint: endpointUrl, region: 'us-east-1', credentials, maxAttempts: 1 };
  return { events: new EventBridgeClient(config), ddb: new DynamoDBClient(config) };
}

/** Waits for the stack itself: `LocalCloud.Settle` answers once nothing is in flight. */
export async function settle(endpointUrl: string): Promise<void> {
  const res = await fetch(endpointUrl, {
    method: 'POST',
    headers: { 'x-amz-target': 'LocalCloud.Settle', 'content-type': 'application/x-amz-json-1.1' },
    body: '{}',
  });
  if (res.status !== 200) throw new Error(`LocalCloud.Settle: ${res.status} ${await res.text()}`);
}

export async function registerPartner(apiUrl: string, partnerId: string): Promise<void> {
  const issuer = await loadOrCreateIssuer(DEFAULT_JWT_DIR);
  const token = await issuer.sign(
    { sub: 'crash-test-admin', scope: DEFAULT_ADMIN_SCOPE },
    { audience: 'partner-referrals' },
  );
  const res = await fetch(`${apiUrl}/admin/partners`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ partnerId }),
  });
  if (res.status !== 201 && res.status !== 409) throw new Error(`registering ${partnerId}: ${res.status}`);
}

/** The Stripe partner bus (its name holds the event source id) and the app bus. */
export async function busNames(endpointUrl: string): Promise<{ app: string; stripe: string }> {
  const { EventBuses = [] } = await stackClients(endpointUrl).events.send(new ListEventBusesCommand({}));
  const names = EventBuses.map((b) => b.Name ?? '');
  return {
    app: names.find((n) => n === 'partner-referrals') ?? '',
    stripe: names.find((n) => n.startsWith('aws.partner/')) ?? '',
  };
}

export function entryOn(bus: string, event: Parameters<typeof putEventsEntry>[1]): PutEventsEntryFields {
  // Stripe's partner events carry the event source's name as their source.
  return putEventsEntry(bus, event, bus.startsWith('aws.partner/') ? { source: bus } : {});
}

/**
 * Sends entries in batches of ten, `concurrency` batches at a time, as a client without retries: an entry
 * counts as accepted only when PutEvents answered it with an EventId. `onAccepted` sees the running count.
 */
export async function sendBurst(
  endpointUrl: string,
  entries: readonly PutEventsEntryFields[],
  opts: { concurrency: number; onAccepted?: (accepted: number) => void },
): Promise<{ accepted: Set<number>; unacknowledged: number[] }> {
  const { events } = stackClients(endpointUrl);
  const accepted = new Set<number>();
  const batches: number[][] = [];
  for (let i = 0; i < entries.length; i += 10) batches.push(entries.slice(i, i + 10).map((_, j) => i + j));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] ?? [];
      try {
        const out = await events.send(
          new PutEventsCommand({ Entries: batch.map((i) => entries[i] as PutEventsEntryFields) }),
        );
        out.Entries?.forEach((e, j) => {
          if (e.EventId) accepted.add(batch[j] as number);
        });
        opts.onAccepted?.(accepted.size);
      } catch {
        // The stack went away mid-call: these entries were not acknowledged.
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  events.destroy();
  return { accepted, unacknowledged: entries.flatMap((_, i) => (accepted.has(i) ? [] : [i])) };
}

/** A reconciliation run, as the nightly schedule starts it, followed to its end (the whole chain). */
export async function reconcile(endpointUrl: string): Promise<void> {
  const sfn = new SFNClient({
    endpoint: endpointUrl,
    region: 'us-east-1',
    credentials,
    disableHostPrefix: true,
  });
  await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:reconciliation',
    }),
  );
  sfn.destroy();
  await settle(endpointUrl);
}

/** The partner's referrals (the source of truth): referred user → status. */
export async function referrals(endpointUrl: string, partnerId: string): Promise<Map<string, string>> {
  const { ddb } = stackClients(endpointUrl);
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: 'PartnerReferrals',
      KeyConditionExpression: 'partnerId = :p',
      ExpressionAttributeValues: { ':p': { S: partnerId } },
      ConsistentRead: true,
    }),
  );
  ddb.destroy();
  return new Map(Items.map((i) => [String(i.referredUserId?.S), String(i.status?.S)]));
}

/** The partner's counters as the stats row holds them (clicks on the row only, not its shards). */
export async function counters(endpointUrl: string, partnerId: string): Promise<Record<string, number>> {
  const { ddb } = stackClients(endpointUrl);
  const { Item } = await ddb.send(
    new GetItemCommand({
      TableName: 'PartnerStats',
      Key: { partnerId: { S: partnerId } },
      ConsistentRead: true,
    }),
  );
  ddb.destroy();
  const item = Item ? unmarshall(Item) : {};
  return Object.fromEntries([...STATS_COUNTERS, 'totalClicks'].map((k) => [k, Number(item[k] ?? 0)]));
}
