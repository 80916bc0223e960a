import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidName,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { localStateMachineArn } from '../../local/aws-names';
import { startAwsEndpoint, type RunningAwsEndpoint } from '../../local/aws/endpoint';
import { LocalEventBus } from '../../local/aws/event-bus';
import { freePort, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import { LocalWorkflowRuntime } from '../../local/workflow-runtime';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

describe('local AWS endpoint, driven by the AWS SDK v3', () => {
  let ddb: DynamoDbLocal;
  let runtime: LocalWorkflowRuntime;
  let bus: LocalEventBus;
  let endpoint: RunningAwsEndpoint;
  let sfn: SFNClient;
  let events: EventBridgeClient;

  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
    runtime = new LocalWorkflowRuntime({ dynamoDb: new DynamoDBClient({ region }), workflows: [] });
    runtime.registerWorkflow('hello', { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
    runtime.registerWorkflow('waits', {
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', Seconds: 3600, Next: 'F' },
        F: { Type: 'Fail', Error: 'Late', Cause: 'too late' },
      },
    });
    runtime.registerWorkflow('fails', {
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'Boom', Cause: 'it broke' } },
    });
    runtime.registerWorkflow(
      'quick',
      {
        StartAt: 'P',
        States: { P: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' }, End: true } },
      },
      'EXPRESS',
    );
    bus = new LocalEventBus(
      [
        {
          name: 'PaymentsRule',
          busName: 'partner-bus',
          eventPattern: { source: ['stripe'], 'detail-type': [{ prefix: 'invoice.' }] },
          targets: [{ id: 'Hello', kind: 'stateMachine', name: 'hello' }],
        },
        {
          name: 'Nightly',
          busName: 'default',
          scheduleExpression: 'cron(0 3 * * ? *)',
          targets: [{ id: 'Fails', kind: 'stateMachine', name: 'fails', input: '{}' }],
        },
      ],
      [{ name: 'partner-bus' }],
      {
        invokeFunction: () => Promise.reject(new Error('no functions here')),
        startExecution: (name, input) => runtime.startDurably(name, input),
        sendToQueue: async () => undefined,
      },
    );
    endpoint = await startAwsEndpoint({
      port: await freePort(),
      stepFunctions: {
        runtime,
        stateMachines: [
          {
            name: 'hello',
            type: 'STANDARD',
            definition: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
          },
          { name: 'waits', type: 'STANDARD' },
          { name: 'fails', type: 'STANDARD' },
          { name: 'quick', type: 'EXPRESS' },
        ],
      },
      eventBus: bus,
      dynamoDbEndpoint: ddb.endpoint,
    });
    // disableHostPrefix: StartSyncExecution would otherwise go to http://sync-127.0.0.1:<port>.
    sfn = new SFNClient({
      endpoint: endpoint.url,
      region,
      credentials,
      disableHostPrefix: true,
      maxAttempts: 1,
    });
    events = new EventBridgeClient({ endpoint: endpoint.url, region, credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    for (const e of runtime.list()) if (e.status === 'RUNNING') runtime.stop(e.executionArn);
    await runtime.waitForIdle();
    await endpoint?.close();
    await ddb?.stop();
  });

  const arn = localStateMachineArn;

  it('StartExecution, DescribeExecution and name idempotency', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn('waits'), name: 'w1', input: '{"a":1}' }),
    );
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:waits:w1');
    expect(started.startDate).toBeInstanceOf(Date);

    // Same name and input while running → the same execution.
    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn('waits'), name: 'w1', input: '{"a":1}' }),
    );
    expect(again.executionArn).toBe(started.executionArn);
    // Same name, other input → ExecutionAlreadyExists.
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn('waits'), name: 'w1', input: '{"a":2}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(running).toMatchObject({
      status: 'RUNNING',
      name: 'w1',
      input: '{"a":1}',
      stateMachineArn: arn('waits'),
    });
    expect(running.stopDate).toBeUndefined();

    // Once closed, even the same input is refused.
    const hello = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn('hello'), name: 'h1', input: '{"x":1}' }),
    );
    await runtime.waitFor(hello.executionArn ?? '');
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn('hello'), name: 'h1', input: '{"x":1}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    const done = await sfn.send(new DescribeExecutionCommand({ executionArn: hello.executionArn }));
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"x":1}' });
    expect(done.stopDate).toBeInstanceOf(Date);
  });

  it('answers AWS errors with their SDK exception classes', async () => {
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn('nope') })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn('hello'), name: 'bad name!' })),
    ).rejects.toBeInstanceOf(InvalidName);
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:hello:none',
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn('hello'), input: 'not json' })),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput', $metadata: { httpStatusCode: 400 } });
  });

  it('an unknown operation is UnknownOperationException', async () => {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AWSStepFunctions.CreateStateMachine',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await res.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'Unknown operation AWSStepFunctions.CreateStateMachine',
    });
  });

  it('StartSyncExecution runs an Express machine to the end', async () => {
    const out = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: arn('quick'), input: '{"n":21}' }),
    );
    expect(out).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"doubled":42}',
      stateMachineArn: arn('quick'),
    });
    expect(out.stopDate).toBeInstanceOf(Date);
    await expect(
      sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arn('hello') })),
    ).rejects.toMatchObject({ name: 'StateMachineTypeNotSupported' });
  });

  it('ListStateMachines and DescribeStateMachine', async () => {
    const list = await sfn.send(new ListStateMachinesCommand({}));
    expect(list.stateMachines?.map((m) => [m.name, m.type, m.stateMachineArn])).toEqual([
      ['hello', 'STANDARD', arn('hello')],
      ['waits', 'STANDARD', arn('waits')],
      ['fails', 'STANDARD', arn('fails')],
      ['quick', 'EXPRESS', arn('quick')],
    ]);
    const hello = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn('hello') }));
    expect(hello).toMatchObject({ name: 'hello', status: 'ACTIVE', type: 'STANDARD' });
    expect(JSON.parse(hello.definition ?? '')).toMatchObject({ StartAt: 'A' });
  });

  it('ListExecutions: newest first, status filter, pagination', async () => {
    const arns: string[] = [];
    for (const name of ['f1', 'f2', 'f3']) {
      const s = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn('fails'), name }));
      arns.push(s.executionArn ?? '');
    }
    const f4 = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn('fails'), name: 'f4' }));
    arns.push(f4.executionArn ?? '');
    // Not waitForIdle: the 'waits' executions of other tests still run.
    for (const a of arns) await runtime.waitFor(a);
    const running = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn('waits'), name: 'w-list' }),
    );

    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn('fails'), statusFilter: 'FAILED', maxResults: 3 }),
    );
    expect(failed.executions?.map((e) => e.name)).toEqual(['f4', 'f3', 'f2']);
    expect(failed.executions?.[0]).toMatchObject({ status: 'FAILED', stateMachineArn: arn('fails') });
    expect(failed.nextToken).toEqual(expect.any(String));
    const rest = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: arn('fails'),
        statusFilter: 'FAILED',
        maxResults: 3,
        nextToken: failed.nextToken,
      }),
    );
    expect(rest.executions?.map((e) => e.name)).toEqual(['f1']);
    expect(rest.nextToken).toBeUndefined();

    const waiting = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn('waits'), statusFilter: 'RUNNING' }),
    );
    expect(waiting.executions?.map((e) => e.executionArn)).toContain(running.executionArn);
    const none = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn('fails'), statusFilter: 'SUCCEEDED' }),
    );
    expect(none.executions).toEqual([]);

    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arns[0] }));
    expect(described).toMatchObject({ status: 'FAILED', error: 'Boom', cause: 'it broke' });
  });

  it('GetExecutionHistory: AWS event types, order, pages, execution data', async () => {
    const s = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn('fails'), input: '{"k":"v"}' }),
    );
    await runtime.waitFor(s.executionArn ?? '');
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: s.executionArn }));
    expect(history.events?.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    expect(history.events?.[0]?.timestamp).toBeInstanceOf(Date);
    expect(history.events?.[0]?.executionStartedEventDetails?.input).toBe('{"k":"v"}');
    expect(history.events?.[2]?.executionFailedEventDetails).toMatchObject({
      error: 'Boom',
      cause: 'it broke',
    });

    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: s.executionArn, reverseOrder: true, maxResults: 2 }),
    );
    expect(reversed.events?.map((e) => e.type)).toEqual(['ExecutionFailed', 'FailStateEntered']);
    const last = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: s.executionArn,
        reverseOrder: true,
        maxResults: 2,
        nextToken: reversed.nextToken,
      }),
    );
    expect(last.events?.map((e) => e.type)).toEqual(['ExecutionStarted']);

    const noData = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: s.executionArn, includeExecutionData: false }),
    );
    expect(noData.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(noData.events?.[0]?.executionStartedEventDetails?.roleArn).toEqual(expect.any(String));
  });

  it('StopExecution aborts a running execution', async () => {
    const s = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn('waits'), name: 'to-stop' }));
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn: s.executionArn }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: s.executionArn }));
    expect(d.status).toBe('ABORTED');
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: s.executionArn }));
    expect(history.events?.map((e) => e.type)).toContain('ExecutionAborted');
  });

  it('PutEvents routes by pattern to a state machine target', async () => {
    const before = runtime.list('hello').length;
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'partner-bus',
            Source: 'stripe',
            DetailType: 'invoice.paid',
            Detail: JSON.stringify({ invoice: 'in_1' }),
            Time: new Date('2025-03-04T05:06:07Z'),
          },
          { EventBusName: 'partner-bus', Source: 'stripe', DetailType: 'charge.refunded', Detail: '{}' },
          { EventBusName: 'partner-bus', Source: 'stripe', DetailType: 'invoice.paid' },
          { EventBusName: 'nope', Source: 'stripe', DetailType: 'invoice.paid', Detail: '{}' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(2);
    expect(out.Entries?.[0]?.EventId).toEqual(expect.any(String));
    expect(out.Entries?.[2]).toMatchObject({ ErrorCode: 'InvalidArgument' });
    expect(out.Entries?.[3]).toMatchObject({ ErrorCode: 'ResourceNotFoundException' });
    await bus.idle();
    for (const e of runtime.list('hello')) await runtime.waitFor(e.executionArn);

    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn('hello') }));
    expect(executions.executions).toHaveLength(before + 1);
    const d = await sfn.send(
      new DescribeExecutionCommand({ executionArn: executions.executions?.[0]?.executionArn }),
    );
    expect(JSON.parse(d.input ?? '')).toMatchObject({
      source: 'stripe',
      'detail-type': 'invoice.paid',
      time: '2025-03-04T05:06:07Z',
      detail: { invoice: 'in_1' },
      account: '000000000000',
      region: 'us-east-1',
    });
  });

  it('PutEvents refuses a request whose entries total more than 256 KB, as EventBridge does', async () => {
    const before = runtime.list('hello').length;
    const detail = JSON.stringify({ invoice: 'in_big', padding: 'x'.repeat(256 * 1024) });

    const refused = await events
      .send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: 'partner-bus', Source: 'stripe', DetailType: 'invoice.paid', Detail: detail },
          ],
        }),
      )
      .then(
        () => undefined,
        (error: Error) => error,
      );

    expect(refused?.name).toBe('ValidationException');
    expect(refused?.message).toBe('Total size of the entries in the request is over the limit.');
    await bus.idle();
    expect(runtime.list('hello')).toHaveLength(before);
  });

  it('ListEventBuses, ListRules and DescribeRule', async () => {
    const buses = await events.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => b.Name)).toEqual(['default', 'partner-bus']);
    const partnerRules = await events.send(new ListRulesCommand({ EventBusName: 'partner-bus' }));
    expect(partnerRules.Rules).toEqual([
      {
        Name: 'PaymentsRule',
        Arn: 'arn:aws:events:us-east-1:000000000000:rule/partner-bus/PaymentsRule',
        EventBusName: 'partner-bus',
        EventPattern: JSON.stringify({ source: ['stripe'], 'detail-type': [{ prefix: 'invoice.' }] }),
        State: 'ENABLED',
      },
    ]);
    // No EventBusName: the default bus, as in AWS.
    const defaultRules = await events.send(new ListRulesCommand({}));
    expect(defaultRules.Rules?.map((r) => [r.Name, r.ScheduleExpression])).toEqual([
      ['Nightly', 'cron(0 3 * * ? *)'],
    ]);
    const nightly = await events.send(new DescribeRuleCommand({ Name: 'Nightly' }));
    expect(nightly).toMatchObject({ Name: 'Nightly', State: 'ENABLED' });
    await expect(events.send(new DescribeRuleCommand({ Name: 'Nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('forwards DynamoDB calls to DynamoDB Local', async () => {
    await ddb.client.send(
      new CreateTableCommand({
        TableName: 'through-proxy',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const viaEndpoint = new DynamoDBClient({ endpoint: endpoint.url, region, credentials, maxAttempts: 1 });
    const tables = await viaEndpoint.send(new ListTablesCommand({}));
    expect(tables.TableNames).toContain('through-proxy');
  });

  it('a port in use is a PortInUse error', async () => {
    const port = Number(new URL(endpoint.url).port);
    await expect(
      startAwsEndpoint({
        port,
        stepFunctions: { runtime, stateMachines: [] },
        eventBus: bus,
        dynamoDbEndpoint: ddb.endpoint,
      }),
    ).rejects.toMatchObject({
      name: 'PortInUse',
      message: expect.stringMatching(new RegExp(`^Port ${port} .*is in use`)),
    });
  });
});

describe('RedriveExecution and the redrive fields, driven by the AWS SDK v3', () => {
  // Only Lambda and Pass states: DynamoDB is never called, so no DynamoDB Local.
  const card = { declined: true };
  let runtime: LocalWorkflowRuntime;
  let endpoint: RunningAwsEndpoint;
  let sfn: SFNClient;
  const checkout = {
    StartAt: 'Basket',
    States: {
      Basket: { Type: 'Pass', Result: { total: 1200 }, Next: 'Pay' },
      Pay: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'pay', 'Payload.$': '$' },
        OutputPath: '$.Payload',
        End: true,
      },
    },
  };

  beforeAll(async () => {
    runtime = new LocalWorkflowRuntime({
      dynamoDb: new DynamoDBClient({ region }),
      workflows: [],
      retryDelayScale: 0,
      lambdas: {
        pay: (event: unknown) => {
          if (card.declined) throw Object.assign(new Error('card declined'), { name: 'CardDeclined' });
          return { paid: (event as { total: number }).total };
        },
      },
    });
    runtime.registerWorkflow('checkout', checkout);
    runtime.registerWorkflow('checkout-express', checkout, 'EXPRESS');
    endpoint = await startAwsEndpoint({
      port: await freePort(),
      stepFunctions: {
        runtime,
        stateMachines: [
          { name: 'checkout', type: 'STANDARD' },
          { name: 'checkout-express', type: 'EXPRESS' },
        ],
      },
      dynamoDbEndpoint: 'http://127.0.0.1:9',
    });
    sfn = new SFNClient({
      endpoint: endpoint.url,
      region,
      credentials,
      disableHostPrefix: true,
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    await runtime.waitForIdle();
    await endpoint?.close();
  });

  const arn = localStateMachineArn;
  const listed = async (redriveFilter: 'REDRIVEN' | 'NOT_REDRIVEN') =>
    (await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn('checkout'), redriveFilter })))
      .executions ?? [];

  it('redrives a failed execution from its failed state; DescribeExecution and ListExecutions tell', async () => {
    // Prepare: the payment fails.
    card.declined = true;
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn('checkout'), name: 'order-1' }),
    );
    await runtime.waitFor(executionArn ?? '');
    const failed = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const notYet = await listed('NOT_REDRIVEN');

    // Act: the card is fixed, the execution redriven.
    card.declined = false;
    const { redriveDate } = await sfn.send(new RedriveExecutionCommand({ executionArn }));
    await runtime.waitFor(executionArn ?? '');
    const done = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const again = await sfn.send(new RedriveExecutionCommand({ executionArn })).catch((e: unknown) => e);

    // Assess
    expect(failed).toMatchObject({
      status: 'FAILED',
      error: 'CardDeclined',
      redriveCount: 0,
      redriveStatus: 'REDRIVABLE',
    });
    expect(failed.redriveDate).toBeUndefined();
    expect(failed.redriveStatusReason).toBeUndefined();
    expect(notYet.map((e) => e.executionArn)).toContain(executionArn);
    expect(redriveDate).toBeInstanceOf(Date);
    expect(done).toMatchObject({
      executionArn,
      status: 'SUCCEEDED',
      output: '{"paid":1200}',
      redriveCount: 1,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
    expect(done.redriveDate?.getTime()).toBe(redriveDate?.getTime());
    const types = history.events?.map((e) => e.type) ?? [];
    expect(types.filter((t) => t === 'PassStateEntered')).toHaveLength(1);
    expect(types.slice(types.indexOf('ExecutionFailed'))).toEqual([
      'ExecutionFailed',
      'ExecutionRedriven',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(
      history.events?.find((e) => e.type === 'ExecutionRedriven')?.executionRedrivenEventDetails,
    ).toEqual({
      redriveCount: 1,
    });
    expect(again).toBeInstanceOf(ExecutionNotRedrivable);
    expect(again).toMatchObject({ message: 'Execution is SUCCEEDED and cannot be redriven' });
    const redriven = await listed('REDRIVEN');
    expect(redriven.map((e) => [e.executionArn, e.redriveCount])).toEqual([[executionArn, 1]]);
    expect(redriven[0]?.redriveDate?.getTime()).toBe(redriveDate?.getTime());
    expect((await listed('NOT_REDRIVEN')).map((e) => e.executionArn)).not.toContain(executionArn);
  });

  it('refuses what AWS refuses', async () => {
    await expect(
      sfn.send(
        new RedriveExecutionCommand({
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:checkout:none',
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(
      sfn.send(
        new ListExecutionsCommand({ stateMachineArn: arn('checkout'), redriveFilter: 'SOME' as never }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        "Value 'SOME' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set",
    });
  });

  it('serves no Express execution through the execution APIs; the runtime still shows it', async () => {
    card.declined = true;
    const { executionArn, status } = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: arn('checkout-express') }),
    );
    const invalidArn = {
      name: 'InvalidArn',
      message: "Invalid Arn: 'Resource type not valid in this context: express'",
    };

    expect(status).toBe('FAILED');
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn }))).rejects.toBeInstanceOf(InvalidArn);
    await expect(sfn.send(new GetExecutionHistoryCommand({ executionArn }))).rejects.toMatchObject(
      invalidArn,
    );
    await expect(sfn.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject(invalidArn);
    await expect(sfn.send(new StopExecutionCommand({ executionArn }))).rejects.toMatchObject(invalidArn);
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: arn('checkout-express') })),
    ).rejects.toBeInstanceOf(StateMachineTypeNotSupported);
    expect(runtime.describe(executionArn ?? '')).toMatchObject({ status: 'FAILED', error: 'CardDeclined' });
    expect(runtime.list('checkout-express').map((e) => e.executionArn)).toContain(executionArn);
  });
});
