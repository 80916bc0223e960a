import type { PageHandler } from '../static-site';
import * as http from 'node:http';
import { localRoleArn, localStateMachineArn, stateMachineNameOf } from '../aws-names';
import { abortServer, closeServer, hostForUrl, listenOn } from '../ports';
import { continueWithin, readBody, REQUEST_BODY_LIMITS } from '../request-body';
import {
  listedAt,
  type ExecutionDescription,
  type HistoryEvent,
  type LocalWorkflowRuntime,
  type WorkflowType,
} from '../workflow-runtime';
import { busNameOf, type LocalEventBus, type PutEventsEntry } from './event-bus';
import { SqsApi, type SqsApiOptions, type SqsProtocol, type SqsReply } from './sqs-api';
import { SqsError } from './sqs-errors';

/**
 * One local endpoint for the AWS JSON protocols, dispatching on `X-Amz-Target`:
 * `AWSStepFunctions.*` (JSON 1.0) on the LocalWorkflowRuntime, `AWSEvents.*` (JSON 1.1) on the
 * LocalEventBus, `AmazonSQS.*` (JSON 1.0, and SQS's query protocol) on the LocalQueues, and
 * `DynamoDB_20120810.*` forwarded as-is to DynamoDB Local. Signatures are not checked. A body over its
 * service's documented limit is refused (413) before it is read.
 *
 * Client settings: `endpoint: url`, `region: 'us-east-1'`, any credentials. For the SFN client also
 * `disableHostPrefix: true`: StartSyncExecution is modelled with the host prefix `sync-`, so without it
 * the SDK v3 sends that call to `http://sync-127.0.0.1:<port>` (an unresolvable host). The AWS CLI v1
 * (botocore) skips host prefixes when `--endpoint-url` is given, so it needs nothing more.
 */
export interface AwsEndpointOptions {
  host?: string;
  port: number;
  /** The flag that moves the port, named in the PortInUse error; default `--port`. */
  portFlag?: string;
  stepFunctions: {
    runtime: LocalWorkflowRuntime;
    stateMachines: readonly { name: string; type: WorkflowType; definition?: unknown }[];
  };
  /** Absent where nothing publishes events (the in-process LocalSystem): `AWSEvents.*` is then unknown. */
  eventBus?: LocalEventBus;
  dynamoDbEndpoint: string;
  /**
   * The template's queues: `AmazonSQS.*` (and SQS's query protocol, form-encoded with no target) on
   * them. Absent where no queue is served (the in-process LocalSystem): SQS calls are then unknown.
   */
  sqs?: SqsApiOptions;
  /**
   * `X-Amz-Target: LocalCloud.Settle`, a local extension with no AWS counterpart: answers once nothing
   * is in flight (deliveries, executions), so a test or a script outside the process can wait on the
   * stack itself instead of sleeping.
   */
  settle?: () => Promise<void>;
  /** Asked before the AWS APIs: the operations console (`/console/`), local only. */
  pages?: readonly PageHandler[];
}

export interface RunningAwsEndpoint {
  url: string;
  close(): Promise<void>;
  /** Cuts every connection at once, answering nothing more (a crash). */
  abort(): void;
}

type Body = Record<string, unknown>;

/** An error the endpoint answers as AWS does: HTTP 400, `__type` and `x-amzn-ErrorType`. */
export class AwsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

const validation = (message: string): AwsApiError => new AwsApiError('ValidationException', message);

/** Errors the runtime throws are the SDK's own exception classes: their `name` is the AWS code. */
const SFN_ERRORS = new Set([
  'ExecutionAlreadyExists',
  'ExecutionDoesNotExist',
  'ExecutionNotRedrivable',
  'StateMachineDoesNotExist',
  'InvalidName',
  'InvalidArn',
  'InvalidExecutionInput',
  'StateMachineTypeNotSupported',
  'ValidationException',
]);

export async function startAwsEndpoint(options: AwsEndpointOptions): Promise<RunningAwsEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const sfn = new StepFunctionsApi(options.stepFunctions.runtime, options.stepFunctions.stateMachines);
  const events = options.eventBus ? new EventsApi(options.eventBus) : undefined;
  const dynamoDb = new URL(options.dynamoDbEndpoint);

  const sqs = options.sqs ? new SqsApi(options.sqs) : undefined;
  const limitOf = (req: http.IncomingMessage) => REQUEST_BODY_LIMITS[routeOf(req, sqs !== undefined).limit];

  const answerJson = async (route: Route, raw: Buffer, res: http.ServerResponse): Promise<void> => {
    const { service, op, target } = route;
    const contentType =
      service === 'AWSStepFunctions' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
    try {
      const body = parseBody(raw);
      let out: unknown;
      if (service === 'AWSStepFunctions') out = await sfn.call(op, body);
      else if (service === 'AWSEvents' && events) out = await events.call(op, body);
      else if (service === 'LocalCloud' && op === 'Settle' && options.settle) {
        await options.settle();
        out = {};
      } else throw unknownOperation(target);
      send(res, 200, contentType, toWire(out));
    } catch (err) {
      sendError(res, contentType, asApiError(err));
    }
  };

  const answering = new Set<http.ServerResponse>();
  const pages = options.pages ?? [];
  const server = http.createServer((req, res) => {
    if (pages.some((page) => page(req, res))) return;
    answering.add(res);
    res.on('close', () => answering.delete(res));
    const route = routeOf(req, sqs !== undefined);
    readBody(req, REQUEST_BODY_LIMITS[route.limit]).then(
      (raw) => {
        if (raw === undefined) refuseTooLarge(res, route, sqs);
        else if (route.service === 'DynamoDB_20120810') forward(dynamoDb, req, raw, res);
        else if (route.sqs && sqs) void answerSqs(sqs, route, req, raw, res);
        else void answerJson(route, raw, res);
      },
      () => res.destroy(),
    );
  });
  continueWithin(server, limitOf);

  const port = await listenOn(
    server,
    host,
    options.port,
    'the local AWS endpoint',
    options.portFlag ?? '--port',
  );
  return {
    url: `http://${hostForUrl(host)}:${port}`,
    close: () => {
      // The answers still to come close their connections (kept alive, they would hold the close), and
      // long polls answer at once, with no message.
      for (const res of answering) if (!res.headersSent) res.setHeader('connection', 'close');
      sqs?.close();
      return closeServer(server);
    },
    abort: () => abortServer(server),
  };
}

/** What the headers say a request is for, before its body is read (its size limit depends on it). */
interface Route {
  target: string;
  service: string;
  op: string;
  /** SQS, in its JSON protocol (`AmazonSQS.<op>`) or its query protocol (form-encoded, no target). */
  sqs?: SqsProtocol;
  limit: keyof typeof REQUEST_BODY_LIMITS;
}

function routeOf(req: http.IncomingMessage, servesSqs: boolean): Route {
  const target = String(req.headers['x-amz-target'] ?? '');
  const dot = target.indexOf('.');
  const service = dot >= 0 ? target.slice(0, dot) : target;
  const op = dot >= 0 ? target.slice(dot + 1) : '';
  const form = /^application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''));
  let sqs: SqsProtocol | undefined;
  if (servesSqs && service === 'AmazonSQS') sqs = 'json';
  else if (servesSqs && target === '' && form) sqs = 'query';
  const limit: Route['limit'] = sqs
    ? 'sqs'
    : service === 'AWSStepFunctions'
      ? 'stepFunctions'
      : service === 'AWSEvents'
        ? 'eventBridge'
        : service === 'DynamoDB_20120810'
          ? 'dynamoDb'
          : 'unrouted';
  return { target, service, op, ...(sqs ? { sqs } : {}), limit };
}

/** A body over its service's limit, refused in that service's error shape (its rest is drained unread). */
function refuseTooLarge(res: http.ServerResponse, route: Route, sqs: SqsApi | undefined): void {
  const limit = REQUEST_BODY_LIMITS[route.limit];
  const message = `The request body is over ${limit} bytes, the most this service takes.`;
  if (route.sqs && sqs) {
    reply(res, sqs.errorReply(route.sqs, new SqsError('RequestEntityTooLarge', message)));
    return;
  }
  const contentType =
    route.service === 'AWSEvents' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
  sendError(res, contentType, new AwsApiError('RequestEntityTooLarge', message, 413));
}

async function answerSqs(
  sqs: SqsApi,
  route: Route,
  req: http.IncomingMessage,
  raw: Buffer,
  res: http.ServerResponse,
): Promise<void> {
  // A long poll ends when its client goes away.
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  const call = { host: req.headers.host ?? 'localhost', signal: gone.signal };
  const url = new URL(req.url ?? '/', 'http://localhost');
  const answer =
    route.sqs === 'json'
      ? await sqs.json(route.op, raw, call)
      : await sqs.query(new URLSearchParams(raw.toString('utf8')), url.pathname, call);
  if (!res.destroyed) reply(res, answer);
}

function reply(res: http.ServerResponse, answer: SqsReply): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function parseBody(raw: Buffer): Body {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AwsApiError('SerializationException', 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsApiError('SerializationException', 'The request body must be a JSON object');
  }
  return parsed as Body;
}

const unknownOperation = (target: string): AwsApiError =>
  new AwsApiError('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`);

function asApiError(err: unknown): AwsApiError {
  if (err instanceof AwsApiError) return err;
  if (err instanceof Error && SFN_ERRORS.has(err.name)) return new AwsApiError(err.name, err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new AwsApiError('InternalFailure', message, 500);
}

function send(res: http.ServerResponse, status: number, contentType: string, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, contentType: string, err: AwsApiError): void {
  const text = JSON.stringify({ __type: err.code, message: err.message });
  res.writeHead(err.status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-errortype': err.code,
  });
  res.end(text);
}

/** Dates become epoch seconds (the JSON protocols' timestamp format); undefined fields are dropped. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, toWire(v)]])),
    );
  }
  return value;
}

/**
 * DynamoDB Local refuses access keys that are not letters and digits (UnrecognizedClientException); AWS
 * checks a signature instead, and the local endpoint takes any credentials. Runs with -sharedDb, the
 * key names no database, so the forwarded request signs as `local`.
 */
const anyAccessKey = (authorization: string | undefined): string | undefined =>
  authorization?.replace(/Credential=[^/,\s]*\//, 'Credential=local/');

function forward(target: URL, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
  const authorization = anyAccessKey(req.headers.authorization);
  const headers = {
    ...req.headers,
    host: target.host,
    'content-length': String(body.length),
    ...(authorization ? { authorization } : {}),
  };
  const upstream = http.request(
    {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (err) => {
    if (res.headersSent) {
      res.destroy(err);
      return;
    }
    sendError(
      res,
      'application/x-amz-json-1.0',
      new AwsApiError(
        'ServiceUnavailable',
        `DynamoDB Local (${target.origin}) did not answer: ${err.message}`,
        503,
      ),
    );
  });
  upstream.end(body);
}

// ---- request field readers ------------------------------------------------------------------------------

function str(body: Body, key: string, required: true): string;
function str(body: Body, key: string, required?: false): string | undefined;
function str(body: Body, key: string, required = false): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required)
      throw validation(
        `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`,
      );
    return undefined;
  }
  if (typeof v !== 'string') throw validation(`Value at '${key}' must be a string`);
  return v;
}

function int(body: Body, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw validation(
      `Value '${String(v)}' at '${key}' failed to satisfy constraint: Member must be between ${min} and ${max}`,
    );
  }
  return v;
}

/** Opaque page tokens: the offset of the next item, base64. */
function page<T>(
  items: readonly T[],
  body: Body,
  max: number,
  defaultSize: number,
): { items: T[]; nextToken?: string } {
  const size = int(body, 'maxResults', 0, max) ?? defaultSize;
  const token = str(body, 'nextToken');
  let offset = 0;
  if (token !== undefined) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
    if (!decoded) throw new AwsApiError('InvalidToken', `Invalid Token: '${token}'`);
    offset = Number(decoded[1]);
  }
  const slice = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length
    ? { items: slice, nextToken: Buffer.from(`offset:${next}`).toString('base64') }
    : { items: slice };
}

// ---- Step Functions ---------------------------------------------------------------------------------------

const EXECUTION_STATUSES = new Set([
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
]);
const REDRIVE_FILTERS = new Set(['REDRIVEN', 'NOT_REDRIVEN']);

const typeNotSupported = (machine: { name: string }): AwsApiError =>
  new AwsApiError(
    'StateMachineTypeNotSupported',
    `This operation is not supported by this type of state machine: '${localStateMachineArn(machine.name)}'`,
  );

function enumValue(body: Body, key: string, values: ReadonlySet<string>): string | undefined {
  const v = str(body, key);
  if (v !== undefined && !values.has(v)) {
    throw validation(
      `Value '${v}' at '${key}' failed to satisfy constraint: Member must satisfy enum value set`,
    );
  }
  return v;
}

class StepFunctionsApi {
  private readonly machines: Map<string, { name: string; type: WorkflowType; definition?: unknown }>;
  private readonly creationDate = new Date();

  constructor(
    private readonly runtime: LocalWorkflowRuntime,
    machines: readonly { name: string; type: WorkflowType; definition?: unknown }[],
  ) {
    this.machines = new Map(machines.map((m) => [m.name, m]));
  }

  async call(op: string, body: Body): Promise<unknown> {
    switch (op) {
      case 'StartExecution':
        return this.startExecution(body);
      case 'StartSyncExecution':
        return this.startSyncExecution(body);
      case 'DescribeExecution':
        return this.describeExecution(body);
      case 'ListStateMachines':
        return this.listStateMachines(body);
      case 'DescribeStateMachine':
        return this.describeStateMachine(body);
      case 'ListExecutions':
        return this.listExecutions(body);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(body);
      case 'StopExecution':
        return this.stopExecution(body);
      case 'RedriveExecution':
        return this.redriveExecution(body);
      default:
        throw unknownOperation(`AWSStepFunctions.${op}`);
    }
  }

  private machine(body: Body): { name: string; type: WorkflowType; definition?: unknown } {
    const arn = str(body, 'stateMachineArn', true);
    const name = stateMachineNameOf(arn);
    if (name === undefined) throw new AwsApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const machine = this.machines.get(name);
    if (!machine) throw new AwsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  /**
   * The executionArn of DescribeExecution, GetExecutionHistory, StopExecution and RedriveExecution, none
   * of which serves an Express execution (their API references: "not supported by EXPRESS state
   * machines"; Describe only for a Map Run's children, which do not arise here). AWS refuses the ARN's
   * `express` resource type as InvalidArn. The runtime's own describe and history still show them.
   */
  private standardExecutionArn(body: Body): string {
    const arn = str(body, 'executionArn', true);
    if (arn.split(':')[5] === 'express') {
      throw new AwsApiError('InvalidArn', "Invalid Arn: 'Resource type not valid in this context: express'");
    }
    return arn;
  }

  private input(body: Body): unknown {
    const text = str(body, 'input') ?? '{}';
    try {
      return JSON.parse(text);
    } catch {
      throw new AwsApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${text}'`);
    }
  }

  private async startExecution(body: Body): Promise<unknown> {
    const machine = this.machine(body);
    // Answered once the start is durable: an acknowledged execution survives a crash.
    return this.runtime.startDurably(machine.name, this.input(body), str(body, 'name'));
  }

  private async startSyncExecution(body: Body): Promise<unknown> {
    const machine = this.machine(body);
    if (machine.type !== 'EXPRESS') throw typeNotSupported(machine);
    const r = await this.runtime.startSync(machine.name, this.input(body), str(body, 'name'));
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      startDate: r.startDate,
      stopDate: r.stopDate,
      status: r.status,
      error: r.error,
      cause: r.cause,
      input: JSON.stringify(r.input),
      inputDetails: { included: true },
      output: r.output === undefined ? undefined : JSON.stringify(r.output),
      outputDetails: r.output === undefined ? undefined : { included: true },
      billingDetails: {
        billedMemoryUsedInMB: 64,
        billedDurationInMilliseconds: Math.max(100, (r.stopDate?.getTime() ?? 0) - r.startDate.getTime()),
      },
    };
  }

  /** With the redrive fields (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html). */
  private describeExecution(body: Body): unknown {
    const executionArn = this.standardExecutionArn(body);
    const d = this.runtime.describe(executionArn);
    return {
      executionArn: d.executionArn,
      stateMachineArn: d.stateMachineArn,
      name: d.name,
      status: d.status,
      startDate: d.startDate,
      stopDate: d.stopDate,
      input: JSON.stringify(d.input),
      inputDetails: { included: true },
      output: d.output === undefined ? undefined : JSON.stringify(d.output),
      outputDetails: d.output === undefined ? undefined : { included: true },
      error: d.error,
      cause: d.cause,
      redriveCount: d.redriveCount,
      redriveDate: d.redriveDate,
      ...this.runtime.redriveStatus(executionArn),
    };
  }

  private listStateMachines(body: Body): unknown {
    const all = [...this.machines.values()].map((m) => ({
      stateMachineArn: localStateMachineArn(m.name),
      name: m.name,
      type: m.type,
      creationDate: this.creationDate,
    }));
    const { items, nextToken } = page(all, body, 1000, 100);
    return { stateMachines: items, nextToken };
  }

  private describeStateMachine(body: Body): unknown {
    const m = this.machine(body);
    return {
      stateMachineArn: localStateMachineArn(m.name),
      name: m.name,
      status: 'ACTIVE',
      definition: JSON.stringify(m.definition ?? {}),
      roleArn: localRoleArn(m.name),
      type: m.type,
      creationDate: this.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
    };
  }

  /**
   * Standard machines only: "This API action is not supported by EXPRESS state machines"
   * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html). Most
   * recent first: running executions by their startDate or redriveDate, the others by their stopDate.
   */
  private listExecutions(body: Body): unknown {
    const machine = this.machine(body);
    if (machine.type === 'EXPRESS') throw typeNotSupported(machine);
    const status = enumValue(body, 'statusFilter', EXECUTION_STATUSES);
    const redriven = enumValue(body, 'redriveFilter', REDRIVE_FILTERS);
    // Among equal times, the later listed by the runtime first.
    const all = this.runtime
      .list(machine.name)
      .map((d, i): [ExecutionDescription, number] => [d, i])
      .filter(([d]) => status === undefined || d.status === status)
      .filter(
        ([d]) => redriven === undefined || redriven === (d.redriveCount > 0 ? 'REDRIVEN' : 'NOT_REDRIVEN'),
      )
      .sort(([a, i], [b, j]) => listedAt(b) - listedAt(a) || j - i)
      .map(([d]) => ({
        executionArn: d.executionArn,
        stateMachineArn: d.stateMachineArn,
        name: d.name,
        status: d.status,
        startDate: d.startDate,
        stopDate: d.stopDate,
        redriveCount: d.redriveCount,
        redriveDate: d.redriveDate,
      }));
    const { items, nextToken } = page(all, body, 1000, 100);
    return { executions: items, nextToken };
  }

  private getExecutionHistory(body: Body): unknown {
    const executionArn = this.standardExecutionArn(body);
    let events: HistoryEvent[] = this.runtime.history(executionArn);
    if (body.reverseOrder === true) events = [...events].reverse();
    if (body.includeExecutionData === false) events = events.map(withoutExecutionData);
    const { items, nextToken } = page(events, body, 1000, 100);
    return { events: items, nextToken };
  }

  private async stopExecution(body: Body): Promise<unknown> {
    const executionArn = this.standardExecutionArn(body);
    this.runtime.stop(executionArn);
    const d = await this.runtime.waitFor(executionArn);
    return { stopDate: d.stopDate ?? new Date() };
  }

  /** Answered once the redrive is durable, like StartExecution. */
  private redriveExecution(body: Body): Promise<{ redriveDate: Date }> {
    return this.runtime.redrive(this.standardExecutionArn(body), str(body, 'clientToken'));
  }
}

const EXECUTION_DATA_KEYS = new Set(['input', 'output', 'inputDetails', 'outputDetails']);

/** `includeExecutionData: false`: no input or output in any event's details. */
function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const out: HistoryEvent = { ...event };
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    out[key] = Object.fromEntries(Object.entries(value).filter(([k]) => !EXECUTION_DATA_KEYS.has(k)));
  }
  return out;
}

// ---- EventBridge ------------------------------------------------------------------------------------------

/** PutEvents' limit on the total entry size of one request. */
const MAX_PUT_EVENTS_BYTES = 256 * 1024;

/** An entry's size as EventBridge counts it: Time 14 bytes, then the UTF-8 bytes of the text fields. */
function entrySize(raw: unknown): number {
  const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Body;
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  const resources = Array.isArray(e.Resources) ? e.Resources.reduce((n: number, r) => n + bytes(r), 0) : 0;
  return (
    (e.Time === undefined ? 0 : 14) + bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail) + resources
  );
}

class EventsApi {
  constructor(private readonly bus: LocalEventBus) {}

  call(op: string, body: Body): unknown {
    switch (op) {
      case 'PutEvents':
        return this.putEvents(body);
      case 'ListEventBuses':
        return this.listEventBuses(body);
      case 'ListRules':
        return this.listRules(body);
      case 'DescribeRule':
        return this.describeRule(body);
      default:
        throw unknownOperation(`AWSEvents.${op}`);
    }
  }

  private putEvents(body: Body): Promise<unknown> {
    const entries = body.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
      throw validation(
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    if (entries.reduce((n: number, e: unknown) => n + entrySize(e), 0) > MAX_PUT_EVENTS_BYTES) {
      throw validation('Total size of the entries in the request is over the limit.');
    }
    return this.bus.putEvents(
      entries.map((raw: unknown): PutEventsEntry => {
        const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Body;
        const time = e.Time;
        return {
          ...(typeof e.Source === 'string' ? { Source: e.Source } : {}),
          ...(typeof e.DetailType === 'string' ? { DetailType: e.DetailType } : {}),
          ...(typeof e.Detail === 'string' ? { Detail: e.Detail } : {}),
          ...(typeof e.EventBusName === 'string' ? { EventBusName: e.EventBusName } : {}),
          ...(Array.isArray(e.Resources) ? { Resources: e.Resources.map(String) } : {}),
          // JSON 1.1 timestamps are epoch seconds.
          ...(typeof time === 'number'
            ? { Time: new Date(time * 1000) }
            : typeof time === 'string'
              ? { Time: time }
              : {}),
        };
      }),
    );
  }

  private listEventBuses(body: Body): unknown {
    const prefix = typeof body.NamePrefix === 'string' ? body.NamePrefix : '';
    return { EventBuses: this.bus.listEventBuses().filter((b) => b.Name.startsWith(prefix)) };
  }

  private busName(body: Body): string {
    const name = busNameOf(typeof body.EventBusName === 'string' ? body.EventBusName : undefined);
    if (!this.bus.hasBus(name))
      throw new AwsApiError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return name;
  }

  private listRules(body: Body): unknown {
    const prefix = typeof body.NamePrefix === 'string' ? body.NamePrefix : '';
    return { Rules: this.bus.listRules(this.busName(body)).filter((r) => r.Name.startsWith(prefix)) };
  }

  private describeRule(body: Body): unknown {
    const name = typeof body.Name === 'string' ? body.Name : '';
    const busName = this.busName(body);
    const rule = this.bus.describeRule(name, busName);
    if (!rule)
      throw new AwsApiError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${busName}.`,
      );
    return { ...rule, CreatedBy: '000000000000' };
  }
}
