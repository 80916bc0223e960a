import { SFNServiceException } from '@aws-sdk/client-sfn';
import { stateMachineNameOf } from '../aws-names';
import { TaskError, fakeRequestId } from './task-error';
import { genericMetadata } from './sdk-metadata';

export type ExecutionStarter = (
  workflow: string,
  input: unknown,
  name?: string,
) => { executionArn: string; startDate: Date; durable?: Promise<void> };

/**
 * `arn:aws:states:::states:startExecution` (request-response): starts the child and returns at once,
 * `{ ExecutionArn, StartDate, SdkHttpMetadata, SdkResponseMetadata }` like the other optimized
 * integrations (StartDate in epoch milliseconds, as the Java SDK v1 serialises dates).
 */
export async function startExecutionTask(
  start: ExecutionStarter,
  parameters: unknown,
): Promise<Record<string, unknown>> {
  const p = (parameters ?? {}) as { StateMachineArn?: unknown; Input?: unknown; Name?: unknown };
  const workflow = typeof p.StateMachineArn === 'string' ? stateMachineNameOf(p.StateMachineArn) : undefined;
  if (!workflow) {
    throw new TaskError(
      'StepFunctions.InvalidArnException',
      `Invalid Arn: '${String(p.StateMachineArn)}' (Service: AWSStepFunctions; Status Code: 400; Error Code: InvalidArn; Request ID: ${fakeRequestId()}; Proxy: null)`,
    );
  }
  // A string Input is the execution's JSON input as is; an object is serialised.
  const input = typeof p.Input === 'string' ? (JSON.parse(p.Input) as unknown) : (p.Input ?? {});
  let started: ReturnType<ExecutionStarter>;
  try {
    started = start(workflow, input, typeof p.Name === 'string' ? p.Name : undefined);
  } catch (error) {
    // The optimized integration names service errors `StepFunctions.<Java SDK exception class>`:
    // ExecutionAlreadyExists → ExecutionAlreadyExistsException, InvalidName → InvalidNameException.
    if (error instanceof SFNServiceException) {
      const exception = error.name.endsWith('Exception') ? error.name : `${error.name}Exception`;
      throw new TaskError(
        `StepFunctions.${exception}`,
        `${error.message} (Service: AWSStepFunctions; Status Code: 400; Error Code: ${error.name}; Request ID: ${fakeRequestId()}; Proxy: null)`,
      );
    }
    throw error;
  }
  // The API answers once the child's start is durable.
  await started.durable;
  const { executionArn, startDate } = started;
  const result = { ExecutionArn: executionArn, StartDate: startDate.getTime() };
  return { ...result, ...genericMetadata(fakeRequestId(), JSON.stringify(result)) };
}
