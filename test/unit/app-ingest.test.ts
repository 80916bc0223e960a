import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createAppIngestHandler } from '../../lambdas/app-ingest';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import { withPath } from '../../local/events/event-envelope';
import { ARNS, sfnThrottling, testConfig } from './builders';
import { lambdaContext } from './lambda-context';

const sfnMock = mockClient(SFNClient);
const STARTED = { executionArn: 'arn:x', startDate: new Date('2026-01-01T00:00:00.000Z') };
const context = lambdaContext('app-ingest');

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
        eventId: 'e1',
        userId: 'user_1',
        partnerId: 'acme',
        occurredAt: '2026-01-15T10:00:00.000Z',
      }),
    });
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
