import {
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
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
const EXPRESS_FAILED = { status: 'FAILED', error: 'States.TaskFailed', cause: 'exhausted retries' } as const;
const FALLBACK = { expressAttempt: 'FAILED States.TaskFailed' };
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
    // The Express attempt fails by default, so the tests below see the Standard start it falls back to (the
    // same name and input); 'Express first, Standard on failure' covers the attempt itself.
    sfnMock.on(StartSyncExecutionCommand).resolves(EXPRESS_FAILED);
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
    expect(result).toEqual({
      started: true,
      executionName: 'signup-e1',
      executionArn: 'arn:signup-e1',
      ...FALLBACK,
    });
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
    expect(result).toEqual({ started: false, duplicate: true, executionName: 'signup-e1', ...FALLBACK });
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

describe('app-ingest: Express first, Standard on failure', () => {
  const handler = createAppIngestHandler({
    config: testConfig(),
    sfn: new SFNClient({ region: 'eu-west-1' }),
  });
  const event = userSignedUpEvent({ eventId: 'e1', userId: 'user_1', partnerId: 'acme' });
  const SIGNUP_INPUT = JSON.stringify({
    fact: { kind: 'signup', key: 'signup#e1', at: OCCURRED_AT, partnerId: 'acme' },
    userId: 'user_1',
    findUserBy: [],
    links: [],
    parkExpiresAt,
  });

  beforeEach(() => {
    sfnMock.reset();
  });

  it('records the fact on the Express twin, under the event name, and starts no Standard execution', async () => {
    // Prepare
    sfnMock
      .on(StartSyncExecutionCommand)
      .resolves({ status: 'SUCCEEDED', executionArn: 'arn:express:signup-e1:run', output: '{}' });

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result).toEqual({
      completed: true,
      executionName: 'signup-e1',
      executionArn: 'arn:express:signup-e1:run',
    });
    expect(sfnMock).toHaveReceivedCommandWith(StartSyncExecutionCommand, {
      stateMachineArn: ARNS['signup-express'],
      name: 'signup-e1',
      input: SIGNUP_INPUT,
    });
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it.each([
    [
      'answers FAILED',
      { status: 'FAILED', error: 'ReferralAlreadyClaimed' },
      'FAILED ReferralAlreadyClaimed',
    ],
    ['answers TIMED_OUT', { status: 'TIMED_OUT' }, 'TIMED_OUT'],
  ] as const)(
    'starts the Standard step with the same name and input when the attempt %s',
    async (_c, answer, why) => {
      // Prepare
      sfnMock.on(StartSyncExecutionCommand).resolves(answer);
      sfnMock.on(StartExecutionCommand).resolves({ ...STARTED, executionArn: 'arn:signup-e1' });

      // Act
      const result = await handler(event, context);

      // Assess
      expect(result).toEqual({
        started: true,
        executionName: 'signup-e1',
        executionArn: 'arn:signup-e1',
        expressAttempt: why,
      });
      expect(sfnMock).toHaveReceivedCommandTimes(StartSyncExecutionCommand, 1);
      expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: ARNS.signup,
        name: 'signup-e1',
        input: SIGNUP_INPUT,
      });
    },
  );

  it('starts the Standard step when the StartSyncExecution call itself fails', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).rejects(sfnThrottling());
    sfnMock.on(StartExecutionCommand).resolves({ ...STARTED, executionArn: 'arn:signup-e1' });

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result).toMatchObject({ started: true, expressAttempt: 'call failed: ThrottlingException' });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.signup,
      name: 'signup-e1',
    });
  });

  it('counts ExecutionAlreadyExists on the Standard start as handled: a failed attempt of a redelivered event', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves(EXPRESS_FAILED);
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result).toEqual({ started: false, duplicate: true, executionName: 'signup-e1', ...FALLBACK });
  });
});
