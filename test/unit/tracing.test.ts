import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizedEvent, httpEvent } from '../../local/events/http-events';
import { userSignedUpEvent } from '../../local/events/app-events';
import { ARNS, partnerStats, testConfig } from './builders';
import { lambdaContext } from './lambda-context';

/**
 * What X-Ray receives from a function in Lambda: the Tracer on (as in Lambda), the X-Ray SDK sending to a
 * daemon address we listen on, and the AWS calls answered by a small local endpoint. Each AWS call must
 * be one subsegment under the handler's `## handler` subsegment, which carries the function's annotations.
 */
interface XRayDocument {
  id: string;
  parent_id?: string;
  name: string;
  namespace?: string;
  annotations?: Record<string, unknown>;
  aws?: { operation?: string };
}

const TRACE_ID = '1-5759e988-bd862e3fe1be46a994272793';
let daemon: Socket;
let endpoint: Server;
const documents: XRayDocument[] = [];
const HANDLER_SUBSEGMENT = '## index.handler';
let handlerArrived: ((doc: XRayDocument) => void) | undefined;
const saved = { ...process.env };

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (message) => {
    // `{"format":"json","version":1}\n{…segment…}`
    const body = message.toString('utf8').split('\n')[1];
    if (!body) return;
    const doc = JSON.parse(body) as XRayDocument;
    documents.push(doc);
    if (doc.name === HANDLER_SUBSEGMENT) handlerArrived?.(doc);
  });
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  endpoint = createServer((req, res) => {
    const target = req.headers['x-amz-target'];
    req.resume();
    req.on('end', () => {
      const body =
        target === 'DynamoDB_20120810.GetItem'
          ? { Item: { partnerId: { S: 'acme' }, ...statsAttributes() } }
          : target === 'DynamoDB_20120810.Query'
            ? { Items: [], Count: 0 }
            : target === 'AWSStepFunctions.StartExecution'
              ? { executionArn: `${ARNS.signup.replace(':stateMachine:', ':execution:')}:x`, startDate: 1 }
              : target === 'AWSStepFunctions.StartSyncExecution'
                ? { status: 'SUCCEEDED', output: '{}', executionArn: 'x', startDate: 1, stopDate: 1 }
                : {};
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_LAMBDA_FUNCTION_NAME: 'traced',
    _HANDLER: 'index.handler',
    _X_AMZN_TRACE_ID: `Root=${TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1`,
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    // Capturing fetch requests subscribes to undici's process-wide diagnostics channels, which would
    // outlive this file in the jest worker and stamp a trace header on later files' requests. The AWS
    // calls checked here are captured through the clients (`captureAWSv3Client`), not through fetch.
    POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
    AWS_ENDPOINT_URL_DYNAMODB: url,
    AWS_ENDPOINT_URL_SFN: url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
  });
});

afterAll(async () => {
  process.env = saved;
  daemon.close();
  await new Promise((resolve) => endpoint.close(resolve));
});

beforeEach(() => {
  documents.length = 0;
  handlerArrived = undefined;
});

function statsAttributes(): Record<string, { N: string } | { S: string }> {
  const out: Record<string, { N: string } | { S: string }> = {};
  for (const [k, v] of Object.entries(partnerStats({ partnerId: 'acme' }))) {
    out[k] = typeof v === 'number' ? { N: String(v) } : { S: String(v) };
  }
  return out;
}

/**
 * The handler's subsegment and the AWS calls under it. In Lambda the X-Ray SDK streams each subsegment as
 * its own document (the function's segment is Lambda's); children point at their parent by `parent_id`.
 */
async function handlerTrace(): Promise<{ handler: XRayDocument; awsCalls: string[] }> {
  const handler =
    documents.find((d) => d.name === HANDLER_SUBSEGMENT) ??
    (await new Promise<XRayDocument>((resolve) => (handlerArrived = resolve)));
  // The AWS calls end, and are sent, before the handler's subsegment that holds them.
  const awsCalls = documents
    .filter((d) => d.namespace === 'aws' && d.parent_id === handler.id)
    .map((d) => `${d.name}.${d.aws?.operation ?? '?'}`)
    .sort();
  return { handler, awsCalls };
}

it('the dashboard: one DynamoDB subsegment per call, under a handler annotated with the partner', async () => {
  // Prepare: modules load with the Lambda environment, as in a cold start.
  const { createDashboardApiHandler } = await import('../../lambdas/dashboard-api');
  const { createDocumentClient } = await import('../../lambdas/commons/dynamodb');
  const handler = createDashboardApiHandler({ config: testConfig(), db: createDocumentClient() });

  // Act
  const res = await handler(
    authorizedEvent(
      {
        path: '/partners/acme/dashboard',
        routeKey: 'GET /partners/{partnerId}/dashboard',
        pathParameters: { partnerId: 'acme' },
      },
      { sub: 'u1', partnerId: 'acme' },
    ),
    lambdaContext('dashboard-api'),
  );

  // Assess
  expect(res.statusCode).toBe(200);
  const { handler: traced, awsCalls } = await handlerTrace();
  expect(traced.annotations).toMatchObject({ partnerId: 'acme', Service: 'partner-referrals' });
  // The stats row, the newest paid referrals, and the click counter shards (one BatchGetItem).
  expect(awsCalls).toEqual(['DynamoDB.BatchGetItem', 'DynamoDB.GetItem', 'DynamoDB.Query']);
});

it("an ingest: the Express attempt's StartSyncExecution subsegment, under a handler annotated with partner and workflow", async () => {
  // Prepare
  const { createAppIngestHandler } = await import('../../lambdas/app-ingest');
  const { createSfnClient } = await import('../../lambdas/commons/sfn');
  const handler = createAppIngestHandler({ config: testConfig(), sfn: createSfnClient() });

  // Act
  await handler(
    userSignedUpEvent({ partnerId: 'acme', userId: 'u1', eventId: 'e1' }),
    lambdaContext('app-ingest'),
  );

  // Assess
  const { handler: traced, awsCalls } = await handlerTrace();
  expect(traced.annotations).toMatchObject({ partnerId: 'acme', workflow: 'signup' });
  // The endpoint answers SUCCEEDED: the fact is recorded by the twin, no Standard start follows.
  expect(awsCalls).toEqual(['SFN.StartSyncExecution']);
});

it('a synchronous workflow: StartSyncExecution reaches a configured endpoint (no `sync-` host prefix)', async () => {
  // Prepare
  const { createClickApiHandler } = await import('../../lambdas/click-api');
  const { createSfnClient } = await import('../../lambdas/commons/sfn');
  const { createDocumentClient } = await import('../../lambdas/commons/dynamodb');
  const handler = createClickApiHandler({
    config: testConfig(),
    sfn: createSfnClient(),
    db: createDocumentClient(),
  });

  // Act
  const res = await handler(
    httpEvent({ path: '/r/acme', routeKey: 'GET /r/{partnerId}', pathParameters: { partnerId: 'acme' } }),
    lambdaContext('click-api'),
  );

  // Assess
  expect(res.statusCode).toBe(302);
  const { handler: traced, awsCalls } = await handlerTrace();
  expect(traced.annotations).toMatchObject({ partnerId: 'acme', workflow: 'click' });
  // The partner's time zone first (then cached), then the click workflow.
  expect(awsCalls).toEqual(['DynamoDB.GetItem', 'SFN.StartSyncExecution']);
});
