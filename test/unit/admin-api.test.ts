import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createAdminApiHandler } from '../../lambdas/admin-api';
import { authorizedEvent, bodyOf } from '../../local/events/http-events';
import { ARNS, sfnThrottling, testConfig } from './builders';
import { lambdaContext } from './lambda-context';

const sfnMock = mockClient(SFNClient);
const context = lambdaContext('admin-api');
const START_DATE = new Date('2026-01-01T00:00:00.000Z');
const SUCCEEDED = { status: 'SUCCEEDED' as const, output: '{}', startDate: START_DATE, stopDate: START_DATE };

const ADMIN = { scope: 'partner-referrals/admin' };
const registerRequest = (body: unknown, claims: Record<string, string> = ADMIN) =>
  authorizedEvent(
    {
      method: 'POST',
      path: '/admin/partners',
      routeKey: 'POST /admin/partners',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    claims,
  );

describe('admin-api handler', () => {
  const handler = createAdminApiHandler({
    config: testConfig(),
    sfn: new SFNClient({ region: 'eu-west-1' }),
    now: () => new Date('2026-01-01T00:00:00.000Z'),
  });

  beforeEach(() => {
    sfnMock.reset();
  });

  it('registers a partner through the registration workflow and answers 201', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves(SUCCEEDED);

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme', displayName: 'Acme Co' }), context);

    // Assess
    expect(response.statusCode).toBe(201);
    expect(response.headers?.location).toBe('/partners/acme/dashboard');
    expect(bodyOf(response)).toEqual({
      partnerId: 'acme',
      displayName: 'Acme Co',
      registeredAt: '2026-01-01T00:00:00.000Z',
    });
    expect(sfnMock).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 1);
    expect(sfnMock.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: ARNS.registration,
      input: JSON.stringify({
        partnerId: 'acme',
        displayName: 'Acme Co',
        registeredAt: '2026-01-01T00:00:00.000Z',
      }),
    });
  });

  it('uses the partner id as the display name when none is given', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves(SUCCEEDED);

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }), context);

    // Assess
    expect(bodyOf(response).displayName).toBe('acme');
    expect(sfnMock).toHaveReceivedCommandWith(StartSyncExecutionCommand, {
      input: JSON.stringify({
        partnerId: 'acme',
        displayName: 'acme',
        registeredAt: '2026-01-01T00:00:00.000Z',
      }),
    });
  });

  it('answers 409 when the partner is already registered', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves({
      status: 'FAILED',
      error: 'PartnerAlreadyRegistered',
      cause: 'exists',
      startDate: START_DATE,
    });

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'PartnerAlreadyRegistered' });
  });

  it('answers 502 when the registration workflow fails for another reason', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves({
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: 'DynamoDB unavailable',
      startDate: START_DATE,
    });

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(502);
    expect(bodyOf(response)).toMatchObject({ error: 'WorkflowFailed' });
  });

  it('answers 500 InternalError when Step Functions throttles the call', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).rejects(sfnThrottling());

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }), context);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      error: 'InternalError',
      message: 'The request could not be completed',
    });
  });

  it("leaves the admin scope to API Gateway: it does not read the token's claims", async () => {
    // Prepare: API Gateway's JWT authorizer enforces the route's admin scope before the function runs.
    sfnMock.on(StartSyncExecutionCommand).resolves(SUCCEEDED);

    // Act
    const response = await handler(
      registerRequest({ partnerId: 'acme' }, { partnerId: 'acme', scope: 'openid' }),
      context,
    );

    // Assess
    expect(response.statusCode).toBe(201);
    expect(sfnMock).toHaveReceivedCommandWith(StartSyncExecutionCommand, {
      stateMachineArn: ARNS.registration,
    });
  });

  it.each([
    ['body.partnerId', { partnerId: 'has space' }],
    ['body.partnerId', { displayName: 'No id' }],
    ['body.displayName', { partnerId: 'acme', displayName: '' }],
    ['body', 'not json'],
  ])('answers 400 naming %s, without starting the workflow', async (field, body) => {
    // Act
    const response = await handler(registerRequest(body), context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidRequest', field });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });
});
