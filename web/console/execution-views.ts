/**
 * What the console's executions API (`local/console/executions.ts`) answers, as JSON: the server builds
 * these and the pages read them. Dates are ISO strings.
 */
export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type ExecutionStatusName = (typeof EXECUTION_STATUSES)[number];

export interface StateMachineView {
  name: string;
  stateMachineArn: string;
  type: 'STANDARD' | 'EXPRESS';
  counts: Record<ExecutionStatusName, number>;
  /** Closed executions RedriveExecution would take now. */
  redrivable: number;
}

export interface ScheduleView {
  rule: string;
  expression: string;
  /** The state machines the rule starts. */
  targets: string[];
  nextRun: string;
}

export interface OverviewView {
  stateMachines: StateMachineView[];
  schedules: ScheduleView[];
}

export interface ExecutionSummaryView {
  executionArn: string;
  stateMachine: string;
  name: string;
  status: ExecutionStatusName;
  startDate: string;
  stopDate?: string;
  redriveCount: number;
}

export interface ExecutionPageView {
  executions: ExecutionSummaryView[];
  /** Pass as `next` for the following page; absent on the last. */
  next?: string;
  /** The search looked at this many of the newest executions at most. */
  window: number;
}

/** What one state did in an execution (a state in a Map runs once per iteration: the last is shown). */
export interface StateRunView {
  entered: number;
  exited: number;
  retries: number;
  caught: number;
  failed: boolean;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface ExecutionDetailView extends ExecutionSummaryView {
  stateMachineArn: string;
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  redriveDate?: string;
  redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
  redriveStatusReason?: string;
  /** The state machine's ASL (local names). */
  definition: AslView;
  states: Record<string, StateRunView>;
  /** GetExecutionHistory's events. */
  history: HistoryEventView[];
}

export interface HistoryEventView {
  id: number;
  previousEventId: number;
  type: string;
  timestamp: string;
  [details: string]: unknown;
}

/** The part of an ASL definition the graph draws. */
export interface AslView {
  StartAt: string;
  States: Record<string, AslStateView>;
}

export interface AslStateView {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Retry?: unknown[];
  Branches?: AslView[];
  Iterator?: AslView;
  ItemProcessor?: AslView;
}
