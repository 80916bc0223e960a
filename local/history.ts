import type { StateMachine } from 'aws-local-stepfunctions';
import type { Integration } from './integrations';

/** One event of the library's execution log (its type is not exported by name). */
export type LibraryEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/**
 * The runtime's own event: a redrive runs the library again from the failed state, and this marks where
 * that run's events begin (in place of the run's ExecutionStarted).
 */
export interface ExecutionRedrivenEvent {
  type: 'ExecutionRedriven';
  timestamp: number;
  /** Redrives so far, this one included. */
  redriveCount: number;
}

/** An execution's log: the library's events, each redriven run after its ExecutionRedriven. */
export type RecordedEvent = LibraryEvent | ExecutionRedrivenEvent;

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
  events: readonly RecordedEvent[];
  taskCalls: readonly TaskCallRecord[];
  /**
   * Runs closed early by a quota, in order: a cut `n` lists the history's first `n` events, then only
   * that run's closing Execution* event (the events recorded for the step that crossed the quota are
   * dropped). A redriven run's events follow as usual.
   */
  cuts?: readonly number[];
}

/** A failure as AWS reports it: a Fail state without Error/Cause reports neither (the library fills in its own). */
export function reportedFailure(error: string, cause: string): { error?: string; cause?: string } {
  return {
    ...(error !== 'FailStateError' ? { error } : {}),
    ...(cause !== 'Execution failed because of a Fail state' ? { cause } : {}),
  };
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

  constructor(private readonly roleArn = '') {}

  addTaskCall(call: TaskCallRecord): void {
    const list = this.pending.get(call.stateName) ?? [];
    list.push(call);
    this.pending.set(call.stateName, list);
  }

  expand(ev: RecordedEvent): HistoryEventDraft[] {
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
          roleArn: this.roleArn,
        }));
        break;
      case 'ExecutionRedriven':
        push('ExecutionRedriven', () => ({ redriveCount: ev.redriveCount }));
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
        push('ExecutionFailed', () => reportedFailure(ev.Error, String(ev.Cause)));
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

/**
 * The events GetExecutionHistory lists, unnumbered, in order. `expander` (a fresh one) is left where the
 * log ends, so a live execution can go on counting with it.
 */
function* visibleDrafts(
  source: HistorySource,
  expander = new AwsEventExpander(source.roleArn),
): Generator<HistoryEventDraft> {
  for (const call of source.taskCalls) expander.addTaskCall(call);
  const cuts = [...(source.cuts ?? [])];
  let listed = 0;
  for (const ev of source.events) {
    for (const draft of expander.expand(ev)) {
      if (listed >= (cuts[0] ?? Number.POSITIVE_INFINITY)) {
        if (!CLOSING_EVENTS.has(draft.type)) continue;
        cuts.shift();
      }
      listed++;
      yield draft;
    }
  }
}

/** How many events GetExecutionHistory lists (no details built). */
export function historyLength(source: HistorySource, expander?: AwsEventExpander): number {
  return [...visibleDrafts(source, expander)].length;
}

/**
 * The execution's log as AWS's GetExecutionHistory events (see AwsEventExpander). A redrive appends to
 * the history (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html):
 * the earlier runs' events stay, ExecutionRedriven follows the last close, then the redriven run's events.
 */
export function toAwsHistory(source: HistorySource): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const draft of visibleDrafts(source)) {
    const previous = out[out.length - 1];
    // AWS links the first state's entry to 0, like ExecutionStarted itself; a redriven run's first
    // entry links to its ExecutionRedriven.
    const previousEventId = !previous || previous.type === 'ExecutionStarted' ? 0 : previous.id;
    out.push({
      id: out.length + 1,
      previousEventId,
      type: draft.type,
      timestamp: new Date(draft.timestamp),
      ...(draft.details ? { [detailsKey(draft.type)]: draft.details() } : {}),
    });
  }
  fillMapLengths(out);
  return out;
}

/**
 * MapStateStarted.length, now that the iterations are known: those of its state that start before the
 * state starts again (a loop, a redrive) or the execution is redriven.
 */
function fillMapLengths(events: readonly HistoryEvent[]): void {
  const open = new Map<string, { length: number }>();
  const nameOf = (details: unknown): string | undefined => (details as { name?: string } | undefined)?.name;
  for (const [i, e] of events.entries()) {
    if (e.type === 'ExecutionRedriven') open.clear();
    if (e.type === 'MapStateStarted') {
      const details = { length: 0 };
      e.mapStateStartedEventDetails = details;
      const name = nameOf(events[i - 1]?.stateEnteredEventDetails);
      if (name !== undefined) open.set(name, details);
    }
    if (e.type === 'MapIterationStarted') {
      const details = open.get(nameOf(e.mapIterationStartedEventDetails) ?? '');
      if (details) details.length++;
    }
  }
}
