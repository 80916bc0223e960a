import * as http from 'node:http';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { failureOf, validateRequest, type DynamoDbFailure } from './dynamodb-errors';

export class DynamoDbCallFailed extends Error {
  constructor(readonly failure: DynamoDbFailure) {
    super(failure.message);
    this.name = failure.code;
  }
}

export interface DynamoDbCallResult {
  /** The response as JSON (no `$metadata`, no undefined members). */
  response: Record<string, unknown>;
  /** The exact JSON body length basis for the metadata headers. */
  body: string;
  requestId: string;
}

/** `query` → `Query`. */
export const pascalAction = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);

/** Every DynamoDB API action, as the SDK models them (`GetItemCommand` → `GetItem`). */
const ACTIONS = new Set(
  Object.keys(dynamodb)
    .filter((name) => name.endsWith('Command'))
    .map((name) => name.slice(0, -'Command'.length)),
);

/**
 * Calls a DynamoDB action by its PascalCase name with AttributeValue-form parameters. Task parameters are
 * already DynamoDB's wire JSON, so they are posted to DynamoDB Local as they are, over keep-alive
 * connections: an SDK client's serde, signing and middleware cost more CPU per call than the workflow's
 * own interpretation, CPU that DynamoDB Local needs on a small machine (`npm run bench:throughput`).
 */
export async function callDynamoDb(
  client: DynamoDBClient,
  action: string,
  params: unknown,
): Promise<DynamoDbCallResult> {
  const input = (params && typeof params === 'object' ? params : {}) as Record<string, unknown>;
  const invalid = validateRequest(action, input);
  if (invalid) throw new DynamoDbCallFailed(invalid);
  if (!ACTIONS.has(action)) {
    throw new Error(`DynamoDB has no action ${action}: the local runtime cannot run this resource`);
  }
  const target = await targetOf(client);
  let answer: RawAnswer;
  try {
    answer = await post(target, action, JSON.stringify(input));
  } catch (err) {
    // No answer at all (DynamoDB Local stopped or dropped the connection).
    throw new DynamoDbCallFailed(
      failureOf({ code: 'TimeoutError', message: err instanceof Error ? err.message : String(err) }),
    );
  }
  const parsed = (answer.body ? JSON.parse(answer.body) : {}) as Record<string, unknown>;
  if (answer.status !== 200) {
    const type = typeof parsed.__type === 'string' ? parsed.__type : 'UnknownError';
    const message = parsed.message ?? parsed.Message;
    throw new DynamoDbCallFailed(
      failureOf({
        code: type.split('#').pop() ?? type,
        message: typeof message === 'string' ? message : answer.body,
        statusCode: answer.status,
        requestId: answer.requestId,
      }),
    );
  }
  return { response: parsed, body: answer.body, requestId: answer.requestId };
}

interface Target {
  url: URL;
  authorization: string;
}

interface RawAnswer {
  status: number;
  body: string;
  requestId: string;
}

/** Keep-alive connections to DynamoDB Local, shared by every call. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const targets = new WeakMap<DynamoDBClient, Promise<Target>>();

/**
 * Where the client points, and as whom: DynamoDB Local keeps one database per access key and region, so
 * the call carries the client's. DynamoDB Local does not check signatures.
 */
function targetOf(client: DynamoDBClient): Promise<Target> {
  let target = targets.get(client);
  if (!target) {
    target = (async () => {
      const endpoint = await client.config.endpoint?.();
      if (!endpoint) throw new Error('The local DynamoDB client has no endpoint');
      const { accessKeyId } = await client.config.credentials();
      const region = await client.config.region();
      const port = endpoint.port ? `:${endpoint.port}` : '';
      return {
        url: new URL(`${endpoint.protocol}//${endpoint.hostname}${port}${endpoint.path}`),
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250101/${region}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0`,
      };
    })();
    targets.set(client, target);
  }
  return target;
}

function post(target: Target, action: string, payload: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      target.url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(payload),
          'x-amz-target': `DynamoDB_20120810.${action}`,
          'x-amz-date': '20250101T000000Z',
          authorization: target.authorization,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            requestId: String(response.headers['x-amzn-requestid'] ?? ''),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
