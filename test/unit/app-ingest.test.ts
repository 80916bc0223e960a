import 'aws-sdk-client-mock-jest';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { createAppIngestHandler } from '../../lambdas/app-ingest';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import { withPath } from '../../local/events/event-envelope';
import { ARNS, testConfig } from './builders';

const sfn = mockClient(SFNClient);

describe('app-ingest handler', () => {
  const handler = createAppIngestHandler(testConfig());

  beforeEach(() => {
    sfn.reset();
  });

  it('starts the signup workflow named after the event id', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:signup-e1', startDate: new Date() });

    // Act
    const result = await handler(userSignedUpEvent({ eventId: 'e1', userId: 'user_1', partnerId: 'acme' }));

    // Assess
    expect(result).toMatchObject({ started: true, executionName: 'signup-e1' });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
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
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:verify-e2', startDate: new Date() });

    // Act
    await handler(userEmailVerifiedEvent({ eventId: 'e2' }));

    // Assess
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.verify,
      name: 'verify-e2',
    });
  });

  it('counts a redelivered signup as success without a second execution', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    // Act
    const result = await handler(userSignedUpEvent({ eventId: 'e1' }));

    // Assess
    expect(result).toEqual({ started: false, duplicate: true, executionName: 'signup-e1' });
  });

  it('throws MalformedEvent naming detail.partnerId for a bad partner id', async () => {
    // Prepare
    const event = withPath(userSignedUpEvent(), 'detail.partnerId', 'no spaces allowed');

    // Act + Assess
    await expect(handler(event)).rejects.toMatchObject({ name: 'MalformedEvent', field: 'detail.partnerId' });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});
