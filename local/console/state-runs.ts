import type { StateRunView } from '../../web/console/execution-views';
import type { LibraryEvent } from '../workflow-runtime';

/**
 * What each state did in an execution, from the runtime's event log: how often it was entered, exited,
 * retried and caught, whether it failed, and its last input and output (a state in a Map runs once per
 * item). A Fail state logs no StateFailed: in a FAILED execution the state entered last and never exited
 * is the one that failed it.
 */
export function stateRuns(events: readonly LibraryEvent[], failed: boolean): Record<string, StateRunView> {
  const runs: Record<string, StateRunView> = {};
  const run = (name: string): StateRunView =>
    (runs[name] ??= { entered: 0, exited: 0, retries: 0, caught: 0, failed: false });
  let lastOpen: string | undefined;
  /** States whose latest event is a failure nothing retried or caught. */
  const failing = new Set<string>();
  for (const e of events) {
    if (!('state' in e)) continue;
    const r = run(e.state.name);
    if (e.type === 'StateFailed') failing.add(e.state.name);
    else failing.delete(e.state.name);
    switch (e.type) {
      case 'StateEntered':
        r.entered++;
        r.input = e.state.input;
        lastOpen = e.state.name;
        break;
      case 'StateExited':
        r.exited++;
        r.output = e.state.output;
        if (lastOpen === e.state.name) lastOpen = undefined;
        break;
      case 'StateRetried':
        r.retries++;
        break;
      case 'StateCaught':
        r.caught++;
        break;
      case 'StateFailed':
        r.error = e.Error;
        r.cause = typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause);
        break;
    }
  }
  if (!failed) return runs;
  for (const name of failing) run(name).failed = true;
  if (lastOpen !== undefined) run(lastOpen).failed = true;
  return runs;
}
