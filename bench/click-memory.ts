/**
 * `npm run bench:clicks`: whether the local cloud's memory and files stay bounded over many clicks. A click
 * is an Express execution (the HTTP API's `GET /r/{partnerId}` → click-api → StartSyncExecution → the click
 * workflow → DynamoDB Local); the runtime keeps only the latest `EXPRESS_KEPT` closed Express executions and
 * the journal takes only Standard executions, accepted events and queue messages, so after the first
 * thousand clicks neither the heap nor the journal should grow with them. DynamoDB Local's files do grow:
 * each click is a row of the click log, the application's data as on AWS, so they are reported apart.
 *
 * The clicks go in segments of `--sample-every`, at most `--concurrency` in flight; after each segment the
 * cloud settles, the heap is collected (`global.gc`, so node runs with `--expose-gc`) and a sample is taken.
 * The verdict is the slope of heapUsed over the second half of the run (bytes per 1,000 clicks, least
 * squares): near 0 for a bounded process.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_ADMIN_SCOPE } from '../domain/config';
import { startLocalCloud, type RunningLocalCloud } from '../local/cloud';
import { defineCommand, integer, readCommandLine } from '../local/command-line';
import { inParallel } from '../local/parallel';
import { report } from './support/report';

const PARTNER = 'click-memory';
const MB = 2 ** 20;
/** The first answers other than a redirect, kept whole to say why; no more, so the bench stays bounded. */
const UNEXPECTED_KEPT = 10;

export interface ClickSample {
  clicks: number;
  seconds: number;
  heapUsedBytes: number;
  rssBytes: number;
  /** DynamoDB Local's Java process (Linux: found under this process in /proc), absent elsewhere. */
  dynamoDbLocalRssBytes?: number;
  journalBytes: number;
  dynamoDbBytes: number;
  dataDirBytes: number;
  executionsKept: number;
  eventDeliveryFailures: number;
}

export interface ClickMemoryResult {
  clicks: number;
  concurrency: number;
  sampleEvery: number;
  seconds: number;
  clicksPerSecond: number;
  /** Answers by status (`302` for a counted click; `error` for a request that got no answer). */
  answers: Record<string, number>;
  /** The first answers other than 302, status and body (at most `UNEXPECTED_KEPT`). */
  unexpected: string[];
  /** Least-squares slopes over the samples of the second half of the run, in bytes per 1,000 clicks. */
  secondHalfSlopes: { heapUsed: number; rss: number; journal: number; dynamoDb: number };
  samples: ClickSample[];
}

export async function benchClickMemory(options: {
  clicks: number;
  sampleEvery: number;
  concurrency: number;
}): Promise<ClickMemoryResult> {
  const collect = globalThis.gc;
  if (!collect)
    throw new Error('global.gc is missing: run node with --expose-gc (npm run bench:clicks does)');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'click-memory-data-'));
  const assemblyDir = mkdtempSync(path.join(os.tmpdir(), 'click-memory-cdk-'));
  // No schedules: the nightly reconciliation would be a Standard execution, not a click.
  const cloud = await startLocalCloud({
    dataDir,
    assemblyDir,
    endpointPort: 0,
    apiPort: 0,
    schedules: false,
  });
  try {
    await register(cloud);
    const answers: Record<string, number> = {};
    const unexpected: string[] = [];
    const click = async () => {
      const { status, body } = await fetch(`${cloud.apiUrl}/r/${PARTNER}?utm_source=bench`, {
        redirect: 'manual',
      })
        .then(async (res) => ({ status: String(res.status), body: await res.text() }))
        .catch((error: unknown) => ({ status: 'error', body: String(error) }));
      answers[status] = (answers[status] ?? 0) + 1;
      if (status !== '302' && unexpected.length < UNEXPECTED_KEPT) unexpected.push(`${status} ${body}`);
    };
    const started = performance.now();
    const sample = async (clicks: number): Promise<ClickSample> => {
      await cloud.settle();
      // Twice: objects held by weak callbacks or finalizers go on the second collection.
      collect();
      collect();
      const memory = process.memoryUsage();
      const javaRss = dynamoDbLocalRss();
      return {
        clicks,
        seconds: (performance.now() - started) / 1000,
        heapUsedBytes: memory.heapUsed,
        rssBytes: memory.rss,
        ...(javaRss === undefined ? {} : { dynamoDbLocalRssBytes: javaRss }),
        journalBytes: statSync(path.join(dataDir, 'journal.ndjson')).size,
        dynamoDbBytes: directoryBytes(path.join(dataDir, 'dynamodb')),
        dataDirBytes: directoryBytes(dataDir),
        executionsKept: cloud.runtime.list().length,
        eventDeliveryFailures: cloud.eventBus.failures.length,
      };
    };
    const samples = [await sample(0)];
    process.stdout.write(progressLine(samples[0] as ClickSample, answers));
    for (let done = 0; done < options.clicks;) {
      const segment = Math.min(options.sampleEvery, options.clicks - done);
      await inParallel(Array.from({ length: segment }), options.concurrency, click);
      done += segment;
      const s = await sample(done);
      samples.push(s);
      process.stdout.write(progressLine(s, answers));
    }
    const seconds = (performance.now() - started) / 1000;
    const secondHalf = samples.filter((s) => s.clicks >= options.clicks / 2);
    const slopeOf = (bytes: (s: ClickSample) => number) => 1000 * slope(secondHalf, (s) => s.clicks, bytes);
    const result: ClickMemoryResult = {
      ...options,
      seconds,
      clicksPerSecond: options.clicks / seconds,
      answers,
      unexpected,
      secondHalfSlopes: {
        heapUsed: slopeOf((s) => s.heapUsedBytes),
        rss: slopeOf((s) => s.rssBytes),
        journal: slopeOf((s) => s.journalBytes),
        dynamoDb: slopeOf((s) => s.dynamoDbBytes),
      },
      samples,
    };
    const { heapUsed, rss, journal, dynamoDb } = result.secondHalfSlopes;
    report(
      'click-memory',
      `${options.clicks} clicks through the HTTP API (${options.concurrency} in flight, ${result.clicksPerSecond.toFixed(0)}/s; answers ${JSON.stringify(answers)}). ` +
        `Slopes over the second half, per 1,000 clicks: heapUsed ${kb(heapUsed)} KB (${((heapUsed * 1000) / MB).toFixed(1)} MB a million clicks), ` +
        `rss ${kb(rss)} KB, journal ${kb(journal)} KB, DynamoDB Local's files ${kb(dynamoDb)} KB (the click log, by design). ` +
        'Target: heapUsed and journal slopes near 0',
      [
        'clicks',
        's',
        'heapUsed MB',
        'rss MB',
        'DDB Local rss MB',
        'journal KB',
        'DDB Local files MB',
        'data dir MB',
        'executions kept',
        'delivery failures',
      ],
      samples.map((s) => [
        s.clicks,
        s.seconds.toFixed(0),
        (s.heapUsedBytes / MB).toFixed(1),
        (s.rssBytes / MB).toFixed(1),
        s.dynamoDbLocalRssBytes === undefined ? '-' : (s.dynamoDbLocalRssBytes / MB).toFixed(1),
        kb(s.journalBytes),
        (s.dynamoDbBytes / MB).toFixed(1),
        (s.dataDirBytes / MB).toFixed(1),
        s.executionsKept,
        s.eventDeliveryFailures,
      ]),
      result,
    );
    for (const answer of unexpected) process.stdout.write(`  not a redirect: ${answer}\n`);
    return result;
  } finally {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(assemblyDir, { recursive: true, force: true });
  }
}

/** The partner, registered through the HTTP API's admin route with a token from the cloud's issuer. */
async function register(cloud: RunningLocalCloud): Promise<void> {
  const audience = cloud.model.jwtAuthorizer?.audience[0] ?? 'partner-referrals';
  const token = await cloud.issuer.sign({ sub: 'bench-admin', scope: DEFAULT_ADMIN_SCOPE }, { audience });
  const res = await fetch(`${cloud.apiUrl}/admin/partners`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ partnerId: PARTNER }),
  });
  if (res.status !== 201) throw new Error(`registering ${PARTNER}: ${res.status} ${await res.text()}`);
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

const progressLine = (s: ClickSample, answers: Record<string, number>): string =>
  `  ${s.clicks} clicks, ${s.seconds.toFixed(0)} s: heapUsed ${(s.heapUsedBytes / MB).toFixed(1)} MB, ` +
  `journal ${kb(s.journalBytes)} KB, ${s.executionsKept} executions kept, answers ${JSON.stringify(answers)}\n`;

/** The files' sizes under `dir`, every level down. */
function directoryBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

/** Least-squares slope of y over x (0 for fewer than two points). */
function slope<T>(points: readonly T[], x: (p: T) => number, y: (p: T) => number): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, p) => sum + x(p), 0) / points.length;
  const meanY = points.reduce((sum, p) => sum + y(p), 0) / points.length;
  const covariance = points.reduce((sum, p) => sum + (x(p) - meanX) * (y(p) - meanY), 0);
  const variance = points.reduce((sum, p) => sum + (x(p) - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

/**
 * The resident memory of DynamoDB Local, this process's descendant running DynamoDBLocal.jar (its heap is
 * the JVM's to size, so it is watched beside ours); undefined without Linux's /proc.
 */
function dynamoDbLocalRss(): number | undefined {
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const children = (pid: number): number[] => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
    return tasks.flatMap((tid) =>
      read(`/proc/${pid}/task/${tid}/children`).split(' ').filter(Boolean).map(Number),
    );
  };
  for (const pending = children(process.pid); pending.length > 0;) {
    const pid = pending.pop() as number;
    if (read(`/proc/${pid}/cmdline`).includes('DynamoDBLocal.jar')) {
      const kib = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`))?.[1];
      return kib === undefined ? undefined : Number(kib) * 1024;
    }
    pending.push(...children(pid));
  }
  return undefined;
}

const CLICK_MEMORY_COMMAND = defineCommand({
  name: 'npm run bench:clicks',
  summary: [
    'Whether memory and files stay bounded over many clicks: a local cloud in process over a temporary data',
    'directory takes N clicks of one registered partner through its HTTP API (GET /r/{partnerId}: an Express',
    'execution each) and, every --sample-every clicks, after a settle and a full GC, records heapUsed, rss,',
    "DynamoDB Local's rss, the journal's size, DynamoDB Local's files (they grow with the click log, by design)",
    'and the data directory, and how many executions the runtime keeps. Prints the table and the slopes over',
    "the run's second half in bytes per 1,000 clicks. Target: heapUsed and journal slopes near 0.",
  ],
  flags: {
    clicks: {
      type: 'string',
      arg: 'n',
      default: '200000',
      parse: integer(1, 10_000_000),
      description: 'clicks to send',
    },
    'sample-every': {
      type: 'string',
      arg: 'n',
      default: '10000',
      parse: integer(1, 10_000_000),
      description: 'clicks between two samples',
    },
    concurrency: {
      type: 'string',
      arg: 'n',
      default: '8',
      parse: integer(1, 1024),
      description: 'clicks in flight at most',
    },
  },
  notes: [
    'Runs node with --expose-gc (the bench collects the heap before each sample).',
    'Writes bench/results/click-memory.json (every sample, the slopes and the machine).',
  ],
});

if (require.main === module) {
  const { values } = readCommandLine(CLICK_MEMORY_COMMAND);
  void benchClickMemory({
    clicks: values.clicks,
    sampleEvery: values['sample-every'],
    concurrency: values.concurrency,
  });
}
