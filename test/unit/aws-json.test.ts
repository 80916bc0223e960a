import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsServiceError, callAws, endpointOf, MAX_ATTEMPTS } from '../../lambdas/commons/aws-json';
import { useFakeAws } from '../support/fake-aws';

const START = 'AWSStepFunctions.StartExecution';
const GET = 'DynamoDB_20120810.GetItem';
const aws = useFakeAws();

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 (HMAC with a secret) over node:crypto, in the shape the SDK's signer takes. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

describe('callAws: signed JSON-protocol calls as the SDK makes them', () => {
  it('posts the operation as X-Amz-Target with the protocol content type, signed for the service', async () => {
    // Prepare
    aws.on(GET, { body: { Item: { partnerId: { S: 'acme' } } } });

    // Act
    const out = await callAws('dynamodb', 'GetItem', { TableName: 'T', Key: { partnerId: { S: 'acme' } } });

    // Assess
    expect(out).toEqual({ Item: { partnerId: { S: 'acme' } } });
    const sent = aws.callsTo(GET)[0];
    expect(sent?.url).toBe('https://dynamodb.eu-west-1.amazonaws.com/');
    expect(sent?.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(sent?.headers.get('authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$/,
    );
    expect(sent?.body).toEqual({ TableName: 'T', Key: { partnerId: { S: 'acme' } } });
  });

  it("signs exactly as the AWS SDK's own SigV4 signer does", async () => {
    // Prepare
    process.env.AWS_SESSION_TOKEN = 'session-token';
    aws.on(START, { body: {} });
    const body = { stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:payment', name: 'payment-in_1' };

    // Act
    await callAws('sfn', 'StartExecution', body).finally(() => delete process.env.AWS_SESSION_TOKEN);

    // Assess: the SDK signer, given the same request, time and signed headers (aws4fetch leaves
    // content-type and the payload-hash header out, as SigV4 allows), computes the same Authorization.
    const sent = aws.callsTo(START)[0];
    const url = new URL(sent?.url ?? '');
    const headers: Record<string, string> = { host: url.host };
    sent?.headers.forEach((value, name) => {
      if (name !== 'authorization') headers[name] = value;
    });
    const amzDate = headers['x-amz-date'] ?? '';
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
    );
    const sdkSigner = new SignatureV4({
      service: 'states',
      region: 'eu-west-1',
      sha256: NodeSha256,
      applyChecksum: false,
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        sessionToken: 'session-token',
      },
    });
    const signed = await sdkSigner.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: url.hostname,
        path: '/',
        query: {},
        headers,
        body: JSON.stringify(body),
      },
      { signingDate, unsignableHeaders: new Set(['content-type']) },
    );
    expect(sent?.headers.get('authorization')).toBe(signed.headers.authorization);
  });

  it('signs with the session token of the Lambda role when there is one', async () => {
    // Prepare
    process.env.AWS_SESSION_TOKEN = 'session-token';
    aws.on(GET, { body: {} });

    // Act
    await callAws('dynamodb', 'GetItem', {}).finally(() => delete process.env.AWS_SESSION_TOKEN);

    // Assess
    expect(aws.callsTo(GET)[0]?.headers.get('x-amz-security-token')).toBe('session-token');
  });

  it('names the error by its AWS code, without the namespace', async () => {
    // Prepare
    aws.on(START, { error: 'ExecutionAlreadyExists', message: 'Execution Already Exists: arn:x' });

    // Act
    const error: unknown = await callAws('sfn', 'StartExecution', {}).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({
      name: 'ExecutionAlreadyExists',
      message: 'Execution Already Exists: arn:x',
      statusCode: 400,
    });
    expect(aws.callsTo(START)).toHaveLength(1);
  });

  it('retries throttling with backoff and returns the answer that follows', async () => {
    // Prepare
    aws.on(
      START,
      { error: 'ThrottlingException', message: 'Rate exceeded' },
      { body: { executionArn: 'a' } },
    );

    // Act
    const out = await callAws('sfn', 'StartExecution', { name: 'n' });

    // Assess
    expect(out).toEqual({ executionArn: 'a' });
    expect(aws.callsTo(START).map((c) => c.body)).toEqual([{ name: 'n' }, { name: 'n' }]);
  });

  it('retries 5xx answers and gives up after the standard number of attempts', async () => {
    // Prepare
    aws.on(GET, { error: 'InternalServerError', message: 'oops', status: 500 });

    // Act + Assess
    await expect(callAws('dynamodb', 'GetItem', {})).rejects.toMatchObject({
      name: 'InternalServerError',
      statusCode: 500,
    });
    expect(aws.callsTo(GET)).toHaveLength(MAX_ATTEMPTS);
  });

  it('retries when no response arrives at all', async () => {
    // Prepare
    let calls = 0;
    aws.on(GET, () => {
      calls += 1;
      if (calls === 1) throw new TypeError('fetch failed');
      return { body: { Item: {} } };
    });

    // Act
    const out = await callAws('dynamodb', 'GetItem', {});

    // Assess
    expect(out).toEqual({ Item: {} });
    expect(calls).toBe(2);
  });

  it("passes the invocation's X-Ray trace header on, as the SDK does inside Lambda", async () => {
    // Prepare
    const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    Object.assign(process.env, { AWS_LAMBDA_FUNCTION_NAME: 'stripe-ingest', _X_AMZN_TRACE_ID: trace });
    aws.on(START, { body: {} });

    // Act
    await callAws('sfn', 'StartExecution', {}).finally(() => {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      delete process.env._X_AMZN_TRACE_ID;
    });

    // Assess
    expect(aws.callsTo(START)[0]?.headers.get('x-amzn-trace-id')).toBe(trace);
  });

  it('fails with Configuration, calling nothing, when the credentials are missing', async () => {
    // Prepare
    const secret = process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_SECRET_ACCESS_KEY;

    // Act
    const act = callAws('sfn', 'StartExecution', {}).finally(() => {
      process.env.AWS_SECRET_ACCESS_KEY = secret;
    });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'Configuration',
      message: 'AWS_SECRET_ACCESS_KEY is not set',
    });
    expect(aws.calls).toHaveLength(0);
  });
});

describe('endpointOf', () => {
  afterEach(() => {
    delete process.env.AWS_ENDPOINT_URL_SFN;
    delete process.env.AWS_ENDPOINT_URL;
  });

  it("uses AWS's regional endpoint, with the operation's host prefix", () => {
    expect(endpointOf('sfn', 'eu-west-1', 'sync-')).toBe('https://sync-states.eu-west-1.amazonaws.com/');
    expect(endpointOf('dynamodb', 'cn-north-1')).toBe('https://dynamodb.cn-north-1.amazonaws.com.cn/');
  });

  it('prefers the service variable, then AWS_ENDPOINT_URL, and never prefixes a configured host', () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    expect(endpointOf('sfn', 'us-east-1', 'sync-')).toBe('http://127.0.0.1:4566/');
    process.env.AWS_ENDPOINT_URL_SFN = 'http://127.0.0.1:9000/';
    expect(endpointOf('sfn', 'us-east-1', 'sync-')).toBe('http://127.0.0.1:9000/');
    expect(endpointOf('dynamodb', 'us-east-1')).toBe('http://127.0.0.1:4566/');
  });
});
