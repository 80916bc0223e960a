import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { MalformedEventError } from '../../domain/errors';
import { createStripeIngestHandler } from '../../lambdas/stripe-ingest';
import { withPath } from '../../local/events/event-envelope';
import {
  checkoutCompletedEvent,
  invoicePaidEvent,
  subscriptionDeletedEvent,
} from '../../local/events/stripe-events';
import { ARNS, sfnThrottling, testConfig } from './builders';
import { lambdaContext } from './lambda-context';

const sfnMock = mockClient(SFNClient);
const STARTED = { executionArn: 'arn:x', startDate: new Date('2026-01-01T00:00:00.000Z') };
const context = lambdaContext('stripe-ingest');

/** The workflow input of the n-th StartExecution, parsed. */
const startedInput = (n = 0): unknown =>
  JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[n]?.args[0].input.input ?? 'null');

describe('stripe-ingest handler', () => {
  const sfn = new SFNClient({ region: 'eu-west-1' });
  const handler = createStripeIngestHandler({ config: testConfig(), sfn });

  beforeEach(() => {
    sfnMock.reset();
  });

  it('starts the payment workflow named after the invoice, with the mapped input', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ ...STARTED, executionArn: `${ARNS.payment}:payment-in_1` });

    // Act
    const result = await handler(
      invoicePaidEvent({ invoiceId: 'in_1', userId: 'user_1', eventId: 'evt_1' }),
      context,
    );

    // Assess
    expect(result).toEqual({
      started: true,
      executionName: 'payment-in_1',
      executionArn: `${ARNS.payment}:payment-in_1`,
    });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.payment,
      name: 'payment-in_1',
      input: expect.any(String),
    });
    expect(startedInput()).toMatchObject({
      kind: 'invoice',
      eventId: 'evt_1',
      invoiceId: 'in_1',
      userId: 'user_1',
      amountPaidCents: 2999,
      planType: 'AFPlus',
      billingCycle: 'Monthly',
    });
  });

  it('treats ExecutionAlreadyExists as success: the event was delivered before', async () => {
    // Prepare
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const result = await handler(invoicePaidEvent({ invoiceId: 'in_1' }), context);

    // Assess
    expect(result).toEqual({ started: false, duplicate: true, executionName: 'payment-in_1' });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.payment,
      name: 'payment-in_1',
    });
  });

  it('starts the cancellation workflow for customer.subscription.deleted', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves(STARTED);

    // Act
    await handler(subscriptionDeletedEvent({ subscriptionId: 'sub_9' }), context);

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.cancellation,
      name: 'cancellation-sub_9',
    });
  });

  it('starts the payment workflow for a subscription checkout, named after the event', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves(STARTED);

    // Act
    await handler(checkoutCompletedEvent({ eventId: 'evt_c' }), context);

    // Assess
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.payment,
      name: 'checkout-evt_c',
    });
  });

  it('ignores a renewal without starting anything', async () => {
    // Act
    const result = await handler(invoicePaidEvent({ billingReason: 'subscription_cycle' }), context);

    // Assess
    expect(result).toEqual({ ignored: expect.stringMatching(/^renewal/) });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('throws MalformedEvent (so the async invocation fails to the DLQ) and starts nothing', async () => {
    // Prepare
    const event = withPath(invoicePaidEvent(), 'detail.data.object.amount_paid', -5);

    // Act
    const act = handler(event, context);

    // Assess
    await expect(act).rejects.toBeInstanceOf(MalformedEventError);
    await expect(handler(event, context)).rejects.toMatchObject({
      name: 'MalformedEvent',
      message: 'detail.data.object.amount_paid: expected a non-negative integer',
    });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('throws UnknownPrice for a price the configuration does not map, starting nothing', async () => {
    // Act
    const act = handler(invoicePaidEvent({ priceId: 'price_unknown' }), context);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'UnknownPrice' });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('uses a deployment price map from STRIPE_PRICE_MAP', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves(STARTED);
    const custom = createStripeIngestHandler({
      config: testConfig({
        STRIPE_PRICE_MAP: JSON.stringify({ price_live_1: { planType: 'AF', billingCycle: 'Annual' } }),
      }),
      sfn,
    });

    // Act
    await custom(invoicePaidEvent({ priceId: 'price_live_1' }), context);

    // Assess
    expect(startedInput()).toMatchObject({ planType: 'AF', billingCycle: 'Annual', priceId: 'price_live_1' });
  });

  it('rethrows a Step Functions throttling error, so the async invocation is retried', async () => {
    // Prepare
    const throttled = sfnThrottling();
    sfnMock.on(StartExecutionCommand).rejects(throttled);

    // Act
    const act = handler(invoicePaidEvent(), context);

    // Assess
    await expect(act).rejects.toBe(throttled);
    // The SDK's own retries run in the client's middleware, below the `send` the mock replaces: one call here.
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('fails with Configuration when the state machine ARN is missing, starting nothing', async () => {
    // Prepare
    const unconfigured = createStripeIngestHandler({
      config: testConfig({ PAYMENT_STATE_MACHINE_ARN: '' }),
      sfn,
    });

    // Act
    const act = unconfigured(invoicePaidEvent(), context);

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'Configuration',
      message: 'PAYMENT_STATE_MACHINE_ARN is not set',
    });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });
});
