import type { TaskCallRecord } from '../local/history';
import type { ExecutionDescription, LocalWorkflowRuntime } from '../local/workflow-runtime';

/**
 * Every execution the chaos run's stacks ran, across crashes. A crash loses what was in flight: an
 * execution still running in a crashed stack either comes back in the next one (a Standard execution
 * the journal held, run again under its ARN) or was an Express attempt the crash cut off (its event is
 * redelivered). Closed ones are read from the stack that closed them, the latest first.
 */
export class Incarnations {
  private readonly runtimes: LocalWorkflowRuntime[] = [];

  add(runtime: LocalWorkflowRuntime): void {
    this.runtimes.push(runtime);
  }

  list(workflow?: string): ExecutionDescription[] {
    const byArn = new Map<string, ExecutionDescription>();
    this.runtimes.forEach((runtime, i) => {
      const current = i === this.runtimes.length - 1;
      for (const e of runtime.list(workflow))
        if (current || e.status !== 'RUNNING') byArn.set(e.executionArn, e);
    });
    return [...byArn.values()];
  }

  /**
   * Executions of a crashed stack that did not succeed: the crash cut them off, or the services went
   * away under them. Their event's delivery was journaled, so a later stack delivered it again.
   */
  cutByCrash(): Set<string> {
    const cut = new Set<string>();
    for (const runtime of this.runtimes.slice(0, -1))
      for (const e of runtime.list()) if (e.status !== 'SUCCEEDED') cut.add(e.executionArn);
    return cut;
  }

  caughtStates(executionArn: string): string[] {
    return this.owner(executionArn).caughtStates(executionArn);
  }

  taskCalls(executionArn: string): readonly TaskCallRecord[] {
    return this.owner(executionArn).taskCalls(executionArn);
  }

  private owner(executionArn: string): LocalWorkflowRuntime {
    const found = [...this.runtimes].reverse().find((r) => {
      try {
        return r.describe(executionArn).status !== 'RUNNING' || r === this.runtimes.at(-1);
      } catch {
        return false;
      }
    });
    if (!found) throw new Error(`No stack of this run ran ${executionArn}`);
    return found;
  }
}
