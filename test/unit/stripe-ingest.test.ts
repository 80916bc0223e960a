import { MalformedEventError } from '../../domain/errors';
import { MAX_ATTEMPTS } from '../../lambdas/commons/aws-json';
import { createStripeIngestHandler } from '../../lambdas/stripe-ingest';
import { withPath } from '../../local/events/event-envelope';
import {
  checkoutCompletedEvent,
  invoicePaidEvent,
  subscriptionDeletedEvent,
} from '../../local/events/stripe-events';
import { useFakeAws } from '../support/fake-aws';
import { ARNS, testConfig } from './builders';

const START = 'AWSStepFunctions.StartExecution';
const STARTED = { body: { executionArn: 'arn:x', startDate: 1_767_225_600 } };
const aws = useFakeAws();

describe('stripe-ingest handler', () => {
  const handler = createStripeIngestHandler(testConfig());

  it('starts the payment workflow named after the invoice, with the mapped input', async () => {
    // Prepare
    aws.on(START, { body: { executionArn: `${ARNS.payment}:payment-in_1`, startDate: 1_767_225_600 } });

    // Act
    const result = await handler(invoicePaidEvent({ invoiceId: 'in_1', userId: 'user_1', eventId: 'evt_1' }));

    // Assess
    expect(result).toEqual({
      started: true,
      executionName: 'payment-in_1',
      executionArn: `${ARNS.payment}:payment-in_1`,
    });
    expect(aws.callsTo(START)).toHaveLength(1);
    const call = aws.callsTo(START)[0]?.body;
    expect(call?.stateMachineArn).toBe(ARNS.payment);
    expect(call?.name).toBe('payment-in_1');
    expect(JSON.parse(String(call?.input))).toMatchObject({
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
    aws.on(START, { error: 'ExecutionAlreadyExists', message: 'Execution Already Exists' });

    // Act
    const result = await handler(invoicePaidEvent({ invoiceId: 'in_1' }));

    // Assess
    expect(result).toEqual({ started: false, duplicate: true, executionName: 'payment-in_1' });
  });

  it('starts the cancellation workflow for customer.subscription.deleted', async () => {
    // Prepare
    aws.on(START, STARTED);

    // Act
    await handler(subscriptionDeletedEvent({ subscriptionId: 'sub_9' }));

    // Assess
    expect(aws.callsTo(START)[0]?.body).toMatchObject({
      stateMachineArn: ARNS.cancellation,
      name: 'cancellation-sub_9',
    });
  });

  it('starts the payment workflow for a subscription checkout, named after the event', async () => {
    // Prepare
    aws.on(START, STARTED);

    // Act
    await handler(checkoutCompletedEvent({ eventId: 'evt_c' }));

    // Assess
    expect(aws.callsTo(START)[0]?.body).toMatchObject({
      stateMachineArn: ARNS.payment,
      name: 'checkout-evt_c',
    });
  });

  it('ignores a renewal without starting anything', async () => {
    // Act
    const result = await handler(invoicePaidEvent({ billingReason: 'subscription_cycle' }));

    // Assess
    expect(result).toEqual({ ignored: expect.stringMatching(/^renewal/) });
    expect(aws.calls).toHaveLength(0);
  });

  it('throws MalformedEvent (so the async invocation fails to the DLQ) and starts nothing', async () => {
    // Prepare
    const event = withPath(invoicePaidEvent(), 'detail.data.object.amount_paid', -5);

    // Act
    const act = handler(event);

    // Assess
    await expect(act).rejects.toBeInstanceOf(MalformedEventError);
    await expect(handler(event)).rejects.toMatchObject({
      name: 'MalformedEvent',
      message: 'detail.data.object.amount_paid: expected a non-negative integer',
    });
    expect(aws.calls).toHaveLength(0);
  });

  it('throws UnknownPrice for a price the configuration does not map', async () => {
    await expect(handler(invoicePaidEvent({ priceId: 'price_unknown' }))).rejects.toMatchObject({
      name: 'UnknownPrice',
    });
  });

  it('uses a deployment price map from STRIPE_PRICE_MAP', async () => {
    // Prepare
    aws.on(START, STARTED);
    const custom = createStripeIngestHandler(
      testConfig({
        STRIPE_PRICE_MAP: JSON.stringify({ price_live_1: { planType: 'AF', billingCycle: 'Annual' } }),
      }),
    );

    // Act
    await custom(invoicePaidEvent({ priceId: 'price_live_1' }));

    // Assess
    const input = JSON.parse(String(aws.callsTo(START)[0]?.body.input)) as object;
    expect(input).toMatchObject({ planType: 'AF', billingCycle: 'Annual', priceId: 'price_live_1' });
  });

  it('propagates Step Functions errors that outlast the retries, so the invocation is retried', async () => {
    // Prepare
    aws.on(START, { error: 'ThrottlingException', message: 'Rate exceeded' });

    // Act + Assess
    await expect(handler(invoicePaidEvent())).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(aws.callsTo(START)).toHaveLength(MAX_ATTEMPTS);
  });

  it('fails with Configuration when the state machine ARN is missing', async () => {
    // Prepare
    const unconfigured = createStripeIngestHandler(testConfig({ PAYMENT_STATE_MACHINE_ARN: '' }));

    // Act + Assess
    await expect(unconfigured(invoicePaidEvent())).rejects.toMatchObject({
      name: 'Configuration',
      message: 'PAYMENT_STATE_MACHINE_ARN is not set',
    });
  });
});
