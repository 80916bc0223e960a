import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, truncateSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

/** One line of the journal. Each component of the local cloud owns the kinds it writes. */
export interface JournalRecord {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** Past this size, and twice the size of the last compaction, the journal is rewritten with what is live. */
const COMPACT_AFTER_BYTES = 16 * 1024 * 1024;

/**
 * What the local cloud accepted, made durable before it answers: an append-only NDJSON file in the data
 * directory. `append` resolves once the line is written and fdatasync'd, so an accepted PutEvents entry,
 * a started execution or a queued message survives a kill of the process at any point after the answer.
 * Appends that arrive while a flush runs share the next one (group commit): one fdatasync per batch.
 *
 * Replaying a record twice must be harmless (each kind is keyed), because a compaction's snapshot and a
 * record still queued at that moment both reach the new file.
 */
export class Journal {
  private queued: { line: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private bytes: number;
  private compactedBytes: number;
  private snapshot: (() => Iterable<JournalRecord>) | undefined;
  private compactions: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly file: string | undefined,
    private handle: FileHandle | undefined,
    size: number,
  ) {
    this.bytes = size;
    this.compactedBytes = size;
  }

  /** A journal that keeps nothing (`--in-memory`): appends resolve at once. */
  static inMemory(): Journal {
    return new Journal(undefined, undefined, 0);
  }

  /**
   * Opens (or creates) `<dir>/journal.ndjson` and returns what it holds. A torn last line, the trace of a
   * kill in the middle of a write that was never acknowledged, is cut off.
   */
  static async open(dir: string): Promise<{ journal: Journal; records: JournalRecord[] }> {
    const file = path.join(dir, 'journal.ndjson');
    const records: JournalRecord[] = [];
    let goodBytes = 0;
    if (existsSync(file)) {
      const text = readFileSync(file);
      let start = 0;
      for (let end = text.indexOf(10, start); end >= 0; end = text.indexOf(10, start)) {
        const line = text.subarray(start, end).toString('utf8');
        try {
          records.push(JSON.parse(line) as JournalRecord);
        } catch {
          break;
        }
        start = end + 1;
        goodBytes = start;
      }
      if (goodBytes < text.length) truncateSync(file, goodBytes);
    }
    const handle = await open(file, 'a');
    return { journal: new Journal(file, handle, goodBytes), records };
  }

  /** What compaction keeps: every record a fresh start needs to rebuild the live state. */
  setSnapshot(snapshot: () => Iterable<JournalRecord>): void {
    this.snapshot = snapshot;
  }

  /** Resolves once the record is on disk. Rejects when it cannot be serialized or written. */
  append(record: JournalRecord): Promise<void> {
    if (!this.handle) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('The journal is closed: the local cloud is stopping'));
    let line: string;
    try {
      line = `${JSON.stringify(record)}\n`;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ line, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Rewrites the file with the snapshot alone (at start, after recovery, and when it has grown). */
  compact(): Promise<void> {
    if (!this.handle) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.compactions.push(resolve);
      this.flushing ??= this.flush();
    });
  }

  /**
   * What a kill leaves: nothing more reaches the file, and no append still queued is acknowledged (each
   * rejects). The chaos run crashes the stack in process this way.
   */
  abandon(): void {
    this.closed = true;
    const queued = this.queued;
    this.queued = [];
    for (const q of queued) q.reject(new Error('The local cloud crashed'));
    void this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
  }

  /** The only writer of the file: batches of appends, and compactions between them. */
  private async flush(): Promise<void> {
    while ((this.queued.length > 0 || this.compactions.length > 0) && this.handle) {
      if (this.compactions.length > 0) {
        const waiting = this.compactions;
        this.compactions = [];
        await this.rewrite();
        for (const resolve of waiting) resolve();
        continue;
      }
      const batch = this.queued;
      this.queued = [];
      const text = batch.map((b) => b.line).join('');
      try {
        await this.handle.write(text);
        await this.handle.datasync();
        this.bytes += Buffer.byteLength(text);
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
      if (this.bytes > Math.max(COMPACT_AFTER_BYTES, 2 * this.compactedBytes)) await this.rewrite();
    }
    this.flushing = undefined;
  }

  /** Write the snapshot to a new file, fsync it, then rename it over the journal (atomic on POSIX). */
  private async rewrite(): Promise<void> {
    if (!this.file || !this.handle || !this.snapshot) return;
    const next = `${this.file}.next`;
    const handle = await open(next, 'w');
    // Written in chunks: the snapshot can outgrow the longest string V8 makes (histories are large).
    let bytes = 0;
    let chunk: string[] = [];
    let chunkLength = 0;
    const writeChunk = async () => {
      const text = chunk.join('');
      await handle.write(text);
      bytes += Buffer.byteLength(text);
      chunk = [];
      chunkLength = 0;
    };
    for (const record of this.snapshot()) {
      const line = `${JSON.stringify(record)}\n`;
      chunk.push(line);
      chunkLength += line.length;
      if (chunkLength > 1024 * 1024) await writeChunk();
    }
    await writeChunk();
    await handle.sync();
    await handle.close();
    renameSync(next, this.file);
    const dir = openSync(path.dirname(this.file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    // Abandoned (a simulated crash) while the snapshot was written: the file is whole, and nothing more is written.
    if (!this.handle) return;
    await this.handle.close();
    this.handle = await open(this.file, 'a');
    this.bytes = bytes;
    this.compactedBytes = bytes;
  }
}

/**
 * A copy of `value` that JSON.stringify can always write: anything nested deeper than `maxDepth` is
 * replaced by a note. JSON.parse accepts arrays nested 100,000 deep; JSON.stringify overflows the stack
 * on them, and a record that cannot be written must not stop the journal.
 */
export function boundedDepth(value: unknown, maxDepth = 64): unknown {
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (depth >= maxDepth) return `[nested deeper than ${maxDepth} levels: not kept]`;
    if (Array.isArray(v)) return v.map((x) => copy(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x, depth + 1)]));
  };
  return copy(value, 0);
}
