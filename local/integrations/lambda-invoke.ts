import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, functionNameOf } from '../aws-names';
import { lambdaContext } from '../lambda-host';
import { lambdaMetadata } from './sdk-metadata';
import { TaskError } from './task-error';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown> | unknown;

/**
 * An in-process Lambda function. `runtime` decides the shape of the error document Lambda returns
 * when the handler throws: Node.js `{"errorType","errorMessage","trace"}` (this project's functions) or
 * Python `{"errorMessage", "errorType", "requestId", "stackTrace"}` (the recorded AWS test functions).
 */
export interface LocalLambdaFunction {
  handler: LambdaHandler;
  runtime?: 'nodejs' | 'python';
}

export type LocalLambdas = Readonly<Record<string, LambdaHandler | LocalLambdaFunction | undefined>>;

const asFunction = (f: LambdaHandler | LocalLambdaFunction): LocalLambdaFunction =>
  typeof f === 'function' ? { handler: f } : f;

function errorDocument(
  fn: LocalLambdaFunction,
  err: unknown,
  requestId: string,
): { type: string; cause: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const type = e.name || 'Error';
  if (fn.runtime === 'python') {
    const stackTrace = (e.stack ?? '')
      .split('\n')
      .slice(1)
      .map((l) => `${l}\n`);
    return {
      type,
      cause: JSON.stringify({ errorMessage: e.message, errorType: type, requestId, stackTrace }),
    };
  }
  const trace = (e.stack ?? `${type}: ${e.message}`).split('\n');
  return { type, cause: JSON.stringify({ errorType: type, errorMessage: e.message, trace }) };
}

/** Lambda's request body: a string Payload is sent as is (it must be JSON), anything else is serialised. */
function eventFrom(payload: unknown): unknown {
  if (payload === undefined || payload === null) return {};
  if (typeof payload === 'string') {
    try {
      return JSON.parse(payload) as unknown;
    } catch {
      throw new TaskError(
        'Lambda.InvalidRequestContentException',
        `Could not parse request body into json: Could not parse payload into json (Service: AWSLambda; Status Code: 400; Error Code: InvalidRequestContentException; Request ID: ${randomUUID()}; Proxy: null)`,
      );
    }
  }
  return JSON.parse(JSON.stringify(payload)) as unknown;
}

/** The response body the function produced: bytes pass through unchanged, values are JSON-serialised. */
function responseBody(result: unknown): string {
  if (result instanceof Uint8Array) return Buffer.from(result).toString('utf8');
  return JSON.stringify(result ?? null) ?? 'null';
}

/** Step Functions reads the body as JSON when it is JSON, as a string otherwise. */
function payloadFrom(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

export interface InvokeParameters {
  FunctionName?: unknown;
  Payload?: unknown;
  LogType?: unknown;
}

interface InvocationResult {
  payload: unknown;
  body: string;
  requestId: string;
}

async function invoke(lambdas: LocalLambdas, parameters: InvokeParameters): Promise<InvocationResult> {
  const requested = typeof parameters.FunctionName === 'string' ? parameters.FunctionName : '';
  const name = functionNameOf(requested);
  const registered = lambdas[name];
  if (!registered) {
    throw new TaskError(
      'Lambda.ResourceNotFoundException',
      `Function not found: arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${name}:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`,
    );
  }
  const fn = asFunction(registered);
  const event = eventFrom(parameters.Payload);
  const requestId = randomUUID();
  let result: unknown;
  try {
    result = await fn.handler(event, lambdaContext(name, requestId));
  } catch (err) {
    const { type, cause } = errorDocument(fn, err, requestId);
    throw new TaskError(type, cause);
  }
  const body = responseBody(result);
  return { payload: payloadFrom(body), body, requestId };
}

/** `arn:aws:states:::lambda:invoke`: `{ ExecutedVersion, [LogResult], Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode }`. */
export async function invokeLambdaService(
  lambdas: LocalLambdas,
  parameters: InvokeParameters,
): Promise<unknown> {
  const { payload, body, requestId } = await invoke(lambdas, parameters);
  const logResult =
    parameters.LogType === 'Tail'
      ? Buffer.from(`START RequestId: ${requestId} Version: $LATEST\nEND RequestId: ${requestId}\n`).toString(
          'base64',
        )
      : undefined;
  return {
    ExecutedVersion: '$LATEST',
    ...(logResult !== undefined ? { LogResult: logResult } : {}),
    Payload: payload,
    ...lambdaMetadata(requestId, body, logResult),
    StatusCode: 200,
  };
}

/** Legacy `Resource: <function ARN>`: the effective input is the payload and the result is the function's output. */
export async function invokeLambdaArn(
  lambdas: LocalLambdas,
  functionArn: string,
  input: unknown,
): Promise<unknown> {
  return (await invoke(lambdas, { FunctionName: functionArn, Payload: input ?? {} })).payload;
}
