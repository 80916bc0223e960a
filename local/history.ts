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
}

const json = (value: unknown): string => JSON.stringify(value ?? null);
const detailsKey = (type: string): string => `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;

/**
 * Converts the library's log into AWS's GetExecutionHistory events. The library has no Task-level
 * events, so each Task attempt is paired (in order, per state name) with the call the runtime made:
 * TaskStateEntered → TaskScheduled → TaskStarted → TaskSucceeded|TaskFailed|TaskTimedOut → TaskStateExited,
 * and a retry adds another Scheduled/Started/… round. Parallel branch events have no AWS equivalent.
 */
export function toAwsHistory(source: HistorySource): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  const pending = new Map<string, TaskCallRecord[]>();
  for (const call of source.taskCalls) {
    const list = pending.get(call.stateName) ?? [];
    list.push(call);
    pending.set(call.stateName, list);
  }
  /** The call of the current attempt of each Task state. */
  const current = new Map<string, TaskCallRecord | undefined>();

  const push = (type: string, timestamp: number, details?: Record<string, unknown>): void => {
    const id = out.length + 1;
    // AWS links the first state's entry to 0, like ExecutionStarted itself.
    const previous = out[out.length - 1];
    const previousEventId = !previous || previous.type === 'ExecutionStarted' ? 0 : previous.id;
    out.push({
      id,
      previousEventId,
      type,
      timestamp: new Date(timestamp),
      ...(details ? { [detailsKey(type)]: details } : {}),
    });
  };

  const taskDetails = (call: TaskCallRecord): { resourceType: string; resource: string } => ({
    resourceType: call.integration.resourceType,
    resource: call.integration.resource,
  });
  const isLegacyLambda = (call: TaskCallRecord): boolean => call.integration.kind === 'lambda-arn';

  const schedule = (stateName: string, ts: number): void => {
    const call = pending.get(stateName)?.shift();
    current.set(stateName, call);
    if (!call) return;
    if (isLegacyLambda(call)) {
      push('LambdaFunctionScheduled', ts, {
        resource: call.integration.resource,
        input: json(call.parameters),
        inputDetails: { truncated: false },
      });
      push('LambdaFunctionStarted', ts);
      return;
    }
    push('TaskScheduled', ts, {
      ...taskDetails(call),
      region: 'us-east-1',
      parameters: json(call.parameters),
      ...(call.timeoutInSeconds !== undefined ? { timeoutInSeconds: call.timeoutInSeconds } : {}),
    });
    push('TaskStarted', ts, taskDetails(call));
  };

  /** `timedOut`: the library gave up waiting (States.Timeout) while the call may still be running. */
  const finishTask = (stateName: string, ts: number, timedOut = false): void => {
    const call = current.get(stateName);
    current.delete(stateName);
    if (!call) return;
    const o = timedOut ? { ok: false as const, error: 'States.Timeout', cause: '' } : call.outcome;
    if (!o) return;
    if (isLegacyLambda(call)) {
      if (o.ok)
        push('LambdaFunctionSucceeded', ts, { output: json(o.output), outputDetails: { truncated: false } });
      else push('LambdaFunctionFailed', ts, { error: o.error, cause: o.cause });
      return;
    }
    if (o.ok)
      push('TaskSucceeded', ts, {
        ...taskDetails(call),
        output: json(o.output),
        outputDetails: { truncated: false },
      });
    else if (o.error === 'States.Timeout') push('TaskTimedOut', ts, { ...taskDetails(call), error: o.error });
    else push('TaskFailed', ts, { ...taskDetails(call), error: o.error, cause: o.cause });
  };

  for (const ev of source.events) {
    const ts = ev.timestamp;
    switch (ev.type) {
      case 'ExecutionStarted':
        push('ExecutionStarted', ts, {
          input: json(ev.input),
          inputDetails: { truncated: false },
          roleArn: source.roleArn,
        });
        break;
      case 'StateEntered':
        push(`${ev.state.type}StateEntered`, ts, {
          name: ev.state.name,
          input: json(ev.state.input),
          inputDetails: { truncated: false },
        });
        if (ev.state.type === 'Task') schedule(ev.state.name, ts);
        if (ev.state.type === 'Map') push('MapStateStarted', ts, { length: 0 });
        if (ev.state.type === 'Parallel') push('ParallelStateStarted', ts);
        break;
      case 'StateFailed':
        if (ev.state.type === 'Task') finishTask(ev.state.name, ts, ev.Error === 'States.Timeout');
        if (ev.state.type === 'Map') push('MapStateFailed', ts);
        if (ev.state.type === 'Parallel')
          push('ParallelStateFailed', ts, { error: ev.Error, cause: String(ev.Cause) });
        break;
      case 'StateRetried':
        if (ev.state.type === 'Task') schedule(ev.state.name, ts);
        break;
      case 'StateCaught':
        break;
      case 'StateExited':
        if (ev.state.type === 'Task') finishTask(ev.state.name, ts);
        if (ev.state.type === 'Map') push('MapStateSucceeded', ts);
        if (ev.state.type === 'Parallel') push('ParallelStateSucceeded', ts);
        push(`${ev.state.type}StateExited`, ts, {
          name: ev.state.name,
          output: json(ev.state.output),
          outputDetails: { truncated: false },
        });
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        push(ev.type, ts, { name: ev.parentState.name, index: ev.index });
        break;
      case 'ExecutionSucceeded':
        push('ExecutionSucceeded', ts, { output: json(ev.output), outputDetails: { truncated: false } });
        break;
      case 'ExecutionFailed': {
        const failure = source.failure ?? { error: ev.Error, cause: String(ev.Cause) };
        push('ExecutionFailed', ts, {
          ...(failure.error !== undefined ? { error: failure.error } : {}),
          ...(failure.cause !== undefined ? { cause: failure.cause } : {}),
        });
        break;
      }
      case 'ExecutionAborted':
        push('ExecutionAborted', ts, {});
        break;
      case 'ExecutionTimeout':
        push('ExecutionTimedOut', ts, {});
        break;
      default:
        // ParallelBranch* events: AWS records no per-branch events.
        break;
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
