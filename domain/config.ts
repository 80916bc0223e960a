/**
 * The program's configuration in one typed module: plans, Stripe prices, the commission schedule,
 * resource names and limits. Nothing else in the deployed code reads `process.env`; the local hosts only
 * set the variables Lambda itself sets (endpoints, region, credentials, concurrency) for the SDK and
 * Powertools to read.
 */

export const PLAN_TYPES = ['AF', 'AFPlus'] as const;
export type PlanType = (typeof PLAN_TYPES)[number];

export const BILLING_CYCLES = ['Monthly', 'Annual'] as const;
export type BillingCycle = (typeof BILLING_CYCLES)[number];

export interface PlanChoice {
  planType: PlanType;
  billingCycle: BillingCycle;
}

/** A commission rule: a share of the amount paid in basis points, or a flat amount in minor units. */
export type CommissionRule = { kind: 'percent'; basisPoints: number } | { kind: 'flat'; cents: number };

/** A rate that applies from a month of the subscription on (month 1 is the first invoice's month). */
export interface CommissionTier {
  fromMonth: number;
  rule: CommissionRule;
}

/**
 * The program's terms for one plan × cycle: tiers by subscription month ("first 3 months 40%, then 20%":
 * `[{fromMonth: 1, 40%}, {fromMonth: 4, 20%}]`) and how many months of the subscription earn at all
 * (`'lifetime'`: every invoice).
 */
export interface PlanCommission {
  tiers: readonly CommissionTier[];
  durationMonths: number | 'lifetime';
}

export type CommissionSchedule = Record<PlanType, Record<BillingCycle, PlanCommission>>;

const firstYearQuarter: PlanCommission = {
  tiers: [{ fromMonth: 1, rule: { kind: 'percent', basisPoints: 2500 } }],
  durationMonths: 12,
};

/**
 * Default terms: 25% of every invoice in the subscription's first 12 months, on every plan and cycle (seed:
 * AF+ Monthly 2999 → 750; an annual plan earns on its first invoice, not on its renewal in month 13).
 */
export const DEFAULT_COMMISSION_SCHEDULE: CommissionSchedule = {
  AF: { Monthly: firstYearQuarter, Annual: firstYearQuarter },
  AFPlus: { Monthly: firstYearQuarter, Annual: firstYearQuarter },
};

/** Days a commission waits before it is payable: Stripe's refund window for most cards is what it covers. */
export const DEFAULT_HOLD_PERIOD_DAYS = 30;

/** The program's one currency (ISO 4217, lower case as Stripe sends it). */
export const DEFAULT_PROGRAM_CURRENCY = 'usd';

export { currencyExponent } from './money';

/**
 * Stripe's largest charge amount: eight digits in the minor unit ("a value of 99999999 for a USD charge of
 * $999,999.99", https://docs.stripe.com/api/charges/object#charge_object-amount). Larger amounts are rejected
 * at the ingest, which also keeps every sum far inside the safe-integer range.
 */
export const MAX_AMOUNT_MINOR_UNITS = 99_999_999;

/** Demo Stripe price ids; a deployment supplies its own through `STRIPE_PRICE_MAP` (JSON). */
export const DEFAULT_PRICE_MAP: Readonly<Record<string, PlanChoice>> = {
  price_af_monthly: { planType: 'AF', billingCycle: 'Monthly' },
  price_af_annual: { planType: 'AF', billingCycle: 'Annual' },
  price_afplus_monthly: { planType: 'AFPlus', billingCycle: 'Monthly' },
  price_afplus_annual: { planType: 'AFPlus', billingCycle: 'Annual' },
};

/** Logical table names. CDK gives the deployed tables these names; the offline runtime uses them as is. */
export const TABLE_NAMES = {
  referrals: 'PartnerReferrals',
  stats: 'PartnerStats',
  clicks: 'ReferralEvents',
  commissions: 'PartnerCommissions',
  clickCounters: 'PartnerClickCounters',
  payouts: 'PartnerPayouts',
  activity: 'PartnerActivity',
} as const;

export const INDEX_NAMES = {
  referralsByUser: 'referredUserId-index',
  paidByPartner: 'partnerId-paidAt-index',
  /** Commissions by status, oldest due first: the approval run (pending, due) and admin lists (on_hold). */
  commissionsByStatus: 'status-dueAt-index',
  /** A partner's commissions, newest first. */
  commissionsByPartner: 'partnerId-earnedAt-index',
  /** A partner's commissions of one status, newest first (`statusEarnedAt` = `<status>#<earnedAt>`). */
  commissionsByPartnerStatus: 'partnerId-statusEarnedAt-index',
  /** Payouts of one status, oldest first (`GET /admin/payouts?status=`); commission claims carry no status. */
  payoutsByStatus: 'status-createdAt-index',
  /** A payout by its id alone (the admin routes name no partner). */
  payoutsById: 'payoutId-index',
} as const;

/** The smallest balance a payout run pays out (`MINIMUM_PAYOUT_CENTS`); smaller balances carry over. */
export const DEFAULT_MINIMUM_PAYOUT_CENTS = 5_000;
/** The day of the month the payout run is scheduled on (UTC, 06:00). */
export const DEFAULT_PAYOUT_DAY_OF_MONTH = 1;

/** The page size of commission lists (partner and admin). */
export const COMMISSIONS_PAGE_SIZE = 50;

/** Event buses and sources. */
export const APP_EVENT_SOURCE = 'partner-referrals.app';
export const DEFAULT_APP_BUS_NAME = 'partner-referrals';
/** The outbound events: every change of a commission or payout, announced on the app bus. */
export const LEDGER_EVENT_SOURCE = 'partner-referrals.ledger';
/** The local default of `WEBHOOK_SIGNING_SECRET` (a deployment's is a generated Secrets Manager secret). */
export const DEFAULT_WEBHOOK_SIGNING_SECRET = 'local-webhook-secret';
export const STRIPE_SOURCE_PREFIX = 'aws.partner/stripe.com';

/** Click log entries expire after this many days (TTL). */
export const CLICK_LOG_TTL_DAYS = 90;
/** A payment or event parked while its signup is missing is kept this long. */
export const PARKED_EVENT_TTL_DAYS = 35;
/** The dashboard's page of recent paid referrals. */
export const DASHBOARD_PAGE_SIZE = 50;

/** Partner ids are short and free of `#`, so they never collide with the `user#…` guard keys. */
export const PARTNER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** The app's user ids (referred users), as they arrive in app events and Stripe metadata. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.@:-]{1,128}$/;

/** Powertools service name and metrics namespace shared by every Lambda. */
export const SERVICE_NAME = 'partner-referrals';
export const METRICS_NAMESPACE = 'PartnerReferrals';

/** The OAuth scope every `/admin/` route requires; API Gateway's JWT authorizer enforces it, no handler reads it. */
export const DEFAULT_ADMIN_SCOPE = 'partner-referrals/admin';
/** Where the click endpoint redirects when the deployment names no landing page. */
export const DEFAULT_LANDING_URL = 'https://example.com/';
/** The click log keeps at most this much of a user agent. */
export const USER_AGENT_MAX_LENGTH = 512;

/**
 * Shards of each partner's click counter (`PartnerClickCounters`, key `<partnerId>#<shard>`). Every shard is
 * its own partition key, so a partner takes up to this many times one item's write rate in clicks; the
 * dashboard reads them all with one BatchGetItem (at most 100 keys).
 */
export const CLICK_COUNTER_SHARDS = 64;
/**
 * Times the click transaction backs off and tries again, each time on another shard, when it is cancelled by
 * a conflict or throttling (`$.attempt NumericLessThan` in `statemachines/click.asl.json`).
 */
export const CLICK_CONTENTION_RETRIES = 4;

/** An HTTP API route's throttle: steady-state requests per second and the token bucket's size. */
export interface RouteThrottleSettings {
  rateLimit: number;
  burstLimit: number;
}
/** Every route without its own throttle (admin routes): the stage's default route settings. */
export const DEFAULT_ROUTE_THROTTLE: RouteThrottleSettings = { rateLimit: 100, burstLimit: 200 };
/**
 * The public click route: a viral link must not be refused by its own API. AWS's account-level default for
 * all APIs of a Region is 10,000 requests per second with a burst of 5,000, and a route cannot exceed it.
 */
export const CLICK_ROUTE_THROTTLE: RouteThrottleSettings = { rateLimit: 10_000, burstLimit: 5_000 };
/** The partners' dashboard and commission reads: far fewer callers, each read costlier than a click. */
export const DASHBOARD_ROUTE_THROTTLE: RouteThrottleSettings = { rateLimit: 500, burstLimit: 1_000 };

export interface RuntimeConfig {
  referralsTable: string;
  statsTable: string;
  clicksTable: string;
  commissionsTable: string;
  clickCountersTable: string;
  payoutsTable: string;
  /** Daily activity buckets (`PartnerActivity`: partnerId, local day). */
  activityTable: string;
  /** `MINIMUM_PAYOUT_CENTS`: a partner's payable balance must reach it to be paid out. */
  minimumPayoutCents: number;
  appBusName: string;
  stateMachineArns: Partial<Record<WorkflowName, string>>;
  priceMap: Readonly<Record<string, PlanChoice>>;
  commissionSchedule: CommissionSchedule;
  /** `HOLD_PERIOD_DAYS`: days from an invoice's own time until its commission is payable. */
  holdPeriodDays: number;
  /** `PROGRAM_CURRENCY`: events in any other currency are rejected (and dead-lettered with the reason). */
  programCurrency: string;
  clickIpSalt: string;
  /** `WEBHOOK_SIGNING_SECRET`: signs every outbound event (domain/webhook-signature.ts). */
  webhookSigningSecret: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  /**
   * Click redirect target (`LANDING_URL`): the tracking link's query parameters are appended to its own, then
   * `ref` and `click`.
   */
  landingUrl: string;
  /** When set (`STRIPE_EVENT_SOURCE`), Stripe events must come from exactly this partner source. */
  stripeEventSource?: string;
  /** `EXPRESS_ATTEMPT_TIMEOUT_MS`: how long the ingest waits for a fact's Express attempt. */
  expressAttemptTimeoutMs: number;
}

export const WORKFLOW_NAMES = [
  'registration',
  'click',
  'signup',
  'verify',
  'payment',
  'refund',
  'dispute',
  'subscription',
  'commission',
  'approval',
  'reconciliation',
  'payout',
  'payout-status',
  'payout-settlement',
  // The Express twins of the ingested lifecycle steps (`expressTwinOf`): same ASL, first attempt of each event.
  'signup-express',
  'verify-express',
  'payment-express',
  'refund-express',
  'dispute-express',
  'subscription-express',
] as const;
export type WorkflowName = (typeof WORKFLOW_NAMES)[number];

/**
 * The lifecycle workflows that record one fact about a referred user and fold it in. They share one ASL
 * file (`statemachines/referral-fact.asl.json`): one state machine per lifecycle step, so ops find a
 * step's executions in its own list, with one definition of the shape.
 */
export const FACT_WORKFLOWS = [
  'signup',
  'verify',
  'payment',
  'refund',
  'dispute',
  'subscription',
  'commission',
] as const satisfies readonly WorkflowName[];
export type FactWorkflowName = (typeof FACT_WORKFLOWS)[number];

/**
 * The lifecycle steps the ingest functions start, "Express first, Standard on failure": each event's fact runs
 * first on the step's Express twin (StartSyncExecution); only a failed or unanswered attempt starts the
 * Standard machine, under the event's deterministic name. `commission` (admin reviews, the approval run) is
 * Standard only.
 */
export type IngestedStep = Exclude<FactWorkflowName, 'commission'>;
export const INGESTED_STEPS: readonly IngestedStep[] = FACT_WORKFLOWS.filter(
  (w): w is IngestedStep => w !== 'commission',
);
export type ExpressTwinName = `${IngestedStep}-express` & WorkflowName;

export const expressTwinOf = (step: IngestedStep): ExpressTwinName => `${step}-express`;
export const isIngestedStep = (workflow: string): workflow is IngestedStep =>
  (INGESTED_STEPS as readonly string[]).includes(workflow);

/**
 * How long an ingest waits for the Express attempt's answer before it starts the Standard execution instead
 * (the ingest functions' timeout is 10 s; a lifecycle fact takes well under a second unless its Retry waits).
 * The abandoned attempt may still finish: it and the Standard execution are the same idempotent fact.
 */
export const DEFAULT_EXPRESS_ATTEMPT_TIMEOUT_MS = 5_000;

/** Environment variable carrying each workflow's state machine ARN to the Lambdas that start it. */
export const stateMachineArnEnv = (name: WorkflowName): string =>
  `${name.toUpperCase().replaceAll('-', '_')}_STATE_MACHINE_ARN`;

/**
 * A process environment. The caller passes `process.env`: the domain reads no globals, and type-checks in
 * the browser, where the portal imports its view types.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Settings of the Step Functions client beyond what SDK v3 reads itself (`AWS_REGION`, the
 * `AWS_ENDPOINT_URL_*` variables, the retry mode). On AWS's own endpoint StartSyncExecution is served by
 * the `sync-states` host, which the SDK reaches by prefixing the host; a configured endpoint (the local
 * stack) serves every operation on one host, where a `sync-` prefix would name a host that does not exist.
 */
export function sfnClientSettings(env: Environment): { disableHostPrefix: boolean } {
  return { disableHostPrefix: Boolean(env.AWS_ENDPOINT_URL_SFN || env.AWS_ENDPOINT_URL) };
}

/** Reads the runtime configuration from the environment, falling back to the local defaults. */
export function loadRuntimeConfig(env: Environment): RuntimeConfig {
  const stateMachineArns: Partial<Record<WorkflowName, string>> = {};
  for (const name of WORKFLOW_NAMES) {
    const arn = env[stateMachineArnEnv(name)];
    if (arn) stateMachineArns[name] = arn;
  }
  return {
    referralsTable: env.REFERRALS_TABLE ?? TABLE_NAMES.referrals,
    statsTable: env.STATS_TABLE ?? TABLE_NAMES.stats,
    clicksTable: env.CLICKS_TABLE ?? TABLE_NAMES.clicks,
    commissionsTable: env.COMMISSIONS_TABLE ?? TABLE_NAMES.commissions,
    clickCountersTable: env.CLICK_COUNTERS_TABLE ?? TABLE_NAMES.clickCounters,
    payoutsTable: env.PAYOUTS_TABLE ?? TABLE_NAMES.payouts,
    activityTable: env.ACTIVITY_TABLE ?? TABLE_NAMES.activity,
    minimumPayoutCents: env.MINIMUM_PAYOUT_CENTS
      ? parsePositiveInteger('MINIMUM_PAYOUT_CENTS', env.MINIMUM_PAYOUT_CENTS)
      : DEFAULT_MINIMUM_PAYOUT_CENTS,
    appBusName: env.APP_BUS_NAME ?? DEFAULT_APP_BUS_NAME,
    stateMachineArns,
    priceMap: env.STRIPE_PRICE_MAP ? parsePriceMap(env.STRIPE_PRICE_MAP) : DEFAULT_PRICE_MAP,
    commissionSchedule: env.COMMISSION_SCHEDULE
      ? parseCommissionSchedule(env.COMMISSION_SCHEDULE)
      : DEFAULT_COMMISSION_SCHEDULE,
    holdPeriodDays: env.HOLD_PERIOD_DAYS ? parseHoldPeriod(env.HOLD_PERIOD_DAYS) : DEFAULT_HOLD_PERIOD_DAYS,
    programCurrency: parseCurrency(env.PROGRAM_CURRENCY ?? DEFAULT_PROGRAM_CURRENCY),
    clickIpSalt: env.CLICK_IP_SALT ?? 'local-click-salt',
    webhookSigningSecret: env.WEBHOOK_SIGNING_SECRET || DEFAULT_WEBHOOK_SIGNING_SECRET,
    jwtIssuer: env.JWT_ISSUER,
    jwtAudience: env.JWT_AUDIENCE,
    landingUrl: parseLandingUrl(env.LANDING_URL ?? DEFAULT_LANDING_URL),
    stripeEventSource: env.STRIPE_EVENT_SOURCE || undefined,
    expressAttemptTimeoutMs: env.EXPRESS_ATTEMPT_TIMEOUT_MS
      ? parsePositiveInteger('EXPRESS_ATTEMPT_TIMEOUT_MS', env.EXPRESS_ATTEMPT_TIMEOUT_MS)
      : DEFAULT_EXPRESS_ATTEMPT_TIMEOUT_MS,
  };
}

function parsePositiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name}: not a positive integer: ${text}`);
  return n;
}

function parseLandingUrl(url: string): string {
  if (!URL.canParse(url)) throw new Error(`LANDING_URL: not an absolute URL: ${url}`);
  return url;
}

/** A rule is valid when its numbers are integers: basis points in 0..10000, flat cents ≥ 0. */
export function isValidCommissionRule(rule: unknown): rule is CommissionRule {
  if (typeof rule !== 'object' || rule === null) return false;
  const r = rule as Record<string, unknown>;
  if (r.kind === 'percent') {
    return (
      Number.isSafeInteger(r.basisPoints) &&
      (r.basisPoints as number) >= 0 &&
      (r.basisPoints as number) <= 10000
    );
  }
  if (r.kind === 'flat') return Number.isSafeInteger(r.cents) && (r.cents as number) >= 0;
  return false;
}

/** A plan's terms are valid when its tiers start at month 1, ascend, and hold valid rules. */
export function isValidPlanCommission(terms: unknown): terms is PlanCommission {
  if (typeof terms !== 'object' || terms === null) return false;
  const t = terms as Record<string, unknown>;
  const duration = t.durationMonths;
  if (duration !== 'lifetime' && !(Number.isSafeInteger(duration) && (duration as number) >= 1)) return false;
  if (!Array.isArray(t.tiers) || t.tiers.length === 0) return false;
  let previous = 0;
  for (const tier of t.tiers as unknown[]) {
    if (typeof tier !== 'object' || tier === null) return false;
    const { fromMonth, rule } = tier as Record<string, unknown>;
    if (!Number.isSafeInteger(fromMonth) || (fromMonth as number) <= previous) return false;
    if (previous === 0 && fromMonth !== 1) return false;
    if (!isValidCommissionRule(rule)) return false;
    previous = fromMonth as number;
  }
  return true;
}

/** `COMMISSION_SCHEDULE` (JSON): every plan × cycle must have valid terms. */
function parseCommissionSchedule(json: string): CommissionSchedule {
  const parsed = JSON.parse(json) as Record<string, Record<string, unknown> | undefined>;
  for (const plan of PLAN_TYPES) {
    for (const cycle of BILLING_CYCLES) {
      if (!isValidPlanCommission(parsed[plan]?.[cycle])) {
        throw new Error(`COMMISSION_SCHEDULE: ${plan}.${cycle} is missing or not valid terms`);
      }
    }
  }
  return parsed as CommissionSchedule;
}

function parseHoldPeriod(value: string): number {
  const days = Number(value);
  if (!Number.isSafeInteger(days) || days < 0)
    throw new Error(`HOLD_PERIOD_DAYS: expected whole days ≥ 0, got ${value}`);
  return days;
}

function parseCurrency(value: string): string {
  if (!/^[A-Za-z]{3}$/.test(value))
    throw new Error(`PROGRAM_CURRENCY: expected an ISO 4217 code, got ${value}`);
  return value.toLowerCase();
}

function parsePriceMap(json: string): Record<string, PlanChoice> {
  const parsed = JSON.parse(json) as Record<string, PlanChoice>;
  for (const [priceId, choice] of Object.entries(parsed)) {
    if (!PLAN_TYPES.includes(choice.planType) || !BILLING_CYCLES.includes(choice.billingCycle)) {
      throw new Error(`STRIPE_PRICE_MAP: price ${priceId} maps to an unknown plan or cycle`);
    }
  }
  return parsed;
}
