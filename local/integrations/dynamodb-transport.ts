import * as http from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Where a client's calls go, as whom, and which database that is. */
export interface Target {
  url: URL;
  authorization: string;
  region: string;
  /**
   * The local stack runs DynamoDB Local with `-sharedDb`: one database per endpoint whatever the access
   * key and region, so whatever models the server's state (in-flight transactions, capacity) is keyed by
   * the endpoint.
   */
  database: string;
}

export interface RawAnswer {
  status: number;
  body: string;
  requestId: string;
}

/** Keep-alive connections to DynamoDB Local, shared by every call. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const targets = new WeakMap<DynamoDBClient, Promise<Target>>();

/** Where the client points, and as whom. DynamoDB Local does not check signatures. */
export function targetOf(client: DynamoDBClient): Promise<Target> {
  let target = targets.get(client);
  if (!target) {
    target = (async () => {
      const endpoint = await client.config.endpoint?.();
      if (!endpoint) throw new Error('The local DynamoDB client has no endpoint');
      const { accessKeyId } = await client.config.credentials();
      const region = await client.config.region();
      const port = endpoint.port ? `:${endpoint.port}` : '';
      const url = new URL(`${endpoint.protocol}//${endpoint.hostname}${port}${endpoint.path}`);
      return {
        url,
        authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250101/${region}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0`,
        region,
        database: url.href,
      };
    })();
    targets.set(client, target);
  }
  return target;
}

/** Posts one action's wire JSON to DynamoDB Local. */
export function post(target: Target, action: string, payload: string): Promise<RawAnswer> {
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
