import type { ApiDestinationOutcome, ApiDestinationRequest } from '../../local/aws/api-destination';
import { isRetryableStatus, parseRetryAfter } from '../../local/aws/api-destination';
import {
  LocalEventBus,
  type EventBusDispatcher,
  type EventBusRule,
  type EventBusTarget,
} from '../../local/aws/event-bus';
import { dynamicParameters, transformInput, valueAtPath } from '../../local/aws/input-transformer';
import type { MessageAttributeValue } from '../../local/durable/queues';

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'CommissionApproved',
  source: 'partner-referrals.ledger',
  resources: ['arn:one'],
  detail: {
    id: 'commission:p:c:v1',
    version: 1,
    data: { amountCents: 750 },
    signature: { timestamp: 17, v1: 'v1,x' },
  },
};
const context = { ruleArn: 'arn:rule', ruleName: 'R', eventJson: JSON.stringify(event), ingestionTime: 'T' };

describe('input transformer, as EventBridge documents it', () => {
  test('JSON paths: dotted keys with hyphens, array indexes, absent paths', () => {
    expect(valueAtPath(event, '$.detail-type')).toEqual({ found: true, value: 'CommissionApproved' });
    expect(valueAtPath(event, '$.resources[0]')).toEqual({ found: true, value: 'arn:one' });
    expect(valueAtPath(event, '$.detail.data')).toEqual({ found: true, value: { amountCents: 750 } });
    expect(valueAtPath(event, '$.detail.missing')).toEqual({ found: false });
    expect(valueAtPath(event, '$')).toEqual({ found: true, value: event });
  });

  test('outside quotes a value is JSON; inside a string it is text; unknown names stay', () => {
    const out = transformInput(
      {
        inputPathsMap: { id: '$.detail.id', v: '$.detail.version', data: '$.detail.data', gone: '$.nope' },
        inputTemplate:
          '{"id":<id>,"v":<v>,"data":<data>,"say":"<id> at v<v> \\"<id>\\"","gone":"<gone>","x":"<x>"}',
      },
      event,
      context,
    );
    expect(JSON.parse(out)).toEqual({
      id: 'commission:p:c:v1',
      v: 1,
      data: { amountCents: 750 },
      say: 'commission:p:c:v1 at v1 "commission:p:c:v1"',
      gone: '',
      x: '<x>',
    });
  });

  test('predefined variables', () => {
    const out = transformInput(
      {
        inputTemplate: '{"rule":<aws.events.rule-name>,"arn":"<aws.events.rule-arn>","e":<aws.events.event>}',
      },
      event,
      context,
    );
    expect(JSON.parse(out)).toEqual({ rule: 'R', arn: 'arn:rule', e: event });
  });

  test('header values that are JSON paths are filled from the event; a missing one is left out', () => {
    expect(
      dynamicParameters(
        { id: '$.detail.id', ts: '$.detail.signature.timestamp', fixed: 'yes', none: '$.detail.none' },
        event,
      ),
    ).toEqual({ id: 'commission:p:c:v1', ts: '17', fixed: 'yes' });
  });
});

describe('which answers EventBridge retries', () => {
  test.each([401, 407, 409, 429, 500, 502, 503, 504])('%i is retried', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });
  test.each([300, 400, 403, 404, 410, 422])('%i is not', (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });
  test('Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('-1')).toBe(-1000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

/** A bus with one API destination target whose calls answer from a script. */
function busWith(
  answers: ApiDestinationOutcome[],
  target: Partial<EventBusTarget> = {},
  { deadLetterQueue = true }: { deadLetterQueue?: boolean } = {},
): {
  bus: LocalEventBus;
  calls: ApiDestinationRequest[];
  dead: { body: string; attributes?: Record<string, MessageAttributeValue> }[];
} {
  const calls: ApiDestinationRequest[] = [];
  const dead: { body: string; attributes?: Record<string, MessageAttributeValue> }[] = [];
  const dispatcher: EventBusDispatcher = {
    invokeFunction: () => Promise.reject(new Error('unused')),
    startExecution: () => Promise.reject(new Error('unused')),
    sendToQueue: async (_name, body, attributes) =>
      void dead.push({ body, ...(attributes ? { attributes } : {}) }),
    invokeApiDestination: async (_name, request) => {
      calls.push(request);
      return answers.shift() ?? { ok: true, status: 200 };
    },
  };
  const rules: EventBusRule[] = [
    {
      name: 'Hooks',
      busName: 'app',
      eventPattern: { source: ['partner-referrals.ledger'] },
      targets: [
        {
          id: 'T',
          kind: 'apiDestination',
          name: 'Dest',
          ...(deadLetterQueue ? { deadLetterQueue: 'Dlq' } : {}),
          inputTransformer: { inputPathsMap: { id: '$.detail.id' }, inputTemplate: '{"id":<id>}' },
          headerParameters: { 'webhook-id': '$.detail.id' },
          ...target,
        },
      ],
    },
  ];
  const bus = new LocalEventBus(rules, [{ name: 'app' }], dispatcher, undefined, {
    retryBackoff: { baseMs: 1, maxMs: 4 },
    random: () => 1,
  });
  return { bus, calls, dead };
}

const put = (bus: LocalEventBus) =>
  bus.putEvents([
    {
      EventBusName: 'app',
      Source: 'partner-referrals.ledger',
      DetailType: 'CommissionApproved',
      Detail: JSON.stringify({ id: 'commission:p:c:v1' }),
    },
  ]);
const refused = (status: number, retryAfterMs?: number): ApiDestinationOutcome => ({
  ok: false,
  retryable: isRetryableStatus(status),
  errorCode: 'SDK_CLIENT_ERROR',
  errorMessage: `status ${status}`,
  status,
  ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
});
const attrs = (d: { attributes?: Record<string, MessageAttributeValue> } | undefined) =>
  Object.fromEntries(Object.entries(d?.attributes ?? {}).map(([k, v]) => [k, v.StringValue]));

describe('API destination delivery on the local bus', () => {
  test('the transformed body and the filled headers are what the destination gets', async () => {
    const { bus, calls } = busWith([]);
    await put(bus);
    await bus.idle();
    expect(calls).toEqual([
      { body: '{"id":"commission:p:c:v1"}', headers: { 'webhook-id': 'commission:p:c:v1' } },
    ]);
    expect([...bus.snapshot()]).toEqual([]);
  });

  test('retries stop at the policy attempts; the dead letter says MaximumRetryAttempts', async () => {
    const { bus, calls, dead } = busWith(
      Array.from({ length: 10 }, () => refused(503)),
      { retryPolicy: { maximumRetryAttempts: 2 } },
    );
    await put(bus);
    await bus.idle();
    expect(calls).toHaveLength(3);
    expect(dead).toHaveLength(1);
    expect(attrs(dead[0])).toMatchObject({
      ERROR_CODE: 'SDK_CLIENT_ERROR',
      ERROR_MESSAGE: 'status 503',
      RETRY_ATTEMPTS: '2',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      TARGET_ARN: expect.stringMatching(/:api-destination\/Dest$/) as unknown,
      RULE_ARN: expect.stringMatching(/:rule\/app\/Hooks$/) as unknown,
    });
    expect(JSON.parse(dead[0]?.body ?? '{}')).toMatchObject({ detail: { id: 'commission:p:c:v1' } });
    expect([...bus.snapshot()]).toEqual([]);
  });

  test('a Retry-After beyond the maximum age ends the retries with MaximumEventAgeInSeconds', async () => {
    const { bus, calls, dead } = busWith([refused(429, 120_000)], {
      retryPolicy: { maximumEventAgeInSeconds: 60 },
    });
    await put(bus);
    await bus.idle();
    expect(calls).toHaveLength(1);
    expect(attrs(dead[0])).toMatchObject({
      RETRY_ATTEMPTS: '0',
      EXHAUSTED_RETRY_CONDITION: 'MaximumEventAgeInSeconds',
    });
  });

  test('a negative Retry-After stops retrying at once', async () => {
    const { bus, calls, dead } = busWith([refused(503, -1000)]);
    await put(bus);
    await bus.idle();
    expect(calls).toHaveLength(1);
    expect(attrs(dead[0]).EXHAUSTED_RETRY_CONDITION).toBeUndefined();
  });

  test('without a dead-letter queue an undeliverable event is dropped (and reported), as in AWS', async () => {
    const { bus, dead } = busWith([refused(404)], {}, { deadLetterQueue: false });
    await put(bus);
    await bus.idle();
    expect(dead).toEqual([]);
    expect(bus.failures.map((f) => String(f.error))).toEqual(['Error: status 404']);
    expect([...bus.snapshot()]).toEqual([]);
  });

  test('halt() leaves a retrying delivery pending for the next start', async () => {
    const { bus, calls } = busWith(Array.from({ length: 1000 }, () => refused(503)));
    await put(bus);
    while (calls.length < 2) await new Promise((resolve) => setImmediate(resolve));
    bus.halt();
    await bus.idle();
    expect([...bus.snapshot()]).toEqual([
      expect.objectContaining({ kind: 'event.accepted', targets: ['Hooks/T'] }),
    ]);
  });
});
