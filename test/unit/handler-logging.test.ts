import { DynamoDBClient, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createAppIngestHandler } from '../../lambdas/app-ingest';
import { createDashboardApiHandler } from '../../lambdas/dashboard-api';
import { userSignedUpEvent } from '../../local/events/app-events';
import { withPath } from '../../local/events/event-envelope';
import { authorizedEvent } from '../../local/events/http-events';
import { testConfig } from './builders';
import { lambdaContext } from './lambda-context';

// quiet-env.ts silences the Logger for every test. This file reads its lines, so the real logger module is
// built at DEBUG: Powertools resets the level to the one it was constructed with at each warm invocation, so
// a `logger.setLogLevel()` in the test would not outlast the first.
jest.mock('../../lambdas/commons/logger', () => {
  const quiet = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  try {
    return jest.requireActual<object>('../../lambdas/commons/logger');
  } finally {
    process.env.POWERTOOLS_LOG_LEVEL = quiet;
  }
});

const sfnMock = mockClient(SFNClient);
const dbMock = mockClient(DynamoDBDocumentClient);

type LogLine = Record<string, unknown>;

/**
 * Runs `act` with stdout and stderr captured (the Powertools Logger writes one JSON document a line to them,
 * through its own Console) and returns every line written, parsed.
 */
async function logLinesOf(act: () => Promise<unknown>): Promise<LogLine[]> {
  const written: string[] = [];
  const capture = (chunk: unknown): boolean => {
    written.push(String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await act();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as LogLine);
}

describe('handler logging', () => {
  beforeEach(() => {
    sfnMock.reset();
    dbMock.reset();
  });

  it("stamps every log line a handler writes with its own function's name and request id", async () => {
    // Prepare
    const appIngest = createAppIngestHandler({
      config: testConfig(),
      sfn: new SFNClient({ region: 'eu-west-1' }),
    });
    const dashboard = createDashboardApiHandler({
      config: testConfig(),
      db: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    });
    dbMock
      .on(GetCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    dbMock.on(QueryCommand).resolves({ Items: [] });
    const appContext = lambdaContext('partner-referrals-app-ingest', 'req-app-1');
    const dashboardContext = lambdaContext('partner-referrals-dashboard-api', 'req-dashboard-1');
    const malformed = withPath(userSignedUpEvent({ eventId: 'e1' }), 'detail.partnerId', 'no spaces allowed');
    const request = authorizedEvent(
      {
        path: '/partners/acme/dashboard',
        routeKey: 'GET /partners/{partnerId}/dashboard',
        pathParameters: { partnerId: 'acme' },
      },
      { partnerId: 'acme' },
    );
    let ingestError: unknown;
    let statusCode: number | undefined;

    // Act
    const appLines = await logLinesOf(async () => {
      ingestError = await appIngest(malformed, appContext).catch((error: unknown) => error);
    });
    const dashboardLines = await logLinesOf(async () => {
      statusCode = (await dashboard(request, dashboardContext)).statusCode;
    });

    // Assess
    expect(ingestError).toMatchObject({ name: 'MalformedEvent', field: 'detail.partnerId' });
    expect(statusCode).toBe(500);
    expect(appLines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'Event rejected', errorName: 'MalformedEvent' }),
    );
    expect(dashboardLines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'Unexpected error' }),
    );
    for (const [lines, context] of [
      [appLines, appContext],
      [dashboardLines, dashboardContext],
    ] as const) {
      expect(lines.map((line) => line.function_name)).toEqual(lines.map(() => context.functionName));
      expect(lines.map((line) => line.function_request_id)).toEqual(lines.map(() => context.awsRequestId));
    }
  });
});
