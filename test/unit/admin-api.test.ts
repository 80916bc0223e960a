import { createAdminApiHandler } from '../../lambdas/admin-api';
import { ARNS, testConfig } from './builders';
import { authorizedEvent, bodyOf } from '../../local/events/http-events';
import { useFakeAws } from '../support/fake-aws';

const START_SYNC = 'AWSStepFunctions.StartSyncExecution';
const aws = useFakeAws();

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
    now: () => new Date('2026-01-01T00:00:00.000Z'),
  });

  it('registers a partner through the registration workflow and answers 201', async () => {
    // Prepare
    aws.on(START_SYNC, { body: { status: 'SUCCEEDED', output: '{}' } });

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme', displayName: 'Acme Co' }));

    // Assess
    expect(response.statusCode).toBe(201);
    expect(bodyOf(response)).toEqual({
      partnerId: 'acme',
      displayName: 'Acme Co',
      registeredAt: '2026-01-01T00:00:00.000Z',
    });
    expect(aws.callsTo(START_SYNC)[0]?.body).toEqual({
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
    aws.on(START_SYNC, { body: { status: 'SUCCEEDED', output: '{}' } });

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }));

    // Assess
    expect(bodyOf(response).displayName).toBe('acme');
  });

  it('answers 409 when the partner is already registered', async () => {
    // Prepare
    aws.on(START_SYNC, { body: { status: 'FAILED', error: 'PartnerAlreadyRegistered', cause: 'exists' } });

    // Act
    const response = await handler(registerRequest({ partnerId: 'acme' }));

    // Assess
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'PartnerAlreadyRegistered' });
  });

  it('answers 403 without the admin scope, even to a partner', async () => {
    // Act
    const response = await handler(
      registerRequest({ partnerId: 'acme' }, { partnerId: 'acme', scope: 'openid' }),
    );

    // Assess
    expect(response.statusCode).toBe(403);
    expect(aws.calls).toHaveLength(0);
  });

  it.each([
    ['body.partnerId', { partnerId: 'has space' }],
    ['body.partnerId', { displayName: 'No id' }],
    ['body.displayName', { partnerId: 'acme', displayName: '' }],
    ['body', 'not json'],
  ])('answers 400 naming %s', async (field, body) => {
    // Act
    const response = await handler(registerRequest(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidRequest', field });
  });
});
