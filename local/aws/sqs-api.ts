import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID } from '../aws-names';
import {
  InvalidReceiptHandleError,
  NotInFlightError,
  type LocalQueues,
  type MessageAttributeValue,
  type QueueMessage,
  type ReceivedMessage,
} from '../durable/queues';
import { localQueueArn } from '../stack/local-names';

/**
 * Amazon SQS on the local queues, in both of its protocols: AWS JSON 1.0 (`X-Amz-Target:
 * AmazonSQS.<Op>`, the SDK v3 and recent AWS CLIs) and the query protocol (form-encoded `Action=<Op>`,
 * XML answers; Debian's AWS CLI 2.9 still speaks it). Queue URLs are `http://<host>/000000000000/<name>`
 * with the host the client called, ARNs `arn:aws:sqs:us-east-1:000000000000:<name>`.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/Welcome.html
 */

/**
 * Dead-letter queues whose source is not an SQS queue: a Lambda's on-failure destination, an EventBridge
 * rule target's dead-letter queue. SQS's own move task only serves dead-letter queues of SQS queues.
 */
export interface DeadLetterRedrive {
  readonly queues: ReadonlySet<string>;
  /** Hands one message back to where it failed; resolves once that source has it. */
  redrive(queue: string, message: QueueMessage): Promise<void>;
}

export interface SqsApiOptions {
  queues: LocalQueues;
  redrive?: DeadLetterRedrive;
}

export type SqsProtocol = 'json' | 'query';

/** One request's context: the Host it was sent to (queue URLs name it) and its end (a long poll stops). */
export interface SqsCall {
  host: string;
  signal: AbortSignal;
}

export interface SqsReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type Body = Record<string, unknown>;

/** SendMessage's limit on body plus attributes; also the default MaximumMessageSize (since August 2025). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

// ---- errors ------------------------------------------------------------------------------------------------

/**
 * The errors this API answers: the JSON shape name (`__type: com.amazonaws.sqs#<name>`), the query
 * protocol's code (also in the JSON answer's `x-amzn-query-error`), the HTTP status. As in the SDK's model.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html
 */
const ERRORS = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  InvalidAddress: ['InvalidAddress', 404],
  InvalidAttributeName: ['InvalidAttributeName', 400],
  InvalidParameterValue: ['InvalidParameterValue', 400],
  MissingParameter: ['MissingParameter', 400],
  ResourceNotFoundException: ['ResourceNotFoundException', 404],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  InvalidAction: ['InvalidAction', 400],
  RequestEntityTooLarge: ['RequestEntityTooLarge', 413],
  InternalError: ['InternalError', 500],
} as const satisfies Record<string, readonly [string, number]>;

export type SqsErrorName = keyof typeof ERRORS;

export class SqsError extends Error {
  constructor(
    readonly code: SqsErrorName,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

const invalidValue = (key: string, value: unknown, reason: string): SqsError =>
  new SqsError(
    'InvalidParameterValue',
    `Value ${String(value)} for parameter ${key} is invalid. Reason: ${reason}`,
  );

function asSqsError(error: unknown): SqsError {
  if (error instanceof SqsError) return error;
  if (error instanceof InvalidReceiptHandleError)
    return new SqsError('ReceiptHandleIsInvalid', error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new SqsError('InternalError', message);
}

// ---- request field readers -------------------------------------------------------------------------------

function optionalString(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidValue(key, JSON.stringify(v), 'Must be a string.');
  return v;
}

function requiredString(body: Body, key: string): string {
  const v = optionalString(body, key);
  if (v === undefined || v === '')
    throw new SqsError('MissingParameter', `The request must contain the parameter ${key}.`);
  return v;
}

/** An integer in [min, max]; the query protocol sends it as text. */
function optionalInt(body: Body, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw invalidValue(key, v, `Must be between ${min} and ${max}, if provided.`);
  return n;
}

function stringList(body: Body, key: string): string[] {
  const v = body[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw invalidValue(key, JSON.stringify(v), 'Must be a list of strings.');
  return v;
}

function messageAttributes(body: Body): Record<string, MessageAttributeValue> | undefined {
  const v = body.MessageAttributes;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw invalidValue('MessageAttributes', '', 'Must be a map.');
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of Object.entries(v as Body)) {
    const a = (typeof raw === 'object' && raw !== null ? raw : {}) as Body;
    const dataType = a.DataType;
    if (typeof dataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(dataType))
      throw invalidValue(`MessageAttributes.${name}.DataType`, dataType, 'Must be String, Number or Binary.');
    const value = dataType.startsWith('Binary') ? a.BinaryValue : a.StringValue;
    if (typeof value !== 'string' || value === '')
      throw new SqsError(
        'InvalidParameterValue',
        `Message attribute '${name}' must contain a non-empty value of type '${dataType}'.`,
      );
    out[name] = dataType.startsWith('Binary')
      ? { DataType: dataType, BinaryValue: value }
      : { DataType: dataType, StringValue: value };
  }
  return out;
}

/** The size SQS counts against MaximumMessageSize: the body and every attribute's name, type and value. */
function messageSize(body: string, attributes: Record<string, MessageAttributeValue> = {}): number {
  let size = Buffer.byteLength(body);
  for (const [name, a] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    size +=
      a.BinaryValue !== undefined
        ? Buffer.from(a.BinaryValue, 'base64').length
        : Buffer.byteLength(a.StringValue ?? '');
  }
  return size;
}

// ---- queue addresses -------------------------------------------------------------------------------------

const queueUrl = (host: string, name: string): string => `http://${host}/${LOCAL_ACCOUNT_ID}/${name}`;

// ---- message move tasks ----------------------------------------------------------------------------------

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

/** SQS's default retention, 4 days. */
const DEFAULT_RETENTION_SECONDS = 345_600;

/** ListMessageMoveTasks reports the 10 most recent tasks of a source. */
const KEPT_MOVE_TASKS = 10;

// ---- the API ---------------------------------------------------------------------------------------------

/** A queue attribute GetQueueAttributes reports, from the queue's definition and its state now. */
const QUEUE_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'VisibilityTimeout',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
] as const;

/** The system attributes ReceiveMessage returns on request. */
const MESSAGE_SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'DeadLetterQueueSourceArn',
] as const;

export class SqsApi {
  private readonly queues: LocalQueues;
  private readonly redrive: DeadLetterRedrive | undefined;
  private readonly moveTasks: MoveTask[] = [];
  private readonly closing = new AbortController();

  constructor(options: SqsApiOptions) {
    this.queues = options.queues;
    this.redrive = options.redrive;
  }

  /** Ends the long polls in progress (they answer with no message) and stops move tasks between messages. */
  close(): void {
    this.closing.abort();
  }

  /** An `AmazonSQS.<op>` call with its JSON body. */
  async json(op: string, raw: Buffer, call: SqsCall): Promise<SqsReply> {
    try {
      const out = await this.call(op, parseJson(raw), call);
      return { status: 200, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(out) };
    } catch (error) {
      return this.errorReply('json', asSqsError(error));
    }
  }

  /** A query-protocol call: `Action=<op>&…`, answered in XML. */
  async query(params: URLSearchParams, path: string, call: SqsCall): Promise<SqsReply> {
    const action = params.get('Action') ?? '';
    try {
      const body = fromQueryParams(params);
      // Older SDKs post to the queue URL itself instead of sending QueueUrl.
      if (body.QueueUrl === undefined && /^\/\d{12}\/[^/]+$/.test(path))
        body.QueueUrl = `http://${call.host}${path}`;
      const out = await this.call(action, body, call);
      return { status: 200, headers: { 'content-type': XML_TYPE }, body: xmlResponse(action, out) };
    } catch (error) {
      return this.errorReply('query', asSqsError(error));
    }
  }

  errorReply(protocol: SqsProtocol, error: SqsError): SqsReply {
    const [queryCode, status] = ERRORS[error.code];
    const fault = status >= 500 ? 'Receiver' : 'Sender';
    const requestId = randomUUID();
    if (protocol === 'query') {
      const body =
        `<?xml version="1.0"?><ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${fault}</Type>` +
        `<Code>${xmlEscape(queryCode)}</Code><Message>${xmlEscape(error.message)}</Message><Detail/></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`;
      return { status, headers: { 'content-type': XML_TYPE, 'x-amzn-requestid': requestId }, body };
    }
    return {
      status,
      headers: {
        'content-type': JSON_TYPE,
        'x-amzn-requestid': requestId,
        'x-amzn-query-error': `${queryCode};${fault}`,
      },
      body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message }),
    };
  }

  private call(op: string, body: Body, call: SqsCall): unknown {
    switch (op) {
      case 'ListQueues':
        return this.listQueues(body, call);
      case 'GetQueueUrl':
        return this.getQueueUrl(body, call);
      case 'GetQueueAttributes':
        return this.getQueueAttributes(body, call);
      case 'SendMessage':
        return this.sendMessage(body, call);
      case 'ReceiveMessage':
        return this.receiveMessage(body, call);
      case 'DeleteMessage':
        return this.deleteMessage(body, call);
      case 'ChangeMessageVisibility':
        return this.changeMessageVisibility(body, call);
      case 'StartMessageMoveTask':
        return this.startMessageMoveTask(body);
      case 'ListMessageMoveTasks':
        return this.listMessageMoveTasks(body);
      default:
        throw new SqsError(
          'InvalidAction',
          `The action ${op || '(none)'} is not valid for this web service.`,
        );
    }
  }

  /** The queue a QueueUrl names: `<scheme>://<any host>/000000000000/<name>`. */
  private queueOf(body: Body): string {
    const url = requiredString(body, 'QueueUrl');
    const match = /^https?:\/\/[^/]+\/(\d{12})\/([^/?#]+)$/.exec(url);
    if (!match) throw new SqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    const name = decodeURIComponent(match[2] ?? '');
    if (match[1] !== LOCAL_ACCOUNT_ID || !this.queues.has(name))
      throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return name;
  }

  /** The queue an ARN names, or ResourceNotFoundException naming the parameter. */
  private queueOfArn(arn: string, parameter: string): string {
    const name = /^arn:aws:sqs:[^:]+:(\d{12}):([^:]+)$/.exec(arn);
    if (!name || name[1] !== LOCAL_ACCOUNT_ID || !this.queues.has(name[2] ?? ''))
      throw new SqsError(
        'ResourceNotFoundException',
        `The resource that you specified for the ${parameter} parameter doesn't exist.`,
      );
    return name[2] ?? '';
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListQueues.html
  private listQueues(body: Body, call: SqsCall): unknown {
    const prefix = optionalString(body, 'QueueNamePrefix') ?? '';
    const max = optionalInt(body, 'MaxResults', 1, 1000);
    const token = optionalString(body, 'NextToken');
    const names = this.queues
      .names()
      .filter((n) => n.startsWith(prefix))
      .sort();
    let offset = 0;
    if (token !== undefined) {
      offset = Number(/^\d+$/.exec(Buffer.from(token, 'base64').toString('utf8'))?.[0] ?? NaN);
      if (!Number.isInteger(offset)) throw invalidValue('NextToken', token, 'Invalid or expired next token.');
    }
    const page = names.slice(offset, max === undefined ? undefined : offset + max);
    const next = offset + page.length;
    return {
      ...(page.length > 0 ? { QueueUrls: page.map((n) => queueUrl(call.host, n)) } : {}),
      // A token only when MaxResults was given, as SQS does.
      ...(max !== undefined && next < names.length
        ? { NextToken: Buffer.from(String(next)).toString('base64') }
        : {}),
    };
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html
  private getQueueUrl(body: Body, call: SqsCall): unknown {
    const name = requiredString(body, 'QueueName');
    const owner = optionalString(body, 'QueueOwnerAWSAccountId');
    if (!this.queues.has(name) || (owner !== undefined && owner !== LOCAL_ACCOUNT_ID))
      throw new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return { QueueUrl: queueUrl(call.host, name) };
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
  private getQueueAttributes(body: Body, _call: SqsCall): unknown {
    const name = this.queueOf(body);
    const asked = stringList(body, 'AttributeNames');
    for (const a of asked)
      if (a !== 'All' && !(QUEUE_ATTRIBUTES as readonly string[]).includes(a))
        throw new SqsError('InvalidAttributeName', `Unknown Attribute ${a}.`);
    const wanted = asked.includes('All')
      ? QUEUE_ATTRIBUTES
      : QUEUE_ATTRIBUTES.filter((a) => asked.includes(a));
    const definition = this.queues.definition(name);
    const counts = this.queues.counts(name);
    const created = String(Math.floor(this.queues.createdAt / 1000));
    const policy = definition.redrivePolicy;
    const values: Record<(typeof QUEUE_ATTRIBUTES)[number], string | undefined> = {
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: created,
      LastModifiedTimestamp: created,
      QueueArn: localQueueArn(name),
      VisibilityTimeout: String(definition.visibilityTimeout ?? 30),
      MaximumMessageSize: String(MAX_MESSAGE_BYTES),
      MessageRetentionPeriod: String(definition.messageRetentionPeriod ?? DEFAULT_RETENTION_SECONDS),
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      RedrivePolicy: policy
        ? JSON.stringify({
            deadLetterTargetArn: localQueueArn(policy.deadLetterQueue),
            maxReceiveCount: policy.maxReceiveCount,
          })
        : undefined,
    };
    const attributes = Object.fromEntries(
      wanted.flatMap((a) => (values[a] === undefined ? [] : [[a, values[a]]])),
    );
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  private async sendMessage(body: Body, _call: SqsCall): Promise<unknown> {
    const name = this.queueOf(body);
    const text = requiredString(body, 'MessageBody');
    const delaySeconds = optionalInt(body, 'DelaySeconds', 0, 900);
    const attributes = messageAttributes(body);
    if (messageSize(text, attributes) > MAX_MESSAGE_BYTES)
      throw new SqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
      );
    const m = await this.queues.send(name, text, {
      ...(attributes ? { attributes } : {}),
      ...(delaySeconds ? { delaySeconds } : {}),
    });
    return {
      MessageId: m.messageId,
      MD5OfMessageBody: m.md5OfBody,
      ...(m.md5OfMessageAttributes ? { MD5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
    };
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
  private async receiveMessage(body: Body, call: SqsCall): Promise<unknown> {
    const name = this.queueOf(body);
    const max = optionalInt(body, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibilityTimeout = optionalInt(body, 'VisibilityTimeout', 0, 43_200);
    const wait = optionalInt(body, 'WaitTimeSeconds', 0, 20) ?? 0;
    // AttributeNames is the older spelling of MessageSystemAttributeNames; both are honoured.
    const system = [
      ...stringList(body, 'AttributeNames'),
      ...stringList(body, 'MessageSystemAttributeNames'),
    ];
    const wantedSystem = system.includes('All')
      ? MESSAGE_SYSTEM_ATTRIBUTES
      : MESSAGE_SYSTEM_ATTRIBUTES.filter((a) => system.includes(a));
    const custom = stringList(body, 'MessageAttributeNames');
    const received = await this.queues.receive(name, {
      max,
      ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
      waitMs: wait * 1000,
      signal: AbortSignal.any([call.signal, this.closing.signal]),
    });
    if (received.length === 0) return {};
    return { Messages: received.map((r) => messageOut(r, wantedSystem, custom)) };
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
  private async deleteMessage(body: Body, _call: SqsCall): Promise<unknown> {
    const name = this.queueOf(body);
    await this.queues.deleteReceived(name, requiredString(body, 'ReceiptHandle'));
    return {};
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  private changeMessageVisibility(body: Body, _call: SqsCall): unknown {
    const name = this.queueOf(body);
    const handle = requiredString(body, 'ReceiptHandle');
    const seconds = optionalInt(body, 'VisibilityTimeout', 0, 43_200);
    if (seconds === undefined)
      throw new SqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
    try {
      this.queues.changeVisibility(name, handle, seconds);
    } catch (error) {
      if (!(error instanceof NotInFlightError)) throw error;
      if (error.reason === 'visible') throw new SqsError('MessageNotInflight', error.message);
      throw invalidValue('ReceiptHandle', handle, error.message);
    }
    return {};
  }

  /**
   * Moves a dead-letter queue's messages back to their source, or to DestinationArn. What "source" means
   * for our queues (the SQS API has a task only for dead-letter queues of SQS queues):
   *  - the dead-letter queue of SQS queues (their RedrivePolicy): each message goes back to the queue its
   *    redrive policy moved it from (the only source queue, for a message sent there directly);
   *  - a Lambda on-failure destination, an EventBridge target's dead-letter queue (the `redrive` hook):
   *    the function is invoked again asynchronously with the record's requestPayload, the event is
   *    delivered again to its target. AWS has no move task for these; this is what redriving them means.
   * A queue that is neither (a parking queue a rule targets) is no dead-letter queue, as in SQS. The task
   * moves the messages present at its start (in flight or not), one at a time, each deleted only once its
   * source has it; the first failure stops it (FAILED, the reason given, the rest left in place).
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
   */
  private startMessageMoveTask(body: Body): unknown {
    const sourceArn = requiredString(body, 'SourceArn');
    const source = this.queueOfArn(sourceArn, 'SourceArn');
    const destinationArn = optionalString(body, 'DestinationArn');
    const destination =
      destinationArn === undefined ? undefined : this.queueOfArn(destinationArn, 'DestinationArn');
    const rate = optionalInt(body, 'MaxNumberOfMessagesPerSecond', 1, 500);
    const sqsSources = this.queues.sourcesOf(source);
    if (sqsSources.length === 0 && !this.redrive?.queues.has(source))
      throw invalidValue('SourceArn', sourceArn, 'Source queue must be configured as a Dead Letter Queue.');
    if (this.moveTasks.some((t) => t.sourceArn === sourceArn && t.status === 'RUNNING'))
      throw new SqsError(
        'InvalidParameterValue',
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      );
    const ids = this.queues.messages(source).map((m) => m.messageId);
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
    this.moveTasks.unshift(task);
    void this.runMoveTask(task, source, ids, (m) => this.moveOne(source, m, destination, sqsSources));
    return { TaskHandle: task.handle };
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

  private async runMoveTask(
    task: MoveTask,
    source: string,
    ids: readonly string[],
    move: (m: QueueMessage) => Promise<void>,
  ): Promise<void> {
    for (const id of ids) {
      if (this.closing.signal.aborted) {
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
      if (task.rate !== undefined) await pause(1000 / task.rate, this.closing.signal);
    }
    task.status = 'COMPLETED';
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasks.html
  private listMessageMoveTasks(body: Body): unknown {
    const sourceArn = requiredString(body, 'SourceArn');
    this.queueOfArn(sourceArn, 'SourceArn');
    const max = optionalInt(body, 'MaxResults', 1, KEPT_MOVE_TASKS) ?? 1;
    const results = this.moveTasks
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
    return results.length > 0 ? { Results: results } : {};
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function messageOut(
  r: ReceivedMessage,
  system: readonly (typeof MESSAGE_SYSTEM_ATTRIBUTES)[number][],
  customNames: readonly string[],
): Body {
  const m = r.message;
  const values: Record<(typeof MESSAGE_SYSTEM_ATTRIBUTES)[number], string | undefined> = {
    SenderId: LOCAL_ACCOUNT_ID,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(r.receiveCount),
    ApproximateFirstReceiveTimestamp: String(r.firstReceivedAt),
    DeadLetterQueueSourceArn:
      m.deadLetterSource === undefined ? undefined : localQueueArn(m.deadLetterSource),
  };
  const attributes = Object.fromEntries(
    system.flatMap((a) => (values[a] === undefined ? [] : [[a, values[a]]])),
  );
  // `All` or `.*` asks for every attribute, `prefix.*` for those with the prefix.
  const wanted = (name: string) =>
    customNames.some(
      (n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))),
    );
  const custom = Object.entries(m.attributes ?? {}).filter(([name]) => wanted(name));
  return {
    MessageId: m.messageId,
    ReceiptHandle: r.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(custom.length > 0 && m.md5OfMessageAttributes
      ? { MD5OfMessageAttributes: m.md5OfMessageAttributes, MessageAttributes: Object.fromEntries(custom) }
      : {}),
  };
}

// ---- wire formats ----------------------------------------------------------------------------------------

const JSON_TYPE = 'application/x-amz-json-1.0';
const XML_TYPE = 'text/xml';
const XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

function parseJson(raw: Buffer): Body {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SqsError('InvalidParameterValue', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SqsError('InvalidParameterValue', 'The request body must be a JSON object.');
  return parsed as Body;
}

/** Lists the query protocol flattens as `<Name>.<n>`, by the JSON member they fill. */
const QUERY_LISTS: Readonly<Record<string, string>> = {
  AttributeName: 'AttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
};

/**
 * The query protocol's parameters as the JSON members the operations read: `AttributeName.1=All` into
 * AttributeNames, `MessageAttribute.1.Name` / `.Value.StringValue` / `.Value.DataType` into MessageAttributes.
 */
function fromQueryParams(params: URLSearchParams): Body {
  const body: Body = {};
  const lists = new Map<string, Map<number, string>>();
  const attributes = new Map<number, Body>();
  for (const [key, value] of params) {
    const list = /^(\w+)\.(\d+)$/.exec(key);
    const member = list ? QUERY_LISTS[list[1] ?? ''] : undefined;
    const attribute =
      /^MessageAttribute\.(\d+)\.(Name|Value\.StringValue|Value\.BinaryValue|Value\.DataType)$/.exec(key);
    if (list && member) {
      const items = lists.get(member) ?? new Map<number, string>();
      items.set(Number(list[2]), value);
      lists.set(member, items);
    } else if (attribute) {
      const n = Number(attribute[1]);
      const entry = attributes.get(n) ?? {};
      entry[(attribute[2] ?? '').replace('Value.', '')] = value;
      attributes.set(n, entry);
    } else if (key !== 'Action' && key !== 'Version') {
      body[key] = value;
    }
  }
  for (const [member, items] of lists) body[member] = [...items].sort(([a], [b]) => a - b).map(([, v]) => v);
  if (attributes.size > 0)
    body.MessageAttributes = Object.fromEntries(
      [...attributes.values()].map(({ Name, ...value }) => [String(Name), value]),
    );
  return body;
}

function xmlEscape(text: string): string {
  // `\r` is escaped too: an XML parser would read a bare one as `\n`.
  return text.replace(/[&<>"\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Flattened lists and maps take these element names in the query protocol's XML (botocore's model). */
const XML_NAMES: Readonly<Record<string, string>> = {
  QueueUrls: 'QueueUrl',
  Messages: 'Message',
  Attributes: 'Attribute',
  MessageAttributes: 'MessageAttribute',
};

function xmlValue(name: string, value: unknown): string {
  if (value === undefined) return '';
  const element = XML_NAMES[name] ?? name;
  if (Array.isArray(value)) return value.map((v) => xmlValue(name, v)).join('');
  if (typeof value === 'object' && value !== null) {
    // Maps (Attributes, MessageAttributes) are flattened Name/Value pairs; structures nest.
    if (name === 'Attributes' || name === 'MessageAttributes')
      return Object.entries(value)
        .map(([k, v]) => `<${element}><Name>${xmlEscape(k)}</Name>${xmlValue('Value', v)}</${element}>`)
        .join('');
    return `<${element}>${Object.entries(value)
      .map(([k, v]) => xmlValue(k, v))
      .join('')}</${element}>`;
  }
  return `<${element}>${xmlEscape(String(value))}</${element}>`;
}

function xmlResponse(action: string, out: unknown): string {
  const members = Object.entries((out ?? {}) as Body)
    .map(([k, v]) => xmlValue(k, v))
    .join('');
  return (
    `<?xml version="1.0"?><${action}Response xmlns="${XML_NAMESPACE}"><${action}Result>${members}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
  );
}
