import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { localFunctionArn } from './aws-names';

/** What AWS Lambda writes to an on-failure destination when an async invocation fails for good. */
export interface OnFailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  responsePayload: { errorType: string; errorMessage: string; trace: string[] };
}

/** Async invocations retry twice after the first failure, as the stack configures (retryAttempts 2). */
export const ASYNC_ATTEMPTS = 3;

/**
 * Invokes a handler the way EventBridge invokes a Lambda target: asynchronously, retried, and on final
 * failure handed to the on-failure destination with the error. Resolves with the handler's result, or
 * `undefined` when the event was dead-lettered.
 */
export async function invokeAsync<R>(args: {
  functionName: string;
  handler: (event: unknown, context?: Context) => Promise<R>;
  event: unknown;
  onFailure: (record: OnFailureRecord) => void | Promise<void>;
  attempts?: number;
  /**
   * Asked after each failed attempt: true when the local cloud is stopping. The invocation is then
   * abandoned, neither retried nor dead-lettered: its event stays journaled and is delivered again at
   * the next start (a failure caused by the shutdown says nothing about the event).
   */
  abandon?: () => boolean;
}): Promise<R | undefined> {
  const attempts = args.attempts ?? ASYNC_ATTEMPTS;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await args.handler(args.event);
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
      if (args.abandon?.())
        throw new Error(`${args.functionName}: abandoned by the shutdown`, { cause: error });
    }
  }
  const err = lastError ?? new Error('unknown failure');
  await args.onFailure({
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: `${localFunctionArn(args.functionName)}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: attempts,
    },
    requestPayload: args.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') },
  });
  return undefined;
}
