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

/** A commission rule: a share of the amount paid in basis points, or a flat amount in cents. */
export type CommissionRule = { kind: 'percent'; basisPoints: number } | { kind: 'flat'; cents: number };

export type CommissionSchedule = Record<PlanType, Record<BillingCycle, CommissionRule>>;

const quarter: CommissionRule = { kind: 'percent', basisPoints: 2500 };

/** Default schedule: 25% of the amount paid on every plan and cycle (seed: AF+ Monthly 2999 → 750). */
export const DEFAULT_COMMISSION_SCHEDULE: CommissionSchedule = {
  AF: { Monthly: quarter, Annual: quarter },
  AFPlus: { Monthly: quarter, Annual: quarter },
};

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
} as const;

export const INDEX_NAMES = {
  referralsByUser: 'referredUserId-index',
  paidByPartner: 'partnerId-paidAt-index',
} as const;

/** Event buses and sources. */
export const APP_EVENT_SOURCE = 'partner-referrals.app';
export const DEFAULT_APP_BUS_NAME = 'partner-referrals';
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

export interface RuntimeConfig {
  referralsTable: string;
  statsTable: string;
  clicksTable: string;
  appBusName: string;
  stateMachineArns: Partial<Record<WorkflowName, string>>;
  priceMap: Readonly<Record<string, PlanChoice>>;
  commissionSchedule: CommissionSchedule;
  clickIpSalt: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  /** Click redirect target (`LANDING_URL`); the API appends `ref` and `click` query parameters. */
  landingUrl: string;
  /** When set (`STRIPE_EVENT_SOURCE`), Stripe events must come from exactly this partner source. */
  stripeEventSource?: string;
}

export const WORKFLOW_NAMES = [
  'registration',
  'click',
  'signup',
  'verify',
  'payment',
  'cancellation',
  'reconciliation',
] as const;
export type WorkflowName = (typeof WORKFLOW_NAMES)[number];

/** Environment variable carrying each workflow's state machine ARN to the Lambdas that start it. */
export const stateMachineArnEnv = (name: WorkflowName): string => `${name.toUpperCase()}_STATE_MACHINE_ARN`;

/**
 * Settings of the Step Functions client beyond what SDK v3 reads itself (`AWS_REGION`, the
 * `AWS_ENDPOINT_URL_*` variables, the retry mode). On AWS's own endpoint StartSyncExecution is served by
 * the `sync-states` host, which the SDK reaches by prefixing the host; a configured endpoint (the local
 * stack) serves every operation on one host, where a `sync-` prefix would name a host that does not exist.
 */
export function sfnClientSettings(env: NodeJS.ProcessEnv = process.env): { disableHostPrefix: boolean } {
  return { disableHostPrefix: Boolean(env.AWS_ENDPOINT_URL_SFN || env.AWS_ENDPOINT_URL) };
}

/** Reads the runtime configuration from the environment, falling back to the local defaults. */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const stateMachineArns: Partial<Record<WorkflowName, string>> = {};
  for (const name of WORKFLOW_NAMES) {
    const arn = env[stateMachineArnEnv(name)];
    if (arn) stateMachineArns[name] = arn;
  }
  return {
    referralsTable: env.REFERRALS_TABLE ?? TABLE_NAMES.referrals,
    statsTable: env.STATS_TABLE ?? TABLE_NAMES.stats,
    clicksTable: env.CLICKS_TABLE ?? TABLE_NAMES.clicks,
    appBusName: env.APP_BUS_NAME ?? DEFAULT_APP_BUS_NAME,
    stateMachineArns,
    priceMap: env.STRIPE_PRICE_MAP ? parsePriceMap(env.STRIPE_PRICE_MAP) : DEFAULT_PRICE_MAP,
    commissionSchedule: env.COMMISSION_SCHEDULE
      ? parseCommissionSchedule(env.COMMISSION_SCHEDULE)
      : DEFAULT_COMMISSION_SCHEDULE,
    clickIpSalt: env.CLICK_IP_SALT ?? 'local-click-salt',
    jwtIssuer: env.JWT_ISSUER,
    jwtAudience: env.JWT_AUDIENCE,
    landingUrl: parseLandingUrl(env.LANDING_URL ?? DEFAULT_LANDING_URL),
    stripeEventSource: env.STRIPE_EVENT_SOURCE || undefined,
  };
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

/** `COMMISSION_SCHEDULE` (JSON): every plan × cycle must have a valid rule. */
function parseCommissionSchedule(json: string): CommissionSchedule {
  const parsed = JSON.parse(json) as Record<string, Record<string, unknown> | undefined>;
  for (const plan of PLAN_TYPES) {
    for (const cycle of BILLING_CYCLES) {
      if (!isValidCommissionRule(parsed[plan]?.[cycle])) {
        throw new Error(`COMMISSION_SCHEDULE: ${plan}.${cycle} is missing or not a valid rule`);
      }
    }
  }
  return parsed as CommissionSchedule;
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
