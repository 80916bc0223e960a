import { randomUUID } from 'node:crypto';
import type { WorkflowName } from '../../domain/config';
import { DEFAULT_STACK_NAME } from '../../infra/app';
import { stateMachineNameFor } from '../../infra/constructs/workflow';
import type { WorkflowSpec } from '../../infra/workflow-manifest';
import type { HistoryEvent } from '../../local/history';

export type StepFunctionsLogLevel = WorkflowSpec['logLevel'];

/**
 * The history events each level sends to CloudWatch Logs, as the log level table lists them
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html): ALL every event,
 * ERROR the failures (of the execution, a state, a task, a Lambda, a Map iteration) and Fail states
 * entered, FATAL only the execution's own failure, abort or timeout, OFF none.
 */
const FATAL_EVENTS: ReadonlySet<string> = new Set([
  'ExecutionAborted',
  'ExecutionFailed',
  'ExecutionTimedOut',
]);
const ERROR_EVENTS: ReadonlySet<string> = new Set([
  ...FATAL_EVENTS,
  'FailStateEntered',
  'LambdaFunctionFailed',
  'LambdaFunctionScheduleFailed',
  'LambdaFunctionStartFailed',
  'LambdaFunctionTimedOut',
  'MapIterationAborted',
  'MapIterationFailed',
  'MapStateAborted',
  'MapStateFailed',
  'ParallelStateAborted',
  'ParallelStateFailed',
  'TaskFailed',
  'TaskStartFailed',
  'TaskStateAborted',
  'TaskSubmitFailed',
  'TaskTimedOut',
  'WaitStateAborted',
]);

export function isLogged(eventType: string, level: StepFunctionsLogLevel): boolean {
  switch (level) {
    case 'ALL':
      return true;
    case 'ERROR':
      return ERROR_EVENTS.has(eventType);
    case 'FATAL':
      return FATAL_EVENTS.has(eventType);
    case 'OFF':
      return false;
  }
}

/** The account of the example ARNs in AWS's documentation: as long as a real one. */
const ACCOUNT_ID = '123456789012';

/**
 * The ARN AWS gives the execution of the deployed state machine (`<stack>-<workflow>`): a Standard
 * execution is `…:execution:<machine>:<name>`, an Express one `…:express:<machine>:<name>:<run id>`.
 */
export function awsExecutionArn(workflow: WorkflowName, type: WorkflowSpec['type'], name: string): string {
  const machine = stateMachineNameFor(DEFAULT_STACK_NAME, workflow);
  return type === 'EXPRESS'
    ? `arn:aws:states:us-east-1:${ACCOUNT_ID}:express:${machine}:${name}:${randomUUID()}`
    : `arn:aws:states:us-east-1:${ACCOUNT_ID}:execution:${machine}:${name}`;
}

/**
 * The CloudWatch Logs messages of one execution at `level`, with execution data: one JSON document per
 * history event logged, `{ id, type, details, previous_event_id, event_timestamp, execution_arn,
 * redrive_count }`, the event's details (input, output, parameters, error, cause) as the history holds them
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html). Serialised compactly: the fewest bytes
 * the event can take.
 */
export function stepFunctionsLogLines(
  history: readonly HistoryEvent[],
  level: StepFunctionsLogLevel,
  executionArn: string,
): string[] {
  return history
    .filter((e) => isLogged(e.type, level))
    .map((e) =>
      JSON.stringify({
        id: String(e.id),
        type: e.type,
        details: Object.entries(e).find(([key]) => key.endsWith('EventDetails'))?.[1] ?? {},
        previous_event_id: String(e.previousEventId),
        event_timestamp: String(e.timestamp.getTime()),
        execution_arn: executionArn,
        redrive_count: '0',
      }),
    );
}
