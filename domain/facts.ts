import type { BillingCycle, PlanType } from './config';

/**
 * Facts about one referred user. Every event becomes one fact keyed by its natural id, so a fact recorded
 * twice is recorded once, and a referral's state is a pure function of its set of facts
 * (`referralStateOf` in lifecycle.ts). `at` is the fact's own time (ISO-8601 UTC): Stripe's `created` or
 * paid time, the app's `occurredAt`, the approval run's time; never the time it arrived.
 */
interface FactBase {
  /** The natural key: the same fact always has the same key, two different facts never do. */
  key: string;
  at: string;
}

/** The app's `UserSignedUp`; `selfReferral` when the user is the partner's own (same user id or email hash). */
export interface SignupFact extends FactBase {
  kind: 'signup';
  partnerId: string;
  emailHash?: string;
  selfReferral?: boolean;
}

export interface VerifiedFact extends FactBase {
  kind: 'verified';
}

/** `checkout.session.completed`: links the Stripe customer and subscription, never a payment. */
export interface CheckoutFact extends FactBase {
  kind: 'checkout';
  customerId: string;
  subscriptionId: string;
}

export const COMMISSIONABLE_REASONS = [
  'subscription_create',
  'subscription_cycle',
  'subscription_update',
] as const;
export type CommissionableReason = (typeof COMMISSIONABLE_REASONS)[number];

/** `invoice.paid` with a commissionable billing reason. */
export interface InvoiceFact extends FactBase {
  kind: 'invoice';
  invoiceId: string;
  billingReason: CommissionableReason;
  amountCents: number;
  currency: string;
  planType: PlanType;
  billingCycle: BillingCycle;
  subscriptionId: string;
  customerId: string;
  /** Charge and PaymentIntent ids the invoice names itself (API versions before 2025-03-31). */
  paymentIds: string[];
}

/** `invoice_payment.paid` (current API versions): which charge or PaymentIntent paid which invoice. */
export interface InvoicePaymentFact extends FactBase {
  kind: 'invoicePayment';
  invoiceId: string;
  paymentIds: string[];
}

/** `charge.refunded`: the charge's cumulative `amount_refunded` at that moment (combined by maximum). */
export interface RefundFact extends FactBase {
  kind: 'refund';
  chargeId: string;
  /** The charge and its PaymentIntent: what links it to an invoice. */
  paymentIds: string[];
  /** The invoice the charge names (API versions before 2025-03-31). */
  invoiceId?: string;
  amountRefundedCents: number;
}

export const DISPUTE_PHASES = ['open', 'won', 'lost'] as const;
export type DisputePhase = (typeof DISPUTE_PHASES)[number];

/** `charge.dispute.created` (open) and `charge.dispute.closed` (won or lost). */
export interface DisputeFact extends FactBase {
  kind: 'dispute';
  disputeId: string;
  paymentIds: string[];
  amountCents: number;
  phase: DisputePhase;
}

/** `customer.subscription.updated` (plan or cycle, status) and `customer.subscription.deleted`. */
export interface SubscriptionFact extends FactBase {
  kind: 'subscription';
  subscriptionId: string;
  state: 'active' | 'canceled';
  planType?: PlanType;
  billingCycle?: BillingCycle;
}

/** The approval run found the commission due: it becomes payable unless something holds it. */
export interface ApprovalFact extends FactBase {
  kind: 'approval';
  commissionId: string;
}

/** An operator's decision on a held commission. */
export interface ReviewFact extends FactBase {
  kind: 'review';
  commissionId: string;
  decision: 'approve' | 'reject';
}

/** A payout paid the commission this much (recorded by the payouts workflow). Paid is never rewritten. */
export interface PayoutFact extends FactBase {
  kind: 'payout';
  commissionId: string;
  payoutId: string;
  earningsCents: number;
}

export type Fact =
  | SignupFact
  | VerifiedFact
  | CheckoutFact
  | InvoiceFact
  | InvoicePaymentFact
  | RefundFact
  | DisputeFact
  | SubscriptionFact
  | ApprovalFact
  | ReviewFact
  | PayoutFact;

export type FactKind = Fact['kind'];

/** The natural keys. Cumulative or phased facts include what distinguishes one observation from another. */
export const factKeys = {
  signup: (eventId: string) => `signup#${eventId}`,
  verified: (eventId: string) => `verified#${eventId}`,
  checkout: (sessionId: string) => `checkout#${sessionId}`,
  invoice: (invoiceId: string) => `invoice#${invoiceId}`,
  invoicePayment: (invoicePaymentId: string) => `invoicePayment#${invoicePaymentId}`,
  refund: (chargeId: string, amountRefundedCents: number) => `refund#${chargeId}#${amountRefundedCents}`,
  dispute: (disputeId: string, phase: DisputePhase) => `dispute#${disputeId}#${phase}`,
  subscription: (subscriptionId: string, at: string, state: SubscriptionFact['state']) =>
    `subscription#${subscriptionId}#${at}#${state}`,
  approval: (commissionId: string) => `approval#${commissionId}`,
  review: (commissionId: string, decision: ReviewFact['decision']) => `review#${commissionId}#${decision}`,
  payout: (commissionId: string) => `payout#${commissionId}`,
} as const;

/**
 * Commission ids, derived from the Stripe object they come from. A clawback once settled by a payout is paid
 * and never rewritten, so a later reduction of the same invoice opens the next one: `clawback#<invoiceId>`,
 * then `clawback#<invoiceId>-2`, `-3`, ….
 */
export const commissionIds = {
  invoice: (invoiceId: string) => `inv#${invoiceId}`,
  clawback: (invoiceId: string, nth = 1) => `clawback#${invoiceId}${nth === 1 ? '' : `-${nth}`}`,
} as const;

/** Stripe ids that route a fact without a user id to its user: `payment:<ch_… | pi_…>`, `invoice:<in_…>`. */
export const stripeLinks = {
  payment: (id: string) => `payment:${id}`,
  invoice: (id: string) => `invoice:${id}`,
} as const;

/** Facts sorted by their own time, then key: the one order every fold uses. */
export const byTimeThenKey = (a: Fact, b: Fact): number =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
