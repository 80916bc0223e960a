import type { StateMachine } from 'aws-local-stepfunctions';
import type { Integration } from './integrations';

/** One event of the library's execution log (its type is not exported by name). */
export type LibraryEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** One call the runtime made for a Task state, kept to fill AWS's Task* events. */
export interface TaskCallRecord {
  stateName: string;
  integration: Integration;
  parameters: unknown;
  attempt: number;
  /** The Task's own TimeoutSeconds, when it sets one (AWS reports it in TaskScheduled). */
  timeoutInSeconds?: number;
  outcome?: { ok: true; output: unknown } | { ok: false; error: string; cause: string };
}

/** An event as GetExecutionHistory returns it: JSON payloads are strings, details under `<type>EventDetails`. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  type: string;
  timestamp: Date;
  [details: string]: unknown;
}

export interface HistorySource {
  roleArn: string;
  events: readonly LibraryEvent[];
  taskCalls: readonly TaskCallRecord[];
  /** Execution failure as the runtime reports it (Fail states without Error/Cause report none). */
  failure?: { error?: string; cause?: string };
  /**
   * A history closed early by a quota: only the first `cutAfter` events are listed, then the final
   * Execution* event (the events recorded for the step that crossed the quota are dropped).
   */
  cutAfter?: number;
}

/** One AWS event before it is numbered; its details are built only when the history is read. */
export interface HistoryEventDraft {
  type: string;
  timestamp: number;
  details?: () => Record<string, unknown>;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);
const detailsKey = (type: string): string => `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
const CLOSING_EVENTS = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimedOut',
]);

/**
 * Turns the library's log, one event at a time, into the AWS events GetExecutionHistory lists. The
 * library has no Task-level events, so each Task attempt is paired (in order, per state name) with the
 * call the runtime made: TaskStateEntered → TaskScheduled → TaskStarted → TaskSucceeded|TaskFailed|
 * TaskTimedOut → TaskStateExited, and a retry adds another Scheduled/Started/… round. Parallel branch
 * events have no AWS equivalent. The runtime feeds a live one to count events as they happen; a call
 * must be added before the library event that starts it (the library invokes the Task in the same
 * synchronous run as it logs StateEntered/StateRetried, so the runtime always can).
 */
export class AwsEventExpander {
  private readonly pending = new Map<string, TaskCallRecord[]>();
  /** The call of the current attempt of each Task state. */
  private readonly current = new Map<string, TaskCallRecord | undefined>();

  constructor(private readonly source: Pick<HistorySource, 'roleArn' | 'failure'> = { roleArn: '' }) {}

  addTaskCall(call: TaskCallRecord): void {
    const list = this.pending.get(call.stateName) ?? [];
    list.push(call);
    this.pending.set(call.stateName, list);
  }

  expand(ev: LibraryEvent): HistoryEventDraft[] {
    const out: HistoryEventDraft[] = [];
    const ts = ev.timestamp;
    const push = (type: string, details?: () => Record<string, unknown>): void => {
      out.push({ type, timestamp: ts, ...(details ? { details } : {}) });
    };
    switch (ev.type) {
      case 'ExecutionStarted':
        push('ExecutionStarted', () => ({
          input: json(ev.input),
          inputDetails: { truncated: false },
          roleArn: this.source.roleArn,
        }));
        break;
      case 'StateEntered':
        push(`${ev.state.type}StateEntered`, () => ({
          name: ev.state.name,
          input: json(ev.state.input),
          inputDetails: { truncated: false },
        }));
        if (ev.state.type === 'Task') this.schedule(ev.state.name, push);
        if (ev.state.type === 'Map') push('MapStateStarted', () => ({ length: 0 }));
        if (ev.state.type === 'Parallel') push('ParallelStateStarted');
        break;
      case 'StateFailed':
        if (ev.state.type === 'Task') this.finishTask(ev.state.name, push, ev.Error === 'States.Timeout');
        if (ev.state.type === 'Map') push('MapStateFailed');
        if (ev.state.type === 'Parallel')
          push('ParallelStateFailed', () => ({ error: ev.Error, cause: String(ev.Cause) }));
        break;
      case 'StateRetried':
        if (ev.state.type === 'Task') this.schedule(ev.state.name, push);
        break;
      case 'StateCaught':
        break;
      case 'StateExited':
        if (ev.state.type === 'Task') this.finishTask(ev.state.name, push);
        if (ev.state.type === 'Map') push('MapStateSucceeded');
        if (ev.state.type === 'Parallel') push('ParallelStateSucceeded');
        push(`${ev.state.type}StateExited`, () => ({
          name: ev.state.name,
          output: json(ev.state.output),
          outputDetails: { truncated: false },
        }));
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        push(ev.type, () => ({ name: ev.parentState.name, index: ev.index }));
        break;
      case 'ExecutionSucceeded':
        push('ExecutionSucceeded', () => ({ output: json(ev.output), outputDetails: { truncated: false } }));
        break;
      case 'ExecutionFailed':
        push('ExecutionFailed', () => {
          const failure = this.source.failure ?? { error: ev.Error, cause: String(ev.Cause) };
          return {
            ...(failure.error !== undefined ? { error: failure.error } : {}),
            ...(failure.cause !== undefined ? { cause: failure.cause } : {}),
          };
        });
        break;
      case 'ExecutionAborted':
        push('ExecutionAborted', () => ({}));
        break;
      case 'ExecutionTimeout':
        push('ExecutionTimedOut', () => ({}));
        break;
      default:
        // ParallelBranch* events: AWS records no per-branch events.
        break;
    }
    return out;
  }

  private schedule(
    stateName: string,
    push: (type: string, details?: () => Record<string, unknown>) => void,
  ): void {
    const call = this.pending.get(stateName)?.shift();
    this.current.set(stateName, call);
    if (!call) return;
    if (isLegacyLambda(call)) {
      push('LambdaFunctionScheduled', () => ({
        resource: call.integration.resource,
        input: json(call.parameters),
        inputDetails: { truncated: false },
      }));
      push('LambdaFunctionStarted');
      return;
    }
    push('TaskScheduled', () => ({
      ...taskDetails(call),
      region: 'us-east-1',
      parameters: json(call.parameters),
      ...(call.timeoutInSeconds !== undefined ? { timeoutInSeconds: call.timeoutInSeconds } : {}),
    }));
    push('TaskStarted', () => taskDetails(call));
  }

  /** `timedOut`: the library gave up waiting (States.Timeout) while the call may still be running. */
  private finishTask(
    stateName: string,
    push: (type: string, details?: () => Record<string, unknown>) => void,
    timedOut = false,
  ): void {
    const call = this.current.get(stateName);
    this.current.delete(stateName);
    if (!call) return;
    const o = timedOut ? { ok: false as const, error: 'States.Timeout', cause: '' } : call.outcome;
    if (!o) return;
    if (isLegacyLambda(call)) {
      if (o.ok)
        push('LambdaFunctionSucceeded', () => ({
          output: json(o.output),
          outputDetails: { truncated: false },
        }));
      else push('LambdaFunctionFailed', () => ({ error: o.error, cause: o.cause }));
      return;
    }
    if (o.ok)
      push('TaskSucceeded', () => ({
        ...taskDetails(call),
        output: json(o.output),
        outputDetails: { truncated: false },
      }));
    else if (o.error === 'States.Timeout')
      push('TaskTimedOut', () => ({ ...taskDetails(call), error: o.error }));
    else push('TaskFailed', () => ({ ...taskDetails(call), error: o.error, cause: o.cause }));
  }
}

const taskDetails = (call: TaskCallRecord): { resourceType: string; resource: string } => ({
  resourceType: call.integration.resourceType,
  resource: call.integration.resource,
});
const isLegacyLambda = (call: TaskCallRecord): boolean => call.integration.kind === 'lambda-arn';

/** The library's log as AWS's GetExecutionHistory events (see AwsEventExpander). */
export function toAwsHistory(source: HistorySource): HistoryEvent[] {
  const expander = new AwsEventExpander(source);
  for (const call of source.taskCalls) expander.addTaskCall(call);
  const keep = source.cutAfter ?? Number.POSITIVE_INFINITY;
  const out: HistoryEvent[] = [];
  for (const ev of source.events) {
    for (const draft of expander.expand(ev)) {
      if (out.length >= keep && !CLOSING_EVENTS.has(draft.type)) continue;
      const previous = out[out.length - 1];
      // AWS links the first state's entry to 0, like ExecutionStarted itself.
      const previousEventId = !previous || previous.type === 'ExecutionStarted' ? 0 : previous.id;
      out.push({
        id: out.length + 1,
        previousEventId,
        type: draft.type,
        timestamp: new Date(draft.timestamp),
        ...(draft.details ? { [detailsKey(draft.type)]: draft.details() } : {}),
      });
    }
  }
  // Fix MapStateStarted.length now that the iterations are known.
  for (const e of out) {
    if (e.type !== 'MapStateStarted') continue;
    const entered = out[e.id - 2];
    const name = (entered?.stateEnteredEventDetails as { name?: string } | undefined)?.name;
    const length = out.filter(
      (x) =>
        x.type === 'MapIterationStarted' &&
        (x.mapIterationStartedEventDetails as { name?: string }).name === name &&
        x.id > e.id,
    ).length;
    e.mapStateStartedEventDetails = { length };
  }
  return out;
}
