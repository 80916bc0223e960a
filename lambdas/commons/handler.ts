import type { LambdaInterface } from '@aws-lambda-powertools/commons/types';
import type { Context } from 'aws-lambda';
import { logger } from './logger';
import { tracer } from './tracer';

/**
 * A handler as every function exports it: traced (`## handler` subsegment, cold start and service
 * annotations, the response and errors as metadata) and logging with its own invocation's context
 * (function name, request id), through Powertools' class method decorators.
 */
export function lambdaHandler<E, R>(
  handle: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  class Handler implements LambdaInterface {
    @tracer.captureLambdaHandler()
    @logger.injectLambdaContext()
    handler(event: E, context: Context): Promise<R> {
      return handle(event, context);
    }
  }
  const instance = new Handler();
  return (event, context) => instance.handler(event, context);
}

/** Annotations X-Ray can search by (`annotation.partnerId = "acme"`), on the handler's subsegment. */
export function annotate(annotations: { partnerId?: string; workflow?: string }): void {
  for (const [key, value] of Object.entries(annotations)) {
    if (value !== undefined) tracer.putAnnotation(key, value);
  }
}
