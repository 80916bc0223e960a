import { randomUUID } from 'node:crypto';
import type { LocalQueues, QueueMessage } from '../durable/queues';
import { invalidValue, SqsError } from './sqs-errors';

/**
 * Dead-letter queues whose source is not an SQS queue: a Lambda's on-failure destination, an EventBridge
 * rule target's dead-letter queue. SQS's own move task only serves dead-letter queues of SQS queues.
 */
export interface DeadLetterRedrive {
  readonly queues: ReadonlySet<string>;
  /** Hands one message back to where it failed; resolves once that source has it. */
  redrive(queue: string, message: QueueMessage): Promise<void>;
}

type MoveStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

interface MoveTask {
  handle: string;
  sourceArn: string;
  destinationArn?: string;
  rate?: number;
  status: MoveStatus;
  moved: number;
  toMove: number;
  failureReason?: string;
  startedAt: number;
}

/** ListMessageMoveTasks reports the 10 most recent tasks of a source; older ones are forgotten. */
export const KEPT_MOVE_TASKS = 10;

/**
 * StartMessageMoveTask and ListMessageMoveTasks: moving a dead-letter queue's messages back to their
 * source, or to a destination queue. What "source" means for our queues (SQS itself has a move task only
 * for dead-letter queues of SQS queues):
 *  - the dead-letter queue of SQS queues (their RedrivePolicy): each message goes back to the queue its
 *    redrive policy moved it from (the only source queue, for a message sent there directly);
 *  - a Lambda on-failure destination, an EventBridge target's dead-letter queue (the `redrive` hook):
 *    the function is invoked again asynchronously with the record's requestPayload, the event is
 *    delivered again to its target. AWS has no move task for these; this is what redriving them means.
 * A queue that is neither (a parking queue a rule targets) is no dead-letter queue, as in SQS. A task
 * moves the messages present at its start (in flight or not), one at a time, each deleted only once its
 * source has it; the first failure stops it (FAILED, the reason given, the rest left in place).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
 */
export class MessageMoveTasks {
  /** Newest first. */
  private readonly tasks: MoveTask[] = [];

  constructor(
    private readonly queues: LocalQueues,
    private readonly redrive: DeadLetterRedrive | undefined,
    /** Aborted when the endpoint closes: running tasks stop before their next message (CANCELLED). */
    private readonly closing: AbortSignal,
  ) {}

  /** Starts a task and returns its handle; the task runs on after the answer. */
  start(request: {
    source: string;
    sourceArn: string;
    destination?: string;
    destinationArn?: string;
    rate?: number;
    /** Only these messages (a local extension the console uses to redrive one message); all when absent. */
    messageIds?: readonly string[];
  }): string {
    const { source, sourceArn, destination, destinationArn, rate, messageIds } = request;
    const sqsSources = this.queues.sourcesOf(source);
    if (!this.isDeadLetterQueue(source))
      throw invalidValue('SourceArn', sourceArn, 'Source queue must be configured as a Dead Letter Queue.');
    if (this.tasks.some((t) => t.sourceArn === sourceArn && t.status === 'RUNNING'))
      throw new SqsError(
        'InvalidParameterValue',
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      );
    const ids = this.queues
      .messages(source)
      .map((m) => m.messageId)
      .filter((id) => messageIds === undefined || messageIds.includes(id));
    const task: MoveTask = {
      handle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn })).toString('base64'),
      sourceArn,
      ...(destinationArn !== undefined ? { destinationArn } : {}),
      ...(rate !== undefined ? { rate } : {}),
      status: 'RUNNING',
      moved: 0,
      toMove: ids.length,
      startedAt: Date.now(),
    };
    this.tasks.unshift(task);
    const ofSource = this.tasks.filter((t) => t.sourceArn === sourceArn);
    for (const old of ofSource.slice(KEPT_MOVE_TASKS)) this.tasks.splice(this.tasks.indexOf(old), 1);
    void this.run(task, source, ids, (m) => this.moveOne(source, m, destination, sqsSources));
    return task.handle;
  }

  /** Whether a task can move `source`'s messages back: it is an SQS queue's dead-letter queue or a redrive hook's. */
  isDeadLetterQueue(source: string): boolean {
    return this.queues.sourcesOf(source).length > 0 || (this.redrive?.queues.has(source) ?? false);
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasks.html
  list(sourceArn: string, max: number): Record<string, unknown>[] {
    return this.tasks
      .filter((t) => t.sourceArn === sourceArn)
      .slice(0, max)
      .map((t) => ({
        // The handle only while the task runs, as SQS reports it.
        ...(t.status === 'RUNNING' ? { TaskHandle: t.handle } : {}),
        Status: t.status,
        SourceArn: t.sourceArn,
        ...(t.destinationArn !== undefined ? { DestinationArn: t.destinationArn } : {}),
        ...(t.rate !== undefined ? { MaxNumberOfMessagesPerSecond: t.rate } : {}),
        ApproximateNumberOfMessagesMoved: t.moved,
        ApproximateNumberOfMessagesToMove: t.toMove,
        ...(t.failureReason !== undefined ? { FailureReason: t.failureReason } : {}),
        StartedTimestamp: t.startedAt,
      }));
  }

  private async moveOne(
    source: string,
    message: QueueMessage,
    destination: string | undefined,
    sqsSources: readonly string[],
  ): Promise<void> {
    if (destination !== undefined) return this.queues.transfer(source, message.messageId, destination);
    const back = message.deadLetterSource ?? (sqsSources.length === 1 ? sqsSources[0] : undefined);
    if (back !== undefined && sqsSources.includes(back))
      return this.queues.transfer(source, message.messageId, back);
    if (!this.redrive?.queues.has(source))
      throw new Error(
        `message ${message.messageId} has no source queue (it was not moved here by a redrive policy)`,
      );
    await this.redrive.redrive(source, message);
    await this.queues.delete(source, message.messageId);
  }

  private async run(
    task: MoveTask,
    source: string,
    ids: readonly string[],
    move: (m: QueueMessage) => Promise<void>,
  ): Promise<void> {
    for (const id of ids) {
      if (this.closing.aborted) {
        task.status = 'CANCELLED';
        return;
      }
      const message = this.queues.messages(source).find((m) => m.messageId === id);
      if (!message) continue; // deleted since the task started
      try {
        await move(message);
      } catch (error) {
        task.status = 'FAILED';
        task.failureReason = error instanceof Error ? error.message : String(error);
        return;
      }
      task.moved++;
      if (task.rate !== undefined) await pause(1000 / task.rate, this.closing);
    }
    task.status = 'COMPLETED';
  }
}

/** Waits `ms`, or less if `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
