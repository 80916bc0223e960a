import { createHash } from 'node:crypto';
import { N, S, toAttributeMap, type TransactWriteItem, type UpdateAction } from './attribute-value';
import { DomainError } from './errors';
import { claimIdOf, type Payout, type PayoutLine, type PayoutStatus } from './payouts';

/**
 * The payout workflow's pure steps: which of a partner's approved commissions one payout takes, the
 * transaction that creates it with a claim per commission, and the transactions that move a payout
 * through its statuses. Money is integer minor units.
 */

/** DynamoDB's limit on actions per transaction: the payout row plus one claim per commission. */
export const MAX_PAYOUT_LINES = 99;
/** Payouts one run creates for one partner at most (each up to `MAX_PAYOUT_LINES` commissions). */
export const MAX_PAYOUTS_PER_PARTNER_RUN = 10;

/** An approved commission as the payout run's Query projects it. */
export interface PayableCommission {
  commissionId: string;
  referredUserId: string;
  netCents: number;
  earnedAt: string;
  currency: string;
}

export interface PayoutPlanInput {
  partnerId: string;
  /** The run's first execution name: payout ids follow from it, so a retried run reuses them. */
  runId: string;
  cutoff: string;
  /** The partner's approved commissions, oldest first (one Query page). */
  approved: readonly PayableCommission[];
  /** Whether the Query had more approved commissions than the page holds. */
  approvedMore: boolean;
  /** Commission ids already claimed by a payout (pending or processing). */
  claimed: readonly string[];
  /** This run's attempt for the partner (1, 2, …): a new attempt after a lost race gets a new payout id. */
  attempt: number;
  minimumPayoutCents: number;
  payoutsTable: string;
  /** The time the payout is created at (the workflow's clock). */
  now: string;
}

export type CarryReason = 'nothing_payable' | 'below_minimum' | 'negative_balance';

export type PayoutPlan =
  | {
      outcome: 'created';
      payoutId: string;
      amountCents: number;
      lines: number;
      /** The payout row, then one claim per line, each on condition it does not exist yet. */
      transactItems: TransactWriteItem[];
      clientRequestToken: string;
      /** Payable commissions are left for another payout of this run. */
      more: boolean;
    }
  | { outcome: 'carried'; reason: CarryReason; balanceCents: number };

const sum = (lines: readonly { netCents: number }[]): number => lines.reduce((a, l) => a + l.netCents, 0);

/** `2026-12-01T06:00:00.000Z` → `20261201T060000Z`. */
const compactTime = (iso: string): string => iso.replace(/[-:]/g, '').replace(/\.\d+/, '');

export const payoutIdFor = (runId: string, partnerId: string, cutoff: string, attempt: number): string =>
  `po_${compactTime(cutoff)}_${createHash('md5').update(`${runId}|${partnerId}|${attempt}`).digest('hex').slice(0, 12)}`;

/**
 * The lines of one payout: every unclaimed approved commission when they fit in one transaction, else the
 * clawbacks first (they must not wait behind newer earnings) and then the oldest earnings.
 */
function choose(unclaimed: readonly PayableCommission[]): PayableCommission[] {
  if (unclaimed.length <= MAX_PAYOUT_LINES) return [...unclaimed];
  const negative = unclaimed.filter((c) => c.netCents < 0);
  const rest = unclaimed.filter((c) => c.netCents >= 0);
  return [...negative, ...rest].slice(0, MAX_PAYOUT_LINES);
}

export function planPayout(input: PayoutPlanInput): PayoutPlan {
  const claimed = new Set(input.claimed);
  const unclaimed = input.approved.filter((c) => !claimed.has(c.commissionId));
  const balance = sum(unclaimed);
  if (unclaimed.length === 0) return { outcome: 'carried', reason: 'nothing_payable', balanceCents: 0 };
  if (balance < 0) return { outcome: 'carried', reason: 'negative_balance', balanceCents: balance };
  const chosen = choose(unclaimed);
  const amount = sum(chosen);
  if (amount < input.minimumPayoutCents) {
    return { outcome: 'carried', reason: 'below_minimum', balanceCents: balance };
  }
  const currencies = new Set(chosen.map((c) => c.currency));
  if (currencies.size !== 1) throw new MixedPayoutCurrenciesError(input.partnerId, [...currencies]);
  const payoutId = payoutIdFor(input.runId, input.partnerId, input.cutoff, input.attempt);
  const lines: PayoutLine[] = chosen.map(({ commissionId, referredUserId, netCents }) => ({
    commissionId,
    referredUserId,
    netCents,
  }));
  const payout: Payout = {
    partnerId: input.partnerId,
    payoutId,
    status: 'pending',
    amountCents: amount,
    currency: chosen[0]?.currency ?? '',
    lines,
    periodStart: chosen.map((c) => c.earnedAt).reduce((a, b) => (a < b ? a : b)),
    periodEnd: input.cutoff,
    runId: input.runId,
    createdAt: input.now,
    updatedAt: input.now,
    version: 1,
  };
  const transactItems: TransactWriteItem[] = [
    {
      Put: {
        TableName: input.payoutsTable,
        Item: toAttributeMap({ ...payout }),
        ConditionExpression: 'attribute_not_exists(payoutId)',
      },
    },
    ...lines.map((l): TransactWriteItem => ({
      Put: {
        TableName: input.payoutsTable,
        Item: toAttributeMap({
          partnerId: input.partnerId,
          payoutId: claimIdOf(l.commissionId),
          claimedBy: payoutId,
          claimedAt: input.now,
        }),
        ConditionExpression: 'attribute_not_exists(payoutId)',
      },
    })),
  ];
  return {
    outcome: 'created',
    payoutId,
    amountCents: amount,
    lines: lines.length,
    transactItems,
    clientRequestToken: createHash('md5')
      .update(`${payoutId}|${lines.map((l) => l.commissionId).join(',')}`)
      .digest('hex'),
    more: input.approvedMore || chosen.length < unclaimed.length,
  };
}

// ---- Status changes ---------------------------------------------------------------------------------------

/** Which status each status may move to. */
const NEXT: Readonly<Record<PayoutStatus, readonly PayoutStatus[]>> = {
  pending: ['processing', 'canceled'],
  processing: ['paid', 'failed', 'canceled'],
  paid: [],
  failed: [],
  canceled: [],
};

/** The payout is not in a status that may move to the one asked for (409). */
export class PayoutStatusConflictError extends DomainError {
  override readonly name = 'PayoutStatusConflict';
  constructor(
    readonly payoutId: string,
    readonly status: PayoutStatus,
    readonly to: PayoutStatus,
  ) {
    super(
      `Payout ${payoutId} is ${status}: it cannot become ${to}` +
        (NEXT[status].length > 0 ? ` (it may become ${NEXT[status].join(' or ')})` : ' (it is final)'),
    );
  }
}

/** Commissions of one payout must share its currency (the program has one; anything else is corrupt data). */
export class MixedPayoutCurrenciesError extends DomainError {
  override readonly name = 'MixedPayoutCurrencies';
  constructor(partnerId: string, currencies: string[]) {
    super(`Partner ${partnerId}'s approved commissions are in several currencies: ${currencies.join(', ')}`);
  }
}

export interface TransitionDetails {
  at: string;
  /** `paid`: the transfer's external reference. */
  reference?: string;
  /** `failed`: why. */
  reason?: string;
}

export type TransitionPlan =
  | { outcome: 'unchanged'; payout: Payout; settle: boolean }
  | {
      outcome: 'changed';
      payout: Payout;
      /** The payout's update (conditional on the status and version read), and for failed or canceled the
       * deletion of its claims, in one transaction: the commissions are payable again exactly when it commits. */
      transactItems: TransactWriteItem[];
      /** Paid: its commissions are to be recorded as paid (the payout facts). */
      settle: boolean;
    };

/**
 * The change that moves `payout` to `to`. Asking again for the status it already has (the same reference, for
 * paid) is answered unchanged, so an admin's retried request is harmless; anything else not allowed is
 * `PayoutStatusConflict`.
 */
export function planTransition(
  payout: Payout,
  to: PayoutStatus,
  details: TransitionDetails,
  payoutsTable: string,
): TransitionPlan {
  if (payout.status === to && (to !== 'paid' || payout.reference === details.reference)) {
    return { outcome: 'unchanged', payout, settle: to === 'paid' };
  }
  if (!NEXT[payout.status].includes(to))
    throw new PayoutStatusConflictError(payout.payoutId, payout.status, to);
  const stamp = {
    processing: 'processingAt',
    paid: 'paidAt',
    failed: 'failedAt',
    canceled: 'canceledAt',
  } as const;
  const next: Payout = {
    ...payout,
    status: to,
    updatedAt: details.at,
    version: payout.version + 1,
    ...(to === 'pending' ? {} : { [stamp[to]]: details.at }),
    ...(to === 'paid' && details.reference !== undefined ? { reference: details.reference } : {}),
    ...(to === 'failed' && details.reason !== undefined ? { failureReason: details.reason } : {}),
  };
  const key = { partnerId: S(payout.partnerId), payoutId: S(payout.payoutId) };
  const sets: Record<string, unknown> = {
    status: next.status,
    updatedAt: next.updatedAt,
    version: next.version,
  };
  if (to !== 'pending') sets[stamp[to]] = details.at;
  if (next.reference !== payout.reference && next.reference !== undefined) sets.reference = next.reference;
  if (next.failureReason !== payout.failureReason && next.failureReason !== undefined) {
    sets.failureReason = next.failureReason;
  }
  const entries = Object.entries(sets);
  const update: UpdateAction = {
    Update: {
      TableName: payoutsTable,
      Key: key,
      UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      ConditionExpression: '#status = :read AND #version = :readVersion',
      ExpressionAttributeNames: {
        ...Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])),
        '#status': 'status',
        '#version': 'version',
      },
      ExpressionAttributeValues: {
        ...toAttributeMap(Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value]))),
        ':read': S(payout.status),
        ':readVersion': N(payout.version),
      },
    },
  };
  const releases: TransactWriteItem[] =
    to === 'failed' || to === 'canceled'
      ? payout.lines.map((l) => ({
          Delete: {
            TableName: payoutsTable,
            Key: { partnerId: S(payout.partnerId), payoutId: S(claimIdOf(l.commissionId)) },
            ConditionExpression: 'claimedBy = :payout',
            ExpressionAttributeValues: { ':payout': S(payout.payoutId) },
          },
        }))
      : [];
  return { outcome: 'changed', payout: next, transactItems: [update, ...releases], settle: to === 'paid' };
}

// ---- The run's report ---------------------------------------------------------------------------------------

/** One payout a run created. */
export interface CreatedPayout {
  payoutId: string;
  amountCents: number;
}

/** What one partner's iteration of a run ends with. */
export interface PartnerPayoutResult {
  partnerId: string;
  created: CreatedPayout[];
  carried?: { reason: CarryReason; balanceCents: number } | null;
  /** Every attempt lost its race with an overlapping run; the next run tries again. */
  busy?: boolean;
}

export interface PayoutRunSummary {
  run: { firstExecution: string; startedAt: string };
  pages: number;
  partnersChecked: number;
  payoutsCreated: number;
  amountCents: number;
  /** Partners whose balance stays for the next run, by why. */
  belowMinimum: number;
  negativeBalance: number;
  partnersBusy: number;
  /** The partners carried forward with a balance (at most `CARRIED_LISTED`), and how many more. */
  carriedForward: { partnerId: string; reason: CarryReason; balanceCents: number }[];
  carriedForwardOmitted: number;
}

export const CARRIED_LISTED = 50;

export function summarizePayoutPage(
  prior: PayoutRunSummary,
  results: readonly PartnerPayoutResult[],
): PayoutRunSummary {
  const s: PayoutRunSummary = {
    ...prior,
    carriedForward: [...prior.carriedForward],
    pages: prior.pages + 1,
    partnersChecked: prior.partnersChecked + results.length,
  };
  for (const r of results) {
    s.payoutsCreated += r.created.length;
    s.amountCents += sum(r.created.map((c) => ({ netCents: c.amountCents })));
    if (r.busy) s.partnersBusy += 1;
    const carried = r.carried;
    if (!carried || carried.reason === 'nothing_payable') continue;
    if (carried.reason === 'below_minimum') s.belowMinimum += 1;
    else s.negativeBalance += 1;
    if (s.carriedForward.length < CARRIED_LISTED)
      s.carriedForward.push({ partnerId: r.partnerId, ...carried });
    else s.carriedForwardOmitted += 1;
  }
  return s;
}
