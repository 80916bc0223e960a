import type { Node } from 'constructs';
import {
  BILLING_CYCLES,
  DEFAULT_APP_BUS_NAME,
  DEFAULT_HOLD_PERIOD_DAYS,
  DEFAULT_PROGRAM_CURRENCY,
  DEFAULT_LANDING_URL,
  DEFAULT_PRICE_MAP,
  isValidPlanCommission,
  PLAN_TYPES,
  type PlanChoice,
} from '../domain/config';

/**
 * Deployment settings, read from CDK context (`cdk.json` or `cdk deploy -c key=value`). Every key has a
 * default that synthesizes offline, so `cdk synth` needs neither credentials nor lookups.
 */
export interface DeploySettings {
  /** Give tables the spec's fixed names (`PartnerReferrals`, …) instead of CloudFormation-generated ones. */
  fixedTableNames: boolean;
  /** The Stripe partner event source (`aws.partner/stripe.com/ed_…`), which is also the partner bus's name. */
  stripeEventSourceName: string;
  /** The app's custom event bus. */
  appBusName: string;
  /** Stripe price id → plan × cycle, passed to the Lambdas as `STRIPE_PRICE_MAP`. */
  stripePriceMap: Readonly<Record<string, PlanChoice>>;
  /** Where the click endpoint redirects to. */
  landingUrl: string;
  /** JWT issuer and audience of the partner and admin tokens. */
  jwtIssuer: string;
  jwtAudience: string;
  /** Salt for click IP hashes; when absent a generated Secrets Manager secret is used. */
  clickIpSalt?: string;
  /** Commission schedule (JSON, see `CommissionSchedule`); absent: the default in `domain/config.ts`. */
  commissionSchedule?: unknown;
  /** The program's one currency (`PROGRAM_CURRENCY`). */
  programCurrency: string;
  /** Days before a commission is payable (`HOLD_PERIOD_DAYS`). */
  holdPeriodDays: number;
  /** Log retention in days for Lambda, Step Functions and API access logs. */
  logRetentionDays: number;
}

export const CONTEXT_KEYS = {
  fixedTableNames: 'fixedTableNames',
  stripeEventSourceName: 'stripeEventSourceName',
  appBusName: 'appBusName',
  stripePriceMap: 'stripePriceMap',
  landingUrl: 'landingUrl',
  jwtIssuer: 'jwtIssuer',
  jwtAudience: 'jwtAudience',
  clickIpSalt: 'clickIpSalt',
  commissionSchedule: 'commissionSchedule',
  programCurrency: 'programCurrency',
  holdPeriodDays: 'holdPeriodDays',
  logRetentionDays: 'logRetentionDays',
} as const;

/** Placeholder partner source: synthesizes, but a deployment must name its real Stripe event source. */
export const PLACEHOLDER_STRIPE_EVENT_SOURCE = 'aws.partner/stripe.com/ed_placeholder';

export const DEFAULT_SETTINGS: DeploySettings = {
  fixedTableNames: false,
  stripeEventSourceName: PLACEHOLDER_STRIPE_EVENT_SOURCE,
  appBusName: DEFAULT_APP_BUS_NAME,
  stripePriceMap: DEFAULT_PRICE_MAP,
  landingUrl: DEFAULT_LANDING_URL,
  jwtIssuer: 'https://auth.example.com/',
  jwtAudience: 'partner-referrals',
  programCurrency: DEFAULT_PROGRAM_CURRENCY,
  holdPeriodDays: DEFAULT_HOLD_PERIOD_DAYS,
  logRetentionDays: 30,
};

/** Context values arrive as strings from `-c key=value` and as JSON values from `cdk.json`. */
export function readSettings(node: Node): DeploySettings {
  const raw = (key: string): unknown => node.tryGetContext(key);
  const str = (key: string, fallback: string): string => {
    const v = raw(key);
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v !== 'string') throw new Error(`context ${key}: expected a string`);
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = raw(key);
    if (v === undefined || v === null || v === '') return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new Error(`context ${key}: expected true or false`);
  };
  const num = (key: string, fallback: number, min = 1): number => {
    const v = raw(key);
    if (v === undefined || v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      throw new Error(`context ${key}: expected ${min === 0 ? 'a whole number ≥ 0' : 'a positive integer'}`);
    }
    return n;
  };

  const priceMapRaw = raw(CONTEXT_KEYS.stripePriceMap);
  const stripePriceMap =
    priceMapRaw === undefined || priceMapRaw === null || priceMapRaw === ''
      ? DEFAULT_SETTINGS.stripePriceMap
      : ((typeof priceMapRaw === 'string' ? JSON.parse(priceMapRaw) : priceMapRaw) as Record<
          string,
          PlanChoice
        >);

  for (const [priceId, choice] of Object.entries(stripePriceMap)) {
    if (!PLAN_TYPES.includes(choice?.planType) || !BILLING_CYCLES.includes(choice?.billingCycle)) {
      throw new Error(
        `context ${CONTEXT_KEYS.stripePriceMap}: price ${priceId} maps to an unknown plan or cycle`,
      );
    }
  }

  const stripeEventSourceName = str(
    CONTEXT_KEYS.stripeEventSourceName,
    DEFAULT_SETTINGS.stripeEventSourceName,
  );
  if (!stripeEventSourceName.startsWith('aws.partner/')) {
    throw new Error(
      `context ${CONTEXT_KEYS.stripeEventSourceName}: a partner event source starts with aws.partner/`,
    );
  }
  const salt = raw(CONTEXT_KEYS.clickIpSalt);
  const scheduleRaw = raw(CONTEXT_KEYS.commissionSchedule);
  // The Lambdas parse these at cold start (domain/config.ts): a value they refuse must not synthesize.
  const schedule =
    scheduleRaw === undefined || scheduleRaw === null || scheduleRaw === ''
      ? undefined
      : ((typeof scheduleRaw === 'string' ? JSON.parse(scheduleRaw) : scheduleRaw) as Record<
          string,
          Record<string, unknown> | undefined
        >);
  for (const plan of schedule ? PLAN_TYPES : []) {
    for (const cycle of BILLING_CYCLES) {
      if (!isValidPlanCommission(schedule?.[plan]?.[cycle])) {
        throw new Error(
          `context ${CONTEXT_KEYS.commissionSchedule}: ${plan}.${cycle} is missing or not valid terms`,
        );
      }
    }
  }
  const programCurrency = str(CONTEXT_KEYS.programCurrency, DEFAULT_SETTINGS.programCurrency);
  if (!/^[A-Za-z]{3}$/.test(programCurrency)) {
    throw new Error(
      `context ${CONTEXT_KEYS.programCurrency}: expected an ISO 4217 code, got ${programCurrency}`,
    );
  }

  return {
    fixedTableNames: bool(CONTEXT_KEYS.fixedTableNames, DEFAULT_SETTINGS.fixedTableNames),
    stripeEventSourceName,
    appBusName: str(CONTEXT_KEYS.appBusName, DEFAULT_SETTINGS.appBusName),
    stripePriceMap,
    landingUrl: str(CONTEXT_KEYS.landingUrl, DEFAULT_SETTINGS.landingUrl),
    jwtIssuer: str(CONTEXT_KEYS.jwtIssuer, DEFAULT_SETTINGS.jwtIssuer),
    jwtAudience: str(CONTEXT_KEYS.jwtAudience, DEFAULT_SETTINGS.jwtAudience),
    ...(typeof salt === 'string' && salt !== '' ? { clickIpSalt: salt } : {}),
    ...(schedule ? { commissionSchedule: schedule } : {}),
    programCurrency: programCurrency.toLowerCase(),
    // Zero is a valid hold (payable at once), as HOLD_PERIOD_DAYS accepts it.
    holdPeriodDays: num(CONTEXT_KEYS.holdPeriodDays, DEFAULT_SETTINGS.holdPeriodDays, 0),
    logRetentionDays: num(CONTEXT_KEYS.logRetentionDays, DEFAULT_SETTINGS.logRetentionDays),
  };
}
