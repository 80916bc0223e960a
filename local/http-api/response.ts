/** What the server writes: a status, headers (`set-cookie` may repeat) and the body's bytes. */
export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export class MalformedLambdaResponseError extends Error {
  override readonly name = 'MalformedLambdaResponse';
}

/** API Gateway's own answers (404, 401, 403, 429, 500 ...) are `{"message": ...}` JSON. */
export function gatewayResponse(
  statusCode: number,
  message: string,
  headers: Record<string, string> = {},
): ApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

/**
 * Lambda's synchronous response payload: "the maximum payload size is 6 MB"
 * (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html), the result's JSON. Over it the invocation
 * fails and API Gateway answers 500; the body is never cut.
 */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

/** A result over `LAMBDA_RESPONSE_LIMIT_BYTES`: Lambda's own error for it. */
export class ResponseSizeTooLargeError extends Error {
  override readonly name = 'Function.ResponseSizeTooLarge';
}

/**
 * How payload format 2.0 reads a Lambda's result. An object with `statusCode` is a structured response
 * (`headers`, `cookies` as `set-cookie`, `body`, `isBase64Encoded`); anything else is a 200 JSON
 * response whose body is the result itself: a string as is, any other value as JSON.
 */
export function fromLambdaResult(result: unknown): ApiResponse {
  const size = Buffer.byteLength(JSON.stringify(result) ?? '', 'utf8');
  if (size > LAMBDA_RESPONSE_LIMIT_BYTES)
    throw new ResponseSizeTooLargeError(
      `Response payload size (${size} bytes) exceeded maximum allowed payload size (${LAMBDA_RESPONSE_LIMIT_BYTES} bytes)`,
    );
  if (isRecord(result) && result.statusCode !== undefined) return structured(result);
  const body = typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null');
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
}

function structured(result: Record<string, unknown>): ApiResponse {
  const { statusCode, headers = {}, cookies = [], body, isBase64Encoded = false } = result;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599)
    throw new MalformedLambdaResponseError(`statusCode ${String(statusCode)} is not an HTTP status`);
  if (!isRecord(headers)) throw new MalformedLambdaResponseError('headers is not an object');
  if (!Array.isArray(cookies) || !cookies.every((c) => typeof c === 'string'))
    throw new MalformedLambdaResponseError('cookies is not a list of strings');
  if (body !== undefined && body !== null && typeof body !== 'string')
    throw new MalformedLambdaResponseError('body is not a string');
  if (typeof isBase64Encoded !== 'boolean')
    throw new MalformedLambdaResponseError('isBase64Encoded is not a boolean');

  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!['string', 'number', 'boolean'].includes(typeof value))
      throw new MalformedLambdaResponseError(`header ${name} is not a string, number or boolean`);
    out[name.toLowerCase()] = String(value);
  }
  if (cookies.length > 0) {
    const existing = out['set-cookie'];
    out['set-cookie'] = [...(existing === undefined ? [] : [existing].flat()), ...(cookies as string[])];
  }
  const text = typeof body === 'string' ? body : '';
  return {
    statusCode,
    headers: out,
    body: isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
