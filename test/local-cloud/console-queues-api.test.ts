import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deadLetterRedrive } from '../../local/aws/dead-letter-redrive';
import type { EventBusDispatcher } from '../../local/aws/event-bus';
import { MessageMoveTasks } from '../../local/aws/sqs-move-tasks';
import { consoleApi } from '../../local/console/api';
import { queueRoutes } from '../../local/console/queues';
import type { ConsoleDeps } from '../../local/console/routes';
import { Journal } from '../../local/durable/journal';
import { LocalQueues } from '../../local/durable/queues';
import type { OnFailureRecord } from '../../local/lambda-async';
import type { LocalStackModel } from '../../local/stack/model';
import { userSignedUpEvent } from '../../local/events/app-events';

/**
 * The console's queue routes over LocalQueues and the move tasks the stack shares with its AWS endpoint:
 * reading peeks (nothing received, nothing hidden), a redrive hands messages back to where they failed.
 */
const model = {
  functions: [
    { logicalId: 'AppIngest', name: 'app-ingest', environment: {}, onFailureQueue: 'AppIngestFailures' },
  ],
  rules: [
    {
      logicalId: 'Unrouted',
      name: 'UnroutedAppEventsRule',
      busName: 'partner-referrals',
      enabled: true,
      targets: [{ id: 'Park', kind: 'queue', name: 'UnroutedAppEvents' }],
    },
  ],
  pipes: [],
} as unknown as LocalStackModel;

let queues: LocalQueues;
let server: http.Server;
let base: string;
let invoked: { name: string; event: unknown }[];
const closing = new AbortController();

beforeAll(async () => {
  queues = new LocalQueues(['AppIngestFailures', 'UnroutedAppEvents'], Journal.inMemory());
  const dispatch: EventBusDispatcher = {
    invokeFunction: async (name, event) => void invoked.push({ name, event }),
    startExecution: async () => undefined,
    sendToQueue: async () => undefined,
  };
  const moveTasks = new MessageMoveTasks(queues, deadLetterRedrive(model, dispatch), closing.signal);
  // Only what the queue routes read; the parked-facts route (DynamoDB) runs in the browser test's stack.
  const deps = { model, queues, moveTasks } as unknown as ConsoleDeps;
  const handler = consoleApi(queueRoutes(deps));
  server = http.createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/console/api/`;
});
beforeEach(() => {
  invoked = [];
});
afterEach(async () => {
  for (const name of queues.names())
    for (const m of queues.messages(name)) await queues.delete(name, m.messageId);
});
afterAll(async () => {
  closing.abort();
  await new Promise((resolve) => server.close(resolve));
});

const api = async (path: string, method: 'GET' | 'POST' = 'GET') => {
  const res = await fetch(`${base}${path}`, { method });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

interface QueueDetail {
  messages: { messageId: string; why?: string; receiveCount: number; body: string; inFlight: boolean }[];
  moveTasks: { Status: string; ApproximateNumberOfMessagesMoved: number }[];
  roles: unknown[];
  redrivable: boolean;
  visible: number;
}
const detail = async (name: string) => (await api(`queues/${name}`)).json as unknown as QueueDetail;

function failedIngest(eventId: string): OnFailureRecord {
  return {
    version: '1.0',
    timestamp: '2026-01-05T10:00:00.000Z',
    requestContext: {
      requestId: `req-${eventId}`,
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:app-ingest:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: userSignedUpEvent({ eventId }),
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'InternalFailure', errorMessage: 'Step Functions was down', trace: [] },
  };
}

/** Waits on the move task itself (the route answers once it has started, as StartMessageMoveTask does). */
async function moveEnded(name: string): Promise<QueueDetail> {
  for (;;) {
    const d = await detail(name);
    if (d.moveTasks[0]?.Status !== 'RUNNING') return d;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('reading a queue peeks: the message stays visible and no receive is counted', async () => {
  await queues.send('AppIngestFailures', JSON.stringify(failedIngest('evt_peek')));

  const first = await detail('AppIngestFailures');
  const second = await detail('AppIngestFailures');

  expect(second.messages).toEqual(first.messages);
  expect(first.messages).toEqual([
    expect.objectContaining({
      receiveCount: 0,
      inFlight: false,
      why: 'InternalFailure: Step Functions was down (RetriesExhausted after 3 attempts)',
    }),
  ]);
  expect(queues.counts('AppIngestFailures')).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  expect(first).toMatchObject({ redrivable: true, roles: [{ kind: 'on-failure', of: 'app-ingest' }] });
  // A receive after the peeks is the message's first, and the next peek reports it.
  const [received] = await queues.receive('AppIngestFailures', { max: 1 });
  expect(received?.receiveCount).toBe(1);
  expect((await detail('AppIngestFailures')).messages).toEqual([
    expect.objectContaining({
      receiveCount: 1,
      inFlight: true,
      firstReceivedAt: new Date(received?.firstReceivedAt ?? 0).toISOString(),
    }),
  ]);
});

test('the queue list counts every queue with its role', async () => {
  await queues.send('UnroutedAppEvents', '{}');
  const { json } = await api('queues');
  expect(json.queues).toEqual([
    expect.objectContaining({ name: 'AppIngestFailures', redrivable: true, visible: 0 }),
    expect.objectContaining({
      name: 'UnroutedAppEvents',
      redrivable: false,
      visible: 1,
      roles: [{ kind: 'rule-target', of: 'UnroutedAppEventsRule' }],
    }),
  ]);
});

test('redriving all invokes the function again with each payload and empties the queue', async () => {
  await queues.send('AppIngestFailures', JSON.stringify(failedIngest('evt_a')));
  await queues.send('AppIngestFailures', JSON.stringify(failedIngest('evt_b')));

  const started = await api('queues/AppIngestFailures/redrive', 'POST');

  expect(started.status).toBe(200);
  const ended = await moveEnded('AppIngestFailures');
  expect(ended.moveTasks[0]).toMatchObject({ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 2 });
  expect(ended.messages).toEqual([]);
  expect(invoked).toEqual([
    { name: 'app-ingest', event: userSignedUpEvent({ eventId: 'evt_a' }) },
    { name: 'app-ingest', event: userSignedUpEvent({ eventId: 'evt_b' }) },
  ]);
});

test('redriving one message moves that one and leaves the others', async () => {
  await queues.send('AppIngestFailures', JSON.stringify(failedIngest('evt_keep')));
  const one = await queues.send('AppIngestFailures', JSON.stringify(failedIngest('evt_one')));

  const started = await api(`queues/AppIngestFailures/messages/${one.messageId}/redrive`, 'POST');

  expect(started.status).toBe(200);
  const ended = await moveEnded('AppIngestFailures');
  expect(ended.moveTasks[0]).toMatchObject({ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 1 });
  expect(ended.messages.map((m) => JSON.parse(m.body).requestPayload.id)).toEqual(['evt_keep']);
  expect(invoked).toEqual([{ name: 'app-ingest', event: userSignedUpEvent({ eventId: 'evt_one' }) }]);
});

test.each([
  ['an unknown queue', 'GET', 'queues/Nope', 404, 'QueueNotFound'],
  ['redriving an unknown queue', 'POST', 'queues/Nope/redrive', 404, 'QueueNotFound'],
  [
    'redriving an unknown message',
    'POST',
    'queues/AppIngestFailures/messages/m-1/redrive',
    404,
    'MessageNotFound',
  ],
  ['redriving a parking queue', 'POST', 'queues/UnroutedAppEvents/redrive', 409, 'MoveTaskRefused'],
] as const)('%s is refused', async (_case, method, path, status, error) => {
  const res = await api(path, method);
  expect(res).toEqual({ status, json: { error, message: expect.any(String) } });
});
