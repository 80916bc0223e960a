import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from './logger';
import { tracer } from './tracer';

/**
 * A handler as every function exports it: traced (`## handler` subsegment, cold start and service
 * annotations) and logging with its own invocation's context (function name, request id).
 */
export function lambdaHandler<E, R>(
  handle: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  const wrapped = middy(handle).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger));
  return (event, context) => wrapped(event, context);
}

/** Annotations X-Ray can search by (`annotation.partnerId = "acme"`), on the handler's subsegment. */
export function annotate(annotations: { partnerId?: string; workflow?: string }): void {
  for (const [key, value] of Object.entries(annotations)) {
    if (value !== undefined) tracer.putAnnotation(key, value);
  }
}
