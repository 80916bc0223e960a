import { AwsClient } from 'aws4fetch';
import { ConfigurationError } from '../../domain/errors';

/**
 * The functions' AWS calls: signed JSON-protocol requests over `fetch` (SigV4 by aws4fetch). They make four
 * calls (GetItem, Query, StartExecution, StartSyncExecution), and SDK v3 clients cost about 300 KB of bundle
 * and 90 ms of cold start per function for them (`npm run bench:bundles`). What the SDK did and this keeps:
 * the endpoint variables (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`), the `sync-` host prefix on
 * AWS's own endpoint only, the standard retry policy (3 attempts, full-jitter backoff on throttling, 5xx
 * and network errors), error `name`s that are the AWS error codes, and the X-Ray trace header.
 */
export const AWS_JSON_SERVICES = {
  dynamodb: {
    signingName: 'dynamodb',
    endpointPrefix: 'dynamodb',
    endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB',
    targetPrefix: 'DynamoDB_20120810',
    contentType: 'application/x-amz-json-1.0',
  },
  sfn: {
    signingName: 'states',
    endpointPrefix: 'states',
    endpointVariable: 'AWS_ENDPOINT_URL_SFN',
    targetPrefix: 'AWSStepFunctions',
    contentType: 'application/x-amz-json-1.0',
  },
} as const;

export type AwsJsonService = keyof typeof AWS_JSON_SERVICES;

/** An error answered by an AWS service; `name` is its code (`ExecutionAlreadyExists`, `ThrottlingException`). */
export class AwsServiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

export const MAX_ATTEMPTS = 3;
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 20_000;

/** The codes SDK v3's standard retry strategy treats as throttling (retried with backoff). */
const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'TransactionInProgressException',
]);

/** Signing keys are derived once per day, credentials and region; the cache outlives one call. */
const signingKeyCache = new Map<string, ArrayBuffer>();

export async function callAws<T>(
  service: AwsJsonService,
  operation: string,
  body: unknown,
  options: { hostPrefix?: string } = {},
): Promise<T> {
  const spec = AWS_JSON_SERVICES[service];
  const env = process.env;
  const region = required(env, 'AWS_REGION');
  const client = new AwsClient({
    accessKeyId: required(env, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: required(env, 'AWS_SECRET_ACCESS_KEY'),
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    service: spec.signingName,
    region,
    cache: signingKeyCache,
    retries: 0,
  });
  const headers: Record<string, string> = {
    'content-type': spec.contentType,
    'x-amz-target': `${spec.targetPrefix}.${operation}`,
  };
  // As the SDK's recursion-detection middleware does: the service's segments join the function's trace.
  const traceId = env._X_AMZN_TRACE_ID;
  if (env.AWS_LAMBDA_FUNCTION_NAME && traceId) headers['x-amzn-trace-id'] = traceId;
  const url = endpointOf(service, region, options.hostPrefix ?? '');
  const payload = JSON.stringify(body);

  for (let attempt = 1; ; attempt++) {
    let outcome: { ok: true; value: T } | { ok: false; error: Error; retryable: boolean };
    try {
      const response = await client.fetch(url, { method: 'POST', headers, body: payload });
      outcome = await readResponse<T>(response);
    } catch (error) {
      // No response at all (connection reset, DNS): retryable, as in the SDK.
      outcome = {
        ok: false,
        error: error instanceof Error ? error : new Error(String(error)),
        retryable: true,
      };
    }
    if (outcome.ok) return outcome.value;
    if (!outcome.retryable || attempt >= MAX_ATTEMPTS) throw outcome.error;
    await sleep(Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1)));
  }
}

/** The service URL: the SDK's endpoint variables first, else AWS's regional endpoint (with the host prefix). */
export function endpointOf(service: AwsJsonService, region: string, hostPrefix = ''): string {
  const spec = AWS_JSON_SERVICES[service];
  const configured = process.env[spec.endpointVariable] ?? process.env.AWS_ENDPOINT_URL;
  if (configured) return configured.endsWith('/') ? configured : `${configured}/`;
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${hostPrefix}${spec.endpointPrefix}.${region}.${domain}/`;
}

async function readResponse<T>(
  response: Response,
): Promise<{ ok: true; value: T } | { ok: false; error: Error; retryable: boolean }> {
  const text = await response.text();
  const parsed = parseJson(text);
  if (response.ok) return { ok: true, value: (parsed ?? {}) as T };
  const fields = (parsed ?? {}) as { __type?: unknown; message?: unknown; Message?: unknown };
  const rawType =
    typeof fields.__type === 'string' ? fields.__type : (response.headers.get('x-amzn-errortype') ?? '');
  // `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException` or `ThrottlingException:http://…`.
  const code = rawType.split('#').pop()?.split(':')[0] || `Http${response.status}`;
  const message =
    typeof fields.message === 'string'
      ? fields.message
      : typeof fields.Message === 'string'
        ? fields.Message
        : text.slice(0, 200) || response.statusText;
  const retryable = response.status >= 500 || response.status === 429 || THROTTLING_CODES.has(code);
  return { ok: false, error: new AwsServiceError(code, message, response.status), retryable };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`${name} is not set`);
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
