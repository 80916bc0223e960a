import type { BillingCycle, PlanType, WorkflowName } from './config';

/**
 * The inputs of the workflows the ingest Lambdas start. Timestamps are ISO-8601 UTC; money is integer cents;
 * `parkExpiresAt` (epoch seconds) is the TTL a workflow gives the event if it must park it until the signup.
 */
export interface InvoicePaymentInput {
  kind: 'invoice';
  eventId: string;
  userId: string;
  invoiceId: string;
  planType: PlanType;
  billingCycle: BillingCycle;
  amountPaidCents: number;
  currency: string;
  paidAt: string;
  customerId: string;
  subscriptionId: string;
  priceId: string;
  parkExpiresAt: number;
}

/** `checkout.session.completed`: links the Stripe ids to the referral, never counted as a payment. */
export interface CheckoutLinkInput {
  kind: 'checkout';
  eventId: string;
  userId: string;
  customerId: string;
  subscriptionId: string;
  occurredAt: string;
  parkExpiresAt: number;
}

export type PaymentWorkflowInput = InvoicePaymentInput | CheckoutLinkInput;

export interface CancellationWorkflowInput {
  eventId: string;
  userId: string;
  subscriptionId: string;
  canceledAt: string;
  parkExpiresAt: number;
}

export interface SignupWorkflowInput {
  eventId: string;
  userId: string;
  partnerId: string;
  occurredAt: string;
}

export interface VerifyWorkflowInput {
  eventId: string;
  userId: string;
  occurredAt: string;
  parkExpiresAt: number;
}

interface Start<W extends WorkflowName, I> {
  workflow: W;
  /** Derived from the event (or invoice) id: a redelivered event maps to the same execution. */
  executionName: string;
  input: I;
}

export type WorkflowStart =
  | Start<'payment', PaymentWorkflowInput>
  | Start<'cancellation', CancellationWorkflowInput>
  | Start<'signup', SignupWorkflowInput>
  | Start<'verify', VerifyWorkflowInput>;

/** An event accepted but deliberately not acted on, with the reason (logged). */
export interface Ignored {
  ignore: string;
}

export type EventOutcome = WorkflowStart | Ignored;

export const isIgnored = (outcome: EventOutcome): outcome is Ignored => 'ignore' in outcome;

const SECONDS_PER_DAY = 86_400;

/** Epoch seconds `days` after `fromEpochSeconds`. */
export const expiresAfterDays = (fromEpochSeconds: number, days: number): number =>
  Math.floor(fromEpochSeconds) + days * SECONDS_PER_DAY;

/** Epoch seconds → ISO-8601 UTC. */
export const isoFromEpochSeconds = (seconds: number): string => new Date(seconds * 1000).toISOString();
