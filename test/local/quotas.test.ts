import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AslMachine } from '../../local/definition';
import { MAX_PAYLOAD_BYTES } from '../../local/quotas';
import {
  LocalWorkflowRuntime,
  type LocalLambdas,
  type LocalWorkflowRuntimeOptions,
  type WorkflowType,
} from '../../local/workflow-runtime';
import { comparable, loadDefinition, loadRecorded } from '../contract/recorded';
import { thrown } from './support';

/**
 * Step Functions' hard quotas (docs/aws-fidelity.md, "Step Functions quotas"): 25,000 history events,
 * 256 KiB payloads, execution names. No test here calls DynamoDB, so none starts DynamoDB Local.
 */

const unusedDynamoDb = new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });

function runtime(
  lambdas: LocalLambdas = {},
  extra: Partial<LocalWorkflowRuntimeOptions> = {},
): LocalWorkflowRuntime {
  return new LocalWorkflowRuntime({
    dynamoDb: unusedDynamoDb,
    lambdas,
    workflows: [],
    retryDelayScale: 0,
    ...extra,
  });
}

async function run(
  rt: LocalWorkflowRuntime,
  definition: AslMachine,
  input: unknown,
  type: WorkflowType = 'STANDARD',
) {
  const workflow = `wf-${Math.random().toString(36).slice(2)}`;
  rt.registerWorkflow(workflow, definition, type);
  const { executionArn } = rt.start(workflow, input);
  const done = await rt.waitFor(executionArn);
  return { done, history: rt.history(executionArn), executionArn };
}

/** Counts to `$.to`: Step (Pass) and Check (Choice) add 4 events an iteration, 4 more around them. */
const passChoiceLoop: AslMachine = {
  StartAt: 'Step',
  States: {
    Step: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'to.$': '$.to' }, Next: 'Check' },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.n', NumericLessThanPath: '$.to', Next: 'Step' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};
const passChoiceEvents = (iterations: number): number => 4 + 4 * iterations;

/** Like passChoiceLoop with a Task in each iteration whose Catch takes States.ALL: 9 events an iteration. */
const taskLoop: AslMachine = {
  StartAt: 'Step',
  States: {
    Step: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'to.$': '$.to' }, Next: 'Call' },
    Call: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'count-call', 'Payload.$': '$' },
      ResultPath: null,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
      Next: 'Check',
    },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.n', NumericLessThanPath: '$.to', Next: 'Step' }],
      Default: 'Done',
    },
    Caught: { Type: 'Pass', End: true },
    Done: { Type: 'Succeed' },
  },
};
const taskLoopEvents = (iterations: number): number => 4 + 9 * iterations;

describe('history quota (Standard: 25,000 events)', () => {
  it('with a small quota: the event that would pass it becomes ExecutionFailed, States.ALL does not catch it, the Task is not called', async () => {
    let calls = 0;
    const rt = runtime(
      {
        'count-call': {
          handler: () => {
            calls++;
            return {};
          },
        },
      },
      // Event 23 would be the third iteration's TaskScheduled (1 + 9 + 9 + Pass 2 + TaskStateEntered 1 = 22).
      { maxHistoryEvents: 23 },
    );
    const { done, history } = await run(rt, taskLoop, { n: 0, to: 100 });

    expect(done).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (23).',
    });
    expect(history).toHaveLength(23);
    expect(history.slice(-2).map((e) => [e.id, e.previousEventId, e.type])).toEqual([
      [22, 21, 'TaskStateEntered'],
      [23, 22, 'ExecutionFailed'],
    ]);
    expect(history[22]?.executionFailedEventDetails).toEqual({
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (23).',
    });
    expect(calls).toBe(2);
    expect(history.some((e) => (e.stateEnteredEventDetails as { name?: string })?.name === 'Caught')).toBe(
      false,
    );
  });

  it('with a small quota: an execution whose ExecutionSucceeded is the last allowed event succeeds, one more event fails', async () => {
    const rt = runtime({ 'count-call': { handler: () => ({}) } }, { maxHistoryEvents: taskLoopEvents(2) });
    const fits = await run(rt, taskLoop, { n: 0, to: 2 });
    expect(fits.done.status).toBe('SUCCEEDED');
    expect(fits.history).toHaveLength(22);
    expect(fits.history[21]?.type).toBe('ExecutionSucceeded');

    // Event 21 would be SucceedStateExited: Done's entry (20) is the last event kept.
    const tight = runtime({ 'count-call': { handler: () => ({}) } }, { maxHistoryEvents: 21 });
    const over = await run(tight, taskLoop, { n: 0, to: 2 });
    expect(over.done).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(over.history.map((e) => e.type).slice(-2)).toEqual(['SucceedStateEntered', 'ExecutionFailed']);
    expect(over.history).toHaveLength(21);
  });

  it('at the real default: exactly 25,000 events succeed, one more iteration fails as event 25,000', async () => {
    const rt = runtime();
    const iterations = 6249;
    expect(passChoiceEvents(iterations)).toBe(25_000);

    const fits = await run(rt, passChoiceLoop, { n: 0, to: iterations });
    expect(fits.done.status).toBe('SUCCEEDED');
    expect(fits.history).toHaveLength(25_000);
    expect(fits.history[24_999]?.type).toBe('ExecutionSucceeded');

    const over = await run(rt, passChoiceLoop, { n: 0, to: iterations + 1 });
    expect(over.done).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (25000).',
    });
    expect(over.history).toHaveLength(25_000);
    expect(over.history.slice(-2).map((e) => [e.id, e.previousEventId, e.type])).toEqual([
      [24_999, 24_998, 'PassStateExited'],
      [25_000, 24_999, 'ExecutionFailed'],
    ]);
  });

  it('does not apply to Express workflows (AWS keeps no history for them)', async () => {
    const rt = runtime({}, { maxHistoryEvents: 10 });
    const { done } = await run(rt, passChoiceLoop, { n: 0, to: 20 }, 'EXPRESS');
    expect(done.status).toBe('SUCCEEDED');
  });
});

describe('payload quota (256 KiB, UTF-8)', () => {
  /** The recorded function returned a string over 256 KiB. */
  const largeOutput: LocalLambdas = {
    '<lambda_function_name>': { runtime: 'python', handler: () => 'a'.repeat(257 * 1024) },
  };
  const legacyArn = 'arn:aws:lambda:us-east-1:000000000000:function:<lambda_function_name>';
  const withLegacyResource = (d: Record<string, unknown>): AslMachine => {
    const states = d.States as Record<string, Record<string, unknown>>;
    states.InvokeLambda = { ...states.InvokeLambda, Resource: legacyArn };
    return d as AslMachine;
  };
  const SNAPSHOT = 'error_handling__test_states_errors';

  it.each([
    [
      'test_service_task_lambada_data_limit_exceeded_on_large_utf8_response',
      'errorhandling__task_service_lambda_invoke_catch_data_limit_exceeded',
      false,
    ],
    [
      'test_service_task_lambada_catch_state_all_data_limit_exceeded_on_large_utf8_response',
      'errorhandling__task_service_lambda_invoke_catch_all',
      false,
    ],
    [
      'test_task_lambda_data_limit_exceeded_on_large_utf8_response',
      'errorhandling__task_service_lambda_invoke_catch_data_limit_exceeded',
      true,
    ],
    [
      'test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response',
      'errorhandling__task_service_lambda_invoke_catch_all',
      true,
    ],
  ] as const)(
    'a Task result over the quota is a catchable Task failure, as AWS recorded: %s',
    async (test, definition, legacy) => {
      const recorded = loadRecorded(SNAPSHOT, test).events ?? [];
      const loaded = loadDefinition(definition);
      const machine = legacy ? withLegacyResource(loaded) : (loaded as AslMachine);
      const input = (recorded[0]?.executionStartedEventDetails as { input: unknown }).input;
      const { done, history } = await run(runtime(largeOutput), machine, input);
      expect(done.status).toBe('SUCCEEDED');
      expect(history.map(comparable)).toEqual(recorded.map(comparable));
    },
  );

  it('a Task result of exactly 256 KiB passes, one byte more fails (States.DataLimitExceeded naming the function)', async () => {
    const stringOfBytes = (n: number): string => 'a'.repeat(n - 2); // JSON adds the two quotes
    const machine: AslMachine = {
      StartAt: 'InvokeLambda',
      States: {
        InvokeLambda: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:sized',
          End: true,
        },
      },
    };
    const sized = (bytes: number): LocalLambdas => ({ sized: { handler: () => stringOfBytes(bytes) } });

    const fits = await run(runtime(sized(MAX_PAYLOAD_BYTES)), machine, {});
    expect(fits.done.status).toBe('SUCCEEDED');

    const over = await run(runtime(sized(MAX_PAYLOAD_BYTES + 1)), machine, {});
    expect(over.done).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause:
        "The state/task 'arn:aws:lambda:us-east-1:000000000000:function:sized' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
  });

  it('a state output over the quota fails the execution where the state would exit, as AWS recorded (test_start_large_input)', async () => {
    const recorded = loadRecorded(SNAPSHOT, 'test_start_large_input').events ?? [];
    // LocalStack's template for that case: a Pass state whose Result is 257 KiB.
    const machine: AslMachine = {
      StartAt: 'State_1',
      States: { State_1: { Type: 'Pass', Result: { Arg1: 'a'.repeat(257 * 1024) }, End: true } },
    };
    const { done, history } = await run(runtime(), machine, {});
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(history.map(comparable)).toEqual(recorded.map(comparable));
  });

  it('counts UTF-8 bytes: a two-byte character output of exactly 256 KiB passes, one character more fails', async () => {
    // {"Arg":"…"} is 10 bytes of JSON around the text; é takes 2 bytes.
    const pass = (chars: number): AslMachine => ({
      StartAt: 'Big',
      States: { Big: { Type: 'Pass', Result: { Arg: 'é'.repeat(chars) }, End: true } },
    });
    const chars = (MAX_PAYLOAD_BYTES - 10) / 2;
    expect((await run(runtime(), pass(chars), {})).done.status).toBe('SUCCEEDED');
    expect((await run(runtime(), pass(chars + 1), {})).done).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause:
        "The state/task 'Big' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
  });

  it('a Task whose output (input plus result) is over the quota fails the execution: States.ALL does not catch it', async () => {
    const half = 'a'.repeat(150_000);
    const machine: AslMachine = {
      StartAt: 'Grow',
      States: {
        Grow: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:half',
          ResultPath: '$.result',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    };
    const { done, history } = await run(runtime({ half: { handler: () => half } }), machine, { half });
    expect(done).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause:
        "The state/task 'Grow' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'ExecutionFailed',
    ]);
  });

  it("a Task's input after Parameters over the quota fails the execution before the Task is scheduled", async () => {
    let called = false;
    const machine: AslMachine = {
      StartAt: 'Twice',
      States: {
        Twice: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'spy', Payload: { 'a.$': '$.half', 'b.$': '$.half' } },
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    };
    const spy: LocalLambdas = {
      spy: {
        handler: () => {
          called = true;
          return {};
        },
      },
    };
    const { done, history } = await run(runtime(spy), machine, { half: 'a'.repeat(150_000) });
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(history.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);
    expect(called).toBe(false);
  });

  it('StartExecution and StartSyncExecution refuse an input over the quota (ValidationException); exactly 256 KiB starts', async () => {
    const rt = runtime();
    rt.registerWorkflow('standard', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    rt.registerWorkflow('express', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, 'EXPRESS');
    // {"s":"…"} is 8 bytes around the text.
    const input = (bytes: number) => ({ s: 'a'.repeat(bytes - 8) });
    const message =
      "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144";

    expect(() => rt.start('standard', input(MAX_PAYLOAD_BYTES + 1))).toThrow(
      expect.objectContaining({ name: 'ValidationException', message }) as Error,
    );
    const err = await thrown(() => rt.startSync('express', input(MAX_PAYLOAD_BYTES + 1)));
    expect(err).toMatchObject({ name: 'ValidationException', message });
    expect(rt.list()).toEqual([]);

    const { executionArn } = rt.start('standard', input(MAX_PAYLOAD_BYTES));
    expect((await rt.waitFor(executionArn)).status).toBe('SUCCEEDED');
    expect((await rt.startSync('express', input(MAX_PAYLOAD_BYTES))).status).toBe('SUCCEEDED');
  });
});

describe('execution names (StartExecution name rules)', () => {
  const rt = runtime();
  rt.registerWorkflow('named', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
  const start = (name: string) => rt.start('named', {}, name);

  it('accepts 1 to 80 characters, non-ASCII letters and punctuation AWS does not list', () => {
    for (const name of ['a', 'x'.repeat(80), 'é'.repeat(80), 'café-Ωmega_名前', "a.b+c=d@e!f(g)h'i"]) {
      expect(start(name).executionArn.endsWith(`:${name}`)).toBe(true);
    }
  });

  it('refuses a length outside 1-80 with the ValidationException of the API constraint', () => {
    expect(() => start('x'.repeat(81))).toThrow(
      expect.objectContaining({
        name: 'ValidationException',
        message: `1 validation error detected: Value '${'x'.repeat(81)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80`,
      }) as Error,
    );
    expect(() => start('')).toThrow(
      expect.objectContaining({
        name: 'ValidationException',
        message:
          "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1",
      }) as Error,
    );
  });

  it.each(
    [
      ...[' ', '\t', '\n'].map((c) => ['whitespace', c]),
      ...[...'<>{}[]'].map((c) => ['bracket', c]),
      ...[...'?*'].map((c) => ['wildcard', c]),
      ...[...'"#%\\^|~`$&,;:/'].map((c) => ['special character', c]),
      ...['\u0000', '\u001f', '\u007f', '\u009f'].map((c) => ['control character', c]),
    ].map(([kind, c]) => [kind, `U+${c!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, c!]),
  )('refuses a %s (%s) with InvalidName', (_kind, _codePoint, c) => {
    const name = `run${c}1`;
    expect(() => start(name)).toThrow(
      expect.objectContaining({ name: 'InvalidName', message: `Invalid Name: '${name}'` }) as Error,
    );
  });
});
