import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LocalEventBus } from '../../local/aws/event-bus';
import { consoleApi } from '../../local/console/api';
import { PAGE_SIZE } from '../../local/console/executions';
import { consoleRoutes } from '../../local/console/routes';
import type { AslMachine } from '../../local/definition';
import type { LocalQueues } from '../../local/durable/queues';
import type { MessageMoveTasks } from '../../local/aws/sqs-move-tasks';
import type { LocalStackModel, LocalWorkflow } from '../../local/stack/model';
import { LocalWorkflowRuntime } from '../../local/workflow-runtime';
import type { ExecutionDetailView, ExecutionPageView, OverviewView } from '../../web/console/execution-views';

/**
 * The console's executions API over a runtime running three small machines (no AWS service touched):
 * `payment` succeeds with its input, `signup` fails in a Fail state when asked, `refund` retries and catches,
 * `approval` waits on an approver Lambda that never answers.
 */
const machines: Record<'payment' | 'signup' | 'approval' | 'refund', AslMachine> = {
  payment: {
    StartAt: 'ApplyPayment',
    States: { ApplyPayment: { Type: 'Pass', ResultPath: '$.applied', Result: true, End: true } },
  },
  signup: {
    StartAt: 'IsPartnerRegistered',
    States: {
      IsPartnerRegistered: {
        Type: 'Choice',
        Choices: [{ Variable: '$.registered', BooleanEquals: true, Next: 'ClaimUser' }],
        Default: 'UnknownPartner',
      },
      ClaimUser: { Type: 'Pass', End: true },
      UnknownPartner: { Type: 'Fail', Error: 'UnknownPartner', Cause: 'register it' },
    },
  },
  refund: {
    StartAt: 'TryRefund',
    States: {
      TryRefund: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'RefundFails', States: { RefundFails: { Type: 'Fail', Error: 'Flaky' } } }],
        Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 2, IntervalSeconds: 1 }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'RefundCaught' }],
        End: true,
      },
      RefundCaught: { Type: 'Pass', End: true },
    },
  },
  approval: {
    StartAt: 'AwaitApprover',
    States: {
      AwaitApprover: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:approver' },
        End: true,
      },
    },
  },
};

const workflows: LocalWorkflow[] = Object.entries(machines).map(([name, definition]) => ({
  logicalId: name,
  name: name as LocalWorkflow['name'],
  type: 'STANDARD',
  definition,
}));
const model: LocalStackModel = {
  tables: [],
  workflows,
  functions: [],
  buses: [],
  rules: [
    {
      logicalId: 'Nightly',
      name: 'NightlyReconciliation',
      busName: 'default',
      scheduleExpression: 'cron(0 3 * * ? *)',
      enabled: true,
      targets: [{ id: 't', kind: 'stateMachine', name: 'reconciliation' }],
    },
    {
      logicalId: 'Hourly',
      name: 'HourlyApproval',
      busName: 'default',
      scheduleExpression: 'rate(1 hour)',
      enabled: true,
      targets: [{ id: 't', kind: 'stateMachine', name: 'approval' }],
    },
  ],
  queues: [],
  apiDestinations: [],
  pipes: [],
  routes: [],
};

/** The approver calls waiting; answered when the suite ends (the library clears a Task's timer then). */
const approvers: ((value: unknown) => void)[] = [];
const runtime = new LocalWorkflowRuntime({
  dynamoDb: new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1' }),
  workflows: [],
  retryDelayScale: 0,
  lambdas: { approver: () => new Promise((resolve) => approvers.push(resolve)) },
});
for (const w of workflows) runtime.registerWorkflow(w.name, w.definition);
const eventBus = new LocalEventBus(model.rules, [], {
  invokeFunction: async () => undefined,
  startExecution: async () => undefined,
  sendToQueue: async () => undefined,
});
const handler = consoleApi(
  consoleRoutes({
    model,
    runtime,
    eventBus,
    queues: {} as LocalQueues,
    moveTasks: {} as MessageMoveTasks,
    db: {} as DynamoDBDocumentClient,
  }),
);
const server = http.createServer((req, res) => {
  if (!handler(req, res)) res.writeHead(404).end();
});
let base: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/console/api/`;
});
afterAll(async () => {
  for (const d of runtime.list()) if (d.status === 'RUNNING') runtime.stop(d.executionArn);
  for (const approve of approvers) approve({});
  await runtime.waitForIdle();
  await new Promise((resolve) => server.close(resolve));
});

async function call<T>(path: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, { method });
  return { status: res.status, body: (await res.json()) as T };
}
const arnPath = (arn: string): string => `executions/${encodeURIComponent(arn)}`;

/** Payments with ids of every kind the search finds; the index is in every id. */
const paymentInput = (i: number) => ({
  stripeEventId: `evt_${i}x`,
  fact: { invoiceId: `in_${i}x`, userId: `u_${i}x` },
});
const PAYMENTS = PAGE_SIZE + 5;

let failedSignup: string;
let okSignup: string;

beforeAll(async () => {
  for (let i = 0; i < PAYMENTS; i++) {
    const { executionArn } = runtime.start('payment', paymentInput(i), `payment-${i}x`);
    await runtime.waitFor(executionArn);
  }
  failedSignup = runtime.start('signup', { registered: false }, 'signup-unknown').executionArn;
  okSignup = runtime.start('signup', { registered: true }, 'signup-known').executionArn;
  await Promise.all([runtime.waitFor(failedSignup), runtime.waitFor(okSignup)]);
});

describe('overview', () => {
  it("counts each state machine's executions by status, and the redrivable ones", async () => {
    const { status, body } = await call<OverviewView>('overview');
    expect(status).toBe(200);
    const byName = new Map(body.stateMachines.map((m) => [m.name, m]));
    expect(byName.get('payment')).toMatchObject({
      counts: { RUNNING: 0, SUCCEEDED: PAYMENTS, FAILED: 0, TIMED_OUT: 0, ABORTED: 0 },
      redrivable: 0,
    });
    expect(byName.get('signup')).toMatchObject({ counts: { SUCCEEDED: 1, FAILED: 1 }, redrivable: 1 });
  });

  it('gives each schedule its next run by the event bus rule expression', async () => {
    const before = Date.now();
    const { body } = await call<OverviewView>('overview');
    const nightly = body.schedules.find((s) => s.rule === 'NightlyReconciliation');
    const next = new Date(nightly?.nextRun ?? '');
    expect(nightly).toMatchObject({ expression: 'cron(0 3 * * ? *)', targets: ['reconciliation'] });
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([3, 0, 0]);
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime()).toBeLessThanOrEqual(before + 24 * 3600_000);
    const hourly = body.schedules.find((s) => s.rule === 'HourlyApproval');
    const inAnHour = new Date(hourly?.nextRun ?? '').getTime() - before;
    expect(inAnHour).toBeGreaterThan(3_590_000);
    expect(inAnHour).toBeLessThanOrEqual(3_600_000 + (Date.now() - before));
  });
});

describe('executions', () => {
  it.each([
    ['an execution name', 'payment-7x'],
    ['a Stripe event id', 'evt_7x'],
    ['an invoice id', 'in_7x'],
    ['a user id', 'u_7x'],
  ])('finds an execution by %s in its name, input or output', async (_kind, text) => {
    const { body } = await call<ExecutionPageView>(`executions?q=${text}`);
    expect(body.executions.map((e) => e.name)).toEqual(['payment-7x']);
  });

  it('filters by state machine and status, newest first', async () => {
    const failed = await call<ExecutionPageView>('executions?status=FAILED');
    expect(failed.body.executions.map((e) => e.executionArn)).toEqual([failedSignup]);
    const signups = await call<ExecutionPageView>('executions?stateMachine=signup');
    expect(signups.body.executions.map((e) => e.name).sort()).toEqual(['signup-known', 'signup-unknown']);
    const all = await call<ExecutionPageView>('executions');
    const stops = all.body.executions.map((e) => Date.parse(e.stopDate ?? ''));
    expect(stops).toEqual([...stops].sort((a, b) => b - a));
  });

  it('pages the matches', async () => {
    const first = await call<ExecutionPageView>('executions?stateMachine=payment');
    expect(first.body.executions).toHaveLength(PAGE_SIZE);
    expect(first.body.next).toBeDefined();
    const second = await call<ExecutionPageView>(`executions?stateMachine=payment&next=${first.body.next}`);
    expect(second.body.executions).toHaveLength(PAYMENTS - PAGE_SIZE);
    expect(second.body.next).toBeUndefined();
    const names = [...first.body.executions, ...second.body.executions].map((e) => e.name);
    expect(new Set(names).size).toBe(PAYMENTS);
  });

  it.each([
    ['status=DONE', 'InvalidStatus', 'status'],
    ['stateMachine=nope', 'InvalidStateMachine', 'stateMachine'],
    ['next=-1', 'InvalidNext', 'next'],
  ])('refuses %s with 400 naming the field', async (query, error, field) => {
    const { status, body } = await call<{ error: string; message: string }>(`executions?${query}`);
    expect(status).toBe(400);
    expect(body.error).toBe(error);
    expect(body.message).toContain(field);
  });
});

describe('an execution', () => {
  it('shows its definition, the failed state, each state input and its history', async () => {
    const { status, body } = await call<ExecutionDetailView>(arnPath(failedSignup));
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'FAILED', error: 'UnknownPartner', redriveStatus: 'REDRIVABLE' });
    expect(Object.keys(body.definition.States).sort()).toEqual([
      'ClaimUser',
      'IsPartnerRegistered',
      'UnknownPartner',
    ]);
    expect(body.states.UnknownPartner).toMatchObject({
      entered: 1,
      failed: true,
      input: { registered: false },
    });
    expect(body.states.IsPartnerRegistered).toMatchObject({ entered: 1, exited: 1, failed: false });
    expect(body.states.ClaimUser).toBeUndefined();
    expect(body.history.map((e) => e.type).at(-1)).toBe('ExecutionFailed');
  });

  it('marks retries and caught errors on their states, nested ones included, and fails none of a succeeded execution', async () => {
    const { executionArn } = runtime.start('refund', {}, 'refund-caught');
    await runtime.waitFor(executionArn);
    const { body } = await call<ExecutionDetailView>(arnPath(executionArn));
    expect(body.status).toBe('SUCCEEDED');
    expect(body.states.TryRefund).toMatchObject({ entered: 1, retries: 2, caught: 1, failed: false });
    expect(body.states.RefundFails).toMatchObject({ entered: 3, failed: false, error: 'Flaky' });
    expect(body.states.RefundCaught).toMatchObject({ entered: 1, exited: 1 });
  });

  it('answers 404 ExecutionDoesNotExist for an unknown execution', async () => {
    const arn = failedSignup.replace('signup-unknown', 'nobody');
    for (const [path, method] of [
      [arnPath(arn), 'GET'],
      [`${arnPath(arn)}/stop`, 'POST'],
      [`${arnPath(arn)}/redrive`, 'POST'],
    ] as const) {
      const { status, body } = await call<{ error: string }>(path, method);
      expect([status, body.error]).toEqual([404, 'ExecutionDoesNotExist']);
    }
  });

  it('refuses to redrive a succeeded execution (409 ExecutionNotRedrivable) and to stop a closed one (409 ExecutionNotRunning)', async () => {
    const redrive = await call<{ error: string; message: string }>(`${arnPath(okSignup)}/redrive`, 'POST');
    expect(redrive).toEqual({
      status: 409,
      body: { error: 'ExecutionNotRedrivable', message: 'Execution is SUCCEEDED and cannot be redriven' },
    });
    const stop = await call<{ error: string }>(`${arnPath(okSignup)}/stop`, 'POST');
    expect([stop.status, stop.body.error]).toEqual([409, 'ExecutionNotRunning']);
  });

  it('stops a running execution, and redrives it from the state it was stopped in', async () => {
    const { executionArn } = runtime.start('approval', {}, 'approval-hold');
    const stopped = await call<{ status: string }>(`${arnPath(executionArn)}/stop`, 'POST');
    expect(stopped).toMatchObject({ status: 200, body: { status: 'ABORTED' } });
    const redriven = await call<{ redriveDate: string }>(`${arnPath(executionArn)}/redrive`, 'POST');
    expect(redriven.status).toBe(200);
    const again = await call<ExecutionDetailView>(arnPath(executionArn));
    expect(again.body).toMatchObject({
      status: 'RUNNING',
      redriveCount: 1,
      redriveDate: redriven.body.redriveDate,
    });
    expect(again.body.history.map((e) => e.type)).toContain('ExecutionRedriven');
  });
});
