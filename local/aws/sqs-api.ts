import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID } from '../aws-names';
import {
  InvalidReceiptHandleError,
  NotInFlightError,
  type LocalQueues,
  type MessageAttributeValue,
  type ReceivedMessage,
} from '../durable/queues';
import { localQueueArn } from '../stack/local-names';
import { invalidValue, SQS_ERRORS, SqsError } from './sqs-errors';
import { KEPT_MOVE_TASKS, MessageMoveTasks, type DeadLetterRedrive } from './sqs-move-tasks';
import { queryMembers, XML_TYPE, xmlErrorResponse, xmlResponse } from './sqs-query-protocol';

export interface SqsApiOptions {
  queues: LocalQueues;
  redrive?: DeadLetterRedrive;
  /** Shared with the other endpoint and the console, so each lists the tasks any of them started. */
  moveTasks?: MessageMoveTasks;
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

const queueUrl = (host: string, name: string): string => `http://${host}/${LOCAL_ACCOUNT_ID}/${name}`;

/** SQS's default retention, 4 days. */
const DEFAULT_RETENTION_SECONDS = 345_600;

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

/**
 * Amazon SQS on the local queues, in both of its protocols: AWS JSON 1.0 (`X-Amz-Target:
 * AmazonSQS.<Op>`, the SDK v3 and recent AWS CLIs) and the query protocol (form-encoded `Action=<Op>`,
 * XML answers; Debian's AWS CLI 2.9 still speaks it). Queue URLs are `http://<host>/000000000000/<name>`
 * with the host the client called, ARNs `arn:aws:sqs:us-east-1:000000000000:<name>`.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/Welcome.html
 */
export class SqsApi {
  private readonly queues: LocalQueues;
  private readonly closing = new AbortController();
  private readonly moveTasks: MessageMoveTasks;

  constructor(options: SqsApiOptions) {
    this.queues = options.queues;
    this.moveTasks =
      options.moveTasks ?? new MessageMoveTasks(options.queues, options.redrive, this.closing.signal);
  }

  /** Ends the long polls in progress (they answer with no message) and stops move tasks between messages. */
  close(): void {
    this.closing.abort();
  }

  /** An `AmazonSQS.<op>` call with its JSON body. */
  async json(op: string, raw: Buffer, call: SqsCall): Promise<SqsReply> {
    try {
      const out = await this.dispatch(op, parseJson(raw), call);
      return { status: 200, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(out) };
    } catch (error) {
      return this.errorReply('json', asSqsError(error));
    }
  }

  /** A query-protocol call: `Action=<op>&…`, answered in XML. */
  async query(params: URLSearchParams, path: string, call: SqsCall): Promise<SqsReply> {
    const action = params.get('Action') ?? '';
    try {
      const body = queryMembers(params);
      // Older SDKs post to the queue URL itself instead of sending QueueUrl.
      if (body.QueueUrl === undefined && /^\/\d{12}\/[^/]+$/.test(path))
        body.QueueUrl = `http://${call.host}${path}`;
      const out = await this.dispatch(action, body, call);
      return { status: 200, headers: { 'content-type': XML_TYPE }, body: xmlResponse(action, out) };
    } catch (error) {
      return this.errorReply('query', asSqsError(error));
    }
  }

  errorReply(protocol: SqsProtocol, error: SqsError): SqsReply {
    const [queryCode, status] = SQS_ERRORS[error.code];
    const fault = status >= 500 ? 'Receiver' : 'Sender';
    const requestId = randomUUID();
    if (protocol === 'query')
      return {
        status,
        headers: { 'content-type': XML_TYPE, 'x-amzn-requestid': requestId },
        body: xmlErrorResponse(fault, queryCode, error.message, requestId),
      };
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

  private dispatch(op: string, body: Body, call: SqsCall): unknown {
    switch (op) {
      case 'ListQueues':
        return this.listQueues(body, call);
      case 'GetQueueUrl':
        return this.getQueueUrl(body, call);
      case 'GetQueueAttributes':
        return this.getQueueAttributes(body);
      case 'SendMessage':
        return this.sendMessage(body);
      case 'ReceiveMessage':
        return this.receiveMessage(body, call);
      case 'DeleteMessage':
        return this.deleteMessage(body);
      case 'ChangeMessageVisibility':
        return this.changeMessageVisibility(body);
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
  private getQueueAttributes(body: Body): unknown {
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
  private async sendMessage(body: Body): Promise<unknown> {
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
  private async deleteMessage(body: Body): Promise<unknown> {
    const name = this.queueOf(body);
    await this.queues.deleteReceived(name, requiredString(body, 'ReceiptHandle'));
    return {};
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  private changeMessageVisibility(body: Body): unknown {
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

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
  private startMessageMoveTask(body: Body): unknown {
    const sourceArn = requiredString(body, 'SourceArn');
    const destinationArn = optionalString(body, 'DestinationArn');
    const rate = optionalInt(body, 'MaxNumberOfMessagesPerSecond', 1, 500);
    const handle = this.moveTasks.start({
      source: this.queueOfArn(sourceArn, 'SourceArn'),
      sourceArn,
      ...(destinationArn !== undefined
        ? { destination: this.queueOfArn(destinationArn, 'DestinationArn'), destinationArn }
        : {}),
      ...(rate !== undefined ? { rate } : {}),
    });
    return { TaskHandle: handle };
  }

  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasks.html
  private listMessageMoveTasks(body: Body): unknown {
    const sourceArn = requiredString(body, 'SourceArn');
    this.queueOfArn(sourceArn, 'SourceArn');
    const results = this.moveTasks.list(sourceArn, optionalInt(body, 'MaxResults', 1, KEPT_MOVE_TASKS) ?? 1);
    return results.length > 0 ? { Results: results } : {};
  }
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
