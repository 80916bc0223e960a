import { createHash, randomUUID } from 'node:crypto';
import type { Journal, JournalRecord } from './journal';

/** A message as SQS keeps it: the body as sent, and when it was sent. */
export interface QueueMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  /** Epoch milliseconds. */
  sentAt: number;
}

type QueueRecord =
  | { kind: 'queue.sent'; queue: string; message: QueueMessage }
  | { kind: 'queue.deleted'; queue: string; messageId: string };

const isQueueRecord = (r: JournalRecord): r is QueueRecord =>
  r.kind === 'queue.sent' || r.kind === 'queue.deleted';

/**
 * The template's SQS queues (on-failure destinations, dead-letter and parking queues, rule targets),
 * durable through the journal: a message is on disk before `send` resolves and until it is deleted.
 */
export class LocalQueues {
  private readonly queues = new Map<string, Map<string, QueueMessage>>();

  constructor(
    names: readonly string[],
    private readonly journal: Journal,
  ) {
    for (const name of names) this.queues.set(name, new Map());
  }

  names(): string[] {
    return [...this.queues.keys()];
  }

  has(name: string): boolean {
    return this.queues.has(name);
  }

  /** Messages in the order they were sent. */
  messages(name: string): QueueMessage[] {
    return [...this.queue(name).values()];
  }

  async send(name: string, body: string): Promise<QueueMessage> {
    const message: QueueMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: createHash('md5').update(body).digest('hex'),
      sentAt: Date.now(),
    };
    await this.journal.append({ kind: 'queue.sent', queue: name, message } satisfies QueueRecord);
    this.queue(name).set(message.messageId, message);
    return message;
  }

  async delete(name: string, messageId: string): Promise<void> {
    if (!this.queue(name).has(messageId)) return;
    await this.journal.append({ kind: 'queue.deleted', queue: name, messageId } satisfies QueueRecord);
    this.queue(name).delete(messageId);
  }

  /** Replays the journal's queue records (others are ignored); replaying one twice changes nothing. */
  recover(records: readonly JournalRecord[]): void {
    for (const r of records) {
      if (!isQueueRecord(r) || !this.queues.has(r.queue)) continue;
      if (r.kind === 'queue.sent') this.queue(r.queue).set(r.message.messageId, r.message);
      else this.queue(r.queue).delete(r.messageId);
    }
  }

  *snapshot(): Iterable<JournalRecord> {
    for (const [queue, messages] of this.queues)
      for (const message of messages.values())
        yield { kind: 'queue.sent', queue, message } satisfies QueueRecord;
  }

  private queue(name: string): Map<string, QueueMessage> {
    const q = this.queues.get(name);
    if (!q) throw new Error(`No queue ${name} in this template`);
    return q;
  }
}
