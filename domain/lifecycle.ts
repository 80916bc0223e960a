import type { BillingCycle, CommissionSchedule, PlanType } from './config';
import { proRata, quoteCommission } from './earnings';
import {
  byTimeThenKey,
  commissionIds,
  type DisputeFact,
  type Fact,
  type InvoiceFact,
  type PayoutFact,
  type RefundFact,
  type SignupFact,
  type SubscriptionFact,
} from './facts';
import {
  referralIdFor,
  type CommissionStatus,
  type EarningsByStatus,
  type Referral,
  type ReferralStatus,
} from './referral';

/**
 * A referral's state as a pure function of its set of facts: the same facts give the same state, whatever
 * order they arrived in and however often. Times are the facts' own; cumulative Stripe amounts combine by
 * maximum. A commission's status is replayed over its facts sorted by their own time (`byTimeThenKey`), so
 * its history is part of the result and order-independent too.
 */

export interface ProgramTerms {
  schedule: CommissionSchedule;
  holdPeriodDays: number;
}

export interface CommissionChange {
  at: string;
  status: CommissionStatus;
  reason: string;
  netCents: number;
}

/** One `PartnerCommissions` row: a commissionable invoice, or a clawback of a paid one. */
export interface Commission {
  partnerId: string;
  commissionId: string;
  referredUserId: string;
  referralId: string;
  type: 'invoice' | 'clawback';
  invoiceId: string;
  billingReason: InvoiceFact['billingReason'];
  subscriptionId: string;
  subscriptionMonth: number;
  planType: PlanType;
  billingCycle: BillingCycle;
  /** The amount the commission is based on (the invoice's `amount_paid`). */
  baseAmountCents: number;
  currency: string;
  rule: string;
  /** What the rule granted; negative for a clawback. */
  earningsCents: number;
  /** Taken back from `earningsCents` by refunds and lost disputes before payout. */
  reversedCents: number;
  /** `earningsCents − reversedCents`: what this row is worth to the partner now. */
  netCents: number;
  status: CommissionStatus;
  statusReason: string;
  earnedAt: string;
  /** When the hold period ends (pending rows only become payable after it). */
  dueAt: string;
  approvedAt?: string;
  paidAt?: string;
  payoutId?: string;
  history: CommissionChange[];
}

export interface ReferralState {
  referral: Omit<
    Referral,
    'factKeys' | 'factCount' | 'pendingStats' | 'statsPendingSince' | 'statsPendingReason'
  >;
  commissions: Commission[];
}

const DAY_MS = 86_400_000;
const addDays = (iso: string, days: number): string =>
  new Date(Date.parse(iso) + days * DAY_MS).toISOString();

/**
 * The month of a subscription an invoice falls in, 1-based, counted in calendar months (UTC) from the
 * subscription's first invoice: a renewal on the same day of a later month starts that month, and a day
 * missing in a shorter month (Jan 31 → Feb 28) counts as reached.
 */
export function subscriptionMonthOf(startIso: string, atIso: string): number {
  const start = new Date(startIso);
  const at = new Date(atIso);
  let months = (at.getUTCFullYear() - start.getUTCFullYear()) * 12 + (at.getUTCMonth() - start.getUTCMonth());
  const lastDay = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();
  if (at.getUTCDate() < start.getUTCDate() && at.getUTCDate() !== lastDay) months -= 1;
  return Math.max(1, months + 1);
}

const minBy = <T>(items: readonly T[], at: (t: T) => string): T | undefined =>
  [...items].sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0))[0];

/** A fact's content with its fields in one order: equal facts give equal strings. */
const canonical = (fact: Fact): string => JSON.stringify(fact, Object.keys(fact).sort());

/**
 * One fact per key. Two facts with one key are one fact recorded twice, so which is kept does not matter;
 * should they ever differ (a key that fails to tell two facts apart), the same one is kept whatever the
 * order they came in, so that the state still depends on the set of facts only.
 */
function dedupeByKey(facts: Iterable<Fact>): Fact[] {
  const unique = new Map<string, { fact: Fact; canonical?: string }>();
  for (const fact of facts) {
    const kept = unique.get(fact.key);
    if (!kept) {
      unique.set(fact.key, { fact });
      continue;
    }
    if (kept.fact === fact) continue;
    kept.canonical ??= canonical(kept.fact);
    const other = canonical(fact);
    if (other < kept.canonical) unique.set(fact.key, { fact, canonical: other });
  }
  return [...unique.values()].map((u) => u.fact);
}

/** The state of one referred user's referral; `undefined` until a signup is among the facts. */
export function referralStateOf(
  userId: string,
  facts: Iterable<Fact>,
  terms: ProgramTerms,
): ReferralState | undefined {
  const all = dedupeByKey(facts).sort(byTimeThenKey);
  const signups = all.filter((f): f is SignupFact => f.kind === 'signup');
  const signup = signups[0];
  if (!signup) return undefined;
  const partnerId = signup.partnerId;
  const referralId = referralIdFor(userId);
  const selfReferral = signups.some((s) => s.selfReferral === true);

  const invoices = all.filter((f): f is InvoiceFact => f.kind === 'invoice');
  const subscriptionFacts = all.filter((f): f is SubscriptionFact => f.kind === 'subscription');
  const checkout = all.find((f) => f.kind === 'checkout');

  // Each subscription starts at its first invoice; the referral follows the most recently started one.
  const startOf = new Map<string, string>();
  for (const invoice of invoices) {
    if (!startOf.has(invoice.subscriptionId)) startOf.set(invoice.subscriptionId, invoice.at);
  }
  const current =
    [...startOf.entries()].sort((a, b) =>
      a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : a[0] < b[0] ? 1 : -1,
    )[0]?.[0] ?? (checkout?.kind === 'checkout' ? checkout.subscriptionId : undefined);

  const paymentIds = paymentIdsByInvoice(invoices, all);
  const idsOf = (invoice: InvoiceFact): ReadonlySet<string> => paymentIds.get(invoice.invoiceId) ?? new Set();
  const commissions = invoices.flatMap((invoice) =>
    commissionsOf(invoice, {
      all,
      paymentIds: idsOf(invoice),
      partnerId,
      userId,
      referralId,
      selfReferral,
      terms,
      start: startOf.get(invoice.subscriptionId) ?? invoice.at,
    }),
  );

  // Plan and cycle: the latest statement of them for the current subscription (invoice or update).
  const planStatements = [
    ...invoices.filter((i) => i.subscriptionId === current),
    ...subscriptionFacts.filter((s) => s.subscriptionId === current && s.planType && s.billingCycle),
  ].sort(byTimeThenKey);
  const latestPlan = planStatements[planStatements.length - 1];
  const currentFacts = subscriptionFacts.filter((s) => s.subscriptionId === current);
  // A deleted subscription stays deleted (Stripe cannot revive it), whatever times the updates carry.
  const cancellation = minBy(
    currentFacts.filter((s) => s.state === 'canceled'),
    (s) => s.at,
  );
  const firstInvoice = invoices[0];
  const paid = firstInvoice !== undefined;
  const verifiedAt = all.find((f) => f.kind === 'verified')?.at;
  const status: ReferralStatus = paid
    ? cancellation
      ? 'canceled'
      : 'paid'
    : verifiedAt
      ? 'verified'
      : 'signed_up';

  const earnings = earningsOf(commissions);
  const refunds = all.filter((f): f is RefundFact => f.kind === 'refund');
  const refunded = invoices.reduce((sum, invoice) => sum + refundedOf(invoice, idsOf(invoice), refunds), 0);
  const refundedCharges = new Set(
    refunds
      .filter((r) => r.amountRefundedCents > 0 && invoices.some((i) => refundMatches(r, i, idsOf(i))))
      .map((r) => r.chargeId),
  );
  const disputeFacts = all.filter((f): f is DisputeFact => f.kind === 'dispute');
  // What lost disputes took, per invoice: never more than the refunds left of it.
  const disputeLost = invoices.reduce((sum, invoice) => {
    const ids = idsOf(invoice);
    const lost = disputeFacts
      .filter((d) => d.phase === 'lost' && disputeMatches(d, ids))
      .reduce((s, d) => s + d.amountCents, 0);
    return sum + Math.min(lost, invoice.amountCents - refundedOf(invoice, ids, refunds));
  }, 0);
  const disputes = new Set(
    all
      .filter((f): f is DisputeFact => f.kind === 'dispute')
      .filter((d) => invoices.some((i) => disputeMatches(d, idsOf(i))))
      .map((d) => d.disputeId),
  );

  const referral: ReferralState['referral'] = {
    partnerId,
    referralId,
    referredUserId: userId,
    status,
    planType: latestPlan?.planType ?? 'AF',
    ...(latestPlan?.billingCycle ? { billingCycle: latestPlan.billingCycle } : {}),
    signedUpAt: signup.at,
    ...(verifiedAt ? { verifiedAt } : {}),
    ...(firstInvoice
      ? {
          paidAt: firstInvoice.at,
          paymentAmountCents: firstInvoice.amountCents,
          currency: firstInvoice.currency,
          stripeInvoiceId: firstInvoice.invoiceId,
          stripeCustomerId: firstInvoice.customerId,
        }
      : checkout?.kind === 'checkout'
        ? { stripeCustomerId: checkout.customerId }
        : {}),
    ...(current ? { stripeSubscriptionId: current } : {}),
    ...(paid ? { subscriptionStatus: cancellation ? ('canceled' as const) : ('active' as const) } : {}),
    ...(paid && cancellation ? { canceledAt: cancellation.at } : {}),
    partnerEarningsCents:
      earnings.pendingCents + earnings.approvedCents + earnings.paidCents + earnings.onHoldCents,
    ...earnings,
    revenueCents: invoices.reduce((sum, i) => sum + i.amountCents, 0),
    refundedCents: refunded,
    disputeLostCents: disputeLost,
    invoiceCount: invoices.length,
    refundCount: refundedCharges.size,
    disputeCount: disputes.size,
    ...(selfReferral ? { selfReferral: true } : {}),
  };
  return { referral, commissions };
}

/** Sums of the commissions' net by status, and what was taken back. */
export function earningsOf(commissions: readonly Commission[]): EarningsByStatus {
  const e: EarningsByStatus = {
    pendingCents: 0,
    approvedCents: 0,
    paidCents: 0,
    onHoldCents: 0,
    reversedCents: 0,
  };
  for (const c of commissions) {
    if (c.type === 'clawback') e.reversedCents -= c.earningsCents;
    else e.reversedCents += c.reversedCents;
    if (c.status === 'pending') e.pendingCents += c.netCents;
    else if (c.status === 'approved') e.approvedCents += c.netCents;
    else if (c.status === 'paid') e.paidCents += c.netCents;
    else if (c.status === 'on_hold') e.onHoldCents += c.netCents;
  }
  return e;
}

/** Charge and PaymentIntent ids of each invoice: its own (older API) and its invoice payments'. */
function paymentIdsByInvoice(
  invoices: readonly InvoiceFact[],
  all: readonly Fact[],
): Map<string, Set<string>> {
  const ids = new Map(invoices.map((i) => [i.invoiceId, new Set(i.paymentIds)]));
  for (const f of all) {
    if (f.kind === 'invoicePayment') for (const id of f.paymentIds) ids.get(f.invoiceId)?.add(id);
  }
  return ids;
}

const refundMatches = (refund: RefundFact, invoice: InvoiceFact, paymentIds: ReadonlySet<string>): boolean =>
  refund.invoiceId === invoice.invoiceId || refund.paymentIds.some((id) => paymentIds.has(id));

const disputeMatches = (dispute: DisputeFact, paymentIds: ReadonlySet<string>): boolean =>
  dispute.paymentIds.some((id) => paymentIds.has(id));

/** The invoice's refunded amount: per charge the largest cumulative `amount_refunded` seen, capped at the invoice. */
function refundedOf(
  invoice: InvoiceFact,
  paymentIds: ReadonlySet<string>,
  refunds: readonly RefundFact[],
): number {
  const byCharge = new Map<string, number>();
  for (const f of refunds) {
    if (refundMatches(f, invoice, paymentIds)) {
      byCharge.set(f.chargeId, Math.max(byCharge.get(f.chargeId) ?? 0, f.amountRefundedCents));
    }
  }
  return Math.min(
    invoice.amountCents,
    [...byCharge.values()].reduce((a, b) => a + b, 0),
  );
}

interface CommissionContext {
  all: readonly Fact[];
  /** The invoice's charge and PaymentIntent ids. */
  paymentIds: ReadonlySet<string>;
  partnerId: string;
  userId: string;
  referralId: string;
  selfReferral: boolean;
  terms: ProgramTerms;
  start: string;
}

/** The invoice's commission and, when it was paid out and then reduced, its clawback. */
function commissionsOf(invoice: InvoiceFact, ctx: CommissionContext): Commission[] {
  const month = subscriptionMonthOf(ctx.start, invoice.at);
  const quote = quoteCommission(
    ctx.terms.schedule[invoice.planType][invoice.billingCycle],
    month,
    invoice.amountCents,
  );
  if (!quote || quote.earningsCents === 0) return [];
  const commissionId = commissionIds.invoice(invoice.invoiceId);
  const dueAt = addDays(invoice.at, ctx.terms.holdPeriodDays);
  const dueMs = Date.parse(dueAt);

  const related = ctx.all.filter(
    (f) =>
      (f.kind === 'refund' && refundMatches(f, invoice, ctx.paymentIds)) ||
      (f.kind === 'dispute' && disputeMatches(f, ctx.paymentIds)) ||
      ((f.kind === 'approval' || f.kind === 'review' || f.kind === 'payout') &&
        f.commissionId === commissionId) ||
      (f.kind === 'payout' && isClawbackOf(f.commissionId, invoice.invoiceId)),
  );

  const base = invoice.amountCents;
  const earnings = quote.earningsCents;
  const refundedByCharge = new Map<string, number>();
  const lostByDispute = new Map<string, number>();
  const openDisputes = new Set<string>();
  const closedDisputes = new Set<string>();
  let approvalSeen = false;
  let review: 'approve' | 'reject' | undefined;
  let payout: { at: string; payoutId: string; earningsCents: number } | undefined;
  let lastReduction = 'refund';

  const history: CommissionChange[] = [];
  let approvedAt: string | undefined;
  // After payout, what reductions take back goes to clawbacks: the open one grows, a payout settles it (paid,
  // never rewritten), and what is taken back after that opens the next.
  const clawbacks: Clawback[] = [];
  let settledCents = 0;
  const openClawback = (): Clawback | undefined => {
    const last = clawbacks[clawbacks.length - 1];
    return last && !last.settlement ? last : undefined;
  };

  // What refunds and lost disputes took back; a rejected commission is taken back whole. (A flat rule can
  // earn on a zero invoice, which nothing can be refunded from.)
  const reversedNow = (): number => {
    if (review === 'reject') return earnings;
    if (base === 0) return 0;
    const taken = [...refundedByCharge.values(), ...lostByDispute.values()].reduce((a, b) => a + b, 0);
    return proRata(earnings, Math.min(base, taken), base);
  };
  const statusNow = (net: number): { status: CommissionStatus; reason: string } => {
    if (payout) return { status: 'paid', reason: 'payout' };
    if (review === 'reject') return { status: 'reversed', reason: 'rejected' };
    if (net === 0) return { status: 'reversed', reason: lastReduction };
    if (openDisputes.size > 0) return { status: 'on_hold', reason: 'dispute' };
    if (ctx.selfReferral && review !== 'approve') return { status: 'on_hold', reason: 'self_referral' };
    if (review === 'approve') return { status: 'approved', reason: 'review' };
    if (approvalSeen) return { status: 'approved', reason: 'hold_period_over' };
    return { status: 'pending', reason: 'hold_period' };
  };
  const record = (at: string): void => {
    const net = earnings - reversedNow();
    const { status, reason } = statusNow(net);
    const last = history[history.length - 1];
    if (
      !last ||
      last.status !== status ||
      last.reason !== reason ||
      last.netCents !== (payout ? payout.earningsCents : net)
    ) {
      history.push({ at, status, reason, netCents: payout ? payout.earningsCents : net });
    }
    if (status === 'approved' && approvedAt === undefined) approvedAt = at;
    if (payout) {
      const open = Math.min(0, net - payout.earningsCents) - settledCents;
      const current = openClawback();
      const last = current?.history[current.history.length - 1];
      if (open < 0 && last?.netCents !== open) {
        const why = review === 'reject' ? 'rejected' : lastReduction;
        const change = { at, status: 'approved' as const, reason: `clawback: ${why}`, netCents: open };
        if (current) current.history.push(change);
        else clawbacks.push({ since: at, history: [change] });
      }
    }
  };
  /** A payout fact for the open clawback settles it at the amount the payout netted. */
  const settle = (f: PayoutFact): void => {
    const current = openClawback();
    if (!current || f.commissionId !== commissionIds.clawback(invoice.invoiceId, clawbacks.length)) return;
    current.settlement = { at: f.at, payoutId: f.payoutId, earningsCents: f.earningsCents };
    current.history.push({ at: f.at, status: 'paid', reason: 'payout', netCents: f.earningsCents });
    settledCents += f.earningsCents;
  };

  record(invoice.at);
  for (const f of related) {
    switch (f.kind) {
      case 'refund':
        if (f.amountRefundedCents > (refundedByCharge.get(f.chargeId) ?? 0)) {
          refundedByCharge.set(f.chargeId, f.amountRefundedCents);
          lastReduction = 'refund';
        }
        break;
      case 'dispute':
        if (f.phase === 'open') {
          if (!closedDisputes.has(f.disputeId)) openDisputes.add(f.disputeId);
        } else {
          openDisputes.delete(f.disputeId);
          closedDisputes.add(f.disputeId);
          if (f.phase === 'lost') {
            lostByDispute.set(f.disputeId, f.amountCents);
            lastReduction = 'dispute_lost';
          }
        }
        break;
      case 'approval':
        if (Date.parse(f.at) >= dueMs) approvalSeen = true;
        break;
      case 'review':
        review ??= f.decision; // the first decision stands: a reviewed commission is not reviewed again
        break;
      case 'payout':
        if (f.commissionId === commissionId) {
          payout ??= { at: f.at, payoutId: f.payoutId, earningsCents: f.earningsCents };
        } else settle(f);
        break;
    }
    record(f.at);
  }

  const reversed = reversedNow();
  const final = history[history.length - 1] ?? { status: 'pending' as const, reason: 'hold_period' };
  const row: Commission = {
    partnerId: ctx.partnerId,
    commissionId,
    referredUserId: ctx.userId,
    referralId: ctx.referralId,
    type: 'invoice',
    invoiceId: invoice.invoiceId,
    billingReason: invoice.billingReason,
    subscriptionId: invoice.subscriptionId,
    subscriptionMonth: month,
    planType: invoice.planType,
    billingCycle: invoice.billingCycle,
    baseAmountCents: base,
    currency: invoice.currency,
    rule: quote.rule,
    earningsCents: earnings,
    // A paid row is never rewritten: what happened after payout goes to its clawback.
    reversedCents: payout ? earnings - payout.earningsCents : reversed,
    netCents: payout ? payout.earningsCents : earnings - reversed,
    status: final.status,
    statusReason: final.reason,
    earnedAt: invoice.at,
    dueAt,
    ...(approvedAt ? { approvedAt } : {}),
    ...(payout ? { paidAt: payout.at, payoutId: payout.payoutId } : {}),
    history,
  };
  return [row, ...clawbacks.map((c, i) => clawbackRow(row, c, i + 1))];
}

interface Clawback {
  since: string;
  history: CommissionChange[];
  settlement?: { at: string; payoutId: string; earningsCents: number };
}

/** Whether `commissionId` is one of the clawbacks of `invoiceId` (`clawback#<id>` or `clawback#<id>-<n>`). */
function isClawbackOf(commissionId: string, invoiceId: string): boolean {
  const first = commissionIds.clawback(invoiceId);
  if (commissionId === first) return true;
  return commissionId.startsWith(first) && /^-\d+$/.test(commissionId.slice(first.length));
}

/** The `nth` clawback of a paid invoice commission: open (approved, negative) or settled by a payout (paid). */
function clawbackRow(paid: Commission, c: Clawback, nth: number): Commission {
  const last = c.history[c.history.length - 1] as CommissionChange;
  const amount = c.settlement ? c.settlement.earningsCents : last.netCents;
  const row: Commission = {
    ...paid,
    commissionId: commissionIds.clawback(paid.invoiceId, nth),
    type: 'clawback',
    rule: `clawback of ${paid.commissionId}`,
    earningsCents: amount,
    reversedCents: 0,
    netCents: amount,
    status: c.settlement ? 'paid' : 'approved',
    statusReason: last.reason,
    earnedAt: c.since,
    dueAt: c.since,
    approvedAt: c.since,
    history: c.history,
  };
  delete row.paidAt;
  delete row.payoutId;
  return c.settlement ? { ...row, paidAt: c.settlement.at, payoutId: c.settlement.payoutId } : row;
}
