import { gzipSync } from 'node:zlib';

/** What some log lines cost CloudWatch Logs: events and bytes ingested, bytes kept in storage. */
export interface LogVolume {
  events: number;
  /** UTF-8 bytes of the messages, as ingestion bills them. */
  bytes: number;
  /** Bytes as storage bills them: the messages compressed with gzip level 6, plus 26 bytes per event. */
  storedBytes: number;
}

/** The archived-data rule of the CloudWatch pricing page (https://aws.amazon.com/cloudwatch/pricing/). */
const ARCHIVE_METADATA_BYTES_PER_EVENT = 26;

export const NO_LOGS: LogVolume = { events: 0, bytes: 0, storedBytes: 0 };

/**
 * The volume of `lines`, one log event each. They are compressed together, as CloudWatch stores a batch of
 * one stream's events: one execution's, one invocation's.
 */
export function logVolumeOf(lines: readonly string[]): LogVolume {
  if (lines.length === 0) return NO_LOGS;
  const text = lines.join('\n');
  return {
    events: lines.length,
    bytes: Buffer.byteLength(text) - (lines.length - 1),
    storedBytes: gzipSync(text, { level: 6 }).length + ARCHIVE_METADATA_BYTES_PER_EVENT * lines.length,
  };
}

export const addVolumes = (a: LogVolume, b: LogVolume): LogVolume => ({
  events: a.events + b.events,
  bytes: a.bytes + b.bytes,
  storedBytes: a.storedBytes + b.storedBytes,
});

export const scaleVolume = (v: LogVolume, k: number): LogVolume => ({
  events: v.events * k,
  bytes: v.bytes * k,
  storedBytes: v.storedBytes * k,
});
