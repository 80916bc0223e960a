import type { Context } from 'aws-lambda';

/**
 * A Lambda invocation context as the runtime passes it to a handler: the functions' middy wrapper hands it
 * to the Powertools Logger, which stamps every log line with its `function_name` and `function_request_id`.
 */
export function lambdaContext(functionName = 'unit-test-function', awsRequestId = 'unit-request-1'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/15/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
