/**
 * `npm run bench:start`: `npm start -- --in-memory`, from the spawn to its banner ("Ctrl-C to stop"), cold
 * (the synthesis cache cleared, so the CDK app is synthesized) and warm (the template of the start before
 * reused), in alternating rounds so load on the shared machine weighs on both alike. Each start gets free
 * ports and is stopped with Ctrl-C before the next. Target: a warm start under 10 s.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { defineCommand, integer, readCommandLine } from '../local/command-line';
import { freePort } from '../local/dynamodb-local';
import { clearSynthCache } from '../local/stack/synthesize';
import { percentile, report } from './support/report';

const TARGET_WARM_SECONDS = 10;
const BANNER = 'Ctrl-C to stop';
/** A start that has not printed its banner by then is reported as failed, with what it printed. */
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
const PROJECT_ROOT = path.join(__dirname, '..');

type StartKind = 'cold' | 'warm';

export interface StartRun {
  kind: StartKind;
  round: number;
  seconds: number;
}

/** One `npm start` to its banner, in seconds; stopped (Ctrl-C, as a person would) and awaited before returning. */
async function timeStart(): Promise<number> {
  const [port, apiPort, dynamoDbPort] = [await freePort(), await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(
    'npm',
    [
      'start',
      '--',
      '--in-memory',
      '--port',
      String(port),
      '--api-port',
      String(apiPort),
      '--dynamodb-port',
      String(dynamoDbPort),
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  // 'close', not 'exit': by then the output it printed has all arrived.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const seconds = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no banner within ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes(BANNER)) return;
      clearTimeout(timer);
      resolve((performance.now() - started) / 1000);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before its banner:\n${output}`));
    });
  }).finally(() => child.kill('SIGINT')); // npm passes it on to the stack, which stops DynamoDB Local
  // A second Ctrl-C makes the stack exit at once, should its drain not end.
  const again = setTimeout(() => child.kill('SIGINT'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(again);
  return seconds;
}

export async function benchStart(rounds = 3): Promise<StartRun[]> {
  const runs: StartRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    clearSynthCache();
    for (const kind of ['cold', 'warm'] as const) runs.push({ kind, round, seconds: await timeStart() });
  }
  const secondsOf = (kind: StartKind) => runs.filter((r) => r.kind === kind).map((r) => r.seconds);
  const summary = (['cold', 'warm'] as const).map((kind) => {
    const seconds = secondsOf(kind);
    return {
      kind,
      median: percentile(seconds, 50),
      min: Math.min(...seconds),
      max: Math.max(...seconds),
      runs: seconds,
    };
  });
  const warm = summary.find((s) => s.kind === 'warm')?.median ?? Number.NaN;
  report(
    'start',
    `npm start -- --in-memory to its banner (${rounds} rounds of a cold then a warm start; target: warm under ${TARGET_WARM_SECONDS} s, ${warm < TARGET_WARM_SECONDS ? 'met' : 'not met'})`,
    ['start', 'median s', 'min s', 'max s', 'every run s'],
    summary.map((s) => [
      s.kind === 'cold' ? 'cold (synthesizes)' : 'warm (cached template)',
      s.median.toFixed(1),
      s.min.toFixed(1),
      s.max.toFixed(1),
      s.runs.map((r) => r.toFixed(1)).join(', '),
    ]),
    { targetWarmSeconds: TARGET_WARM_SECONDS, summary, runs },
  );
  return runs;
}

const START_BENCH_COMMAND = defineCommand({
  name: 'npm run bench:start',
  summary: [
    'npm start -- --in-memory from the spawn to its banner, cold (the synthesis cache in .local/cdk.out cleared)',
    'and warm (the cached template reused), in alternating rounds. Target: a warm start under 10 s.',
  ],
  flags: {
    rounds: {
      type: 'string',
      arg: 'n',
      default: '3',
      parse: integer(1, 20),
      description: 'rounds of one cold and one warm start',
    },
  },
  notes: ['Writes bench/results/start.json (every run and the machine).'],
});

if (require.main === module) {
  const { values } = readCommandLine(START_BENCH_COMMAND);
  benchStart(values.rounds).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
