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
import { logLinesOf, type LogLines } from '../support/log-lines';

jest.mock('../../lambdas/commons/logger', () =>
  jest.requireActual<LogLines>('../support/log-lines').loggerModuleAt('DEBUG'),
);

const sfnMock = mockClient(SFNClient);
const dbMock = mockClient(DynamoDBDocumentClient);

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
