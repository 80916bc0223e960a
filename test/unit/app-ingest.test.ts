import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHash } from 'node:crypto';
import { PARKED_EVENT_TTL_DAYS } from '../../domain/config';
import { createAppIngestHandler } from '../../lambdas/app-ingest';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import { withPath } from '../../local/events/event-envelope';
import { ARNS, sfnThrottling, testConfig } from './builders';
import { lambdaContext } from './lambda-context';

const sfnMock = mockClient(SFNClient);
const STARTED = { executionArn: 'arn:x', startDate: new Date('2026-01-01T00:00:00.000Z') };
const context = lambdaContext('app-ingest');
const OCCURRED_AT = '2026-01-15T10:00:00.000Z';
const parkExpiresAt = Date.parse(OCCURRED_AT) / 1000 + PARKED_EVENT_TTL_DAYS * 86_400;
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The workflow input of the n-th StartExecution, as sent. */
const startedInputText = (n = 0): string =>
  sfnMock.commandCalls(StartExecutionCommand)[n]?.args[0].input.input ?? '';

describe('app-ingest handler', () => {
  const handler = createAppIngestHandler({
    config: testConfig(),
    sfn: new SFNClient({ region: 'eu-west-1' }),
  });

  beforeEach(() => {
    sfnMock.reset();
  });

  it('starts the signup workflow named after the event id', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ ...STARTED, executionArn: 'arn:signup-e1' });

    // Act
    const result = await handler(
      userSignedUpEvent({ eventId: 'e1', userId: 'user_1', partnerId: 'acme' }),
      context,
    );

    // Assess
    expect(result).toEqual({ started: true, executionName: 'signup-e1', executionArn: 'arn:signup-e1' });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.signup,
      name: 'signup-e1',
      input: JSON.stringify({
        fact: { kind: 'signup', key: 'signup#e1', at: OCCURRED_AT, partnerId: 'acme' },
        userId: 'user_1',
        findUserBy: [],
        links: [],
        parkExpiresAt,
      }),
    });
  });

  it("hashes a signup's email with CLICK_IP_SALT and sends no raw address", async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves(STARTED);
    const salted = createAppIngestHandler({
      config: testConfig({ CLICK_IP_SALT: 'deployment-salt' }),
      sfn: new SFNClient({ region: 'eu-west-1' }),
    });

    // Act
    await salted(userSignedUpEvent({ eventId: 'e1', email: 'Ann@Example.com' }), context);

    // Assess
    const sent = startedInputText();
    expect(JSON.parse(sent)).toMatchObject({
      fact: { kind: 'signup', emailHash: sha256('deployment-salt:ann@example.com') },
    });
    expect(sent.toLowerCase()).not.toContain('ann@example.com');
  });

  it('starts the verify workflow for UserEmailVerified', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ ...STARTED, executionArn: 'arn:verify-e2' });

    // Act
    await handler(userEmailVerifiedEvent({ eventId: 'e2' }), context);

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.verify,
      name: 'verify-e2',
    });
    expect(JSON.parse(startedInputText())).toEqual({
      fact: { kind: 'verified', key: 'verified#e2', at: OCCURRED_AT },
      userId: 'user_1',
      findUserBy: [],
      links: [],
      parkExpiresAt,
    });
  });

  it('counts a redelivered signup as success without a second execution', async () => {
    // Prepare
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const result = await handler(userSignedUpEvent({ eventId: 'e1' }), context);

    // Assess
    expect(result).toEqual({ started: false, duplicate: true, executionName: 'signup-e1' });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('rethrows a Step Functions throttling error, so the async invocation is retried', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejects(sfnThrottling());

    // Act
    const act = handler(userSignedUpEvent({ eventId: 'e1' }), context);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('throws MalformedEvent naming detail.partnerId for a bad partner id', async () => {
    // Prepare
    const event = withPath(userSignedUpEvent(), 'detail.partnerId', 'no spaces allowed');

    // Act
    const act = handler(event, context);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'MalformedEvent', field: 'detail.partnerId' });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });
});
