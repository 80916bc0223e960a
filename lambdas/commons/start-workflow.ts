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
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED' | 'TIMED_OUT'; error: string | undefined; cause: string | undefined };

/** Runs an Express workflow synchronously and returns its parsed output or its error name and cause. */
export async function runWorkflowSync(
  sfn: SFNClient,
  args: { stateMachineArn: string; input: unknown },
): Promise<SyncResult> {
  const out = await sfn.send(
    new StartSyncExecutionCommand({
      stateMachineArn: args.stateMachineArn,
      input: JSON.stringify(args.input),
    }),
  );
  if (out.status === 'SUCCEEDED') {
    return { status: 'SUCCEEDED', output: out.output ? (JSON.parse(out.output) as unknown) : null };
  }
  return { status: out.status === 'TIMED_OUT' ? 'TIMED_OUT' : 'FAILED', error: out.error, cause: out.cause };
}
