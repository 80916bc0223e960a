import { hashIp } from '../../domain/click';
import { createClickApiHandler } from '../../lambdas/click-api';
import { ARNS, testConfig } from './builders';
import { bodyOf, httpEvent } from '../../local/events/http-events';
import { useFakeAws } from '../support/fake-aws';

const START_SYNC = 'AWSStepFunctions.StartSyncExecution';
const aws = useFakeAws();

const clickRequest = (partnerId: string) =>
  httpEvent({ path: `/r/${partnerId}`, routeKey: 'GET /r/{partnerId}', pathParameters: { partnerId } });

describe('click-api handler', () => {
  const handler = createClickApiHandler({
    config: testConfig({ LANDING_URL: 'https://app.example.com/welcome?lang=en' }),
    now: () => new Date('2026-01-15T10:00:00.000Z'),
    newClickId: () => 'click-123',
  });

  it('records the click and redirects to the landing page with ref and click', async () => {
    // Prepare
    aws.on(START_SYNC, { body: { status: 'SUCCEEDED', output: '{"duplicate":false}' } });

    // Act
    const response = await handler(clickRequest('acme'));

    // Assess
    expect(response.statusCode).toBe(302);
    expect(response.headers?.location).toBe(
      'https://app.example.com/welcome?lang=en&ref=acme&click=click-123',
    );
    const sent = aws.callsTo(START_SYNC)[0];
    // StartSyncExecution's own host, signed for the states service in the function's region.
    expect(sent?.url).toBe('https://sync-states.eu-west-1.amazonaws.com/');
    expect(sent?.headers.get('authorization')).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/states\//);
    const call = sent?.body;
    expect(call?.stateMachineArn).toBe(ARNS.click);
    expect(JSON.parse(String(call?.input))).toEqual({
      clickId: 'click-123',
      partnerId: 'acme',
      clickedAt: '2026-01-15T10:00:00.000Z',
      ipHash: hashIp('203.0.113.7', 'test-salt'),
      userAgent: 'Mozilla/5.0 (test)',
      expiresAt: Date.parse('2026-01-15T10:00:00.000Z') / 1000 + 90 * 86_400,
    });
    expect(String(call?.input)).not.toContain('203.0.113.7');
  });

  it('answers 404 UnknownPartner when the workflow finds no such partner', async () => {
    // Prepare
    aws.on(START_SYNC, { body: { status: 'FAILED', error: 'UnknownPartner', cause: 'No partner' } });

    // Act
    const response = await handler(clickRequest('ghost'));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({
      error: 'UnknownPartner',
      message: 'No registered partner has the id ghost',
    });
  });

  it('answers 400 naming partnerId for a malformed id, without starting the workflow', async () => {
    // Act
    const response = await handler(clickRequest('bad#id'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidRequest', field: 'partnerId' });
    expect(aws.calls).toHaveLength(0);
  });

  it('answers 502 when the workflow fails for another reason', async () => {
    // Prepare
    aws.on(START_SYNC, { body: { status: 'FAILED', error: 'ClickNotRecorded', cause: 'cancelled' } });

    // Act
    const response = await handler(clickRequest('acme'));

    // Assess
    expect(response.statusCode).toBe(502);
    expect(bodyOf(response)).toMatchObject({ error: 'WorkflowFailed' });
  });

  it('defaults the landing page to https://example.com/', async () => {
    // Prepare
    aws.on(START_SYNC, { body: { status: 'SUCCEEDED', output: '{}' } });
    const defaults = createClickApiHandler({ config: testConfig(), newClickId: () => 'c1' });

    // Act
    const response = await defaults(clickRequest('acme'));

    // Assess
    expect(response.headers?.location).toBe('https://example.com/?ref=acme&click=c1');
  });
});
