import * as net from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_REGION } from '../../local/aws-names';
import { startAwsEndpoint, type RunningAwsEndpoint } from '../../local/aws/endpoint';
import { Journal } from '../../local/durable/journal';
import { LocalQueues } from '../../local/durable/queues';
import { startHttpApi, type RunningHttpApi } from '../../local/http-api/server';
import { REQUEST_BODY_LIMITS } from '../../local/request-body';
import { LocalWorkflowRuntime } from '../../local/workflow-runtime';

/**
 * Bodies over AWS's documented limits are refused before they are read: the answer (413, in the
 * service's error shape) arrives while the client has sent only the start of what it declared, which a
 * server buffering the body could not do. Raw sockets, so that a body can be left unfinished.
 */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One connection: what it writes, the answers it reads in turn (interim 1xx skipped), and its end. */
function connect(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined); // writing after the server cut the connection: expected here
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  let buffered = Buffer.alloc(0);
  let waiting: ((a: Answer) => void) | undefined;
  let cut: (() => void) | undefined;
  /** Interim answers (100 Continue) seen so far. */
  const interim: number[] = [];
  void closed.then(() => cut?.());
  const parse = () => {
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0 || !waiting) return;
      const [statusLine = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const status = Number(statusLine.split(' ')[1]);
      const length = Number(headers['content-length'] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const body = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
      buffered = buffered.subarray(end + 4 + length);
      if (status < 200) interim.push(status);
      else {
        const resolve = waiting;
        waiting = undefined;
        resolve({ status, headers, body });
      }
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    parse();
  });
  return {
    write: (data: string | Buffer) => socket.write(data),
    answer: () =>
      new Promise<Answer>((resolve, reject) => {
        waiting = resolve;
        cut = () => reject(new Error('the server closed the connection without answering'));
        parse();
      }),
    closed,
    interim,
    end: () => socket.destroy(),
  };
}

const head = (headers: Record<string, string | number>, path = '/') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
const GIB = 1024 * 1024 * 1024;
const chunk = (data: Buffer) =>
  Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);

describe('the local AWS endpoint', () => {
  let endpoint: RunningAwsEndpoint;
  let port: number;

  beforeAll(async () => {
    endpoint = await startAwsEndpoint({
      port: 0,
      stepFunctions: {
        runtime: new LocalWorkflowRuntime({
          dynamoDb: new DynamoDBClient({ region: LOCAL_REGION }),
          workflows: [],
        }),
        stateMachines: [],
      },
      dynamoDbEndpoint: 'http://127.0.0.1:9',
      sqs: { queues: new LocalQueues(['Parking'], Journal.inMemory()) },
    });
    port = Number(new URL(endpoint.url).port);
  });
  afterAll(() => endpoint.close());

  it('refuses a Step Functions request declaring more than 1 MB, answering before the body is sent', async () => {
    const c = connect(port);
    c.write(
      head({
        'x-amz-target': 'AWSStepFunctions.StartExecution',
        'content-type': 'application/x-amz-json-1.0',
        'content-length': GIB,
      }),
    );
    c.write('{"stateMachineArn":"');
    const answer = await c.answer();
    c.end();
    expect(answer.status).toBe(413);
    expect(answer.headers['x-amzn-errortype']).toBe('RequestEntityTooLarge');
    expect(JSON.parse(answer.body)).toEqual({
      __type: 'RequestEntityTooLarge',
      message: `The request body is over ${REQUEST_BODY_LIMITS.stepFunctions} bytes, the most this service takes.`,
    });
  });

  it('refuses an SQS request in its JSON shape and a query-protocol one in XML', async () => {
    const json = connect(port);
    json.write(
      head({
        'x-amz-target': 'AmazonSQS.SendMessage',
        'content-type': 'application/x-amz-json-1.0',
        'content-length': GIB,
      }),
    );
    const jsonAnswer = await json.answer();
    json.end();
    expect(jsonAnswer).toMatchObject({
      status: 413,
      headers: { 'x-amzn-query-error': 'RequestEntityTooLarge;Sender' },
    });
    expect(JSON.parse(jsonAnswer.body)).toMatchObject({ __type: 'com.amazonaws.sqs#RequestEntityTooLarge' });

    const query = connect(port);
    query.write(
      head({ 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': GIB }),
    );
    query.write('Action=SendMessage&MessageBody=');
    const queryAnswer = await query.answer();
    query.end();
    expect(queryAnswer.status).toBe(413);
    expect(queryAnswer.body).toContain('<Error><Type>Sender</Type><Code>RequestEntityTooLarge</Code>');
  });

  it('refuses a chunked body once what has streamed is over the limit', async () => {
    const c = connect(port);
    c.write(
      head({
        'x-amz-target': 'AWSEvents.PutEvents',
        'content-type': 'application/x-amz-json-1.1',
        'transfer-encoding': 'chunked',
      }),
    );
    // Over the limit, and never finished (no last chunk).
    c.write(chunk(Buffer.alloc(REQUEST_BODY_LIMITS.eventBridge + 1, 'a')));
    const answer = await c.answer();
    c.end();
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'RequestEntityTooLarge' });
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.1');
  });

  it('answers Expect: 100-continue over the limit with the refusal, not with 100 Continue (within it, with 100)', async () => {
    const c = connect(port);
    c.write(
      head({
        'x-amz-target': 'DynamoDB_20120810.BatchWriteItem',
        expect: '100-continue',
        'content-length': GIB,
      }),
    );
    const answer = await c.answer();
    c.end();
    expect(answer.status).toBe(413);
    expect(c.interim).toEqual([]);

    // Within the limit, the client is told to go on.
    const ok = connect(port);
    ok.write(
      head({
        'x-amz-target': 'AWSStepFunctions.ListStateMachines',
        expect: '100-continue',
        'content-length': 2,
      }),
    );
    ok.write('{}');
    expect((await ok.answer()).status).toBe(200);
    ok.end();
    expect(ok.interim).toEqual([100]);
  });

  it('drains a refused body that ends soon after its limit: the connection serves the next request', async () => {
    const c = connect(port);
    const size = REQUEST_BODY_LIMITS.stepFunctions + 1;
    const next = async () => {
      c.write(head({ 'x-amz-target': 'AWSStepFunctions.ListStateMachines', 'content-length': 2 }));
      c.write('{}');
      return c.answer();
    };
    c.write(head({ 'x-amz-target': 'AWSStepFunctions.StartExecution', 'content-length': size }));
    c.write(Buffer.alloc(size, ' '));
    expect((await c.answer()).status).toBe(413);
    expect(await next()).toMatchObject({ status: 200, body: '{"stateMachines":[]}' });

    c.write(head({ 'x-amz-target': 'AWSStepFunctions.StartExecution', 'transfer-encoding': 'chunked' }));
    c.write(Buffer.concat([chunk(Buffer.alloc(size, ' ')), Buffer.from('0\r\n\r\n')]));
    expect((await c.answer()).status).toBe(413);
    expect(await next()).toMatchObject({ status: 200 });
    c.end();
  });

  it('cuts the connection of a client that goes on sending past the drain allowance', async () => {
    const c = connect(port);
    c.write(head({ 'x-amz-target': 'AWSStepFunctions.StartExecution', 'content-length': GIB }));
    expect((await c.answer()).status).toBe(413);
    // Its limit and then 1 MiB more are drained; this is past both.
    c.write(Buffer.alloc(REQUEST_BODY_LIMITS.stepFunctions + 2 * 1024 * 1024, ' '));
    await c.closed;
  });
});

describe('the local HTTP API', () => {
  let api: RunningHttpApi;
  let calls = 0;

  beforeAll(async () => {
    api = await startHttpApi({
      port: 0,
      routes: [
        {
          routeKey: 'POST /upload',
          authorizationType: 'NONE',
          authorizationScopes: [],
          handler: async () => {
            calls++;
            return { statusCode: 204 };
          },
        },
      ],
    });
  });
  afterAll(() => api.close());

  it('refuses a body declared over 10 MB with API Gateway 413, the route never called', async () => {
    const c = connect(api.port);
    c.write(head({ 'content-type': 'application/octet-stream', 'content-length': GIB }, '/upload'));
    c.write('start of a big upload');
    const answer = await c.answer();
    c.end();
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Entity Too Large' });
    expect(answer.headers['apigw-requestid']).toBeTruthy();
    expect(calls).toBe(0);
  });

  it('refuses a chunked body past 10 MB; a body within the limit reaches the route', async () => {
    const c = connect(api.port);
    c.write(head({ 'transfer-encoding': 'chunked' }, '/upload'));
    c.write(chunk(Buffer.alloc(REQUEST_BODY_LIMITS.httpApi + 1, 'a')));
    const answer = await c.answer();
    c.end();
    expect(answer.status).toBe(413);
    expect(calls).toBe(0);

    const ok = await fetch(`${api.url}/upload`, { method: 'POST', body: Buffer.alloc(1024 * 1024, 'a') });
    expect(ok.status).toBe(204);
    expect(calls).toBe(1);
  });
});
