import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LocalEventBus } from '../../local/aws/event-bus';
import { boundedDepth, Journal } from '../../local/durable/journal';
import { EXPRESS_KEPT, LocalWorkflowRuntime, RECOVERY_CONCURRENCY } from '../../local/workflow-runtime';

/** Executions are journaled: a start before StartExecution answers, a close with its history. */
const greet = {
  StartAt: 'Greet',
  States: { Greet: { Type: 'Pass', Parameters: { 'hello.$': '$.name' }, End: true } },
};
const wait = { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 60, End: true } } };

async function runtime(
  dir: string,
  options: { retryDelayScale?: number; retentionMs?: number } = {},
): Promise<{ rt: LocalWorkflowRuntime; journal: Journal; restarted: number }> {
  const { journal, records } = await opened(dir);
  // No Task states here, so DynamoDB is never called.
  const rt = new LocalWorkflowRuntime({
    dynamoDb: new DynamoDBClient({ region: 'us-east-1' }),
    workflows: [],
    journal,
    ...options,
  });
  rt.registerWorkflow('greet', greet);
  rt.registerWorkflow('greet-express', greet, 'EXPRESS');
  rt.registerWorkflow('wait', wait);
  const restarted = rt.recover(records);
  journal.setSnapshot(() => rt.snapshot());
  return { rt, journal, restarted };
}

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'journal-'));

const journals: Journal[] = [];
async function opened(dir: string): Promise<Awaited<ReturnType<typeof Journal.open>>> {
  const j = await Journal.open(dir);
  journals.push(j.journal);
  return j;
}
afterAll(async () => {
  for (const j of journals) await j.close();
});

describe('executions in the journal', () => {
  it('brings back closed executions with their output and history, and their names stay taken', async () => {
    const dir = tempDir();
    const before = await runtime(dir);
    const { executionArn } = await before.rt.startDurably('greet', { name: 'ada' }, 'greet-1');
    await before.rt.waitForIdle();

    // Assess from a second runtime over the same file, as after a kill: nothing was closed cleanly.
    const after = await runtime(dir);

    expect(after.restarted).toBe(0);
    expect(after.rt.describe(executionArn)).toEqual(before.rt.describe(executionArn));
    expect(after.rt.history(executionArn)).toEqual(before.rt.history(executionArn));
    expect(after.rt.list('greet').map((e) => e.name)).toEqual(['greet-1']);
    expect(() => after.rt.start('greet', { name: 'ada' }, 'greet-1')).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
  });

  it('runs an execution that had started but not closed again, under the same ARN', async () => {
    const dir = tempDir();
    const crashed = await runtime(dir);
    const { executionArn } = await crashed.rt.startDurably('wait', { n: 1 }, 'waiting');

    const next = await runtime(dir, { retryDelayScale: 0 });

    expect(next.restarted).toBe(1);
    expect(await next.rt.waitFor(executionArn)).toMatchObject({ status: 'SUCCEEDED', input: { n: 1 } });
    crashed.rt.stop(executionArn);
  });

  it('runs recovered executions RECOVERY_CONCURRENCY at a time, every one to its end', async () => {
    const dir = tempDir();
    const crashed = await runtime(dir);
    const arns: string[] = [];
    for (let i = 0; i < 40; i++)
      arns.push((await crashed.rt.startDurably('wait', { i }, `w${i}`)).executionArn);

    // A gauge Task: how many recovered executions are inside it at once.
    let inside = 0;
    let most = 0;
    const { journal, records } = await opened(dir);
    const rt = new LocalWorkflowRuntime({
      dynamoDb: new DynamoDBClient({ region: 'us-east-1' }),
      workflows: [],
      journal,
      lambdas: {
        gauge: async () => {
          most = Math.max(most, ++inside);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inside--;
          return {};
        },
      },
    });
    rt.registerWorkflow('wait', {
      StartAt: 'Gauge',
      States: {
        Gauge: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'gauge' },
          End: true,
        },
      },
    });
    const restarted = rt.recover(records);
    await rt.waitForIdle();

    expect(restarted).toBe(40);
    expect(most).toBe(RECOVERY_CONCURRENCY);
    expect(arns.map((arn) => rt.describe(arn).status)).toEqual(arns.map(() => 'SUCCEEDED'));
    for (const arn of arns) crashed.rt.stop(arn);
  });

  it('keeps a halted execution running in the journal, so the next start runs it', async () => {
    const dir = tempDir();
    const first = await runtime(dir);
    const { executionArn } = await first.rt.startDurably('wait', {}, 'halted');
    await first.rt.halt();
    await first.journal.close();

    const next = await runtime(dir, { retryDelayScale: 0 });

    expect(next.restarted).toBe(1);
    expect((await next.rt.waitFor(executionArn)).status).toBe('SUCCEEDED');
  });

  it('forgets closed executions past retention, also in the compacted file', async () => {
    const dir = tempDir();
    const first = await runtime(dir, { retentionMs: 0 });
    await first.rt.startDurably('greet', { name: 'old' }, 'old');
    await first.rt.waitForIdle();
    await first.journal.compact();

    const next = await runtime(dir);

    expect(next.rt.list('greet')).toEqual([]);
    expect(readFileSync(path.join(dir, 'journal.ndjson'), 'utf8')).toBe('');
  });

  it('journals no Express execution and keeps only the latest closed ones in memory', async () => {
    const dir = tempDir();
    const { rt, journal } = await runtime(dir);
    for (let i = 0; i < EXPRESS_KEPT + 5; i++) await rt.startSync('greet-express', { name: `n${i}` });
    await journal.compact();

    expect(rt.list('greet-express')).toHaveLength(EXPRESS_KEPT);
    expect(rt.list('greet-express')[0]?.input).toEqual({ name: 'n5' });
    expect(readFileSync(path.join(dir, 'journal.ndjson'), 'utf8')).toBe('');
  });

  it('cuts a torn last line (a write the kill interrupted, never acknowledged)', async () => {
    const dir = tempDir();
    const first = await runtime(dir);
    const { executionArn } = await first.rt.startDurably('greet', { name: 'kept' }, 'kept');
    await first.rt.waitForIdle();
    await first.journal.close();
    appendFileSync(path.join(dir, 'journal.ndjson'), '{"kind":"execution.started","execu');

    const next = await runtime(dir);

    expect(next.rt.describe(executionArn).status).toBe('SUCCEEDED');
    expect(readFileSync(path.join(dir, 'journal.ndjson'), 'utf8').endsWith('}\n')).toBe(true);
  });
});

describe('events in the journal', () => {
  const rule = {
    name: 'AllEvents',
    busName: 'default',
    eventPattern: { source: ['app'] },
    targets: [{ id: 'Queue', kind: 'queue' as const, name: 'parked' }],
  };

  it('keeps an accepted event nested 100,000 deep (JSON.stringify would overflow on it) and delivers it after a restart', async () => {
    const dir = tempDir();
    const deep = `{"nested":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const first = await opened(dir);
    const sent: string[] = [];
    // A target that never answers: the crash comes before any delivery is done.
    const bus = new LocalEventBus(
      [rule],
      [],
      {
        invokeFunction: () => new Promise(() => undefined),
        startExecution: () => new Promise(() => undefined),
        sendToQueue: () => new Promise(() => undefined),
      },
      first.journal,
    );

    const out = await bus.putEvents([{ Source: 'app', DetailType: 'deep', Detail: deep }]);
    const next = await opened(dir);
    const recovered = new LocalEventBus(
      [rule],
      [],
      {
        invokeFunction: async () => undefined,
        startExecution: async () => undefined,
        sendToQueue: async (_queue, body) => void sent.push(body),
      },
      next.journal,
    );
    recovered.recover(next.records);
    const redelivered = recovered.redeliverPending();
    await recovered.idle();

    expect(out.FailedEntryCount).toBe(0);
    expect(redelivered).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.length).toBeGreaterThan(200_000);
    expect(JSON.parse(sent[0] ?? '{}')).toMatchObject({ source: 'app', 'detail-type': 'deep' });
    // What a dead letter of it keeps: the payload cut at 64 levels, so the journal can write it.
    expect(JSON.stringify(boundedDepth(JSON.parse(deep)))).toContain('nested deeper than 64 levels');
  });
});
