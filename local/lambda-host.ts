import { randomUUID } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import { localFunctionArn } from './aws-names';

/** A function's handler as its module exports it. */
export type FunctionHandler<E = never, R = unknown> = (event: E, context: Context) => Promise<R>;
/** A handler as the local hosts call it: the event in, the result (or a thrown error) out; context optional. */
export type HostedHandler<E = never, R = unknown> = (event: E, context?: Context) => Promise<R>;

/** The context Lambda passes to an invocation of `functionName`. */
export function lambdaContext(functionName: string, requestId: string = randomUUID()): Context {
  const deadline = Date.now() + 900_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(functionName),
    memoryLimitInMB: '128',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Every function runs in this one process, many invocations at once, as in a Lambda execution environment
 * serving concurrent invocations (Lambda Managed Instances). There the runtime sets
 * `AWS_LAMBDA_MAX_CONCURRENCY` and installs a per-invocation InvokeStore as `awslambda.InvokeStore`, and
 * Powertools (Logger, Tracer, Metrics) and the SDK keep each invocation's context apart through it. This
 * host does the same when it is loaded, before any SDK client or Powertools utility looks for a store.
 * Without it the Logger's one shared context would stamp a line with whichever function last set it.
 */
class PerInvocationStore extends InvokeStoreBase {
  private readonly storage = new AsyncLocalStorage<Record<string | symbol, unknown>>();
  getContext(): Record<string | symbol, unknown> | undefined {
    return this.storage.getStore();
  }
  hasContext(): boolean {
    return this.storage.getStore() !== undefined;
  }
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.storage.getStore()?.[key] as T | undefined;
  }
  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key))
      throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    const current = this.storage.getStore();
    if (!current) throw new Error('No invocation context');
    current[key] = value;
  }
  run<T>(context: Record<string | symbol, unknown>, fn: () => T): T {
    return this.storage.run(context, fn);
  }
}

const globalLambda = globalThis as unknown as { awslambda?: { InvokeStore?: InvokeStoreBase } };
globalLambda.awslambda ??= {};
if (!(globalLambda.awslambda.InvokeStore instanceof PerInvocationStore)) {
  globalLambda.awslambda.InvokeStore = new PerInvocationStore();
}
const invocations = globalLambda.awslambda.InvokeStore;
// The package caches the store its first caller gets. Asked now, before the variable is set, it adopts
// this one instead of building its own (which needs a dynamic import that jest's module system refuses).
void InvokeStore.getInstanceAsync();
process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';

/**
 * A function as Lambda hosts it: initialised on its first invocation (the cold start, after the local
 * endpoints are known), then every invocation with its own context and InvokeStore scope.
 */
export function hostedFunction<E, R>(
  functionName: string,
  init: () => FunctionHandler<E, R>,
): HostedHandler<E, R> {
  let handler: FunctionHandler<E, R> | undefined;
  return (event, context) => {
    handler ??= init();
    const ctx = context ?? lambdaContext(functionName);
    const run = handler;
    return invocations.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: ctx.awsRequestId }, () =>
      run(event, ctx),
    );
  };
}
