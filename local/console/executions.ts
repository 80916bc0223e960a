import { ExecutionDoesNotExist, ExecutionNotRedrivable } from '@aws-sdk/client-sfn';
import {
  EXECUTION_STATUSES,
  type AslView,
  type ExecutionDetailView,
  type ExecutionPageView,
  type ExecutionStatusName,
  type ExecutionSummaryView,
  type OverviewView,
} from '../../web/console/execution-views';
import { localStateMachineArn } from '../aws-names';
import { listedAt, type ExecutionDescription } from '../workflow-runtime';
import { ConsoleError, type ConsoleRoute } from './api';
import type { ConsoleDeps } from './routes';
import { stateRuns } from './state-runs';

/** The search reads at most this many of the newest executions (text containment over each one's JSON). */
export const SEARCH_WINDOW = 5_000;
export const PAGE_SIZE = 50;

const summary = (d: ExecutionDescription): ExecutionSummaryView => ({
  executionArn: d.executionArn,
  stateMachine: d.workflow,
  name: d.name,
  status: d.status,
  startDate: d.startDate.toISOString(),
  ...(d.stopDate ? { stopDate: d.stopDate.toISOString() } : {}),
  redriveCount: d.redriveCount,
});

/** Whether an execution's name, input or output contains the text (ids are matched as written). */
const mentions = (d: ExecutionDescription, text: string): boolean =>
  d.name.includes(text) ||
  JSON.stringify(d.input).includes(text) ||
  (d.output !== undefined && JSON.stringify(d.output).includes(text));

function statusOf(value: string | null): ExecutionStatusName | undefined {
  if (value === null || value === '') return undefined;
  if (!(EXECUTION_STATUSES as readonly string[]).includes(value))
    throw new ConsoleError(400, 'InvalidStatus', `status must be one of ${EXECUTION_STATUSES.join(', ')}`);
  return value as ExecutionStatusName;
}

function offsetOf(value: string | null): number {
  if (value === null || value === '') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConsoleError(400, 'InvalidNext', 'next must be a page token');
  return n;
}

/** The runtime's refusals as 4xx, named as the SFN API names them. */
function asConsoleError(error: unknown): never {
  if (error instanceof ExecutionDoesNotExist) throw new ConsoleError(404, error.name, error.message);
  if (error instanceof ExecutionNotRedrivable) throw new ConsoleError(409, error.name, error.message);
  throw error;
}

/**
 * The console's executions routes, all on the runtime's own read paths (the ones the SFN API in
 * `local/aws/endpoint.ts` answers with):
 * - `GET overview`: each state machine's executions by status and how many are redrivable, and the
 *   scheduled rules with their next run (the event bus's own schedule).
 * - `GET executions?stateMachine=&status=&q=&next=`: newest first (ListExecutions' order), `q` matched
 *   in the name, input and output of the newest SEARCH_WINDOW executions, PAGE_SIZE a page.
 * - `GET executions/:arn`: the execution, its definition, what each state did and its history.
 * - `POST executions/:arn/stop`, `POST executions/:arn/redrive`.
 */
export function executionRoutes({ model, runtime, eventBus }: ConsoleDeps): ConsoleRoute[] {
  const definitions = new Map(model.workflows.map((w) => [w.name as string, w]));
  const stateMachineOf = (value: string | null): string | undefined => {
    if (value === null || value === '') return undefined;
    if (!definitions.has(value))
      throw new ConsoleError(400, 'InvalidStateMachine', `stateMachine '${value}' is not a state machine`);
    return value;
  };
  const describe = (arn: string): ExecutionDescription => {
    try {
      return runtime.describe(arn);
    } catch (error) {
      return asConsoleError(error);
    }
  };

  return [
    {
      method: 'GET',
      path: 'overview',
      handle: async (): Promise<OverviewView> => {
        const all = runtime.list();
        const stateMachines = model.workflows.map((w) => {
          const counts = Object.fromEntries(EXECUTION_STATUSES.map((s) => [s, 0])) as Record<
            ExecutionStatusName,
            number
          >;
          let redrivable = 0;
          for (const d of all) {
            if (d.workflow !== w.name) continue;
            counts[d.status]++;
            if (d.status !== 'RUNNING' && d.status !== 'SUCCEEDED')
              redrivable += runtime.redriveStatus(d.executionArn).redriveStatus === 'REDRIVABLE' ? 1 : 0;
          }
          return {
            name: w.name,
            stateMachineArn: localStateMachineArn(w.name),
            type: w.type,
            counts,
            redrivable,
          };
        });
        const schedules = model.rules
          .filter((r) => r.scheduleExpression !== undefined && r.enabled)
          .map((r) => ({
            rule: r.name,
            expression: r.scheduleExpression as string,
            targets: r.targets.map((t) => t.name),
            nextRun: eventBus.nextRun(r.name).toISOString(),
          }));
        return { stateMachines, schedules };
      },
    },
    {
      method: 'GET',
      path: 'executions',
      handle: async ({ query }): Promise<ExecutionPageView> => {
        const stateMachine = stateMachineOf(query.get('stateMachine'));
        const status = statusOf(query.get('status'));
        const text = query.get('q')?.trim() ?? '';
        const offset = offsetOf(query.get('next'));
        const newest = runtime
          .list(stateMachine)
          .sort((a, b) => listedAt(b) - listedAt(a))
          .slice(0, SEARCH_WINDOW);
        const found = newest.filter(
          (d) => (status === undefined || d.status === status) && (text === '' || mentions(d, text)),
        );
        const page = found.slice(offset, offset + PAGE_SIZE);
        const next = offset + PAGE_SIZE < found.length ? String(offset + PAGE_SIZE) : undefined;
        return { executions: page.map(summary), ...(next ? { next } : {}), window: SEARCH_WINDOW };
      },
    },
    {
      method: 'GET',
      path: 'executions/:executionArn',
      handle: async ({ params }): Promise<ExecutionDetailView> => {
        const arn = params.executionArn ?? '';
        const d = describe(arn);
        const definition = definitions.get(d.workflow)?.definition as unknown as AslView;
        return {
          ...summary(d),
          stateMachineArn: d.stateMachineArn,
          input: d.input,
          ...(d.output !== undefined ? { output: d.output } : {}),
          ...(d.error !== undefined ? { error: d.error } : {}),
          ...(d.cause !== undefined ? { cause: d.cause } : {}),
          ...(d.redriveDate ? { redriveDate: d.redriveDate.toISOString() } : {}),
          ...runtime.redriveStatus(arn),
          definition,
          states: stateRuns(runtime.events(arn), d.status === 'FAILED' || d.status === 'TIMED_OUT'),
          history: runtime.history(arn).map((e) => ({ ...e, timestamp: e.timestamp.toISOString() })),
        };
      },
    },
    {
      method: 'POST',
      path: 'executions/:executionArn/stop',
      handle: async ({ params }) => {
        const arn = params.executionArn ?? '';
        if (describe(arn).status !== 'RUNNING')
          throw new ConsoleError(409, 'ExecutionNotRunning', `Execution is not running: '${arn}'`);
        runtime.stop(arn);
        return summary(await runtime.waitFor(arn));
      },
    },
    {
      method: 'POST',
      path: 'executions/:executionArn/redrive',
      handle: async ({ params }) => {
        const arn = params.executionArn ?? '';
        describe(arn);
        const { redriveDate } = await runtime.redrive(arn).catch(asConsoleError);
        return { redriveDate: redriveDate.toISOString() };
      },
    },
  ];
}
