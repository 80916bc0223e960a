import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  MessageNotInflight,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  ResourceNotFoundException,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type Message,
  type ReceiveMessageCommandInput,
} from '@aws-sdk/client-sqs';
import {
  localFunctionArn,
  localStateMachineArn,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
} from '../../local/aws-names';
import { deadLetterRedrive } from '../../local/aws/dead-letter-redrive';
import { startAwsEndpoint, type RunningAwsEndpoint } from '../../local/aws/endpoint';
import { localRuleArn, type EventBusDispatcher } from '../../local/aws/event-bus';
import { Journal } from '../../local/durable/journal';
import { LocalQueues } from '../../local/durable/queues';
import type { OnFailureRecord } from '../../local/lambda-async';
import { localQueueArn } from '../../local/stack/local-names';
import type { LocalRule } from '../../local/stack/model-events';
import { LocalWorkflowRuntime } from '../../local/workflow-runtime';
import { deferred, thrown } from '../local/support';

/**
 * The SQS API of the local endpoint, driven by the SDK v3 (JSON protocol), raw query-protocol requests
 * (what Debian's AWS CLI 2.9 sends) and the AWS CLI on PATH. No DynamoDB Local: nothing here reaches it.
 */
const run = promisify(execFile);

/** What the dead letters a move task sends back reached, by target. */
interface Dispatched {
  invoked: { name: string; event: unknown }[];
  started: { name: string; input: unknown }[];
  sent: { name: string; body: string }[];
}

const rules: LocalRule[] = [
  {
    logicalId: 'AppEventsRule',
    name: 'AppEventsRule',
    busName: 'app-bus',
    enabled: true,
    targets: [{ id: 'Ingest', kind: 'function', name: 'app-ingest', deadLetterQueue: 'TargetDlq' }],
  },
  {
    logicalId: 'HourlyApproval',
    name: 'HourlyApproval',
    busName: 'default',
    enabled: true,
    targets: [{ id: 'Approve', kind: 'stateMachine', name: 'approval', deadLetterQueue: 'TargetDlq' }],
  },
];

let queues: LocalQueues;
let endpoint: RunningAwsEndpoint;
let sqs: SQSClient;
let dispatched: Dispatched;
/** Set by a test to hold (or fail) the next function invocation a move task makes. */
let invoking: (() => Promise<void>) | undefined;

const queueUrl = (name: string) => `${endpoint.url}/000000000000/${name}`;

beforeAll(async () => {
  queues = new LocalQueues(
    [
      'Parking',
      {
        name: 'Work',
        visibilityTimeout: 60,
        redrivePolicy: { deadLetterQueue: 'WorkDlq', maxReceiveCount: 2 },
      },
      'WorkDlq',
      'IngestFailures',
      'TargetDlq',
      'Empty',
    ],
    Journal.inMemory(),
  );
  const dispatch: EventBusDispatcher = {
    invokeFunction: async (name, event) => {
      await invoking?.();
      dispatched.invoked.push({ name, event });
    },
    startExecution: async (name, input) => dispatched.started.push({ name, input }),
    sendToQueue: async (name, body) => dispatched.sent.push({ name, body }),
  };
  const redrive = deadLetterRedrive(
    {
      functions: [
        {
          logicalId: 'StripeIngest',
          name: 'stripe-ingest',
          environment: {},
          onFailureQueue: 'IngestFailures',
        },
      ],
      rules,
    },
    dispatch,
  );
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
    sqs: { queues, redrive },
  });
  sqs = new SQSClient({ endpoint: endpoint.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
});

beforeEach(() => {
  dispatched = { invoked: [], started: [], sent: [] };
  invoking = undefined;
});

afterEach(async () => {
  for (const name of queues.names())
    for (const m of queues.messages(name)) await queues.delete(name, m.messageId);
});

afterAll(async () => {
  sqs.destroy();
  await endpoint.close();
});

const receive = (name: string, input: Partial<ReceiveMessageCommandInput> = {}) =>
  sqs
    .send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl(name), MessageSystemAttributeNames: ['All'], ...input }),
    )
    .then((out) => out.Messages ?? []);

const attributes = async (name: string) =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl(name), AttributeNames: ['All'] })))
    .Attributes ?? {};

/** The source's move tasks, newest first (earlier tests leave theirs). */
const moveTasks = async (name: string) =>
  (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: localQueueArn(name), MaxResults: 10 })))
    .Results ?? [];
const latestMoveTask = async (name: string) => (await moveTasks(name))[0];

const onFailureRecord = (payload: unknown): OnFailureRecord => ({
  version: '1.0',
  timestamp: '2026-01-01T00:00:00.000Z',
  requestContext: {
    requestId: 'r-1',
    functionArn: `${localFunctionArn('stripe-ingest')}:$LATEST`,
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  },
  requestPayload: payload,
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: { errorType: 'Error', errorMessage: 'boom', trace: [] },
});

describe('queues', () => {
  it('ListQueues lists the template queues by URL, filtered by prefix and paged with MaxResults', async () => {
    const all = await sqs.send(new ListQueuesCommand({}));
    expect(all.QueueUrls).toEqual(
      ['Empty', 'IngestFailures', 'Parking', 'TargetDlq', 'Work', 'WorkDlq'].map(queueUrl),
    );
    expect(all.NextToken).toBeUndefined();
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'Work' }))).QueueUrls).toEqual([
      queueUrl('Work'),
      queueUrl('WorkDlq'),
    ]);
    const first = await sqs.send(new ListQueuesCommand({ MaxResults: 4 }));
    const rest = await sqs.send(new ListQueuesCommand({ MaxResults: 4, NextToken: first.NextToken }));
    expect([...(first.QueueUrls ?? []), ...(rest.QueueUrls ?? [])]).toEqual(all.QueueUrls);
    expect(rest.NextToken).toBeUndefined();
  });

  it('GetQueueUrl names a queue, and a queue not in the template is QueueDoesNotExist', async () => {
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'Parking' }))).QueueUrl).toBe(
      queueUrl('Parking'),
    );
    const error = await thrown(() => sqs.send(new GetQueueUrlCommand({ QueueName: 'Nope' })));
    expect(error).toBeInstanceOf(QueueDoesNotExist);
    expect(error).toMatchObject({
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('GetQueueAttributes counts visible and in-flight messages and gives the ARN and the redrive policy', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('Work'), MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('Work'), MessageBody: 'b' }));
    await receive('Work');
    expect(await attributes('Work')).toMatchObject({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '0',
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:Work',
      VisibilityTimeout: '60',
      MaximumMessageSize: '1048576',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: localQueueArn('WorkDlq'), maxReceiveCount: 2 }),
    });
    expect(await attributes('Parking')).not.toHaveProperty('RedrivePolicy');
    const only = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl('Work'), AttributeNames: ['QueueArn'] }),
    );
    expect(only.Attributes).toEqual({ QueueArn: localQueueArn('Work') });
    const error = await thrown(() =>
      sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl('Work'), AttributeNames: ['Colour' as 'All'] }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidAttributeName);
  });
});

describe('messages', () => {
  it('a message sent is received with its attributes, is invisible while in flight, and is gone once deleted', async () => {
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl('Parking'),
        MessageBody: '{"type":"invoice.paid"}',
        MessageAttributes: {
          RULE_ARN: { DataType: 'String', StringValue: 'arn:rule' },
          RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '8' },
        },
      }),
    );
    const [message, ...more] = await receive('Parking', {
      MessageAttributeNames: ['All'],
      MaxNumberOfMessages: 10,
    });
    expect(more).toEqual([]);
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: '{"type":"invoice.paid"}',
      MD5OfBody: sent.MD5OfMessageBody,
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      MessageAttributes: {
        RULE_ARN: { DataType: 'String', StringValue: 'arn:rule' },
        RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '8' },
      },
      Attributes: { ApproximateReceiveCount: '1', SenderId: '000000000000' },
    });
    const attrs = message?.Attributes ?? {};
    expect(Number(attrs.SentTimestamp)).toBeLessThanOrEqual(Number(attrs.ApproximateFirstReceiveTimestamp));
    expect(await receive('Parking')).toEqual([]);

    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl('Parking'), ReceiptHandle: message?.ReceiptHandle }),
    );
    expect(queues.messages('Parking')).toEqual([]);
  });

  it('MaxNumberOfMessages takes up to that many, oldest first; attributes only when asked', async () => {
    for (const body of ['1', '2', '3'])
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('Parking'), MessageBody: body }));
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl('Parking'), MaxNumberOfMessages: 2 }),
    );
    expect(got.Messages?.map((m) => m.Body)).toEqual(['1', '2']);
    expect(got.Messages?.[0]).not.toHaveProperty('Attributes');
    expect((await receive('Parking', { MaxNumberOfMessages: 10 })).map((m) => m.Body)).toEqual(['3']);
  });

  it('a visibility timeout of 0 leaves the message visible; each receive counts and gives a new receipt', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('Parking'), MessageBody: 'again' }));
    const [first] = await receive('Parking', { VisibilityTimeout: 0 });
    const [second] = await receive('Parking', { VisibilityTimeout: 0 });
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    expect(second?.Attributes).toMatchObject({
      ApproximateReceiveCount: '2',
      ApproximateFirstReceiveTimestamp: first?.Attributes?.ApproximateFirstReceiveTimestamp,
    });
    // The earlier receipt no longer deletes it (SQS: success, nothing deleted); the latest does.
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl('Parking'), ReceiptHandle: first?.ReceiptHandle }),
    );
    expect(queues.messages('Parking')).toHaveLength(1);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl('Parking'), ReceiptHandle: second?.ReceiptHandle }),
    );
    expect(queues.messages('Parking')).toHaveLength(0);
  });

  it('an invisible message comes back when its visibility timeout expires (a long poll waits for it)', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('Parking'), MessageBody: 'comes back' }));
    const [first] = await receive('Parking', { VisibilityTimeout: 1 });
    const [back] = await receive('Parking', { WaitTimeSeconds: 20 });
    expect(back).toMatchObject({ MessageId: first?.MessageId, Attributes: { ApproximateReceiveCount: '2' } });
  });

  it('ChangeMessageVisibility: 0 makes an in-flight message visible; a visible one is not in flight', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('Parking'), MessageBody: 'change' }));
    const [message] = await receive('Parking', { VisibilityTimeout: 600 });
    expect(await receive('Parking')).toEqual([]);
    const change = (handle: string | undefined, seconds: number) =>
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl('Parking'),
          ReceiptHandle: handle,
          VisibilityTimeout: seconds,
        }),
      );
    await change(message?.ReceiptHandle, 0);
    const [again] = await receive('Parking', { VisibilityTimeout: 0 });
    expect(again?.MessageId).toBe(message?.MessageId);
    expect(await thrown(() => change(again?.ReceiptHandle, 30))).toBeInstanceOf(MessageNotInflight);
  });

  it('a long poll on an empty queue answers when a message arrives, or with none when the wait is over', async () => {
    const waiting = receive('Empty', { WaitTimeSeconds: 20 });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('Empty'), MessageBody: 'arrived' }));
    expect((await waiting).map((m) => m.Body)).toEqual(['arrived']);
    expect(await receive('Empty', { WaitTimeSeconds: 1 })).toEqual([]);
  });

  it('closing the endpoint answers its long polls at once, with no message', async () => {
    const closing = await startAwsEndpoint({
      port: 0,
      stepFunctions: {
        runtime: new LocalWorkflowRuntime({
          dynamoDb: new DynamoDBClient({ region: LOCAL_REGION }),
          workflows: [],
        }),
        stateMachines: [],
      },
      dynamoDbEndpoint: 'http://127.0.0.1:9',
      sqs: { queues },
    });
    const client = new SQSClient({
      endpoint: closing.url,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const waiting = client.send(
      new ReceiveMessageCommand({ QueueUrl: `${closing.url}/000000000000/Empty`, WaitTimeSeconds: 20 }),
    );
    await client.send(new GetQueueUrlCommand({ QueueName: 'Empty' }));
    // Held, the poll would keep the close waiting until its connection is cut (the answer then lost).
    await closing.close();
    expect((await waiting).Messages).toBeUndefined();
    client.destroy();
  });

  it('a delayed message is not received before its delay', async () => {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl('Parking'), MessageBody: 'later', DelaySeconds: 900 }),
    );
    expect(await receive('Parking')).toEqual([]);
    expect(await attributes('Parking')).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesDelayed: '1',
    });
  });

  it('errors in SQS shapes: bad receipt handle, out-of-range parameter, message over 1 MiB, unknown queue URL', async () => {
    const badHandle = await thrown(() =>
      sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl('Parking'), ReceiptHandle: 'not-a-handle' })),
    );
    expect(badHandle).toBeInstanceOf(ReceiptHandleIsInvalid);
    expect(badHandle).toMatchObject({ $metadata: { httpStatusCode: 404 } });

    const tooMany = await thrown(() =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl('Parking'), MaxNumberOfMessages: 11 })),
    );
    expect(tooMany).toMatchObject({
      name: 'InvalidParameterValue',
      message:
        'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    });

    const tooBig = await thrown(() =>
      sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl('Parking'), MessageBody: 'x'.repeat(1024 * 1024 + 1) }),
      ),
    );
    expect(tooBig).toMatchObject({ name: 'InvalidParameterValue' });
    expect(tooBig.message).toContain('Message must be shorter than 1048576 bytes');
    // 1 MiB exactly is the limit, and is accepted.
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl('Parking'), MessageBody: 'x'.repeat(1024 * 1024) }),
    );

    const unknown = await thrown(() =>
      sqs.send(new SendMessageCommand({ QueueUrl: `${endpoint.url}/000000000000/Nope`, MessageBody: 'x' })),
    );
    expect(unknown).toBeInstanceOf(QueueDoesNotExist);
  });
});

describe('dead letters and move tasks', () => {
  it('a message received maxReceiveCount times moves to the dead-letter queue; a move task sends it back', async () => {
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('Work'), MessageBody: 'job' }));
    await receive('Work', { VisibilityTimeout: 0 });
    await receive('Work', { VisibilityTimeout: 0 });
    expect(await receive('Work')).toEqual([]);
    const [dead] = await receive('WorkDlq', { VisibilityTimeout: 0 });
    expect(dead).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'job',
      Attributes: { DeadLetterQueueSourceArn: localQueueArn('Work') },
    });

    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: localQueueArn('WorkDlq') }));
    const [back] = await receive('Work', { WaitTimeSeconds: 20 });
    expect(back).toMatchObject({ MessageId: sent.MessageId, Body: 'job' });
    expect(back?.Attributes).not.toHaveProperty('DeadLetterQueueSourceArn');
    expect(queues.messages('WorkDlq')).toEqual([]);
    expect(await latestMoveTask('WorkDlq')).toMatchObject({
      Status: 'COMPLETED',
      SourceArn: localQueueArn('WorkDlq'),
      ApproximateNumberOfMessagesMoved: 1,
      ApproximateNumberOfMessagesToMove: 1,
    });
  });

  it('a move task with DestinationArn moves the messages there', async () => {
    await queues.send('IngestFailures', JSON.stringify(onFailureRecord({ id: 'evt_moved' })));
    await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: localQueueArn('IngestFailures'),
        DestinationArn: localQueueArn('Parking'),
      }),
    );
    const [moved] = await receive('Parking', { WaitTimeSeconds: 20 });
    expect(JSON.parse(moved?.Body ?? '{}')).toMatchObject({ requestPayload: { id: 'evt_moved' } });
    expect(dispatched.invoked).toEqual([]);
  });

  it('a Lambda on-failure record goes back to its function, invoked again with the requestPayload', async () => {
    await queues.send('IngestFailures', JSON.stringify(onFailureRecord({ id: 'evt_1' })));
    const invocation = deferred();
    invoking = () => invocation.promise;
    const { TaskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: localQueueArn('IngestFailures') }),
    );
    expect(await latestMoveTask('IngestFailures')).toMatchObject({
      TaskHandle,
      Status: 'RUNNING',
      ApproximateNumberOfMessagesMoved: 0,
    });
    // One task at a time per source.
    const second = await thrown(() =>
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: localQueueArn('IngestFailures') })),
    );
    expect(second.message).toContain('There is already a task running');
    // Not deleted while the function does not have it yet.
    expect(queues.messages('IngestFailures')).toHaveLength(1);

    invocation.resolve();
    const task = await latestMoveTask('IngestFailures');
    expect(task).toMatchObject({ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 1 });
    expect(task).not.toHaveProperty('TaskHandle');
    expect(dispatched.invoked).toEqual([{ name: 'stripe-ingest', event: { id: 'evt_1' } }]);
    expect(queues.messages('IngestFailures')).toEqual([]);
  });

  it('a redrive that fails stops the task (FAILED, with the reason) and leaves the message in place', async () => {
    await queues.send('IngestFailures', JSON.stringify(onFailureRecord({ id: 'evt_bad' })));
    invoking = () => Promise.reject(new Error('still broken'));
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: localQueueArn('IngestFailures') }));
    expect(await latestMoveTask('IngestFailures')).toMatchObject({
      Status: 'FAILED',
      FailureReason: 'still broken',
      ApproximateNumberOfMessagesMoved: 0,
      ApproximateNumberOfMessagesToMove: 1,
    });
    expect(queues.messages('IngestFailures')).toHaveLength(1);
  });

  it('an EventBridge dead letter goes back to the target its RULE_ARN and TARGET_ARN name', async () => {
    const target = (rule: string, bus: string, arn: string) => ({
      attributes: {
        RULE_ARN: { DataType: 'String', StringValue: localRuleArn(bus, rule) },
        TARGET_ARN: { DataType: 'String', StringValue: arn },
      },
    });
    await queues.send(
      'TargetDlq',
      '{"detail-type":"user.signed_up"}',
      target('AppEventsRule', 'app-bus', localFunctionArn('app-ingest')),
    );
    await queues.send(
      'TargetDlq',
      '{}',
      target('HourlyApproval', 'default', localStateMachineArn('approval')),
    );
    // Without the attributes, a queue two targets share says nothing about where the event goes.
    await queues.send('TargetDlq', '{"unnamed":true}');
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: localQueueArn('TargetDlq') }));
    expect(dispatched.invoked).toEqual([{ name: 'app-ingest', event: { 'detail-type': 'user.signed_up' } }]);
    expect(dispatched.started).toEqual([{ name: 'approval', input: {} }]);
    const task = await latestMoveTask('TargetDlq');
    expect(task).toMatchObject({
      Status: 'FAILED',
      ApproximateNumberOfMessagesMoved: 2,
      ApproximateNumberOfMessagesToMove: 3,
    });
    expect(task?.FailureReason).toContain('RULE_ARN and TARGET_ARN');
    expect(queues.messages('TargetDlq').map((m) => m.body)).toEqual(['{"unnamed":true}']);
  });

  it('a queue that is no dead-letter queue has no move task; an unknown ARN is ResourceNotFoundException', async () => {
    const parking = await thrown(() =>
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: localQueueArn('Parking') })),
    );
    expect(parking).toMatchObject({ name: 'InvalidParameterValue' });
    expect(parking.message).toContain('Source queue must be configured as a Dead Letter Queue');
    const unknown = await thrown(() =>
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: localQueueArn('Nope') })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('the query protocol (form-encoded, XML answers)', () => {
  const query = (params: Record<string, string>) =>
    fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ Version: '2012-11-05', ...params }),
    });

  it('SendMessage, ReceiveMessage with AttributeName.n and MessageAttribute.n, answered in XML', async () => {
    const sent = await query({
      Action: 'SendMessage',
      QueueUrl: queueUrl('Parking'),
      MessageBody: 'a <b> & "c"\r\n',
      'MessageAttribute.1.Name': 'TARGET_ARN',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'arn:target',
    });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toMatch(
      /^<\?xml version="1.0"\?><SendMessageResponse xmlns="http:\/\/queue.amazonaws.com\/doc\/2012-11-05\/"><SendMessageResult><MessageId>[^<]+<\/MessageId><MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody><MD5OfMessageAttributes>[0-9a-f]{32}<\/MD5OfMessageAttributes><\/SendMessageResult>/,
    );

    const received = await query({
      Action: 'ReceiveMessage',
      QueueUrl: queueUrl('Parking'),
      'AttributeName.1': 'ApproximateReceiveCount',
      'MessageAttributeName.1': 'TARGET_ARN',
    });
    const xml = await received.text();
    expect(received.headers.get('content-type')).toBe('text/xml');
    expect(xml).toContain('<Body>a &#60;b&#62; &#38; &#34;c&#34;&#13;\n</Body>');
    expect(xml).toContain('<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>');
    expect(xml).toContain(
      '<MessageAttribute><Name>TARGET_ARN</Name><Value><DataType>String</DataType><StringValue>arn:target</StringValue></Value></MessageAttribute>',
    );
  });

  it('errors are an XML ErrorResponse with the query code', async () => {
    const res = await query({ Action: 'GetQueueUrl', QueueName: 'Nope' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(
      '<Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message>',
    );
    const unknown = await query({ Action: 'PurgeQueue', QueueUrl: queueUrl('Parking') });
    expect(await unknown.text()).toContain('<Code>InvalidAction</Code>');
  });
});

describe('the AWS CLI on PATH', () => {
  const aws = async (...args: string[]) => {
    const { stdout } = await run(
      'aws',
      ['--endpoint-url', endpoint.url, '--output', 'json', 'sqs', ...args],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      },
    ).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        throw new Error('The AWS CLI is missing: apt-get install awscli (CI installs it)');
      throw error;
    });
    return stdout ? (JSON.parse(stdout) as { Messages?: Message[]; QueueUrl?: string }) : {};
  };

  it('reads a dead letter with receive-message and deletes it with its receipt handle', async () => {
    await queues.send('IngestFailures', JSON.stringify(onFailureRecord({ id: 'evt_cli' })));
    const { QueueUrl } = await aws('get-queue-url', '--queue-name', 'IngestFailures');
    expect(QueueUrl).toBe(queueUrl('IngestFailures'));
    const { Messages = [] } = await aws(
      'receive-message',
      '--queue-url',
      queueUrl('IngestFailures'),
      '--attribute-names',
      'All',
      '--max-number-of-messages',
      '10',
    );
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]?.Body ?? '{}')).toMatchObject({
      requestContext: { condition: 'RetriesExhausted' },
      requestPayload: { id: 'evt_cli' },
    });
    expect(Messages[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    await aws(
      'delete-message',
      '--queue-url',
      queueUrl('IngestFailures'),
      '--receipt-handle',
      Messages[0]?.ReceiptHandle ?? '',
    );
    expect(queues.messages('IngestFailures')).toEqual([]);
  });
});
