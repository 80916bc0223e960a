import * as fs from 'node:fs';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/** The part of an ASL state this module reads (the library's own types are a closed union). */
export interface AslState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Retry?: {
    ErrorEquals: string[];
    IntervalSeconds?: number;
    MaxDelaySeconds?: number;
    [field: string]: unknown;
  }[];
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  Branches?: AslMachine[];
  [field: string]: unknown;
}

export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

/**
 * The library waits on a timer for every Task (default 60 s; AWS: 99999999 s). Node timers overflow
 * above 2^31-1 ms and then fire at once, so "no timeout" is the longest timer Node can hold (~24.8 days).
 */
export const NO_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Reads an ASL file and replaces `${Key}` with its substitution; any `${…}` left over is an error. */
export function loadAsl(file: string, substitutions: Record<string, string>): AslMachine {
  const text = fs.readFileSync(file, 'utf8');
  return JSON.parse(substitute(text, substitutions, file)) as AslMachine;
}

export function substitute(text: string, substitutions: Record<string, string>, what = 'definition'): string {
  const replaced = text.replace(
    /\$\{([A-Za-z0-9_]+)\}/g,
    (whole, key: string) => substitutions[key] ?? whole,
  );
  const left = [...new Set(replaced.match(/\$\{[^}]*\}/g) ?? [])];
  if (left.length > 0) {
    throw new Error(`${what}: unresolved substitution(s) ${left.join(', ')} (not in the workflow manifest)`);
  }
  return replaced;
}

/** Every state, including those inside Map iterators and Parallel branches. */
export function* allStates(machine: AslMachine): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(machine.States)) {
    yield [name, state];
    const iterator = state.ItemProcessor ?? state.Iterator;
    if (iterator) yield* allStates(iterator);
    for (const branch of state.Branches ?? []) yield* allStates(branch);
  }
}

/**
 * Task states by name. The library looks task overrides up by state name across nested machines,
 * and AWS requires state names to be unique in the whole machine, so a duplicate is an error here.
 */
export function taskStates(machine: AslMachine): Map<string, AslState> {
  const seen = new Set<string>();
  const tasks = new Map<string, AslState>();
  for (const [name, state] of allStates(machine)) {
    if (seen.has(name)) throw new Error(`State name ${name} is used twice; AWS requires unique state names`);
    seen.add(name);
    if (state.Type === 'Task') tasks.set(name, state);
  }
  return tasks;
}

export interface RunnableOptions {
  /** Multiplies every retry wait and every Wait state (0: retry and go on at once). */
  retryDelayScale: number;
}

/**
 * The copy the library runs: Tasks without a timeout get "no timeout" instead of the library's 60 s,
 * and waits are scaled in the definition itself, Retry fields and Wait states alike. The library's
 * `retryIntervalOverrides` and `waitTimeOverrides` can only give a state one fixed wait (no backoff, no
 * run-time seconds), so scaling IntervalSeconds and MaxDelaySeconds keeps AWS's backoff shape
 * (IntervalSeconds × BackoffRate^attempt, capped) and the number of attempts; only the time unit shrinks.
 */
export function runnableCopy(machine: AslMachine, opts: RunnableOptions): AslMachine {
  // JSON clone, not structuredClone: under jest the latter yields objects of another realm, which the
  // library's isPlainObj check rejects (nested Parameters would then stay unevaluated).
  const copy = JSON.parse(JSON.stringify(machine)) as AslMachine;
  const scale = opts.retryDelayScale;
  for (const scope of machinesOf(copy)) {
    for (const [name, state] of Object.entries(scope.States)) {
      if (
        state.Type === 'Task' &&
        state.TimeoutSeconds === undefined &&
        state.TimeoutSecondsPath === undefined
      ) {
        state.TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS;
      }
      if (state.Retry && scale !== 1) {
        for (const retrier of state.Retry) {
          retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * scale;
          if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= scale;
        }
      }
      if (state.Type === 'Wait' && scale !== 1) scaleWait(scope, name, state, scale);
    }
  }
  return copy;
}

/** The machine and every machine inside it (Map processors, Parallel branches): each has its own States. */
function* machinesOf(machine: AslMachine): Generator<AslMachine> {
  yield machine;
  for (const state of Object.values(machine.States)) {
    const iterator = state.ItemProcessor ?? state.Iterator;
    if (iterator) yield* machinesOf(iterator);
    for (const branch of state.Branches ?? []) yield* machinesOf(branch);
  }
}

/** The longest run-time wait (seconds) a scaled copy shortens; a longer one runs as written. */
export const MAX_SCALED_WAIT_SECONDS = 60;

/**
 * `Seconds` is multiplied (the library sleeps fractional seconds). A wait read at run time cannot be: the
 * library takes whole seconds from `SecondsPath`. So a `SecondsPath` Wait becomes a Choice of the same name
 * on those seconds, each value 0…MAX_SCALED_WAIT_SECONDS going to its own `Seconds` Wait (`<name> (<n> s)`)
 * scaled like any other; the history shows the Choice and that Wait where AWS shows the one Wait. At
 * scale 0 every wait, timestamps included, is `Seconds: 0`: the execution goes on at once.
 */
function scaleWait(scope: AslMachine, name: string, state: AslState, scale: number): void {
  if (typeof state.Seconds === 'number') {
    state.Seconds *= scale;
    return;
  }
  if (scale === 0) {
    for (const field of ['SecondsPath', 'Timestamp', 'TimestampPath']) delete state[field];
    state.Seconds = 0;
    return;
  }
  if (typeof state.SecondsPath !== 'string' || state.InputPath !== undefined) {
    throw new Error(
      `Wait state ${name}: only Seconds, or SecondsPath without InputPath, can run at scale ${scale}`,
    );
  }
  const { SecondsPath: path, ...rest } = state;
  const scaled = (n: number): string => `${name} (${n} s)`;
  const seconds = Array.from({ length: MAX_SCALED_WAIT_SECONDS + 1 }, (_, n) => n);
  for (const n of seconds) scope.States[scaled(n)] = { ...rest, Seconds: n * scale };
  scope.States[`${name} (as written)`] = state;
  scope.States[name] = {
    Type: 'Choice',
    Choices: seconds.map((n) => ({ Variable: path, NumericEquals: n, Next: scaled(n) })),
    Default: `${name} (as written)`,
  };
}

export const asLibraryDefinition = (machine: AslMachine): StateMachineDefinition =>
  machine as unknown as StateMachineDefinition;
