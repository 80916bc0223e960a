import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { runnableCopy, NO_TASK_TIMEOUT_SECONDS, substitute } from '../../local/definition';
import { LocalWorkflowRuntime, type FaultInjector, type LocalLambdas } from '../../local/workflow-runtime';
import { WORKFLOWS } from '../../infra/workflow-manifest';
import { createIdTable, deferred, thrown, useDynamoDbLocal } from './support';

const TABLE = 'RuntimeItems';

const putThenGet = {
  StartAt: 'Put',
  States: {
    Put: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: { TableName: TABLE, 'Item.$': '$.item' },
      ResultPath: null,
      Next: 'Get',
    },
    Get: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
      Parameters: { TableName: TABLE, 'Key.$': '$.key' },
      End: true,
    },
  },
};

describe('LocalWorkflowRuntime', () => {
  const db = useDynamoDbLocal();
  beforeAll(() => createIdTable(db().client, TABLE));

  const runtime = (
    lambdas: LocalLambdas = {},
    extra: { faults?: FaultInjector; retryDelayScale?: number } = {},
  ) =>
    new LocalWorkflowRuntime({ dynamoDb: db().client, lambdas, workflows: [], retryDelayScale: 0, ...extra });

  it('loads every workflow of the manifest from its ASL file', () => {
    const rt = new LocalWorkflowRuntime({ dynamoDb: db().client });
    for (const wf of WORKFLOWS)
      expect(() => rt.describe(`arn:aws:states:us-east-1:000000000000:execution:${wf.name}:x`)).toThrow(
        /Does Not Exist/,
      );
  });

  it('fails loudly on an unresolved substitution and on a Resource it cannot run', () => {
    expect(() => substitute('{"a":"${Nope}"}', {})).toThrow(/unresolved substitution\(s\) \$\{Nope\}/);
    const rt = runtime();
    const err = (() => {
      try {
        rt.registerWorkflow('bad', {
          StartAt: 'Q',
          States: { Q: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:query', End: true } },
        });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.name).toBe('InvalidDefinition');
  });

  it('runs DynamoDB tasks and records the path and an AWS-style history', async () => {
    const rt = runtime();
    rt.registerWorkflow('put-get', putThenGet);
    const { executionArn } = rt.start(
      'put-get',
      { item: { id: { S: 'a' } }, key: { id: { S: 'a' } } },
      'run-1',
    );
    const done = await rt.waitFor(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toEqual({ Item: { id: { S: 'a' } } });
    expect(rt.statesEntered(executionArn)).toEqual(['Put', 'Get']);
    expect(rt.history(executionArn).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('passes the AWS context object: $$.Execution.Id/Name, $$.StateMachine.Name', async () => {
    const rt = runtime();
    rt.registerWorkflow('ctx', {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Pass',
          Parameters: {
            'id.$': '$$.Execution.Id',
            'name.$': '$$.Execution.Name',
            'sm.$': '$$.StateMachine.Name',
            'role.$': '$$.Execution.RoleArn',
          },
          End: true,
        },
      },
    });
    const { executionArn } = rt.start('ctx', {}, 'ctx-1');
    const { output } = await rt.waitFor(executionArn);
    expect(output).toEqual({
      id: 'arn:aws:states:us-east-1:000000000000:execution:ctx:ctx-1',
      name: 'ctx-1',
      sm: 'ctx',
      role: expect.stringMatching(/^arn:aws:iam::000000000000:role\//) as unknown,
    });
  });

  it('evaluates intrinsic functions in Task Parameters before the local handler sees them', async () => {
    const seen: unknown[] = [];
    const rt = runtime({ capture: (e: unknown) => (seen.push(e), {}) });
    rt.registerWorkflow('intrinsics', {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: 'capture',
            Payload: {
              'format.$': "States.Format('ref_{}', $.user)",
              'uuid.$': 'States.UUID()',
              'array.$': 'States.Array($.a, $.b)',
              'json.$': 'States.JsonToString($.obj)',
              'parsed.$': 'States.StringToJson($.str)',
              'sum.$': 'States.MathAdd($.a, $.b)',
              'name.$': '$$.Execution.Name',
            },
          },
          End: true,
        },
      },
    });
    const { executionArn } = rt.start(
      'intrinsics',
      { user: 'u1', a: 2, b: 3, obj: { k: 'v' }, str: '{"x":1}' },
      'i-1',
    );
    expect((await rt.waitFor(executionArn)).status).toBe('SUCCEEDED');
    expect(seen).toEqual([
      {
        format: 'ref_u1',
        uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        array: [2, 3],
        json: '{"k":"v"}',
        parsed: { x: 1 },
        sum: 5,
        name: 'i-1',
      },
    ]);
  });

  it('uses the local handlers for Tasks nested in Map iterations and Parallel branches', async () => {
    const calls: unknown[] = [];
    const rt = runtime({ record: (e: unknown) => (calls.push(e), e) });
    rt.registerWorkflow('nested', {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'InMap',
            States: {
              InMap: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Parameters: { FunctionName: 'record', 'Payload.$': '$' },
                OutputPath: '$.Payload',
                End: true,
              },
            },
          },
          ResultPath: '$.mapped',
          Next: 'Both',
        },
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'InBranch',
              States: {
                InBranch: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::dynamodb:getItem',
                  Parameters: { TableName: TABLE, Key: { id: { S: 'none' } } },
                  End: true,
                },
              },
            },
          ],
          ResultPath: '$.parallel',
          End: true,
        },
      },
    });
    const { executionArn } = rt.start('nested', { items: [{ n: 1 }, { n: 2 }] }, 'nested-1');
    const done = await rt.waitFor(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(calls).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }]));
    expect((done.output as { mapped: unknown }).mapped).toEqual([{ n: 1 }, { n: 2 }]);
    const [inBranch] = (done.output as { parallel: Record<string, unknown>[] }).parallel;
    expect(inBranch).toHaveProperty('SdkHttpMetadata');
    expect(rt.statesEntered(executionArn)).toEqual(
      expect.arrayContaining(['Each', 'InMap', 'Both', 'InBranch']),
    );
  });

  describe('execution names (Standard)', () => {
    const hold = deferred();
    const rt = (() => {
      let instance: LocalWorkflowRuntime | undefined;
      return () => (instance ??= runtime({ wait: () => hold.promise.then(() => ({})) }));
    })();
    const waiting = {
      StartAt: 'Wait',
      States: {
        Wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'wait' },
          End: true,
        },
      },
    };

    it('returns the running execution for the same name and input, ExecutionAlreadyExists otherwise', async () => {
      rt().registerWorkflow('hold', waiting);
      const first = rt().start('hold', { a: 1 }, 'same-name');
      expect(rt().start('hold', { a: 1 }, 'same-name')).toEqual(first);
      expect(() => rt().start('hold', { a: 2 }, 'same-name')).toThrow(
        expect.objectContaining({ name: 'ExecutionAlreadyExists' }) as Error,
      );
      hold.resolve();
      await rt().waitFor(first.executionArn);
      expect(() => rt().start('hold', { a: 1 }, 'same-name')).toThrow(
        expect.objectContaining({ name: 'ExecutionAlreadyExists' }) as Error,
      );
    });

    it('rejects invalid names and generates one when absent', () => {
      expect(() => rt().start('hold', {}, 'has space')).toThrow(
        expect.objectContaining({ name: 'InvalidName' }) as Error,
      );
      // AWS checks the length first, as a ValidationException (local/quotas.ts).
      expect(() => rt().start('hold', {}, 'x'.repeat(81))).toThrow(
        expect.objectContaining({ name: 'ValidationException' }) as Error,
      );
      expect(rt().start('hold', {}).executionArn).toMatch(/:execution:hold:[0-9a-f-]{36}$/);
    });
  });

  it('startSync runs an EXPRESS workflow to the end', async () => {
    const rt = runtime();
    rt.registerWorkflow(
      'express',
      { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Nope', Cause: 'because' } } },
      'EXPRESS',
    );
    expect(await rt.startSync('express', {})).toMatchObject({
      status: 'FAILED',
      error: 'Nope',
      cause: 'because',
    });
  });

  it('records putEvents entries and starts child executions; waitForIdle waits for the children', async () => {
    const rt = runtime();
    rt.registerWorkflow('child', { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
    rt.registerWorkflow('parent', {
      StartAt: 'Emit',
      States: {
        Emit: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents',
          Parameters: {
            Entries: [
              {
                Source: 'partner-referrals.app',
                DetailType: 'Test',
                Detail: { 'k.$': '$.k' },
                EventBusName: 'partner-referrals',
              },
            ],
          },
          ResultPath: '$.emitted',
          Next: 'Start',
        },
        Start: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution',
          Parameters: {
            StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:child',
            Input: { 'k.$': '$.k' },
            Name: 'child-of-p1',
          },
          End: true,
        },
      },
    });
    const { executionArn } = rt.start('parent', { k: 'v' }, 'p1');
    await rt.waitForIdle();
    expect(rt.describe(executionArn).output).toMatchObject({
      ExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:child:child-of-p1',
      StartDate: expect.any(Number) as unknown,
    });
    expect(rt.list('child')).toEqual([
      expect.objectContaining({ name: 'child-of-p1', status: 'SUCCEEDED', input: { k: 'v' } }),
    ]);
    expect(rt.putEventsLog).toEqual([
      expect.objectContaining({
        source: 'partner-referrals.app',
        detailType: 'Test',
        detail: '{"k":"v"}',
        eventBusName: 'partner-referrals',
      }),
    ]);
  });

  describe('fault injection', () => {
    const failOnce: FaultInjector = (call) =>
      call.stateName === 'Put' && call.attempt === 1
        ? { kind: 'throw', error: 'DynamoDB.ProvisionedThroughputExceededException', cause: 'slow down' }
        : undefined;
    const retried = {
      ...putThenGet,
      States: {
        ...putThenGet.States,
        Put: {
          ...putThenGet.States.Put,
          Retry: [
            {
              ErrorEquals: ['DynamoDB.ProvisionedThroughputExceededException'],
              IntervalSeconds: 1,
              MaxAttempts: 2,
            },
          ],
        },
      },
    };

    it('throw: the call fails before reaching the service, Retry sees the error', async () => {
      const rt = runtime({}, { faults: failOnce });
      rt.registerWorkflow('retried', retried);
      const { executionArn } = rt.start('retried', { item: { id: { S: 'f1' } }, key: { id: { S: 'f1' } } });
      expect((await rt.waitFor(executionArn)).status).toBe('SUCCEEDED');
      expect(rt.retries(executionArn, 'Put')).toBe(1);
      expect(rt.taskCalls(executionArn).map((c) => [c.stateName, c.attempt, c.outcome?.ok])).toEqual([
        ['Put', 1, false],
        ['Put', 2, true],
        ['Get', 1, true],
      ]);
    });

    it('lost-response: the write commits, then the caller sees the error', async () => {
      const rt = runtime(
        {},
        {
          faults: (c) =>
            c.stateName === 'Put'
              ? { kind: 'lost-response', error: 'DynamoDB.InternalServerErrorException', cause: 'lost' }
              : undefined,
        },
      );
      rt.registerWorkflow('lost', putThenGet);
      const { executionArn } = rt.start('lost', {
        item: { id: { S: 'lost-1' } },
        key: { id: { S: 'lost-1' } },
      });
      expect(await rt.waitFor(executionArn)).toMatchObject({
        status: 'FAILED',
        error: 'DynamoDB.InternalServerErrorException',
        cause: 'lost',
      });
      const { Item } = await db().client.send(
        new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'lost-1' } } }),
      );
      expect(Item).toEqual({ id: { S: 'lost-1' } });
    });

    it('hold: the call waits until the promise settles, then reaches the service unharmed', async () => {
      const release = deferred();
      const rt = runtime(
        {},
        { faults: (c) => (c.stateName === 'Put' ? { kind: 'hold', until: release.promise } : undefined) },
      );
      rt.registerWorkflow('held', putThenGet);
      const { executionArn } = rt.start('held', {
        item: { id: { S: 'held-1' } },
        key: { id: { S: 'held-1' } },
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { Item: before } = await db().client.send(
        new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'held-1' } } }),
      );
      expect([before, rt.describe(executionArn).status]).toEqual([undefined, 'RUNNING']);

      release.resolve();
      expect(await rt.waitFor(executionArn)).toMatchObject({
        status: 'SUCCEEDED',
        output: { Item: { id: { S: 'held-1' } } },
      });
      expect(rt.taskCalls(executionArn).map((c) => [c.stateName, c.attempt, c.outcome?.ok])).toEqual([
        ['Put', 1, true],
        ['Get', 1, true],
      ]);
    });
  });

  describe('retry waits', () => {
    const alwaysFails = {
      StartAt: 'Flaky',
      States: {
        Flaky: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'flaky' },
          Retry: [
            {
              ErrorEquals: ['Lambda.TooManyRequestsException'],
              IntervalSeconds: 2,
              MaxAttempts: 3,
              BackoffRate: 2,
            },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'GaveUp' }],
          End: true,
        },
        GaveUp: { Type: 'Pass', End: true },
      },
    };
    const flaky = () => {
      const e = new Error('busy');
      e.name = 'Lambda.TooManyRequestsException';
      throw e;
    };

    it.each([0, 0.001])(
      'scale %p keeps the number of attempts (1 + MaxAttempts) and the Catch',
      async (scale) => {
        const rt = runtime({ flaky }, { retryDelayScale: scale });
        rt.registerWorkflow('flaky', alwaysFails);
        const { executionArn } = rt.start('flaky', {});
        expect((await rt.waitFor(executionArn)).status).toBe('SUCCEEDED');
        expect(rt.retries(executionArn, 'Flaky')).toBe(3);
        expect(rt.caughtStates(executionArn)).toEqual(['Flaky']);
        expect(rt.statesEntered(executionArn)).toEqual(['Flaky', 'GaveUp']);
      },
    );

    it('scales IntervalSeconds and MaxDelaySeconds in the copy it runs, keeping BackoffRate and MaxAttempts', () => {
      const copy = runnableCopy(
        {
          StartAt: 'T',
          States: {
            T: {
              Type: 'Task',
              Resource: 'x',
              Retry: [
                {
                  ErrorEquals: ['E'],
                  IntervalSeconds: 2,
                  MaxDelaySeconds: 10,
                  BackoffRate: 3,
                  MaxAttempts: 4,
                },
              ],
              End: true,
            },
          },
        },
        { retryDelayScale: 0.5 },
      );
      expect(copy.States.T?.Retry).toEqual([
        { ErrorEquals: ['E'], IntervalSeconds: 1, MaxDelaySeconds: 5, BackoffRate: 3, MaxAttempts: 4 },
      ]);
    });
  });

  it('gives Tasks without TimeoutSeconds no timeout instead of the library default of 60 s', () => {
    const copy = runnableCopy(
      {
        StartAt: 'T',
        States: {
          T: { Type: 'Task', Resource: 'x', End: true },
          U: { Type: 'Task', Resource: 'x', TimeoutSeconds: 5, End: true },
        },
      },
      { retryDelayScale: 1 },
    );
    expect(copy.States.T?.TimeoutSeconds).toBe(NO_TASK_TIMEOUT_SECONDS);
    expect(copy.States.U?.TimeoutSeconds).toBe(5);
    expect(NO_TASK_TIMEOUT_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it('reports a Fail state without Error/Cause as AWS does (neither)', async () => {
    const rt = runtime();
    rt.registerWorkflow('bare-fail', { StartAt: 'F', States: { F: { Type: 'Fail' } } });
    const { executionArn } = rt.start('bare-fail', {});
    const done = await rt.waitFor(executionArn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBeUndefined();
    expect(done.cause).toBeUndefined();
    expect(
      await thrown(async () => rt.describe('arn:aws:states:us-east-1:000000000000:execution:bare-fail:nope')),
    ).toHaveProperty('name', 'ExecutionDoesNotExist');
  });
});
