import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { clickShards, hashIp } from '../../domain/click';
import { createClickApiHandler } from '../../lambdas/click-api';
import { bodyOf, httpEvent } from '../../local/events/http-events';
import { ARNS, sfnThrottling, testConfig } from './builders';
import { lambdaContext } from './lambda-context';

const sfnMock = mockClient(SFNClient);
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const dbMock = mockClient(db);
/** Registered partners and their stats rows' zones; `legacy` was registered before zones were stored. */
const ZONES: Record<string, string | undefined> = {
  acme: 'UTC',
  kiwi: 'Pacific/Auckland',
  legacy: undefined,
};
const answerStatsReads = (): void => {
  dbMock.on(GetCommand).callsFake((input: { Key: { partnerId: string } }) => {
    const { partnerId } = input.Key;
    if (!Object.hasOwn(ZONES, partnerId)) return {};
    const zone = ZONES[partnerId];
    return { Item: { partnerId, ...(zone === undefined ? {} : { timeZone: zone }) } };
  });
};
const succeeded = () =>
  sfnMock
    .on(StartSyncExecutionCommand)
    .resolves({ status: 'SUCCEEDED', output: '{}', startDate: START_DATE, stopDate: START_DATE });
const sentInputs = (): Record<string, unknown>[] =>
  sfnMock
    .commandCalls(StartSyncExecutionCommand)
    .map((call) => JSON.parse(call.args[0].input.input ?? 'null') as Record<string, unknown>);
const context = lambdaContext('click-api');
const START_DATE = new Date('2026-01-15T10:00:00.000Z');

const clickRequest = (partnerId: string) =>
  httpEvent({ path: `/r/${partnerId}`, routeKey: 'GET /r/{partnerId}', pathParameters: { partnerId } });

describe('click-api handler', () => {
  const sfn = new SFNClient({ region: 'eu-west-1' });
  const handler = createClickApiHandler({
    config: testConfig({ LANDING_URL: 'https://app.example.com/welcome?lang=en' }),
    sfn,
    db,
    now: () => new Date('2026-01-15T10:00:00.000Z'),
    newClickId: () => 'click-123',
  });

  beforeEach(() => {
    sfnMock.reset();
    dbMock.reset();
    answerStatsReads();
  });

  it('records the click and redirects to the landing page with ref and click', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves({
      status: 'SUCCEEDED',
      output: '{"duplicate":false}',
      executionArn: 'arn:click-1',
      startDate: START_DATE,
      stopDate: START_DATE,
    });

    // Act
    const response = await handler(clickRequest('acme'), context);

    // Assess
    expect(response.statusCode).toBe(302);
    expect(response.headers?.location).toBe(
      'https://app.example.com/welcome?lang=en&ref=acme&click=click-123',
    );
    expect(sfnMock).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 1);
    const sent = sfnMock.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input;
    // The Express workflow runs synchronously, unnamed: only the state machine and the input go out.
    expect(sent).toEqual({ stateMachineArn: ARNS.click, input: expect.any(String) });
    expect(JSON.parse(sent?.input ?? 'null')).toEqual({
      clickId: 'click-123',
      partnerId: 'acme',
      clickedAt: '2026-01-15T10:00:00.000Z',
      ipHash: hashIp('203.0.113.7', 'test-salt'),
      userAgent: 'Mozilla/5.0 (test)',
      dayAttribute: 'd2026-01-15',
      expiresAt: Date.parse('2026-01-15T10:00:00.000Z') / 1000 + 90 * 86_400,
      attempt: 0,
      counterId: `acme#${clickShards('click-123', 1)[0]}`,
      counterIds: clickShards('click-123', 5).map((shard) => `acme#${shard}`),
    });
    expect(sent?.input).not.toContain('203.0.113.7');
  });

  it.each([
    [
      'keeps UTM tags, after the landing page’s own parameters and before ours',
      'utm_source=x&utm_campaign=y',
      'https://app.example.com/welcome?lang=en&utm_source=x&utm_campaign=y&ref=acme&click=click-123',
    ],
    [
      'keeps repeated parameters, in order',
      'tag=a&utm_source=x&tag=b',
      'https://app.example.com/welcome?lang=en&tag=a&utm_source=x&tag=b&ref=acme&click=click-123',
    ],
    [
      'replaces a visitor-supplied ref and click with ours',
      'ref=other&click=forged&utm_source=x',
      'https://app.example.com/welcome?lang=en&utm_source=x&ref=acme&click=click-123',
    ],
  ])("%s in the redirect (the link's raw query string)", async (_, rawQueryString, location) => {
    // Prepare
    sfnMock
      .on(StartSyncExecutionCommand)
      .resolves({ status: 'SUCCEEDED', output: '{}', startDate: START_DATE, stopDate: START_DATE });
    // API Gateway joins repeated parameters in queryStringParameters ("a,b"): only the raw string keeps them.
    const request = {
      ...clickRequest('acme'),
      rawQueryString,
      queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)),
    };

    // Act
    const response = await handler(request, context);

    // Assess
    expect(response.statusCode).toBe(302);
    expect(response.headers?.location).toBe(location);
  });

  it('answers 404 UnknownPartner for a partner without a stats row, without starting the workflow', async () => {
    // Act
    const response = await handler(clickRequest('ghost'), context);

    // Assess
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({
      error: 'UnknownPartner',
      message: 'No registered partner has the id ghost',
    });
    expect(dbMock).toHaveReceivedCommandWith(GetCommand, {
      TableName: testConfig().statsTable,
      Key: { partnerId: 'ghost' },
      ProjectionExpression: 'partnerId, #timeZone',
      ExpressionAttributeNames: { '#timeZone': 'timeZone' },
      ConsistentRead: true,
    });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 404 UnknownPartner when the workflow finds no such partner', async () => {
    // Prepare
    sfnMock
      .on(StartSyncExecutionCommand)
      .resolves({ status: 'FAILED', error: 'UnknownPartner', cause: 'No partner', startDate: START_DATE });

    // Act
    const response = await handler(clickRequest('kiwi'), context);

    // Assess
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ error: 'UnknownPartner' });
  });

  it('reads each partner zone once per container, however many clicks, and never caches an unknown id', async () => {
    // Prepare
    succeeded();
    const fresh = createClickApiHandler({
      config: testConfig(),
      sfn,
      db,
      now: () => new Date('2026-01-15T11:30:00.000Z'),
    });

    // Act
    for (let i = 0; i < 5; i++) {
      await fresh(clickRequest('kiwi'), context);
      await fresh(clickRequest('acme'), context);
      await fresh(clickRequest('legacy'), context);
    }
    const ghosts = [await fresh(clickRequest('ghost'), context), await fresh(clickRequest('ghost'), context)];

    // Assess
    const reads = dbMock.commandCalls(GetCommand).map((call) => call.args[0].input.Key?.partnerId);
    expect(reads).toEqual(['kiwi', 'acme', 'legacy', 'ghost', 'ghost']);
    expect(ghosts.map((r) => r.statusCode)).toEqual([404, 404]);
    // 11:30 UTC on Jan 15 is 00:30 on Jan 16 in Auckland; a row without a zone counts in UTC.
    expect(
      sentInputs()
        .slice(0, 3)
        .map((input) => [input.partnerId, input.dayAttribute]),
    ).toEqual([
      ['kiwi', 'd2026-01-16'],
      ['acme', 'd2026-01-15'],
      ['legacy', 'd2026-01-15'],
    ]);
    expect(sfnMock).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 15);
  });

  it('answers 500 without starting the workflow when the zone read fails', async () => {
    // Prepare
    dbMock.on(GetCommand).rejects(new Error('DynamoDB is down'));
    const fresh = createClickApiHandler({ config: testConfig(), sfn, db });

    // Act
    const response = await fresh(clickRequest('acme'), context);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('answers 400 naming partnerId for a malformed id, without starting the workflow', async () => {
    // Act
    const response = await handler(clickRequest('bad#id'), context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidRequest', field: 'partnerId' });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['fails', { status: 'FAILED' as const, error: 'ClickNotRecorded', cause: 'cancelled' }],
    ['times out', { status: 'TIMED_OUT' as const }],
  ])('answers 502 when the workflow %s for another reason', async (_, outcome) => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves({ ...outcome, startDate: START_DATE });

    // Act
    const response = await handler(clickRequest('acme'), context);

    // Assess
    expect(response.statusCode).toBe(502);
    expect(bodyOf(response)).toMatchObject({ error: 'WorkflowFailed' });
  });

  it('answers 500 InternalError, without details, when Step Functions throttles the call', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).rejects(sfnThrottling());

    // Act
    const response = await handler(clickRequest('acme'), context);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'InternalError',
      message: 'The request could not be completed',
    });
    expect(sfnMock).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 1);
  });

  it('defaults the landing page to https://example.com/', async () => {
    // Prepare
    sfnMock
      .on(StartSyncExecutionCommand)
      .resolves({ status: 'SUCCEEDED', output: '{}', startDate: START_DATE, stopDate: START_DATE });
    const defaults = createClickApiHandler({ config: testConfig(), sfn, db, newClickId: () => 'c1' });

    // Act
    const response = await defaults(clickRequest('acme'), context);

    // Assess
    expect(response.statusCode).toBe(302);
    expect(response.headers?.location).toBe('https://example.com/?ref=acme&click=c1');
  });
});
