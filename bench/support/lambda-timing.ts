import type { Context } from 'aws-lambda';
import { stateMachineArnEnv, WORKFLOW_NAMES } from '../../domain/config';
import { localStateMachineArn } from '../../local/aws-names';

/** The environment LocalSystem gives its functions (each workflow's local state machine ARN). */
export const FUNCTION_ENV_FOR_BENCH: Record<string, string> = Object.fromEntries(
  WORKFLOW_NAMES.map((wf) => [stateMachineArnEnv(wf), localStateMachineArn(wf)]),
);

/** `handler`, reporting each invocation's duration in milliseconds (failed ones too) to `onDone`. */
export function timedLambda<E, R>(
  handler: (event: E, context?: Context) => Promise<R>,
  onDone: (ms: number) => void,
): (event: E, context?: Context) => Promise<R> {
  return async (event, context) => {
    const t = performance.now();
    try {
      return await handler(event, context);
    } finally {
      onDone(performance.now() - t);
    }
  };
}
