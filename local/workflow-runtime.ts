import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import { WORKFLOWS, aslPathOf, substitutionsFor, type WorkflowSpec } from '../infra/workflow-manifest';
import {
  localExecutionArn,
  localExpressExecutionArn,
  localNames,
  localRoleArn,
  localStateMachineArn,
} from './aws-names';
import { asLibraryDefinition, loadAsl, runnableCopy, taskStates, type AslMachine } from './definition';
import {
  AwsEventExpander,
  historyLength,
  reportedFailure,
  toAwsHistory,
  type HistoryEvent,
  type HistorySource,
  type LibraryEvent,
  type RecordedEvent,
  type TaskCallRecord,
} from './history';
import { integrationOf, invokeIntegration, unknownResourceMessage, type Integration } from './integrations';
import type { PutEventsRecord } from './integrations/events-put-events';
import type { LocalLambdas } from './integrations/lambda-invoke';
import { TaskError } from './integrations/task-error';
import type { Journal, JournalRecord } from './durable/journal';
import {
  MAX_HISTORY_EVENTS,
  checkExecutionInput,
  checkExecutionName,
  dataLimitFailure,
  exceedsPayloadQuota,
  historyQuotaFailure,
  type ExecutionFailure,
} from './quotas';

export { localNames } from './aws-names';
export { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './aws-names';
export type { HistoryEvent, LibraryEvent } from './history';
export type { LambdaHandler, LocalLambdaFunction, LocalLambdas } from './integrations/lambda-invoke';
export type { PutEventsRecord } from './integrations/events-put-events';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
export type WorkflowType = 'STANDARD' | 'EXPRESS';

/** One Task call as fault injection sees it. */
export interface TaskCall {
  workflow: string;
  executionName: string;
  stateName: string;
  resource: string;
  /** Calls of this state in this execution so far, this one included (1 = first try). */
  attempt: number;
  parameters: unknown;
}

/**
 * `throw`: the call fails before reaching the service. `lost-response`: the service does the work,
 * then the caller sees the error anyway (a committed write whose answer was lost).
 */
export type FaultDecision = { kind: 'throw' | 'lost-response'; error: string; cause: string };
/**
 * `hold`: the call waits until `until` settles, then goes through unharmed. Tests use it to force one
 * interleaving of concurrent executions (hold a write until another execution has ended) without sleeps.
 */
export type HoldDecision = { kind: 'hold'; until: PromiseLike<unknown> };
export type FaultInjector = (call: TaskCall) => FaultDecision | HoldDecision | undefined;

export interface LocalWorkflowRuntimeOptions {
  /** DynamoDB Local client (see `startDynamoDbLocal`). */
  dynamoDb: DynamoDBClient;
  /** In-process Lambda handlers by function name (`payment-compute`, …). */
  lambdas?: LocalLambdas;
  /** Multiplies every Retry wait; tests use 0. Default 1 (AWS timing). */
  retryDelayScale?: number;
  /** Test-only fault injection; off when absent. */
  faults?: FaultInjector;
  /** Receives what `events:putEvents` tasks send (the local cloud routes it through its event bus). */
  onPutEvents?: (records: readonly PutEventsRecord[]) => Promise<void>;
  /** Which manifest workflows to load from their ASL files (default: all of WORKFLOWS). */
  workflows?: readonly WorkflowSpec[];
  /**
   * Events a Standard execution's history may hold (AWS: 25,000, the default). Tests lower it to
   * prove the quota cheaply. Express workflows have no history quota.
   */
  maxHistoryEvents?: number;
  /**
   * Where Standard executions are made durable: a start is journaled before StartExecution answers,
   * a close (with its history) when it closes. Absent: nothing is kept.
   */
  journal?: Journal;
  /** How long a closed Standard execution stays listed (AWS: 90 days). */
  retentionMs?: number;
  /** How many closed Express executions stay inspectable (default EXPRESS_KEPT). */
  expressKept?: number;
}

/** AWS keeps closed Standard executions 90 days. */
export const DEFAULT_RETENTION_MS = 90 * 24 * 60 * 60_000;
/**
 * Express executions are not listed by the API (AWS sends their history to CloudWatch Logs only); the
 * local runtime keeps the latest closed ones for inspection, at most this many.
 */
export const EXPRESS_KEPT = 1_000;
/** Executions recovered from the journal that run at once; the others wait for a slot. */
export const RECOVERY_CONCURRENCY = 16;

/**
 * RedriveExecution's bounds (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html):
 * within 14 days of the close, within the executions' maximum open time of one year, and with room in
 * the history for ExecutionRedriven and at least one more event.
 */
export const REDRIVABLE_PERIOD_MS = 14 * 24 * 60 * 60_000;
const MAX_OPEN_MS = 365 * 24 * 60 * 60_000;
/** A client token answers again for the last 10 redrives that used one, within 15 minutes. */
const REDRIVE_TOKENS_KEPT = 10;
const REDRIVE_TOKEN_MS = 15 * 60_000;

/** DescribeExecution's `redriveStatus`; a Distributed Map's REDRIVABLE_BY_MAP_RUN does not arise here. */
export interface RedriveStatus {
  redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
  /** Why not, in AWS's words (DescribeExecution's `redriveStatusReason`). */
  redriveStatusReason?: string;
}

export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  workflow: string;
  name: string;
  status: ExecutionStatus;
  input: unknown;
  /** Parsed JSON (the SFN API returns it as a string). */
  output?: unknown;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  /** Redrives so far (0: never redriven). */
  redriveCount: number;
  /** When it was last redriven. */
  redriveDate?: Date;
}

/** Where ListExecutions puts an execution: running ones by their (re)start, closed ones by their stop. */
export const listedAt = (d: ExecutionDescription): number =>
  (d.status === 'RUNNING' ? (d.redriveDate ?? d.startDate) : (d.stopDate ?? d.startDate)).getTime();

export interface StartSyncResult extends ExecutionDescription {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
}

interface LoadedWorkflow {
  name: string;
  type: WorkflowType;
  /** The prepared copy the library runs (timeouts, scaled waits). */
  definition: AslMachine;
  /** One StateMachine per start state: its StartAt, and each top-level state a redrive started from. */
  machines: Map<string, StateMachine>;
  tasks: Map<string, Integration>;
  timeouts: Map<string, number>;
}

interface ExecutionRecord extends ExecutionDescription {
  events: RecordedEvent[];
  taskCalls: TaskCallRecord[];
  /** GetExecutionHistory events so far, counted as they happen (`expander` pairs them with the calls). */
  historyLength: number;
  expander?: AwsEventExpander;
  /** A quota failed the run: nothing the library does after it is recorded. */
  quotaFailure?: ExecutionFailure;
  /** For each run a quota closed: how many history events precede its closing ExecutionFailed. */
  historyCuts?: number[];
  /** The journal record of the redrive now running (what compaction keeps until it closes). */
  redriving?: RedriveRecordOnDisk;
  /** Client tokens of the latest redrives, each with its answer and when it was first used. */
  redriveTokens?: { token: string; redriveDate: Date; usedAt: number }[];
  attempts: Map<string, number>;
  abort?: () => void;
  done: Promise<void>;
  /** Resolves once the start is on disk (at once where nothing is journaled). */
  durable: Promise<void>;
}

/** Where a redriven run starts, and which redrive it is. */
interface Redrive {
  redriveCount: number;
  redriveDate: string;
  /** The top-level state the run starts from, and that state's input as it was entered. */
  startAt: string;
  input: unknown;
}

/**
 * A redrive, journaled before RedriveExecution answers: the execution as it had closed, and the run to
 * make from it. Replayed, it runs that redrive again (not the original start).
 */
type RedriveRecordOnDisk = {
  kind: 'execution.redriven';
  execution: SavedExecution;
  redrive: Redrive;
};

type ExecutionRecordOnDisk =
  | {
      kind: 'execution.started';
      executionArn: string;
      workflow: string;
      name: string;
      input: unknown;
      startDate: string;
    }
  | { kind: 'execution.closed'; execution: SavedExecution }
  | RedriveRecordOnDisk;

/** A closed execution as it is saved between runs of the local stack (history included). */
export interface SavedExecution extends Omit<
  ExecutionDescription,
  'startDate' | 'stopDate' | 'redriveCount' | 'redriveDate'
> {
  startDate: string;
  stopDate?: string;
  /** Absent in journals written before redrives were kept: 0. */
  redriveCount?: number;
  redriveDate?: string;
  events: RecordedEvent[];
  taskCalls: TaskCallRecord[];
  historyCuts?: number[];
}

/**
 * Which of an execution's journal records describes it last, whatever their order in the file (a
 * compaction's snapshot may precede a record still queued): a later redrive outranks an earlier one, and
 * at the same redrive a close outranks the start.
 */
function journalRank(r: ExecutionRecordOnDisk): number {
  if (r.kind === 'execution.started') return 0;
  if (r.kind === 'execution.redriven') return 2 * r.redrive.redriveCount;
  return 2 * (r.execution.redriveCount ?? 0) + 1;
}
const journaledArn = (r: ExecutionRecordOnDisk): string =>
  r.kind === 'execution.started' ? r.executionArn : r.execution.executionArn;

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const EXECUTION_RECORD_KINDS = new Set(['execution.started', 'execution.closed', 'execution.redriven']);
/** The journal holds every component's records: these are the runtime's. */
const isExecutionRecord = (r: JournalRecord): r is ExecutionRecordOnDisk & JournalRecord =>
  EXECUTION_RECORD_KINDS.has(r.kind);

/**
 * Runs the project's real ASL files offline: aws-local-stepfunctions interprets the states, every
 * Task is overridden with a local handler that reproduces the AWS integration contract against
 * DynamoDB Local, in-process Lambdas, a recorded EventBridge and this runtime's own executions.
 */
export class LocalWorkflowRuntime {
  /** Entries sent with `events:putEvents`, in order. */
  readonly putEventsLog: PutEventsRecord[] = [];
  private readonly workflows = new Map<string, LoadedWorkflow>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Set<ExecutionRecord>();
  /** Closed executions, oldest close first: retention drops from the front. */
  private readonly closedStandard: string[] = [];
  private readonly closedExpress: string[] = [];
  private readonly retryDelayScale: number;
  private readonly maxHistoryEvents: number;
  private readonly retentionMs: number;
  /** Set by `halt()`: executions stop where they are and stay journaled as running. */
  private halted = false;
  private recoverySlotsFree = RECOVERY_CONCURRENCY;
  private readonly recoveryQueue: (() => void)[] = [];

  constructor(private readonly options: LocalWorkflowRuntimeOptions) {
    this.retryDelayScale = options.retryDelayScale ?? 1;
    this.maxHistoryEvents = options.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    for (const spec of options.workflows ?? WORKFLOWS) {
      this.registerWorkflow(
        spec.name,
        loadAsl(aslPathOf(spec), substitutionsFor(spec, localNames)),
        spec.type,
      );
    }
  }

  /**
   * Adds a workflow from a definition object (tests, recorded contract cases). Validates it once
   * (asl-validator plus "can this runtime run every Resource") and builds its StateMachine once.
   */
  registerWorkflow(name: string, definition: AslMachine, type: WorkflowType = 'STANDARD'): void {
    const tasks = new Map<string, Integration>();
    const timeouts = new Map<string, number>();
    for (const [stateName, state] of taskStates(definition)) {
      const integration = integrationOf(String(state.Resource));
      if (!integration) {
        const err = new Error(unknownResourceMessage(String(state.Resource), `/States/${stateName}`));
        err.name = 'InvalidDefinition';
        throw err;
      }
      tasks.set(stateName, integration);
      if (typeof state.TimeoutSeconds === 'number') timeouts.set(stateName, state.TimeoutSeconds);
    }
    // Validate the definition as written; run a prepared copy (timeouts, scaled retries) unvalidated.
    new StateMachine(asLibraryDefinition(definition), {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    const runnable = runnableCopy(definition, { retryDelayScale: this.retryDelayScale });
    const wf: LoadedWorkflow = { name, type, definition: runnable, machines: new Map(), tasks, timeouts };
    this.machineFrom(wf, runnable.StartAt);
    this.workflows.set(name, wf);
  }

  /**
   * StartExecution: Standard name idempotency as in AWS (same running execution and same input → the
   * original). Express keeps none: a name may be used again, each run under its own ARN
   * (https://docs.aws.amazon.com/step-functions/latest/dg/express-at-least-once-execution.html).
   */
  start(
    workflow: string,
    input: unknown,
    name?: string,
  ): { executionArn: string; startDate: Date; durable: Promise<void> } {
    const wf = this.workflow(workflow);
    const executionName = name ?? randomUUID();
    checkExecutionName(executionName);
    checkExecutionInput(input);
    const executionArn =
      wf.type === 'EXPRESS'
        ? localExpressExecutionArn(workflow, executionName, randomUUID())
        : localExecutionArn(workflow, executionName);
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && sameJson(existing.input, input)) {
        return { executionArn, startDate: existing.startDate, durable: existing.durable };
      }
      throw new ExecutionAlreadyExists({
        message: `Execution Already Exists: '${executionArn}'`,
        $metadata: {},
      });
    }
    const record = this.run(wf, executionName, executionArn, input, new Date());
    if (wf.type === 'STANDARD' && this.options.journal) {
      record.durable = this.options.journal.append({
        kind: 'execution.started',
        executionArn,
        workflow,
        name: executionName,
        input,
        startDate: record.startDate.toISOString(),
      } satisfies ExecutionRecordOnDisk);
    }
    return { executionArn, startDate: record.startDate, durable: record.durable };
  }

  /** StartExecution as the API answers it: once the start is durable. */
  async startDurably(
    workflow: string,
    input: unknown,
    name?: string,
  ): Promise<{ executionArn: string; startDate: Date }> {
    const { executionArn, startDate, durable } = this.start(workflow, input, name);
    await durable;
    return { executionArn, startDate };
  }

  /** StartSyncExecution (Express): runs to the end and returns the result. */
  async startSync(workflow: string, input: unknown, name?: string): Promise<StartSyncResult> {
    const { executionArn } = this.start(workflow, input, name);
    await this.waitFor(executionArn);
    return this.describe(executionArn) as StartSyncResult;
  }

  describe(executionArn: string): ExecutionDescription {
    const r = this.record(executionArn);
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      workflow: r.workflow,
      name: r.name,
      status: r.status,
      input: r.input,
      ...(r.output !== undefined ? { output: r.output } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.cause !== undefined ? { cause: r.cause } : {}),
      startDate: r.startDate,
      ...(r.stopDate ? { stopDate: r.stopDate } : {}),
      redriveCount: r.redriveCount,
      ...(r.redriveDate ? { redriveDate: r.redriveDate } : {}),
    };
  }

  /**
   * RedriveExecution (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html): a
   * FAILED, TIMED_OUT or ABORTED Standard execution runs again from the state that ended it, with the
   * input that state was entered with, under the same ARN; the states before it do not run again. Its
   * history goes on: ExecutionRedriven, then the new run's events. A failure inside a Map or Parallel
   * state reruns that whole state with its original input (AWS reruns only the iterations or branches
   * that did not succeed; every step here is idempotent, so rerunning the ones that did is harmless).
   * Resolves once the redrive is durable. The same `clientToken` within 15 minutes (one of the last 10
   * used) answers the redrive it made again instead of refusing a running execution.
   */
  async redrive(executionArn: string, clientToken?: string): Promise<{ redriveDate: Date }> {
    const r = this.record(executionArn);
    const now = Date.now();
    const again = r.redriveTokens?.find((t) => t.token === clientToken && now - t.usedAt < REDRIVE_TOKEN_MS);
    if (again) {
      await r.durable;
      return { redriveDate: again.redriveDate };
    }
    const reason = this.notRedrivable(r, now);
    if (reason !== undefined) throw new ExecutionNotRedrivable({ message: reason, $metadata: {} });
    const wf = this.workflow(r.workflow);
    const redriveDate = new Date(now);
    const journaled: RedriveRecordOnDisk = {
      kind: 'execution.redriven',
      // A copy: the log goes on growing while the redrive runs, and compaction may write this meanwhile.
      execution: { ...this.saved(r), events: [...r.events], taskCalls: [...r.taskCalls] },
      redrive: {
        redriveCount: r.redriveCount + 1,
        redriveDate: redriveDate.toISOString(),
        ...this.redriveStart(r, wf),
      },
    };
    this.redriveRun(r, wf, journaled);
    r.durable = this.options.journal?.append(journaled) ?? Promise.resolve();
    if (clientToken !== undefined) {
      const token = { token: clientToken, redriveDate, usedAt: now };
      r.redriveTokens = [...(r.redriveTokens ?? []), token].slice(-REDRIVE_TOKENS_KEPT);
    }
    await r.durable;
    return { redriveDate };
  }

  /** Whether RedriveExecution would redrive the execution now, and if not, why (DescribeExecution's fields). */
  redriveStatus(executionArn: string): RedriveStatus {
    const reason = this.notRedrivable(this.record(executionArn), Date.now());
    return reason === undefined
      ? { redriveStatus: 'REDRIVABLE' }
      : { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: reason };
  }

  list(workflow?: string): ExecutionDescription[] {
    this.dropExpired();
    return [...this.executions.values()]
      .filter((r) => workflow === undefined || r.workflow === workflow)
      .map((r) => this.describe(r.executionArn));
  }

  /** A workflow's type (`StateMachineDoesNotExist` when unknown). */
  typeOf(workflow: string): WorkflowType {
    return this.workflow(workflow).type;
  }

  /** Resolves once the execution has closed (its event log is complete then). */
  async waitFor(executionArn: string): Promise<ExecutionDescription> {
    await this.record(executionArn).done;
    return this.describe(executionArn);
  }

  /** Resolves when nothing runs any more, children started by `states:startExecution` included. */
  /** Executions still running (a load driver uses it to keep the backlog bounded). */
  get runningCount(): number {
    return this.running.size;
  }

  async waitForIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running].map((r) => r.done));
  }

  stop(executionArn: string): void {
    this.record(executionArn).abort?.();
  }

  /**
   * A crash, cleanly: every running execution stops where it is without closing, so the journal still
   * holds it as started and the next start of the local cloud runs it again.
   */
  async halt(): Promise<void> {
    this.halted = true;
    for (const r of this.running) r.abort?.();
    await this.waitForIdle();
  }

  /** The workflows this runtime can run. */
  workflowNames(): string[] {
    return [...this.workflows.keys()];
  }

  /**
   * What the journal must keep: running Standard executions as started (or, during a redrive, as
   * redriven), closed ones within retention with their histories. Express executions are never journaled
   * (AWS keeps no Express history either).
   */
  *snapshot(): Iterable<JournalRecord> {
    this.dropExpired();
    for (const r of this.executions.values()) {
      if (this.workflows.get(r.workflow)?.type === 'EXPRESS') continue;
      if (r.status !== 'RUNNING') {
        yield { kind: 'execution.closed', execution: this.saved(r) } satisfies ExecutionRecordOnDisk;
      } else if (r.redriving) yield r.redriving;
      else {
        yield {
          kind: 'execution.started',
          executionArn: r.executionArn,
          workflow: r.workflow,
          name: r.name,
          input: r.input,
          startDate: r.startDate.toISOString(),
        } satisfies ExecutionRecordOnDisk;
      }
    }
  }

  /**
   * Replays the journal: closed executions answer describe, list and history again and keep their names
   * taken; executions that had started but not closed (a crash, a stop) run again from the start under
   * the same ARN, which the workflows allow because every step is idempotent; a redrive that had not
   * closed runs again from its state, after the history it was redriven from.
   * Returns how many executions it restarted.
   */
  recover(records: readonly JournalRecord[]): number {
    const latest = new Map<string, ExecutionRecordOnDisk>();
    for (const r of records) {
      if (!isExecutionRecord(r)) continue;
      const known = latest.get(journaledArn(r));
      if (!known || journalRank(r) >= journalRank(known)) latest.set(journaledArn(r), r);
    }
    const runnable = (workflow: string, executionArn: string): LoadedWorkflow | undefined =>
      this.executions.has(executionArn) ? undefined : this.workflows.get(workflow);
    const closed = [...latest.values()].flatMap((r) => (r.kind === 'execution.closed' ? [r.execution] : []));
    for (const s of closed.sort((a, b) => (a.stopDate ?? '').localeCompare(b.stopDate ?? ''))) {
      if (!runnable(s.workflow, s.executionArn)) continue;
      this.restore(s);
      this.closedStandard.push(s.executionArn);
    }
    let restarted = 0;
    for (const r of latest.values()) {
      if (r.kind === 'execution.closed') continue;
      const arn = journaledArn(r);
      const wf = runnable(r.kind === 'execution.started' ? r.workflow : r.execution.workflow, arn);
      if (!wf) continue;
      if (r.kind === 'execution.started') this.run(wf, r.name, arn, r.input, new Date(r.startDate), true);
      else this.redriveRun(this.restore(r.execution), wf, r, true);
      restarted++;
    }
    this.dropExpired();
    return restarted;
  }

  /** The library's raw event log (a redrive's run follows the runs before it). */
  events(executionArn: string): readonly LibraryEvent[] {
    return this.record(executionArn).events.filter((e): e is LibraryEvent => e.type !== 'ExecutionRedriven');
  }

  /** GetExecutionHistory-style events. */
  history(executionArn: string): HistoryEvent[] {
    return toAwsHistory(this.historySource(this.record(executionArn)));
  }

  /** Names of the states entered, in order (nested Map/Parallel states included). */
  statesEntered(executionArn: string): string[] {
    return this.record(executionArn).events.flatMap((e) => (e.type === 'StateEntered' ? [e.state.name] : []));
  }

  /** Names of the states whose Catch caught an error, in order. */
  caughtStates(executionArn: string): string[] {
    return this.record(executionArn).events.flatMap((e) => (e.type === 'StateCaught' ? [e.state.name] : []));
  }

  /** How many times a state was retried in an execution. */
  retries(executionArn: string, stateName: string): number {
    return this.record(executionArn).events.filter(
      (e) => e.type === 'StateRetried' && e.state.name === stateName,
    ).length;
  }

  /** The Task calls made (parameters and outcome), for assertions on what reached a service. */
  taskCalls(executionArn: string): readonly TaskCallRecord[] {
    return this.record(executionArn).taskCalls;
  }

  /** The workflow's StateMachine starting at `state` (a top-level state), built once. */
  private machineFrom(wf: LoadedWorkflow, state: string): StateMachine {
    let machine = wf.machines.get(state);
    if (!machine) {
      machine = new StateMachine(asLibraryDefinition({ ...wf.definition, StartAt: state }), {
        validationOptions: { noValidate: true },
      });
      wf.machines.set(state, machine);
    }
    return machine;
  }

  private workflow(name: string): LoadedWorkflow {
    const wf = this.workflows.get(name);
    if (!wf) {
      throw new StateMachineDoesNotExist({
        message: `State Machine Does Not Exist: '${localStateMachineArn(name)}'`,
        $metadata: {},
      });
    }
    return wf;
  }

  private record(executionArn: string): ExecutionRecord {
    const r = this.executions.get(executionArn);
    if (!r)
      throw new ExecutionDoesNotExist({
        message: `Execution Does Not Exist: '${executionArn}'`,
        $metadata: {},
      });
    return r;
  }

  /** A closed execution as the journal keeps it (history included). */
  private saved(r: ExecutionRecord): SavedExecution {
    const { startDate, stopDate, redriveDate, ...rest } = this.describe(r.executionArn);
    return {
      ...rest,
      startDate: startDate.toISOString(),
      ...(stopDate ? { stopDate: stopDate.toISOString() } : {}),
      ...(redriveDate ? { redriveDate: redriveDate.toISOString() } : {}),
      events: r.events,
      taskCalls: r.taskCalls,
      ...(r.historyCuts ? { historyCuts: r.historyCuts } : {}),
    };
  }

  /** A closed execution back from the journal: it answers describe, list and history again. */
  private restore(s: SavedExecution): ExecutionRecord {
    const { startDate, stopDate, redriveDate, redriveCount, ...rest } = s;
    const record: ExecutionRecord = {
      ...rest,
      startDate: new Date(startDate),
      ...(stopDate ? { stopDate: new Date(stopDate) } : {}),
      redriveCount: redriveCount ?? 0,
      ...(redriveDate ? { redriveDate: new Date(redriveDate) } : {}),
      historyLength: 0,
      attempts: new Map(),
      done: Promise.resolve(),
      durable: Promise.resolve(),
    };
    this.executions.set(s.executionArn, record);
    return record;
  }

  private historySource(r: ExecutionRecord): HistorySource {
    return {
      roleArn: localRoleArn(r.workflow),
      events: r.events,
      taskCalls: r.taskCalls,
      ...(r.historyCuts ? { cuts: r.historyCuts } : {}),
    };
  }

  /** Why RedriveExecution refuses the execution now, in the words of DescribeExecution's `redriveStatusReason`. */
  private notRedrivable(r: ExecutionRecord, now: number): string | undefined {
    if (this.workflows.get(r.workflow)?.type === 'EXPRESS')
      return 'This API action is not supported by EXPRESS state machines.';
    if (r.status === 'RUNNING' || r.status === 'SUCCEEDED')
      return `Execution is ${r.status} and cannot be redriven`;
    if (now - (r.stopDate?.getTime() ?? now) > REDRIVABLE_PERIOD_MS)
      return 'Execution redrivable period exceeded';
    if (now - r.startDate.getTime() > MAX_OPEN_MS) return 'Execution has exceeded the max execution time';
    // Room for ExecutionRedriven and at least one more event.
    if (historyLength(this.historySource(r)) >= this.maxHistoryEvents - 1)
      return 'Execution history event limit exceeded';
    return undefined;
  }

  /**
   * Where a redrive starts: the last top-level state the execution entered, which is the one whose
   * failure, time-out or stop ended it (a state inside a Map or Parallel counts as that Map or Parallel),
   * with the input it was entered with. Nothing entered yet: the start, with the execution's input.
   */
  private redriveStart(r: ExecutionRecord, wf: LoadedWorkflow): { startAt: string; input: unknown } {
    for (let i = r.events.length - 1; i >= 0; i--) {
      const e = r.events[i];
      // State names are unique in the whole machine, so a top-level name is a top-level state.
      if (e?.type === 'StateEntered' && Object.hasOwn(wf.definition.States, e.state.name))
        return { startAt: e.state.name, input: e.state.input };
    }
    return { startAt: wf.definition.StartAt, input: r.input };
  }

  /**
   * Makes a closed execution run the journaled redrive: RUNNING again, redriveCount and redriveDate
   * set, ExecutionRedriven after its history, then the library from the redrive's state. The history
   * count and the attempts go on from the runs before (the quota counts the whole history).
   */
  private redriveRun(
    r: ExecutionRecord,
    wf: LoadedWorkflow,
    journaled: RedriveRecordOnDisk,
    paced = false,
  ): void {
    const { redrive } = journaled;
    const expander = new AwsEventExpander();
    r.historyLength = historyLength(this.historySource(r), expander);
    r.expander = expander;
    r.attempts = new Map();
    for (const call of r.taskCalls) r.attempts.set(call.stateName, (r.attempts.get(call.stateName) ?? 0) + 1);
    r.status = 'RUNNING';
    for (const field of ['output', 'error', 'cause', 'stopDate', 'quotaFailure'] as const) delete r[field];
    r.redriveCount = redrive.redriveCount;
    r.redriveDate = new Date(redrive.redriveDate);
    r.redriving = journaled;
    const closedAt = this.closedStandard.indexOf(r.executionArn);
    if (closedAt >= 0) this.closedStandard.splice(closedAt, 1);
    this.recordEvent(r, wf.type, {
      type: 'ExecutionRedriven',
      timestamp: r.redriveDate.getTime(),
      redriveCount: redrive.redriveCount,
    });
    this.drive(r, wf, redrive.startAt, redrive.input, paced);
  }

  /** A recovery slot; the function it resolves with frees it. */
  private async recoverySlot(): Promise<() => void> {
    if (this.recoverySlotsFree > 0) this.recoverySlotsFree--;
    else await new Promise<void>((resolve) => this.recoveryQueue.push(resolve));
    return () => {
      const next = this.recoveryQueue.shift();
      if (next) next();
      else this.recoverySlotsFree++;
    };
  }

  /** Closed Standard executions past retention, and Express ones past the kept number, are forgotten. */
  private dropExpired(now = Date.now()): void {
    while (this.closedStandard.length > 0) {
      const r = this.executions.get(this.closedStandard[0] as string);
      if (r && (r.stopDate?.getTime() ?? now) > now - this.retentionMs) break;
      this.closedStandard.shift();
      if (r) this.executions.delete(r.executionArn);
    }
    while (this.closedExpress.length > (this.options.expressKept ?? EXPRESS_KEPT))
      this.executions.delete(this.closedExpress.shift() as string);
  }

  /** Journals a Standard execution's close; an Express one joins the bounded list of kept ones. */
  private async closed(record: ExecutionRecord, type: WorkflowType): Promise<void> {
    if (type === 'EXPRESS') {
      this.closedExpress.push(record.executionArn);
      this.dropExpired();
      return;
    }
    this.closedStandard.push(record.executionArn);
    await record.durable.catch(() => undefined);
    await this.options.journal?.append({
      kind: 'execution.closed',
      execution: this.saved(record),
    } satisfies ExecutionRecordOnDisk);
  }

  private run(
    wf: LoadedWorkflow,
    name: string,
    executionArn: string,
    input: unknown,
    startDate: Date,
    paced = false,
  ): ExecutionRecord {
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: localStateMachineArn(wf.name),
      workflow: wf.name,
      name,
      status: 'RUNNING',
      input,
      startDate,
      redriveCount: 0,
      events: [],
      taskCalls: [],
      historyLength: 0,
      expander: new AwsEventExpander(),
      attempts: new Map(),
      done: Promise.resolve(),
      durable: Promise.resolve(),
    };
    this.executions.set(executionArn, record);
    this.drive(record, wf, wf.definition.StartAt, input, paced);
    return record;
  }

  /** Runs the library from `startAt` (the start, or a redrive's state) and closes the execution after it. */
  private drive(
    record: ExecutionRecord,
    wf: LoadedWorkflow,
    startAt: string,
    input: unknown,
    /**
     * Recovered from the journal: runs once one of RECOVERY_CONCURRENCY slots is free. A crash's backlog
     * released at once contends with itself (the same referral's writers) and exhausts its back-offs.
     * The execution is RUNNING (and its name taken) meanwhile.
     */
    paced = false,
  ): void {
    if (paced) {
      this.running.add(record);
      record.done = this.recoverySlot().then(async (release) => {
        try {
          if (this.halted) {
            this.running.delete(record);
            return;
          }
          this.drive(record, wf, startAt, input);
          await record.done;
        } finally {
          release();
        }
      });
      return;
    }
    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    for (const [stateName, integration] of wf.tasks) {
      handlers[stateName] = (parameters) =>
        this.callTask(
          record,
          stateName,
          integration,
          parameters,
          wf.timeouts.get(stateName),
        ) as Promise<never>;
    }
    const execution = this.machineFrom(wf, startAt).run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          Input: record.input as never,
          StartTime: record.startDate.toISOString(),
          RoleArn: localRoleArn(wf.name),
          RedriveCount: record.redriveCount,
        },
        StateMachine: { Id: record.stateMachineArn, Name: wf.name },
      },
    });
    record.abort = execution.abort;
    const redriven = record.redriveCount > 0;
    // Drain the log while the execution runs: it is complete when both have finished.
    const log = (async () => {
      for await (const event of execution.eventLogs) {
        // A redriven run has begun with ExecutionRedriven: AWS records no second ExecutionStarted.
        if (redriven && event.type === 'ExecutionStarted') continue;
        this.recordEvent(record, wf.type, event);
      }
    })();
    record.done = (async () => {
      const outcome = await execution.result.then(
        (output: unknown) => ({ ok: true as const, output }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      await log;
      // Halted (the local cloud is stopping): the execution stays running in the journal and resumes.
      if (this.halted) {
        this.running.delete(record);
        return;
      }
      // A quota noticed in the log decides, even over a result the library reached meanwhile.
      if (record.quotaFailure) {
        record.status = 'FAILED';
        record.error = record.quotaFailure.error;
        record.cause = record.quotaFailure.cause;
      } else if (outcome.ok) {
        record.output = outcome.output;
        record.status = 'SUCCEEDED';
      } else {
        this.settleFailure(record, outcome.err);
      }
      record.stopDate = new Date();
      delete record.redriving;
      // A close that cannot be journaled (the journal closed) leaves the start there: it runs again.
      await this.closed(record, wf.type).catch(() => undefined);
      this.running.delete(record);
    })();
    this.running.add(record);
  }

  /**
   * Records one library event and enforces the quotas on it: a Standard history holds
   * `maxHistoryEvents` events at most, the last of which may only be ExecutionSucceeded (AWS fails the
   * execution with event number `maxEvents` otherwise), and no state's output is over the payload quota.
   */
  private recordEvent(record: ExecutionRecord, type: WorkflowType, event: RecordedEvent): void {
    if (record.quotaFailure) return;
    record.events.push(event);
    record.historyLength += record.expander?.expand(event).length ?? 0;
    const max = this.maxHistoryEvents;
    const closesAtQuota = event.type === 'ExecutionSucceeded' && record.historyLength === max;
    if (type === 'STANDARD' && record.historyLength >= max && !closesAtQuota) {
      this.failOnQuota(record, historyQuotaFailure(max), max - 1);
    } else if (event.type === 'StateExited' && exceedsPayloadQuota(event.state.output)) {
      // The output never leaves the state: its StateExited event is where the failure goes.
      this.failOnQuota(record, dataLimitFailure(event.state.name), record.historyLength - 1);
    }
  }

  /** Ends the execution as AWS does when a quota is hit: `keep` history events, then ExecutionFailed. */
  private failOnQuota(record: ExecutionRecord, failure: ExecutionFailure, keep: number): void {
    record.quotaFailure = failure;
    record.historyCuts = [...(record.historyCuts ?? []), Math.min(keep, record.historyLength)];
    record.events.push({
      type: 'ExecutionFailed',
      timestamp: Date.now(),
      Error: failure.error,
      Cause: failure.cause,
    });
    record.abort?.();
  }

  private settleFailure(record: ExecutionRecord, err: unknown): void {
    if (err instanceof ExecutionTimeoutError) {
      record.status = 'TIMED_OUT';
      return;
    }
    if (err instanceof ExecutionAbortedError) {
      record.status = 'ABORTED';
      return;
    }
    record.status = 'FAILED';
    const cause = err instanceof ExecutionError ? (err.cause as Error) : (err as Error);
    Object.assign(record, reportedFailure(cause.name, cause.message));
  }

  private async callTask(
    record: ExecutionRecord,
    stateName: string,
    integration: Integration,
    parameters: unknown,
    timeoutInSeconds?: number,
  ): Promise<unknown> {
    const attempt = (record.attempts.get(stateName) ?? 0) + 1;
    record.attempts.set(stateName, attempt);
    const call: TaskCallRecord = { stateName, integration, parameters, attempt, timeoutInSeconds };
    // Before any await: the live history pairs this call with the StateEntered/StateRetried just logged.
    record.taskCalls.push(call);
    record.expander?.addTaskCall(call);
    // The log is drained in microtasks: after one macrotask it has counted every event logged so far,
    // so a quota crossed by this Task's TaskScheduled/TaskStarted (or before) is known here.
    await new Promise((resolve) => setImmediate(resolve));
    if (!record.quotaFailure && exceedsPayloadQuota(parameters)) {
      // The state's input after Parameters: the Task is never scheduled.
      this.failOnQuota(record, dataLimitFailure(stateName), record.historyLength - 2);
    }
    if (record.quotaFailure) {
      // The execution has failed: the call is not made. The error only ends the library's run (aborted).
      throw new TaskError(record.quotaFailure.error, record.quotaFailure.cause);
    }
    const fault = this.options.faults?.({
      workflow: record.workflow,
      executionName: record.name,
      stateName,
      resource:
        integration.resourceType === 'lambda' && integration.kind === 'lambda-arn'
          ? integration.resource
          : `arn:aws:states:::${integration.resourceType}:${integration.resource}`,
      attempt,
      parameters,
    });
    if (fault?.kind === 'hold') {
      await Promise.resolve(fault.until).catch(() => undefined);
    }
    try {
      if (fault?.kind === 'throw') throw new TaskError(fault.error, fault.cause);
      const output = await invokeIntegration(integration, parameters, {
        dynamoDb: this.options.dynamoDb,
        lambdas: this.options.lambdas ?? {},
        putEventsLog: this.putEventsLog,
        ...(this.options.onPutEvents ? { onPutEvents: this.options.onPutEvents } : {}),
        startExecution: (wf, input, name) => this.start(wf, input, name),
        sender: { workflow: record.workflow, executionArn: record.executionArn },
      });
      if (fault?.kind === 'lost-response') throw new TaskError(fault.error, fault.cause);
      if (exceedsPayloadQuota(output)) {
        // The connector's result: a Task failure that Retry and Catch (States.ALL included) see.
        const { error, cause } = dataLimitFailure(
          integration.kind === 'lambda-arn' ? integration.resource : integration.resourceType,
        );
        throw new TaskError(error, cause);
      }
      call.outcome = { ok: true, output };
      return output;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      call.outcome = { ok: false, error: e.name, cause: e.message };
      throw e;
    }
  }
}
