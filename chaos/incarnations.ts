import type { ExecutionDescription, LocalWorkflowRuntime } from '../local/workflow-runtime';

/** What the report reads of one execution, kept once its stack has crashed (not its whole history). */
interface Retired {
  description: ExecutionDescription;
  caughtStates: string[];
  replays: number;
}

/**
 * Every execution the chaos run's stacks ran, across crashes. A crash loses what was in flight: an
 * execution still running in a crashed stack either comes back in the next one (a Standard execution
 * the journal held, run again under its ARN) or was an Express attempt the crash cut off (its event is
 * redelivered). A crashed stack's closed executions are kept as summaries, so that memory holds one
 * copy of the histories however many times the stack crashes; the current stack is read live.
 */
export class Incarnations {
  private readonly retired = new Map<string, Retired>();
  private readonly cut = new Set<string>();

  constructor(private current: LocalWorkflowRuntime) {}

  /** The stack crashed: keep what the report needs of its executions, then read the next one live. */
  replace(crashed: LocalWorkflowRuntime, next: LocalWorkflowRuntime): void {
    for (const description of crashed.list()) {
      if (description.status === 'RUNNING') continue;
      const arn = description.executionArn;
      if (description.status !== 'SUCCEEDED') this.cut.add(arn);
      this.retired.set(arn, {
        description,
        caughtStates: crashed.caughtStates(arn),
        replays: replayCalls(crashed, arn),
      });
    }
    this.current = next;
  }

  list(workflow?: string): ExecutionDescription[] {
    const byArn = new Map<string, ExecutionDescription>();
    for (const r of this.retired.values())
      if (workflow === undefined || r.description.workflow === workflow)
        byArn.set(r.description.executionArn, r.description);
    for (const e of this.current.list(workflow)) byArn.set(e.executionArn, e);
    return [...byArn.values()];
  }

  caughtStates(executionArn: string): string[] {
    return this.isCurrent(executionArn)
      ? this.current.caughtStates(executionArn)
      : (this.retired.get(executionArn)?.caughtStates ?? []);
  }

  /** Successful `ReplayWaitingFact` calls of the execution (replays of parked facts). */
  replays(executionArn: string): number {
    return this.isCurrent(executionArn)
      ? replayCalls(this.current, executionArn)
      : (this.retired.get(executionArn)?.replays ?? 0);
  }

  /**
   * Executions of a crashed stack that did not succeed: the crash cut them off, or the services went
   * away under them, and no later stack ran them again: their event's delivery was journaled, so a
   * later stack delivered it again.
   */
  cutByCrash(): ReadonlySet<string> {
    // One the next stack ran again under its ARN is judged by how it ended there.
    return new Set([...this.cut].filter((arn) => !this.isCurrent(arn)));
  }

  private isCurrent(executionArn: string): boolean {
    try {
      this.current.describe(executionArn);
      return true;
    } catch {
      return false;
    }
  }
}

function replayCalls(runtime: LocalWorkflowRuntime, executionArn: string): number {
  return runtime.taskCalls(executionArn).filter((c) => c.stateName === 'ReplayWaitingFact' && c.outcome?.ok)
    .length;
}
