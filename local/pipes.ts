import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetRecordsOutput,
  type _Record as StreamRecord,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-names';
import { matchesPattern } from './aws/pattern';
import type { PutEventsEntry, PutEventsResult } from './aws/event-bus';
import { Journal, type JournalRecord } from './durable/journal';
import type { LocalPipe } from './stack/model-pipes';

/**
 * The template's EventBridge pipes with a DynamoDB stream source, in process: each pipe polls its table's
 * stream in DynamoDB Local (DescribeStream, GetShardIterator, GetRecords), applies the pipe's filter, invokes
 * the enrichment with the batch (an array of stream records, as Pipes sends it) and puts what it returns on the
 * bus through PutEvents, one event per element, `detail-type` and `time` read from it where the template says
 * `$.path`.
 *
 * At least once and crash-safe, as AWS: a shard's checkpoint (the last sequence number delivered) is journaled
 * only after the bus accepted the batch's events, so a crash repeats at most the batch in flight (consumers
 * drop duplicates by the event id) and loses nothing; a restart resumes after the checkpoint. A batch that
 * fails is retried, halved first when the pipe bisects (`AUTOMATIC_BISECT`), up to `MaximumRetryAttempts`;
 * then its metadata goes to the pipe's dead-letter queue and the shard moves on.
 *
 * Polling: AWS polls each shard of a DynamoDB stream four times a second
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html, polling and batching streams). Locally the same
 * while records arrive, once a second after a second without any, and at once on `drain()` (the settle of
 * tests and scripts), so an idle cloud costs two small reads a second and no test waits on a timer.
 */

interface CheckpointRecord extends JournalRecord {
  kind: 'pipe.checkpoint';
  pipe: string;
  streamArn: string;
  shardId: string;
  sequenceNumber: string;
}

export interface LocalPipesOptions {
  pipes: readonly LocalPipe[];
  /** DynamoDB Local: its client (DescribeTable) and endpoint (the Streams API is served there too). */
  dynamoDb: DynamoDBClient;
  dynamoDbEndpoint: string;
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  /** The bus's normal accept path (durable before it answers). */
  putEvents: (entries: PutEventsEntry[]) => Promise<PutEventsResult>;
  sendToQueue: (queue: string, body: string) => Promise<unknown>;
  journal?: Journal;
  /** Wait before retry `attempt` (0-based) of a failed batch; default 100 ms doubling to 5 s. */
  retryDelayMs?: (attempt: number) => number;
}

/** AWS's base rate, per shard: also after a read that found records (never a busy loop on DynamoDB Local). */
const ACTIVE_POLL_MS = 250;
/** GetRecords' largest page: a poll reads what is there, then hands it on in batches of the pipe's size. */
const READ_LIMIT = 1_000;
const IDLE_POLL_MS = 1_000;
const IDLE_AFTER_EMPTY_POLLS = 4;
const MAX_FAILURES_KEPT = 100;
/** An event bus target takes at most 10 entries per PutEvents. */
const PUT_EVENTS_MAX = 10;

const defaultRetryDelay = (attempt: number): number => Math.min(5_000, 100 * 2 ** attempt);
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const checkpointKey = (pipe: string, shardId: string): string => `${pipe}/${shardId}`;

export class LocalPipes {
  /** Batches that went to a dead-letter queue (or were dropped without one), and poll errors: the latest 100. */
  readonly failures: { pipe: string; error: unknown }[] = [];
  private readonly checkpoints = new Map<string, CheckpointRecord>();
  private readonly pollers: PipePoller[];
  private readonly journal: Journal;

  constructor(private readonly options: LocalPipesOptions) {
    this.journal = options.journal ?? Journal.inMemory();
    const streams = new DynamoDBStreamsClient({
      endpoint: options.dynamoDbEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    this.pollers = options.pipes.map((pipe) => new PipePoller(pipe, streams, this));
  }

  recordFailure(pipe: string, error: unknown): void {
    this.failures.push({ pipe, error });
    if (this.failures.length > MAX_FAILURES_KEPT) this.failures.shift();
  }

  names(): string[] {
    return this.options.pipes.map((p) => p.name);
  }

  /** The journal's checkpoints: where each shard resumes. */
  recover(records: readonly JournalRecord[]): void {
    for (const r of records) {
      if (r.kind === 'pipe.checkpoint') {
        const c = r as CheckpointRecord;
        this.checkpoints.set(checkpointKey(c.pipe, c.shardId), c);
      }
    }
  }

  *snapshot(): Iterable<JournalRecord> {
    yield* this.checkpoints.values();
  }

  start(): void {
    for (const poller of this.pollers) poller.schedule(0);
  }

  /** Reads every stream until a read finds nothing new; resolves with the number of records read. */
  async drain(): Promise<number> {
    const counts = await Promise.all(this.pollers.map((p) => p.drain()));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** No more polls; resolves once the poll in progress (if any) has ended. */
  async stop(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.stop()));
  }

  // ---- For the pollers ----------------------------------------------------------------------------------

  checkpointOf(pipe: string, shardId: string, streamArn: string): string | undefined {
    const c = this.checkpoints.get(checkpointKey(pipe, shardId));
    return c?.streamArn === streamArn ? c.sequenceNumber : undefined;
  }

  async saveCheckpoint(
    pipe: string,
    shardId: string,
    streamArn: string,
    sequenceNumber: string,
  ): Promise<void> {
    const record: CheckpointRecord = { kind: 'pipe.checkpoint', pipe, streamArn, shardId, sequenceNumber };
    await this.journal.append(record);
    this.checkpoints.set(checkpointKey(pipe, shardId), record);
  }

  get io(): LocalPipesOptions & { retryDelayMs: (attempt: number) => number } {
    return { retryDelayMs: defaultRetryDelay, ...this.options };
  }
}

interface ShardState {
  id: string;
  parent?: string;
  iterator?: string;
  /** Read to its end (a closed shard whose iterator ran out). */
  done: boolean;
}

class PipePoller {
  private streamArn: string | undefined;
  private readonly shards = new Map<string, ShardState>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private emptyPolls = 0;

  constructor(
    private readonly pipe: LocalPipe,
    private readonly streams: DynamoDBStreamsClient,
    private readonly owner: LocalPipes,
  ) {}

  schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.serial(() => this.pollOnce()).then(
        (read) => {
          this.emptyPolls = read > 0 ? 0 : this.emptyPolls + 1;
          this.schedule(this.emptyPolls >= IDLE_AFTER_EMPTY_POLLS ? IDLE_POLL_MS : ACTIVE_POLL_MS);
        },
        (error: unknown) => {
          if (this.stopped) return;
          this.owner.recordFailure(this.pipe.name, error);
          this.schedule(IDLE_POLL_MS);
        },
      );
    }, ms);
    this.timer.unref();
  }

  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const read = await this.serial(() => this.pollOnce());
      total += read;
      if (read === 0) return total;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.chain;
  }

  /** One poll at a time per pipe, whether the timer or a drain asks for it. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** One GetRecords per readable shard (a child only once its parent is read to its end). */
  private async pollOnce(): Promise<number> {
    if (this.stopped) return 0;
    if (this.streamArn === undefined) await this.discover();
    let read = 0;
    for (const shard of [...this.shards.values()]) {
      if (this.stopped) break;
      const parent = shard.parent === undefined ? undefined : this.shards.get(shard.parent);
      if (shard.done || (parent && !parent.done)) continue;
      read += await this.pollShard(shard);
    }
    return read;
  }

  private async discover(): Promise<void> {
    const { Table } = await this.owner.io.dynamoDb.send(
      new DescribeTableCommand({ TableName: this.pipe.tableName }),
    );
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`Pipe ${this.pipe.name}: table ${this.pipe.tableName} has no stream`);
    this.streamArn = streamArn;
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({
          StreamArn: streamArn,
          ...(start ? { ExclusiveStartShardId: start } : {}),
        }),
      );
      for (const s of StreamDescription?.Shards ?? []) {
        if (!s.ShardId || this.shards.has(s.ShardId)) continue;
        this.shards.set(s.ShardId, {
          id: s.ShardId,
          ...(s.ParentShardId ? { parent: s.ParentShardId } : {}),
          done: false,
        });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  private async iteratorFor(shard: ShardState, streamArn: string): Promise<string | undefined> {
    const after = this.owner.checkpointOf(this.pipe.name, shard.id, streamArn);
    // A child shard is read from its start: its parent's end was read already.
    const type: ShardIteratorType = after
      ? 'AFTER_SEQUENCE_NUMBER'
      : shard.parent && this.shards.has(shard.parent)
        ? 'TRIM_HORIZON'
        : this.pipe.startingPosition;
    try {
      const { ShardIterator } = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.id,
          ShardIteratorType: type,
          ...(after ? { SequenceNumber: after } : {}),
        }),
      );
      return ShardIterator;
    } catch (error) {
      if (!after || (error as Error).name !== 'TrimmedDataAccessException') throw error;
      // The checkpoint is older than the stream's retention (24 hours): what lay between is gone, as on AWS.
      this.owner.recordFailure(this.pipe.name, error);
      const { ShardIterator } = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.id,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      return ShardIterator;
    }
  }

  /**
   * Iterators expire after 15 minutes; a new one resumes after the checkpoint. DynamoDB Local also answers
   * TrimmedDataAccessException to a TRIM_HORIZON iterator taken while the shard was still empty: a new one,
   * taken now, starts at the first record if there is one. Either way the read is made again at once, so a
   * drain never mistakes a stale iterator for an empty stream.
   */
  private async read(
    shard: ShardState,
    streamArn: string,
    fresh = false,
  ): Promise<GetRecordsOutput | undefined> {
    shard.iterator ??= await this.iteratorFor(shard, streamArn);
    if (!shard.iterator) return undefined;
    try {
      return await this.streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: READ_LIMIT }),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (name !== 'ExpiredIteratorException' && name !== 'TrimmedDataAccessException') throw error;
      delete shard.iterator;
      if (fresh) return { Records: [] };
      return this.read(shard, streamArn, true);
    }
  }

  private async pollShard(shard: ShardState): Promise<number> {
    const streamArn = this.streamArn as string;
    const out = await this.read(shard, streamArn);
    if (!out) {
      shard.done = true;
      return 0;
    }
    const records = out.Records ?? [];
    for (let i = 0; i < records.length; i += this.pipe.batchSize) {
      await this.process(shard, streamArn, records.slice(i, i + this.pipe.batchSize));
    }
    if (out.NextShardIterator) shard.iterator = out.NextShardIterator;
    else if (shard.iterator !== undefined) {
      shard.done = true;
      await this.discover();
    }
    return records.length;
  }

  /** Filter, enrich, put; then the checkpoint. Throws (leaving the checkpoint) only when the cloud stops. */
  private async process(shard: ShardState, streamArn: string, records: StreamRecord[]): Promise<void> {
    const events = records.map((r) => pipeRecordOf(r, streamArn));
    const passed =
      this.pipe.filters.length === 0
        ? events
        : events.filter((e) => this.pipe.filters.some((pattern) => matchesPattern(pattern, e)));
    if (passed.length > 0) await this.deliver(shard, streamArn, passed, 0);
    const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
    if (last) await this.owner.saveCheckpoint(this.pipe.name, shard.id, streamArn, last);
  }

  private async deliver(
    shard: ShardState,
    streamArn: string,
    batch: PipeRecord[],
    attempt: number,
  ): Promise<void> {
    try {
      await this.enrichAndPut(batch);
    } catch (error) {
      if (this.stopped) throw error;
      const max = this.pipe.maximumRetryAttempts;
      if (max !== -1 && attempt >= max) {
        await this.deadLetter(shard, streamArn, batch, error);
        return;
      }
      await delay(this.owner.io.retryDelayMs(attempt));
      if (this.pipe.bisectOnFailure && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await this.deliver(shard, streamArn, batch.slice(0, half), attempt + 1);
        await this.deliver(shard, streamArn, batch.slice(half), attempt + 1);
      } else await this.deliver(shard, streamArn, batch, attempt + 1);
    }
  }

  private async enrichAndPut(batch: PipeRecord[]): Promise<void> {
    const { enrichment, busName, target } = this.pipe;
    const output = enrichment ? await this.owner.io.invoke(enrichment, batch) : batch;
    if (!Array.isArray(output)) throw new Error(`Pipe ${this.pipe.name}: the enrichment returned no array`);
    const entries: PutEventsEntry[] = output.map((item: unknown) => {
      const time = parameter(target.time, item, 'Time');
      return {
        EventBusName: busName,
        Source: parameter(target.source, item, 'Source') ?? `Pipe ${this.pipe.name}`,
        DetailType: parameter(target.detailType, item, 'DetailType') ?? 'Event from aws:dynamodb',
        Detail: JSON.stringify(item),
        ...(time ? { Time: time } : {}),
      };
    });
    for (let i = 0; i < entries.length; i += PUT_EVENTS_MAX) {
      const result = await this.owner.io.putEvents(entries.slice(i, i + PUT_EVENTS_MAX));
      if (result.FailedEntryCount > 0)
        throw new Error(`Pipe ${this.pipe.name}: PutEvents failed: ${JSON.stringify(result.Entries)}`);
    }
  }

  /** What a stream source's dead-letter queue receives: where the batch is in the stream, not its records. */
  private async deadLetter(
    shard: ShardState,
    streamArn: string,
    batch: PipeRecord[],
    error: unknown,
  ): Promise<void> {
    this.owner.recordFailure(this.pipe.name, error);
    const queue = this.pipe.deadLetterQueue;
    if (!queue) return;
    const [first, last] = [batch[0], batch[batch.length - 1]];
    await this.owner.io.sendToQueue(
      queue,
      JSON.stringify({
        pipe: this.pipe.name,
        errorMessage: error instanceof Error ? error.message : String(error),
        DDBStreamBatchInfo: {
          shardId: shard.id,
          streamArn,
          startSequenceNumber: first?.dynamodb.SequenceNumber,
          endSequenceNumber: last?.dynamodb.SequenceNumber,
          approximateArrivalOfFirstRecord: first?.dynamodb.ApproximateCreationDateTime,
          approximateArrivalOfLastRecord: last?.dynamodb.ApproximateCreationDateTime,
          batchSize: batch.length,
        },
      }),
    );
  }
}

/** A stream record as Pipes hands it on (the SDK's Date as epoch seconds, no undefined fields). */
interface PipeRecord {
  eventID?: string;
  eventName?: string;
  eventSource: 'aws:dynamodb';
  eventSourceARN: string;
  dynamodb: { SequenceNumber?: string; ApproximateCreationDateTime?: number; [field: string]: unknown };
  [field: string]: unknown;
}

function pipeRecordOf(r: StreamRecord, streamArn: string): PipeRecord {
  const at = r.dynamodb?.ApproximateCreationDateTime;
  return JSON.parse(
    JSON.stringify({
      eventID: r.eventID,
      eventName: r.eventName,
      eventVersion: r.eventVersion,
      eventSource: 'aws:dynamodb',
      awsRegion: LOCAL_REGION,
      dynamodb: {
        ...r.dynamodb,
        ApproximateCreationDateTime: at ? Math.floor(at.getTime() / 1000) : undefined,
      },
      eventSourceARN: streamArn,
    }),
  ) as PipeRecord;
}

/** A target parameter: a constant, or `$.a.b` read from the enriched event (a whole-value JSON path). */
function parameter(value: string | undefined, item: unknown, name: string): string | undefined {
  if (value === undefined || !value.startsWith('$.')) return value;
  let at: unknown = item;
  for (const key of value.slice(2).split('.')) at = (at as Record<string, unknown> | undefined)?.[key];
  if (typeof at !== 'string') throw new Error(`${name} ${value}: the event has no string there`);
  return at;
}
