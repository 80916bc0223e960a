import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Journal } from '../../local/durable/journal';
import {
  LocalWorkflowRuntime,
  REDRIVABLE_PERIOD_MS,
  type HistoryEvent,
  type LocalLambdas,
} from '../../local/workflow-runtime';
import { deferred, thrown } from './support';

/**
 * RedriveExecution in the local runtime: a failed Standard execution runs again from the state that
 * failed, under the same ARN, its history going on after ExecutionRedriven
 * (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html).
 */
const lambdaTask = (fn: string, next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: {
    FunctionName: fn,
    Payload: { 'order.$': '$', 'redriveCount.$': '$$.Execution.RedriveCount' },
  },
  ResultSelector: { 'done.$': '$.Payload' },
  ResultPath: `$.${fn}`,
  ...(next ? { Next: next } : { End: true }),
});
const order = {
  StartAt: 'Reserve',
  States: {
    Reserve: lambdaTask('reserve', 'Charge'),
    Charge: lambdaTask('charge', 'Confirm'),
    Confirm: lambdaTask('confirm'),
  },
};

class CardDeclined extends Error {
  override name = 'CardDeclined';
}

/** The order's Lambdas: what each received, `charge` failing while the card is declined. */
function orderLambdas() {
  const calls: Record<'reserve' | 'charge' | 'confirm', { order: unknown; redriveCount: number }[]> = {
    reserve: [],
    charge: [],
    confirm: [],
  };
  const state = { declined: true, hold: undefined as Promise<void> | undefined };
  const record = (fn: keyof typeof calls) => async (event: unknown) => {
    calls[fn].push(event as { order: unknown; redriveCount: number });
    if (fn === 'charge') {
      await state.hold;
      if (state.declined) throw new CardDeclined('card declined');
    }
    return fn;
  };
  const lambdas: LocalLambdas = {
    reserve: record('reserve'),
    charge: record('charge'),
    confirm: record('confirm'),
  };
  return { calls, state, lambdas };
}

function runtime(lambdas: LocalLambdas, journal?: Journal): LocalWorkflowRuntime {
  // Only Lambda tasks here: DynamoDB is never called.
  const rt = new LocalWorkflowRuntime({
    dynamoDb: new DynamoDBClient({ region: 'us-east-1' }),
    lambdas,
    workflows: [],
    retryDelayScale: 0,
    ...(journal ? { journal } : {}),
  });
  rt.registerWorkflow('order', order);
  rt.registerWorkflow('order-express', order, 'EXPRESS');
  return rt;
}

/** Ids count up from 1 and each event names the one before (the first state's entry names 0, as in AWS). */
function expectLinked(history: readonly HistoryEvent[]): void {
  expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
  for (const [i, e] of history.entries()) {
    const previous = history[i - 1];
    expect([e.type, e.previousEventId]).toEqual([
      e.type,
      !previous || previous.type === 'ExecutionStarted' ? 0 : previous.id,
    ]);
  }
}

const TASK_FAILED = ['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed'];
const TASK_SUCCEEDED = [
  'TaskStateEntered',
  'TaskScheduled',
  'TaskStarted',
  'TaskSucceeded',
  'TaskStateExited',
];
/** Reserve succeeded, charge failed; the redrive ran charge and confirm. */
const FAILED_AT_CHARGE_THEN_REDRIVEN = [
  'ExecutionStarted',
  ...TASK_SUCCEEDED,
  ...TASK_FAILED,
  'ExecutionFailed',
  'ExecutionRedriven',
  ...TASK_SUCCEEDED,
  ...TASK_SUCCEEDED,
  'ExecutionSucceeded',
];

describe('RedriveExecution in the local runtime', () => {
  it('reruns the failed Task, not the states before it, under the same ARN, and the history goes on', async () => {
    // Prepare: the charge fails, then the card is fixed.
    const { calls, state, lambdas } = orderLambdas();
    const rt = runtime(lambdas);
    const { executionArn } = rt.start('order', { orderId: 'o1' }, 'o1');
    const failed = await rt.waitFor(executionArn);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'CardDeclined', redriveCount: 0 });
    expect(rt.redriveStatus(executionArn)).toEqual({ redriveStatus: 'REDRIVABLE' });
    state.declined = false;

    // Act
    const redriving = rt.redrive(executionArn);
    const runningAgain = rt.describe(executionArn);
    const { redriveDate } = await redriving;
    const done = await rt.waitFor(executionArn);

    // Assess: running again at once, then succeeded from Charge with the input Charge had.
    expect(runningAgain).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
    expect(runningAgain.stopDate).toBeUndefined();
    expect(done).toMatchObject({ executionArn, status: 'SUCCEEDED', redriveCount: 1, redriveDate });
    expect(done.error).toBeUndefined();
    expect(done.output).toMatchObject({
      orderId: 'o1',
      reserve: { done: 'reserve' },
      confirm: { done: 'confirm' },
    });
    expect(rt.statesEntered(executionArn)).toEqual(['Reserve', 'Charge', 'Charge', 'Confirm']);
    expect([calls.reserve.length, calls.charge.length, calls.confirm.length]).toEqual([1, 2, 1]);
    expect(calls.charge[1]?.order).toEqual(calls.charge[0]?.order);
    // $$.Execution.RedriveCount is the run's redrive count.
    expect(calls.charge.map((c) => c.redriveCount)).toEqual([0, 1]);
    expect(calls.confirm[0]?.redriveCount).toBe(1);

    const history = rt.history(executionArn);
    expect(history.map((e) => e.type)).toEqual(FAILED_AT_CHARGE_THEN_REDRIVEN);
    expectLinked(history);
    const redriven = history.find((e) => e.type === 'ExecutionRedriven');
    expect(redriven?.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    expect(redriven?.timestamp).toEqual(redriveDate);
    expect(history.find((e) => e.type === 'ExecutionFailed')?.executionFailedEventDetails).toMatchObject({
      error: 'CardDeclined',
    });
    expect(rt.redriveStatus(executionArn)).toEqual({
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
  });

  it('counts every redrive, each run after its own ExecutionRedriven', async () => {
    const { state, lambdas } = orderLambdas();
    const rt = runtime(lambdas);
    const { executionArn } = rt.start('order', {}, 'twice');
    await rt.waitFor(executionArn);

    await rt.redrive(executionArn);
    const stillFailing = await rt.waitFor(executionArn);
    state.declined = false;
    await rt.redrive(executionArn);
    const done = await rt.waitFor(executionArn);

    expect(stillFailing).toMatchObject({ status: 'FAILED', error: 'CardDeclined', redriveCount: 1 });
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 2 });
    const history = rt.history(executionArn);
    expect(
      history.filter((e) => e.type === 'ExecutionRedriven').map((e) => e.executionRedrivenEventDetails),
    ).toEqual([{ redriveCount: 1 }, { redriveCount: 2 }]);
    expect(history.filter((e) => e.type === 'ExecutionFailed')).toHaveLength(2);
    expectLinked(history);
  });

  it('redrives a stopped execution from the state it was stopped in', async () => {
    const { calls, state, lambdas } = orderLambdas();
    const held = deferred();
    state.hold = held.promise;
    state.declined = false;
    const rt = runtime(lambdas);
    const { executionArn } = rt.start('order', {}, 'stopped');
    while (calls.charge.length === 0) await new Promise((resolve) => setImmediate(resolve));
    rt.stop(executionArn);
    const aborted = await rt.waitFor(executionArn);
    state.hold = undefined;

    await rt.redrive(executionArn);
    const done = await rt.waitFor(executionArn);
    held.resolve();

    expect(aborted.status).toBe('ABORTED');
    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(rt.statesEntered(executionArn)).toEqual(['Reserve', 'Charge', 'Charge', 'Confirm']);
    expect(rt.history(executionArn).map((e) => e.type)).toContain('ExecutionAborted');
  });

  it('reruns a Parallel state whose branch failed as a whole, with its original input', async () => {
    const { calls, state, lambdas } = orderLambdas();
    const rt = runtime(lambdas);
    rt.registerWorkflow('both', {
      StartAt: 'Prepare',
      States: {
        Prepare: { Type: 'Pass', Result: { orderId: 'o3' }, Next: 'Both' },
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'ReserveBranch', States: { ReserveBranch: lambdaTask('reserve') } },
            { StartAt: 'ChargeBranch', States: { ChargeBranch: lambdaTask('charge') } },
          ],
          End: true,
        },
      },
    });
    const { executionArn } = rt.start('both', {}, 'both');
    await rt.waitFor(executionArn);
    state.declined = false;

    await rt.redrive(executionArn);
    const done = await rt.waitFor(executionArn);

    expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(rt.statesEntered(executionArn).filter((s) => s === 'Prepare' || s === 'Both')).toEqual([
      'Prepare',
      'Both',
      'Both',
    ]);
    // AWS would rerun only the failed branch; the local runtime reruns the Parallel state.
    expect([calls.reserve.length, calls.charge.length]).toEqual([2, 2]);
    expect(calls.reserve.map((c) => c.order)).toEqual([{ orderId: 'o3' }, { orderId: 'o3' }]);
    expectLinked(rt.history(executionArn));
  });

  it('answers the same redrive again for the same client token', async () => {
    const { state, lambdas } = orderLambdas();
    const held = deferred();
    const rt = runtime(lambdas);
    const { executionArn } = rt.start('order', {}, 'token');
    await rt.waitFor(executionArn);
    state.declined = false;
    state.hold = held.promise;

    const first = await rt.redrive(executionArn, 'retry-1');
    const again = await rt.redrive(executionArn, 'retry-1');
    const otherToken = await thrown(() => rt.redrive(executionArn, 'retry-2'));
    held.resolve();
    await rt.waitFor(executionArn);

    expect(again).toEqual(first);
    expect(otherToken).toMatchObject({
      name: 'ExecutionNotRedrivable',
      message: 'Execution is RUNNING and cannot be redriven',
    });
    expect(rt.describe(executionArn).redriveCount).toBe(1);
  });

  describe('not redrivable: ExecutionNotRedrivable with the reason DescribeExecution gives', () => {
    it('a succeeded execution', async () => {
      const { state, lambdas } = orderLambdas();
      state.declined = false;
      const rt = runtime(lambdas);
      const { executionArn } = rt.start('order', {}, 'fine');
      await rt.waitFor(executionArn);

      const error = await thrown(() => rt.redrive(executionArn));

      expect(error).toMatchObject({
        name: 'ExecutionNotRedrivable',
        message: 'Execution is SUCCEEDED and cannot be redriven',
      });
      expect(rt.describe(executionArn)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 0 });
    });

    it('a running execution', async () => {
      const { state, lambdas } = orderLambdas();
      const held = deferred();
      state.hold = held.promise;
      const rt = runtime(lambdas);
      const { executionArn } = rt.start('order', {}, 'busy');

      const error = await thrown(() => rt.redrive(executionArn));
      const status = rt.redriveStatus(executionArn);
      held.resolve();
      await rt.waitFor(executionArn);

      expect(error).toMatchObject({
        name: 'ExecutionNotRedrivable',
        message: 'Execution is RUNNING and cannot be redriven',
      });
      expect(status).toEqual({
        redriveStatus: 'NOT_REDRIVABLE',
        redriveStatusReason: 'Execution is RUNNING and cannot be redriven',
      });
    });

    it('an Express execution, even a failed one', async () => {
      const { lambdas } = orderLambdas();
      const rt = runtime(lambdas);
      const { executionArn, status } = await rt.startSync('order-express', {});

      const error = await thrown(() => rt.redrive(executionArn));

      expect(status).toBe('FAILED');
      expect(error).toMatchObject({
        name: 'ExecutionNotRedrivable',
        message: 'This API action is not supported by EXPRESS state machines.',
      });
    });

    it('a failed execution closed more than 14 days ago', async () => {
      const { lambdas } = orderLambdas();
      const rt = runtime(lambdas);
      const { executionArn } = rt.start('order', {}, 'old');
      const { stopDate } = await rt.waitFor(executionArn);
      const closedAt = stopDate?.getTime() ?? 0;
      // Only Date is faked: the runtime's own timers and the Lambdas' promises run as usual.
      const clock = (now: number) =>
        jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'queueMicrotask'] });

      try {
        clock(closedAt + REDRIVABLE_PERIOD_MS - 60_000);
        const lastMinute = rt.redriveStatus(executionArn);
        clock(closedAt + REDRIVABLE_PERIOD_MS + 1);
        const error = await thrown(() => rt.redrive(executionArn));

        expect(lastMinute).toEqual({ redriveStatus: 'REDRIVABLE' });
        expect(error).toMatchObject({
          name: 'ExecutionNotRedrivable',
          message: 'Execution redrivable period exceeded',
        });
        expect(rt.describe(executionArn)).toMatchObject({ status: 'FAILED', redriveCount: 0 });
      } finally {
        jest.useRealTimers();
      }
    });

    it('an execution that does not exist', async () => {
      const rt = runtime({});
      const error = await thrown(() =>
        rt.redrive('arn:aws:states:us-east-1:000000000000:execution:order:none'),
      );
      expect(error.name).toBe('ExecutionDoesNotExist');
    });
  });

  describe('in the journal', () => {
    const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'redrive-'));
    const open = async (dir: string, lambdas: LocalLambdas) => {
      const { journal, records } = await Journal.open(dir);
      const rt = runtime(lambdas, journal);
      const restarted = rt.recover(records);
      journal.setSnapshot(() => rt.snapshot());
      return { rt, journal, restarted };
    };

    it('a crash during a redriven run runs that redrive again, not the original start', async () => {
      // Prepare: failed, fixed, redriven; the redriven charge hangs, the journal is compacted, then a crash.
      const dir = tempDir();
      const first = orderLambdas();
      const crashed = await open(dir, first.lambdas);
      const { executionArn } = await crashed.rt.startDurably('order', { orderId: 'o2' }, 'o2');
      await crashed.rt.waitFor(executionArn);
      first.state.declined = false;
      const hung = deferred();
      first.state.hold = hung.promise;
      const { redriveDate } = await crashed.rt.redrive(executionArn);
      await crashed.journal.compact();
      await crashed.rt.halt();
      await crashed.journal.close();

      // Act: the next start over the same data.
      const second = orderLambdas();
      second.state.declined = false;
      const next = await open(dir, second.lambdas);
      const done = await next.rt.waitFor(executionArn);

      // Assess: the redrive ran again from Charge with Charge's input; Reserve did not run.
      expect(next.restarted).toBe(1);
      expect(done).toMatchObject({
        status: 'SUCCEEDED',
        redriveCount: 1,
        redriveDate,
        input: { orderId: 'o2' },
      });
      expect([second.calls.reserve.length, second.calls.charge.length, second.calls.confirm.length]).toEqual([
        0, 1, 1,
      ]);
      expect(second.calls.charge[0]).toEqual({ order: first.calls.charge[0]?.order, redriveCount: 1 });
      const history = next.rt.history(executionArn);
      expect(history.map((e) => e.type)).toEqual(FAILED_AT_CHARGE_THEN_REDRIVEN);
      expectLinked(history);
      // The crashed stack's call ends (its Task timer would otherwise hold the process).
      hung.resolve();
      await next.journal.close();
    });

    it('a closed redriven execution comes back with its whole history and redrive count', async () => {
      const dir = tempDir();
      const { state, lambdas } = orderLambdas();
      const before = await open(dir, lambdas);
      const { executionArn } = await before.rt.startDurably('order', {}, 'kept');
      await before.rt.waitFor(executionArn);
      state.declined = false;
      await before.rt.redrive(executionArn);
      await before.rt.waitForIdle();
      await before.journal.close();

      const after = await open(dir, orderLambdas().lambdas);

      expect(after.restarted).toBe(0);
      expect(after.rt.describe(executionArn)).toEqual(before.rt.describe(executionArn));
      expect(after.rt.describe(executionArn)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      expect(after.rt.history(executionArn)).toEqual(before.rt.history(executionArn));
      expect(after.rt.history(executionArn).map((e) => e.type)).toContain('ExecutionRedriven');
      await after.journal.close();
    });

    it('a restored failed execution is redriven after the history it came back with', async () => {
      const dir = tempDir();
      const failing = await open(dir, orderLambdas().lambdas);
      const { executionArn } = await failing.rt.startDurably('order', {}, 'later');
      await failing.rt.waitFor(executionArn);
      await failing.journal.close();
      const fixed = orderLambdas();
      fixed.state.declined = false;
      const next = await open(dir, fixed.lambdas);

      await next.rt.redrive(executionArn);
      const done = await next.rt.waitFor(executionArn);

      expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      expect([fixed.calls.reserve.length, fixed.calls.charge.length]).toEqual([0, 1]);
      const history = next.rt.history(executionArn);
      expect(history.slice(0, 11).map((e) => e.type)).toEqual([
        'ExecutionStarted',
        ...TASK_SUCCEEDED,
        ...TASK_FAILED,
        'ExecutionFailed',
      ]);
      expectLinked(history);
      await next.journal.close();
    });
  });
});
