import { createAppIngestHandler } from '../../lambdas/app-ingest';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import { withPath } from '../../local/events/event-envelope';
import { useFakeAws } from '../support/fake-aws';
import { ARNS, testConfig } from './builders';

const START = 'AWSStepFunctions.StartExecution';
const aws = useFakeAws();

describe('app-ingest handler', () => {
  const handler = createAppIngestHandler(testConfig());

  it('starts the signup workflow named after the event id', async () => {
    // Prepare
    aws.on(START, { body: { executionArn: 'arn:signup-e1', startDate: 1_767_225_600 } });

    // Act
    const result = await handler(userSignedUpEvent({ eventId: 'e1', userId: 'user_1', partnerId: 'acme' }));

    // Assess
    expect(result).toMatchObject({ started: true, executionName: 'signup-e1' });
    expect(aws.callsTo(START)[0]?.body).toMatchObject({
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
    aws.on(START, { body: { executionArn: 'arn:verify-e2', startDate: 1_767_225_600 } });

    // Act
    await handler(userEmailVerifiedEvent({ eventId: 'e2' }));

    // Assess
    expect(aws.callsTo(START)[0]?.body).toMatchObject({
      stateMachineArn: ARNS.verify,
      name: 'verify-e2',
    });
  });

  it('counts a redelivered signup as success without a second execution', async () => {
    // Prepare
    aws.on(START, { error: 'ExecutionAlreadyExists', message: 'Execution Already Exists' });

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
    expect(aws.calls).toHaveLength(0);
  });
});
