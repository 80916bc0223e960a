import { crc32 } from 'node:zlib';

/**
 * The `SdkHttpMetadata` / `SdkResponseMetadata` blocks the optimized integrations (built on the AWS
 * Java SDK v1) add to their results. Header names and order follow the recorded AWS executions.
 */
export interface SdkMetadata {
  SdkHttpMetadata: {
    AllHttpHeaders: Record<string, string[]>;
    HttpHeaders: Record<string, string>;
    HttpStatusCode: number;
  };
  SdkResponseMetadata: { RequestId: string };
}

/** One collator for every sort: `localeCompare` with options builds a new one per comparison. */
const headerOrder = new Intl.Collator('en', { sensitivity: 'base' });

function metadata(headers: [string, string][], requestId: string): SdkMetadata {
  const all: Record<string, string[]> = {};
  for (const [name, value] of headers) all[name] = [value];
  const sorted = [...headers].sort(([a], [b]) => headerOrder.compare(a, b));
  return {
    SdkHttpMetadata: { AllHttpHeaders: all, HttpHeaders: Object.fromEntries(sorted), HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: requestId },
  };
}

const byteLength = (body: string): string => String(Buffer.byteLength(body, 'utf8'));

export function dynamoDbMetadata(requestId: string, body: string): SdkMetadata {
  return metadata(
    [
      ['Server', 'Server'],
      ['Connection', 'keep-alive'],
      ['x-amzn-RequestId', requestId],
      ['x-amz-crc32', String(crc32(body))],
      ['Content-Length', byteLength(body)],
      ['Date', new Date().toUTCString()],
      ['Content-Type', 'application/x-amz-json-1.0'],
    ],
    requestId,
  );
}

export function lambdaMetadata(requestId: string, body: string, logResult?: string): SdkMetadata {
  return metadata(
    [
      ...(logResult !== undefined ? [['X-Amz-Log-Result', logResult] as [string, string]] : []),
      ['X-Amz-Executed-Version', '$LATEST'],
      ['x-amzn-Remapped-Content-Length', '0'],
      ['Connection', 'keep-alive'],
      ['x-amzn-RequestId', requestId],
      ['Content-Length', byteLength(body)],
      ['Date', new Date().toUTCString()],
      [
        'X-Amzn-Trace-Id',
        `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${requestId.replace(/-/g, '').slice(0, 24)}`,
      ],
      ['Content-Type', 'application/json'],
    ],
    requestId,
  );
}

export function genericMetadata(requestId: string, body: string): SdkMetadata {
  return metadata(
    [
      ['Connection', 'keep-alive'],
      ['x-amzn-RequestId', requestId],
      ['Content-Length', byteLength(body)],
      ['Date', new Date().toUTCString()],
      ['Content-Type', 'application/x-amz-json-1.0'],
    ],
    requestId,
  );
}
