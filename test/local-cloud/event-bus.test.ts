import {
  LocalEventBus,
  type EventBusDispatcher,
  type EventBusRule,
  type EventEnvelope,
} from '../../local/aws/event-bus';

interface Calls {
  functions: [string, unknown][];
  executions: [string, unknown][];
  queues: [string, string][];
}

function recorder(overrides: Partial<EventBusDispatcher> = {}): {
  calls: Calls;
  dispatcher: EventBusDispatcher;
} {
  const calls: Calls = { functions: [], executions: [], queues: [] };
  return {
    calls,
    dispatcher: {
      invokeFunction: async (name, event) => {
        calls.functions.push([name, event]);
        return undefined;
      },
      startExecution: async (name, input) => {
        calls.executions.push([name, input]);
        return { executionArn: name };
      },
      sendToQueue: async (name, body) => {
        calls.queues.push([name, body]);
      },
      ...overrides,
    },
  };
}

const rules: EventBusRule[] = [
  {
    name: 'StripeEventsRule',
    busName: 'partner-bus',
    eventPattern: { source: ['stripe'], 'detail-type': [{ prefix: 'payment_intent.' }] },
    targets: [
      { id: 'Flow', kind: 'stateMachine', name: 'payment-flow' },
      { id: 'Audit', kind: 'queue', name: 'audit' },
    ],
  },
  {
    name: 'NotRefundsRule',
    busName: 'partner-bus',
    eventPattern: { source: ['stripe'], 'detail-type': [{ 'anything-but': { prefix: 'charge.refund' } }] },
    targets: [{ id: 'Fn', kind: 'function', name: 'ingest', input: '{"constant":true}' }],
  },
  {
    name: 'DisabledRule',
    busName: 'partner-bus',
    enabled: false,
    eventPattern: { source: ['stripe'] },
    targets: [{ id: 'Fn', kind: 'function', name: 'disabled' }],
  },
  {
    name: 'Nightly',
    busName: 'default',
    scheduleExpression: 'cron(0 3 * * ? *)',
    targets: [
      { id: 'Reconcile', kind: 'stateMachine', name: 'reconcile', input: '{}' },
      { id: 'Fn', kind: 'function', name: 'tick' },
    ],
  },
];
const buses = [{ name: 'partner-bus' }];

describe('LocalEventBus', () => {
  it('routes PutEvents to the targets of matching rules, after answering', async () => {
    const { calls, dispatcher } = recorder();
    const bus = new LocalEventBus(rules, buses, dispatcher);
    const out = await bus.putEvents([
      {
        EventBusName: 'partner-bus',
        Source: 'stripe',
        DetailType: 'payment_intent.succeeded',
        Detail: JSON.stringify({ id: 'pi_1' }),
        Resources: ['r1'],
        Time: new Date('2025-01-01T12:00:00.123Z'),
      },
    ]);
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toEqual([{ EventId: expect.any(String) }]);
    // Not awaited: nothing delivered yet.
    expect(calls.executions).toEqual([]);
    await bus.idle();

    const [entry] = out.Entries;
    const envelope: EventEnvelope = {
      version: '0',
      id: entry && 'EventId' in entry ? entry.EventId : '',
      'detail-type': 'payment_intent.succeeded',
      source: 'stripe',
      account: '000000000000',
      time: '2025-01-01T12:00:00Z',
      region: 'us-east-1',
      resources: ['r1'],
      detail: { id: 'pi_1' },
    };
    expect(calls.executions).toEqual([['payment-flow', envelope]]);
    expect(calls.queues).toEqual([['audit', JSON.stringify(envelope)]]);
    // A constant input replaces the event; a disabled rule delivers nothing.
    expect(calls.functions).toEqual([['ingest', { constant: true }]]);
  });

  it('accepts a bus ARN and skips rules that do not match', async () => {
    const { calls, dispatcher } = recorder();
    const bus = new LocalEventBus(rules, buses, dispatcher);
    await bus.putEvents([
      {
        EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/partner-bus',
        Source: 'stripe',
        DetailType: 'charge.refunded',
        Detail: '{}',
      },
      { Source: 'stripe', DetailType: 'payment_intent.succeeded', Detail: '{}' },
    ]);
    await bus.idle();
    expect(calls).toEqual({ functions: [], executions: [], queues: [] });
  });

  it('answers invalid entries with error entries, as AWS does', async () => {
    const bus = new LocalEventBus(rules, buses, recorder().dispatcher);
    const out = await bus.putEvents([
      { DetailType: 'x', Detail: '{}' },
      { Source: 's', Detail: '{}' },
      { Source: 's', DetailType: 'x' },
      { Source: 's', DetailType: 'x', Detail: 'not json' },
      { Source: 's', DetailType: 'x', Detail: '[1]' },
      { Source: 's', DetailType: 'x', Detail: '{}', EventBusName: 'nope' },
      { Source: 's', DetailType: 'x', Detail: '{}' },
    ]);
    expect(out.FailedEntryCount).toBe(6);
    expect(out.Entries.map((e) => ('ErrorCode' in e ? e.ErrorCode : 'ok'))).toEqual([
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ResourceNotFoundException',
      'ok',
    ]);
  });

  it('records failed deliveries without failing PutEvents', async () => {
    const { dispatcher } = recorder({
      startExecution: () => {
        throw new Error('no such machine');
      },
      invokeFunction: () => Promise.reject(new Error('boom')),
    });
    const bus = new LocalEventBus(rules, buses, dispatcher);
    const out = await bus.putEvents([
      { EventBusName: 'partner-bus', Source: 'stripe', DetailType: 'payment_intent.created', Detail: '{}' },
    ]);
    expect(out.FailedEntryCount).toBe(0);
    await bus.idle();
    expect(bus.failures.map((f) => [f.rule, f.target.id, (f.error as Error).message])).toEqual([
      ['StripeEventsRule', 'Flow', 'no such machine'],
      ['NotRefundsRule', 'Fn', 'boom'],
    ]);
  });

  it('lists buses (default included) and rules in AWS shapes', () => {
    const bus = new LocalEventBus(rules, buses, recorder().dispatcher);
    expect(bus.listEventBuses()).toEqual([
      { Name: 'default', Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
      { Name: 'partner-bus', Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/partner-bus' },
    ]);
    expect(bus.listRules('default')).toEqual([
      {
        Name: 'Nightly',
        Arn: 'arn:aws:events:us-east-1:000000000000:rule/Nightly',
        EventBusName: 'default',
        ScheduleExpression: 'cron(0 3 * * ? *)',
        State: 'ENABLED',
      },
    ]);
    expect(bus.listRules('partner-bus')[0]).toEqual({
      Name: 'StripeEventsRule',
      Arn: 'arn:aws:events:us-east-1:000000000000:rule/partner-bus/StripeEventsRule',
      EventBusName: 'partner-bus',
      EventPattern: JSON.stringify(rules[0]?.eventPattern),
      State: 'ENABLED',
    });
    expect(bus.listRules().map((r) => [r.Name, r.State])).toEqual([
      ['StripeEventsRule', 'ENABLED'],
      ['NotRefundsRule', 'ENABLED'],
      ['DisabledRule', 'DISABLED'],
      ['Nightly', 'ENABLED'],
    ]);
  });

  describe('schedules', () => {
    afterEach(() => jest.useRealTimers());

    it('fires a cron rule at its time with the target input or the Scheduled Event', async () => {
      jest.useFakeTimers({ now: new Date('2025-01-01T02:58:00Z'), doNotFake: ['setImmediate'] });
      const { calls, dispatcher } = recorder();
      const bus = new LocalEventBus(rules, buses, dispatcher);
      bus.startSchedules();
      expect(bus.nextRun('Nightly')).toEqual(new Date('2025-01-01T03:00:00Z'));

      jest.advanceTimersByTime(60_000);
      await bus.idle();
      expect(calls.executions).toEqual([]);

      jest.advanceTimersByTime(60_000);
      await bus.idle();
      expect(calls.executions).toEqual([['reconcile', {}]]);
      expect(calls.functions).toEqual([
        [
          'tick',
          expect.objectContaining({
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            time: '2025-01-01T03:00:00Z',
            resources: ['arn:aws:events:us-east-1:000000000000:rule/Nightly'],
            detail: {},
          }),
        ],
      ]);
      expect(bus.nextRun('Nightly')).toEqual(new Date('2025-01-02T03:00:00Z'));

      // A day later (timers longer than an hour are re-armed in steps) it fires again.
      jest.advanceTimersByTime(24 * 60 * 60_000);
      await bus.idle();
      expect(calls.executions).toHaveLength(2);

      bus.stopSchedules();
      jest.advanceTimersByTime(24 * 60 * 60_000);
      await bus.idle();
      expect(calls.executions).toHaveLength(2);
    });

    it('counts rate schedules from startSchedules', () => {
      let now = new Date('2025-01-01T00:00:30Z');
      const bus = new LocalEventBus(
        [{ name: 'Every5', busName: 'default', scheduleExpression: 'rate(5 minutes)', targets: [] }],
        [],
        recorder().dispatcher,
      );
      bus.startSchedules(() => now);
      bus.stopSchedules();
      now = new Date('2025-01-01T00:06:00Z');
      expect(bus.nextRun('Every5')).toEqual(new Date('2025-01-01T00:10:30Z'));
      expect(() => bus.nextRun('nope')).toThrow(/no schedule/);
    });
  });
});
