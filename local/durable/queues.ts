import { createHash, randomUUID } from 'node:crypto';
import type { Journal, JournalRecord } from './journal';

/** A message attribute as SendMessage takes it; a binary value is kept base64 (the journal is JSON). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** A message as SQS keeps it: the body as sent, and when it was sent. */
export interface QueueMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  /** Epoch milliseconds. */
  sentAt: number;
  /** EventBridge's dead letters name their rule and target here (RULE_ARN, TARGET_ARN). */
  attributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  /** The queue whose redrive policy moved the message here (SQS's DeadLetterQueueSourceArn). */
  deadLetterSource?: string;
}

export interface QueueDefinition {
  name: string;
  /** Seconds a received message stays invisible unless the receive says otherwise; SQS's default 30. */
  visibilityTimeout?: number;
  /** Reported by GetQueueAttributes, not enforced: the local queues keep a message until it is deleted. */
  messageRetentionPeriod?: number;
  /** SQS's RedrivePolicy: a message received `maxReceiveCount` times moves to the dead-letter queue. */
  redrivePolicy?: { deadLetterQueue: string; maxReceiveCount: number };
}

/** A message handed to a receiver, with what the receive attributes report. */
export interface ReceivedMessage {
  message: QueueMessage;
  receiptHandle: string;
  receiveCount: number;
  /** Epoch milliseconds. */
  firstReceivedAt: number;
}

/** A message as `peek` shows it: how often it was received, and whether it is hidden now. */
export interface PeekedMessage {
  message: QueueMessage;
  receiveCount: number;
  /** Epoch milliseconds; absent while never received. */
  firstReceivedAt?: number;
  /** Received (or delayed) and not visible again yet. */
  inFlight: boolean;
}

export interface ReceiveOptions {
  /** 1 to 10. */
  max: number;
  /** Seconds; the queue's visibility timeout when absent. */
  visibilityTimeout?: number;
  /** Long polling: how long to wait for a message when none is visible. */
  waitMs?: number;
  /** Ends a wait early (the client went away, the endpoint closes): resolves with what there is. */
  signal?: AbortSignal;
}

/** The receipt handle is not one this queue gave out. */
export class InvalidReceiptHandleError extends Error {
  override readonly name = 'InvalidReceiptHandle';
}

/** ChangeMessageVisibility on a message that is not in flight, deleted, or received again since. */
export class NotInFlightError extends Error {
  override readonly name = 'NotInFlight';
  constructor(
    readonly reason: 'visible' | 'deleted' | 'received-again',
    message: string,
  ) {
    super(message);
  }
}

type QueueRecord =
  | { kind: 'queue.sent'; queue: string; message: QueueMessage }
  | { kind: 'queue.deleted'; queue: string; messageId: string };

const isQueueRecord = (r: JournalRecord): r is QueueRecord =>
  r.kind === 'queue.sent' || r.kind === 'queue.deleted';

/** SQS's default visibility timeout, in seconds. */
const DEFAULT_VISIBILITY_TIMEOUT = 30;

/** What a message's last receive (or its delay) left in memory; a restart forgets it. */
interface Delivery {
  receiveCount: number;
  firstReceivedAt?: number;
  /** The nonce of the latest receipt handle; absent while only delayed. */
  receipt?: string;
  invisibleUntil: number;
}

interface Queue {
  definition: QueueDefinition;
  messages: Map<string, QueueMessage>;
  deliveries: Map<string, Delivery>;
  /** Long polls waiting for this queue to change. */
  waiters: Set<() => void>;
}

/**
 * The template's SQS queues (on-failure destinations, dead-letter and parking queues, rule targets),
 * durable through the journal: a message is on disk before `send` resolves and until it is deleted.
 * Visibility (receipts, receive counts, delays) is kept in memory only: after a restart every message
 * is visible again, as if its visibility timeout had expired.
 */
export class LocalQueues {
  /** When this set of queues came up (GetQueueAttributes' CreatedTimestamp). */
  readonly createdAt = Date.now();
  private readonly queues = new Map<string, Queue>();

  constructor(
    definitions: readonly (string | QueueDefinition)[],
    private readonly journal: Journal,
  ) {
    for (const d of definitions) {
      const definition = typeof d === 'string' ? { name: d } : d;
      this.queues.set(definition.name, {
        definition,
        messages: new Map(),
        deliveries: new Map(),
        waiters: new Set(),
      });
    }
    for (const { definition } of this.queues.values()) {
      const dlq = definition.redrivePolicy?.deadLetterQueue;
      if (dlq !== undefined && !this.queues.has(dlq))
        throw new Error(`Queue ${definition.name}: dead-letter queue ${dlq} is not in this template`);
    }
  }

  names(): string[] {
    return [...this.queues.keys()];
  }

  has(name: string): boolean {
    return this.queues.has(name);
  }

  definition(name: string): QueueDefinition {
    return this.queue(name).definition;
  }

  /** The queues whose redrive policy names `deadLetterQueue`. */
  sourcesOf(deadLetterQueue: string): string[] {
    return [...this.queues.values()]
      .filter((q) => q.definition.redrivePolicy?.deadLetterQueue === deadLetterQueue)
      .map((q) => q.definition.name);
  }

  /** Messages in the order they were sent, visible or not. */
  messages(name: string): QueueMessage[] {
    return [...this.queue(name).messages.values()];
  }

  /**
   * Every message with what its receives reported so far, oldest first, changing nothing: no receipt, no
   * receive counted, no visibility changed (the operations console reads queues with it). SQS has no such
   * call: ReceiveMessage, even with VisibilityTimeout 0 and as the AWS console's "poll for messages" uses
   * it, counts a receive (and past maxReceiveCount moves the message to its dead-letter queue).
   */
  peek(name: string, now = Date.now()): PeekedMessage[] {
    const q = this.queue(name);
    return [...q.messages.values()].map((message) => {
      const d = q.deliveries.get(message.messageId);
      return {
        message,
        receiveCount: d?.receiveCount ?? 0,
        ...(d?.firstReceivedAt !== undefined ? { firstReceivedAt: d.firstReceivedAt } : {}),
        inFlight: d !== undefined && d.invisibleUntil > now,
      };
    });
  }

  /** How many messages can be received now, are in flight, or are delayed (sent with a delay not yet over). */
  counts(name: string, now = Date.now()): { visible: number; inFlight: number; delayed: number } {
    const q = this.queue(name);
    const hidden = [...q.deliveries.values()].filter((d) => d.invisibleUntil > now);
    const delayed = hidden.filter((d) => d.receipt === undefined).length;
    return { visible: q.messages.size - hidden.length, inFlight: hidden.length - delayed, delayed };
  }

  async send(
    name: string,
    body: string,
    options: { attributes?: Record<string, MessageAttributeValue>; delaySeconds?: number } = {},
  ): Promise<QueueMessage> {
    const attributes =
      options.attributes && Object.keys(options.attributes).length > 0 ? options.attributes : undefined;
    const message: QueueMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: createHash('md5').update(body).digest('hex'),
      sentAt: Date.now(),
      ...(attributes ? { attributes, md5OfMessageAttributes: md5OfMessageAttributes(attributes) } : {}),
    };
    const delay = options.delaySeconds
      ? { receiveCount: 0, invisibleUntil: message.sentAt + options.delaySeconds * 1000 }
      : undefined;
    await this.append(name, message, delay);
    this.changed(name);
    return message;
  }

  async delete(name: string, messageId: string): Promise<void> {
    const q = this.queue(name);
    if (!q.messages.has(messageId)) return;
    await this.journal.append({ kind: 'queue.deleted', queue: name, messageId } satisfies QueueRecord);
    q.messages.delete(messageId);
    q.deliveries.delete(messageId);
  }

  /**
   * Up to `max` visible messages, oldest first, each made invisible for the visibility timeout. With
   * `waitMs`, waits for one to arrive (or come back) when none is visible. A message already received
   * `maxReceiveCount` times moves to the dead-letter queue instead.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
   */
  async receive(name: string, options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const q = this.queue(name);
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const received = await this.take(q, options);
      const now = Date.now();
      if (received.length > 0 || now >= deadline || options.signal?.aborted) return received;
      await this.nextChange(q, Math.min(deadline, this.nextVisibleAt(q, now)) - now, options.signal);
    }
  }

  /**
   * Deletes the message the handle was given for. A handle from an earlier receive of a message received
   * again since deletes nothing and is no error, as in SQS.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
   */
  async deleteReceived(name: string, receiptHandle: string): Promise<void> {
    const { messageId, receipt } = this.parseReceipt(name, receiptHandle);
    if (this.queue(name).deliveries.get(messageId)?.receipt !== receipt) return;
    await this.delete(name, messageId);
  }

  /**
   * Makes an in-flight message invisible for `seconds` from now (0: visible at once).
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
   */
  changeVisibility(name: string, receiptHandle: string, seconds: number): void {
    const { messageId, receipt } = this.parseReceipt(name, receiptHandle);
    const q = this.queue(name);
    const delivery = q.deliveries.get(messageId);
    const now = Date.now();
    if (!q.messages.has(messageId))
      throw new NotInFlightError(
        'deleted',
        'Message does not exist or is not available for visibility timeout change.',
      );
    if (delivery?.receipt !== receipt)
      throw new NotInFlightError('received-again', 'The receipt handle has expired.');
    if (delivery.invisibleUntil <= now)
      throw new NotInFlightError('visible', 'The message is not in flight.');
    delivery.invisibleUntil = now + seconds * 1000;
    if (seconds === 0) this.changed(name);
  }

  /**
   * Moves a message to another queue under the same id and send time (durably: sent there first, then
   * deleted here, so a crash between the two leaves a duplicate rather than a loss).
   */
  async transfer(from: string, messageId: string, to: string, deadLetterSource?: string): Promise<void> {
    const message = this.queue(from).messages.get(messageId);
    if (!message) return;
    const moved: QueueMessage = { ...message };
    delete moved.deadLetterSource;
    if (deadLetterSource !== undefined) moved.deadLetterSource = deadLetterSource;
    await this.append(to, moved);
    await this.delete(from, messageId);
    this.changed(to);
  }

  /** Replays the journal's queue records (others are ignored); replaying one twice changes nothing. */
  recover(records: readonly JournalRecord[]): void {
    for (const r of records) {
      if (!isQueueRecord(r) || !this.queues.has(r.queue)) continue;
      if (r.kind === 'queue.sent') this.queue(r.queue).messages.set(r.message.messageId, r.message);
      else this.queue(r.queue).messages.delete(r.messageId);
    }
  }

  *snapshot(): Iterable<JournalRecord> {
    for (const [queue, { messages }] of this.queues)
      for (const message of messages.values())
        yield { kind: 'queue.sent', queue, message } satisfies QueueRecord;
  }

  /** Journals the message, then puts it on the queue (hidden by `delivery` from the start, if given). */
  private async append(name: string, message: QueueMessage, delivery?: Delivery): Promise<void> {
    const q = this.queue(name);
    await this.journal.append({ kind: 'queue.sent', queue: name, message } satisfies QueueRecord);
    q.messages.set(message.messageId, message);
    if (delivery) q.deliveries.set(message.messageId, delivery);
  }

  /** Claims visible messages synchronously (concurrent receives never share one), then moves dead letters. */
  private async take(q: Queue, options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const now = Date.now();
    const policy = q.definition.redrivePolicy;
    const timeout = options.visibilityTimeout ?? q.definition.visibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT;
    const received: ReceivedMessage[] = [];
    const deadLetters: string[] = [];
    for (const message of q.messages.values()) {
      if (received.length >= options.max) break;
      const delivery = q.deliveries.get(message.messageId) ?? { receiveCount: 0, invisibleUntil: 0 };
      if (delivery.invisibleUntil > now) continue;
      if (policy && delivery.receiveCount >= policy.maxReceiveCount) {
        q.deliveries.set(message.messageId, { ...delivery, invisibleUntil: Infinity });
        deadLetters.push(message.messageId);
        continue;
      }
      const receipt = randomUUID();
      const next: Delivery = {
        receiveCount: delivery.receiveCount + 1,
        firstReceivedAt: delivery.firstReceivedAt ?? now,
        receipt,
        invisibleUntil: now + timeout * 1000,
      };
      q.deliveries.set(message.messageId, next);
      received.push({
        message,
        receiptHandle: receiptHandleOf(q.definition.name, message.messageId, receipt),
        receiveCount: next.receiveCount,
        firstReceivedAt: next.firstReceivedAt ?? now,
      });
    }
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    if (policy)
      for (const id of deadLetters)
        await this.transfer(q.definition.name, id, policy.deadLetterQueue, q.definition.name);
    return received;
  }

  private nextVisibleAt(q: Queue, now: number): number {
    let next = Infinity;
    for (const d of q.deliveries.values())
      if (d.invisibleUntil > now) next = Math.min(next, d.invisibleUntil);
    return next;
  }

  /** Resolves when the queue changes (a send, a message made visible), after `ms`, or on abort. */
  private nextChange(q: Queue, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        q.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      q.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private changed(name: string): void {
    for (const wake of [...this.queue(name).waiters]) wake();
  }

  private parseReceipt(name: string, receiptHandle: string): { messageId: string; receipt: string } {
    const [queue, messageId, receipt, ...rest] = Buffer.from(receiptHandle, 'base64url')
      .toString('utf8')
      .split('/');
    if (queue !== name || !messageId || !receipt || rest.length > 0)
      throw new InvalidReceiptHandleError(
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
    return { messageId, receipt };
  }

  private queue(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`No queue ${name} in this template`);
    return q;
  }
}

const receiptHandleOf = (queue: string, messageId: string, receipt: string): string =>
  Buffer.from(`${queue}/${messageId}/${receipt}`).toString('base64url');

/**
 * MD5OfMessageAttributes as SQS computes it: the attributes sorted by name, each as its name, data
 * type, transport type (1 string or number, 2 binary) and value, lengths as 4-byte big-endian prefixes.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name];
    if (!value) continue;
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(value.DataType, 'utf8'));
    const binary = value.BinaryValue !== undefined;
    hash.update(Buffer.from([binary ? 2 : 1]));
    field(
      binary ? Buffer.from(value.BinaryValue ?? '', 'base64') : Buffer.from(value.StringValue ?? '', 'utf8'),
    );
  }
  return hash.digest('hex');
}
