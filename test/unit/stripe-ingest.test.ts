import {
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { MAX_AMOUNT_MINOR_UNITS } from '../../domain/config';
import { MalformedEventError } from '../../domain/errors';
import { createStripeIngestHandler } from '../../lambdas/stripe-ingest';
import { withPath } from '../../local/events/event-envelope';
import {
  chargeRefundedEvent,
  checkoutCompletedEvent,
  DEFAULT_CREATED,
  disputeClosedEvent,
  invoicePaidEvent,
  invoicePaymentPaidEvent,
  subscriptionDeletedEvent,
  subscriptionUpdatedEvent,
} from '../../local/events/stripe-events';
import { ARNS, sfnThrottling, testConfig } from './builders';
import { lambdaContext } from './lambda-context';

/** The fact workflows' state machines (beside the ones every test configuration sets). */
const FACT_ARNS = {
  refund: 'arn:aws:states:us-east-1:123456789012:stateMachine:refund',
  dispute: 'arn:aws:states:us-east-1:123456789012:stateMachine:dispute',
  subscription: 'arn:aws:states:us-east-1:123456789012:stateMachine:subscription',
} as const;
/** The test configuration with every fact workflow's ARN set, plus `env`. */
const config = (env: Record<string, string> = {}) =>
  testConfig({
    REFUND_STATE_MACHINE_ARN: FACT_ARNS.refund,
    DISPUTE_STATE_MACHINE_ARN: FACT_ARNS.dispute,
    SUBSCRIPTION_STATE_MACHINE_ARN: FACT_ARNS.subscription,
    ...env,
  });

const sfnMock = mockClient(SFNClient);
const EXPRESS_FAILED = { status: 'FAILED', error: 'States.TaskFailed', cause: 'exhausted retries' } as const;
const FALLBACK = { expressAttempt: 'FAILED States.TaskFailed' };
const STARTED = { executionArn: 'arn:x', startDate: new Date('2026-01-01T00:00:00.000Z') };
const context = lambdaContext('stripe-ingest');

/** The workflow input of the n-th StartExecution, parsed. */
const startedInput = (n = 0): unknown =>
  JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[n]?.args[0].input.input ?? 'null');

describe('stripe-ingest handler', () => {
  const sfn = new SFNClient({ region: 'eu-west-1' });
  const handler = createStripeIngestHandler({ config: config(), sfn });

  beforeEach(() => {
    sfnMock.reset();
    // The Express attempt fails by default, so the tests below see the Standard start it falls back to (the
    // same name and input); 'Express first, Standard on failure' covers the attempt itself.
    sfnMock.on(StartSyncExecutionCommand).resolves(EXPRESS_FAILED);
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
      ...FALLBACK,
    });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.payment,
      name: 'payment-in_1',
      input: expect.any(String),
    });
    expect(startedInput()).toEqual({
      fact: {
        kind: 'invoice',
        key: 'invoice#in_1',
        at: '2026-01-15T10:00:00.000Z',
        invoiceId: 'in_1',
        billingReason: 'subscription_create',
        amountCents: 2999,
        currency: 'usd',
        planType: 'AFPlus',
        billingCycle: 'Monthly',
        subscriptionId: 'sub_test_1',
        customerId: 'cus_test_1',
        paymentIds: [],
      },
      userId: 'user_1',
      findUserBy: [],
      links: ['invoice:in_1'],
      parkExpiresAt: expect.any(Number),
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
    expect(result).toEqual({ started: false, duplicate: true, executionName: 'payment-in_1', ...FALLBACK });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.payment,
      name: 'payment-in_1',
    });
  });

  it.each([
    [
      'customer.subscription.deleted',
      subscriptionDeletedEvent({ subscriptionId: 'sub_9' }),
      FACT_ARNS.subscription,
      'subscription-sub_9-deleted',
    ],
    [
      'customer.subscription.updated',
      subscriptionUpdatedEvent({ subscriptionId: 'sub_9', created: DEFAULT_CREATED }),
      FACT_ARNS.subscription,
      `subscription-sub_9-${DEFAULT_CREATED}`,
    ],
    [
      'checkout.session.completed',
      checkoutCompletedEvent({ eventId: 'evt_c', sessionId: 'cs_9' }),
      ARNS.payment,
      'checkout-cs_9',
    ],
    [
      'invoice_payment.paid',
      invoicePaymentPaidEvent({ invoicePaymentId: 'inpay_9' }),
      ARNS.payment,
      'invoice-payment-inpay_9',
    ],
    [
      'charge.refunded',
      chargeRefundedEvent({ chargeId: 'ch_9', amountRefundedCents: 500 }),
      FACT_ARNS.refund,
      'refund-ch_9-500',
    ],
    [
      'charge.dispute.closed',
      disputeClosedEvent({ disputeId: 'dp_9', status: 'lost' }),
      FACT_ARNS.dispute,
      'dispute-dp_9-lost',
    ],
  ])('starts the right workflow for %s', async (_type, event, stateMachineArn, name) => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves(STARTED);

    // Act
    await handler(event, context);

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn, name });
  });

  it('passes a refund fact with the ids that find its user', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves(STARTED);

    // Act
    await handler(
      chargeRefundedEvent({ chargeId: 'ch_9', paymentIntentId: 'pi_9', amountRefundedCents: 500 }),
      context,
    );

    // Assess
    expect(startedInput()).toMatchObject({
      fact: { kind: 'refund', chargeId: 'ch_9', amountRefundedCents: 500 },
      findUserBy: ['payment:pi_9', 'payment:ch_9'],
      links: ['payment:ch_9', 'payment:pi_9'],
    });
  });

  it('ignores a non-commissionable invoice without starting anything', async () => {
    // Act
    const result = await handler(invoicePaidEvent({ invoiceId: 'in_m', billingReason: 'manual' }), context);

    // Assess
    expect(result).toEqual({ ignored: 'invoice in_m is not commissionable (billing_reason manual)' });
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

  it("throws AmountTooLarge for an amount above Stripe's largest, starting nothing", async () => {
    // Act
    const act = handler(invoicePaidEvent({ amountPaidCents: Number.MAX_SAFE_INTEGER }), context);

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'AmountTooLarge',
      field: 'detail.data.object.amount_paid',
      limit: MAX_AMOUNT_MINOR_UNITS,
    });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('throws UnsupportedCurrency for a currency other than PROGRAM_CURRENCY, starting nothing', async () => {
    // Act
    const act = handler(invoicePaidEvent({ currency: 'jpy' }), context);

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'UnsupportedCurrency',
      field: 'detail.data.object.currency',
      currency: 'jpy',
      programCurrency: 'usd',
    });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('uses the deployment currency from PROGRAM_CURRENCY', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves(STARTED);
    const eur = createStripeIngestHandler({ config: config({ PROGRAM_CURRENCY: 'EUR' }), sfn });

    // Act
    await eur(invoicePaidEvent({ currency: 'eur' }), context);
    const rejected = eur(invoicePaidEvent({ currency: 'usd' }), context);

    // Assess
    expect(startedInput()).toMatchObject({ fact: { currency: 'eur' } });
    await expect(rejected).rejects.toMatchObject({ name: 'UnsupportedCurrency', programCurrency: 'eur' });
  });

  it('accepts only the source STRIPE_EVENT_SOURCE names, when set', async () => {
    // Prepare
    const pinned = createStripeIngestHandler({
      config: config({ STRIPE_EVENT_SOURCE: 'aws.partner/stripe.com/ed_live_1' }),
      sfn,
    });

    // Act
    const act = pinned(invoicePaidEvent(), context);

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'MalformedEvent', field: 'source' });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });

  it('uses a deployment price map from STRIPE_PRICE_MAP', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves(STARTED);
    const custom = createStripeIngestHandler({
      config: config({
        STRIPE_PRICE_MAP: JSON.stringify({ price_live_1: { planType: 'AF', billingCycle: 'Annual' } }),
      }),
      sfn,
    });

    // Act
    await custom(invoicePaidEvent({ priceId: 'price_live_1' }), context);

    // Assess
    expect(startedInput()).toMatchObject({ fact: { planType: 'AF', billingCycle: 'Annual' } });
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
      config: config({ PAYMENT_STATE_MACHINE_ARN: '', REFUND_STATE_MACHINE_ARN: '' }),
      sfn,
    });

    // Act
    const payment = unconfigured(invoicePaidEvent(), context);
    const refund = unconfigured(chargeRefundedEvent(), context);

    // Assess
    await expect(payment).rejects.toMatchObject({
      name: 'Configuration',
      message: 'PAYMENT_STATE_MACHINE_ARN is not set',
    });
    await expect(refund).rejects.toMatchObject({
      name: 'Configuration',
      message: 'REFUND_STATE_MACHINE_ARN is not set',
    });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
  });
});

describe('stripe-ingest: Express first, Standard on failure', () => {
  const handler = createStripeIngestHandler({
    config: config(),
    sfn: new SFNClient({ region: 'eu-west-1' }),
  });
  const event = invoicePaidEvent({ invoiceId: 'in_1', userId: 'user_1', eventId: 'evt_1' });
  const sentInput = (sync: boolean): unknown =>
    JSON.parse(
      (sync
        ? sfnMock.commandCalls(StartSyncExecutionCommand)[0]?.args[0].input.input
        : sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input) ?? 'null',
    );

  beforeEach(() => {
    sfnMock.reset();
  });

  it('Express SUCCEEDED: the payment is recorded by the twin, no Standard execution starts', async () => {
    // Prepare
    sfnMock
      .on(StartSyncExecutionCommand)
      .resolves({ status: 'SUCCEEDED', executionArn: 'arn:express:payment-in_1:run', output: '{}' });

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result).toEqual({
      completed: true,
      executionName: 'payment-in_1',
      executionArn: 'arn:express:payment-in_1:run',
    });
    expect(sfnMock).toHaveReceivedCommandWith(StartSyncExecutionCommand, {
      stateMachineArn: ARNS['payment-express'],
      name: 'payment-in_1',
    });
    expect(sentInput(true)).toMatchObject({
      fact: { key: 'invoice#in_1' },
      userId: 'user_1',
    });
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('Express FAILED: the Standard payment step starts under the deterministic name, with the same input', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves(EXPRESS_FAILED);
    sfnMock.on(StartExecutionCommand).resolves({ ...STARTED, executionArn: `${ARNS.payment}:payment-in_1` });

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result).toMatchObject({ started: true, executionName: 'payment-in_1', ...FALLBACK });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.payment,
      name: 'payment-in_1',
    });
    expect(sentInput(false)).toEqual(sentInput(true));
  });

  it('the StartSyncExecution call throwing (an abandoned or refused attempt): the Standard step starts', async () => {
    // Prepare
    const aborted = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    sfnMock.on(StartSyncExecutionCommand).rejects(aborted);
    sfnMock.on(StartExecutionCommand).resolves(STARTED);

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result).toMatchObject({ started: true, expressAttempt: 'call failed: AbortError' });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: ARNS.payment,
      name: 'payment-in_1',
    });
  });

  it('ExecutionAlreadyExists on the Standard start is handled: the event was delivered before', async () => {
    // Prepare
    sfnMock.on(StartSyncExecutionCommand).resolves({ status: 'TIMED_OUT' });
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result).toEqual({
      started: false,
      duplicate: true,
      executionName: 'payment-in_1',
      expressAttempt: 'TIMED_OUT',
    });
  });
});
