import {
  ExecutionAlreadyExists,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { RuntimeConfig, WorkflowName } from '../../domain/config';
import { stateMachineArnEnv } from '../../domain/config';
import { ConfigurationError } from '../../domain/errors';

export type StartResult =
  | { started: true; executionName: string; executionArn: string }
  | { started: false; duplicate: true; executionName: string };

/** The workflow's state machine ARN from the configuration; a missing one is a deployment error. */
export function stateMachineArnOf(
  config: Pick<RuntimeConfig, 'stateMachineArns'>,
  workflow: WorkflowName,
): string {
  const arn = config.stateMachineArns[workflow];
  if (!arn) throw new ConfigurationError(`${stateMachineArnEnv(workflow)} is not set`);
  return arn;
}

/**
 * Starts a Standard workflow under a name derived from the event. A name already used means the event was
 * delivered before: `ExecutionAlreadyExists` is success (`duplicate`), never a second run.
 */
export async function startWorkflowIdempotently(
  sfn: SFNClient,
  args: { stateMachineArn: string; name: string; input: unknown },
): Promise<StartResult> {
  try {
    const out = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: args.stateMachineArn,
        name: args.name,
        input: JSON.stringify(args.input),
      }),
    );
    return { started: true, executionName: args.name, executionArn: out.executionArn ?? '' };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) {
      return { started: false, duplicate: true, executionName: args.name };
    }
    throw error;
  }
}

export type SyncResult =
  | { status: 'SUCCEEDED'; executionArn: string; output: unknown }
  | { status: 'FAILED' | 'TIMED_OUT'; error: string | undefined; cause: string | undefined };

/**
 * Runs an Express workflow synchronously and returns its parsed output or its error name and cause. With
 * `timeoutMs` the call is abandoned (AbortError) after that long; the execution itself may still finish.
 */
export async function runWorkflowSync(
  sfn: SFNClient,
  args: { stateMachineArn: string; input: unknown; name?: string; timeoutMs?: number },
): Promise<SyncResult> {
  const out = await sfn.send(
    new StartSyncExecutionCommand({
      stateMachineArn: args.stateMachineArn,
      input: JSON.stringify(args.input),
      ...(args.name !== undefined ? { name: args.name } : {}),
    }),
    args.timeoutMs !== undefined ? { abortSignal: AbortSignal.timeout(args.timeoutMs) } : {},
  );
  if (out.status === 'SUCCEEDED') {
    return {
      status: 'SUCCEEDED',
      executionArn: out.executionArn ?? '',
      output: out.output ? (JSON.parse(out.output) as unknown) : null,
    };
  }
  return { status: out.status === 'TIMED_OUT' ? 'TIMED_OUT' : 'FAILED', error: out.error, cause: out.cause };
}

/** The fact is recorded: its Express attempt answered SUCCEEDED. */
export interface CompletedResult {
  completed: true;
  executionName: string;
  executionArn: string;
}

/** The Express attempt did not succeed (why, in `expressAttempt`), so the Standard machine was started. */
export type FallbackResult = StartResult & { expressAttempt: string };

/**
 * Express first, Standard on failure: runs the fact on the step's Express twin (StartSyncExecution, at most
 * once per call, under the event's deterministic name, which Express does not keep unique); SUCCEEDED means
 * done. FAILED, TIMED_OUT, or a call that fails or outlasts `timeoutMs` starts the Standard machine under the
 * same name, exactly as a Standard-only ingest would: durable, retried, with its history in the console.
 * Both may run the same fact (an abandoned attempt can still finish): every fact is idempotent by its key.
 */
export async function runExpressFirst(
  sfn: SFNClient,
  args: { expressArn: string; standardArn: string; name: string; input: unknown; timeoutMs: number },
): Promise<CompletedResult | FallbackResult> {
  let expressAttempt: string;
  try {
    const sync = await runWorkflowSync(sfn, {
      stateMachineArn: args.expressArn,
      input: args.input,
      name: args.name,
      timeoutMs: args.timeoutMs,
    });
    if (sync.status === 'SUCCEEDED') {
      return { completed: true, executionName: args.name, executionArn: sync.executionArn };
    }
    expressAttempt = `${sync.status}${sync.error ? ` ${sync.error}` : ''}`;
  } catch (error) {
    expressAttempt = `call failed: ${error instanceof Error ? error.name : String(error)}`;
  }
  const started = await startWorkflowIdempotently(sfn, {
    stateMachineArn: args.standardArn,
    name: args.name,
    input: args.input,
  });
  return { ...started, expressAttempt };
}
