import type { Node } from 'constructs';
import {
  BILLING_CYCLES,
  CLICK_ROUTE_THROTTLE,
  DASHBOARD_ROUTE_THROTTLE,
  DEFAULT_APP_BUS_NAME,
  DEFAULT_HOLD_PERIOD_DAYS,
  DEFAULT_MINIMUM_PAYOUT_CENTS,
  DEFAULT_PAYOUT_DAY_OF_MONTH,
  DEFAULT_PROGRAM_CURRENCY,
  DEFAULT_LANDING_URL,
  DEFAULT_PRICE_MAP,
  isValidPlanCommission,
  DEFAULT_ROUTE_THROTTLE,
  PLAN_TYPES,
  type PlanChoice,
  type RouteThrottleSettings,
} from '../domain/config';
import { routeKeyOf, type RouteName } from '../domain/routes';

/**
 * The HTTP API stage's throttles (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html):
 * `default` for every route without its own (the stage's default route settings), `click` for the public
 * tracking link, `dashboard` for the partners' and admins' dashboard and commission reads (route settings
 * per route key), so a viral link cannot starve the dashboards and a dashboard scraper cannot refuse clicks.
 */
export interface StageThrottles {
  default: RouteThrottleSettings;
  click: RouteThrottleSettings;
  dashboard: RouteThrottleSettings;
}

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
  /** The smallest balance a payout run pays out, in minor units (`MINIMUM_PAYOUT_CENTS`). */
  minimumPayoutCents: number;
  /** The day of the month (1–28) the payout run is scheduled on, 06:00 UTC. */
  payoutDayOfMonth: number;
  /** Log retention in days for Lambda, Step Functions and API access logs. */
  logRetentionDays: number;
  /** Requests per second and burst of the API's routes (`clickRateLimit`, `dashboardBurstLimit`, …). */
  throttles: StageThrottles;
  /** The partner portal's OpenID Connect client (its `config.json`); the audience is `jwtAudience`. */
  portal: PortalSignInSettings;
  /** Webhook delivery of the ledger events through an EventBridge API destination; off without `webhookUrl`. */
  webhooks?: WebhookSettings;
}

/**
 * The portal signs partners in with the authorization code flow with PKCE at `issuer` (default `jwtIssuer`,
 * the issuer whose tokens the HTTP API accepts), as the public client `clientId`, asking for `scopes`.
 */
export interface PortalSignInSettings {
  issuer: string;
  clientId: string;
  scopes: string;
}

/**
 * How the API destination authenticates to the integrator's endpoint (an EventBridge connection). The
 * credential comes from Secrets Manager: `secretName` names an existing secret (its SecretString is the
 * API key or the OAuth client secret); an API key without one is generated into the stack's
 * `WebhookApiKey` secret, which the integrator reads once to configure their endpoint.
 */
export type WebhookAuth =
  | { kind: 'apiKey'; headerName: string; secretName?: string }
  | {
      kind: 'oauth';
      /** The token endpoint of the client-credentials grant. */
      authorizationEndpoint: string;
      clientId: string;
      secretName: string;
      scope?: string;
    };

export interface WebhookSettings {
  /** The integrator's HTTPS endpoint; every ledger event is POSTed to it. */
  url: string;
  auth: WebhookAuth;
  /** The API destination's invocation rate limit. */
  rateLimitPerSecond: number;
  /** The target's retry policy: attempts (0-185) and the event's maximum age (60-86,400 s). */
  retryAttempts: number;
  maxEventAgeSeconds: number;
}

/** EventBridge's limits for a target's retry policy (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html). */
export const RETRY_POLICY_LIMITS = {
  attempts: { min: 0, max: 185 },
  maxEventAgeSeconds: { min: 60, max: 86_400 },
} as const;

export const DEFAULT_WEBHOOK_SETTINGS: Omit<WebhookSettings, 'url' | 'auth'> = {
  rateLimitPerSecond: 20,
  // EventBridge's own maximums: a receiver may be down for hours; what still fails is parked in the DLQ.
  retryAttempts: RETRY_POLICY_LIMITS.attempts.max,
  maxEventAgeSeconds: RETRY_POLICY_LIMITS.maxEventAgeSeconds.max,
};
export const DEFAULT_WEBHOOK_API_KEY_HEADER = 'x-api-key';

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
  minimumPayoutCents: 'minimumPayoutCents',
  payoutDayOfMonth: 'payoutDayOfMonth',
  logRetentionDays: 'logRetentionDays',
  clickRateLimit: 'clickRateLimit',
  clickBurstLimit: 'clickBurstLimit',
  dashboardRateLimit: 'dashboardRateLimit',
  dashboardBurstLimit: 'dashboardBurstLimit',
  portalOidcIssuer: 'portalOidcIssuer',
  portalOidcClientId: 'portalOidcClientId',
  portalOidcScopes: 'portalOidcScopes',
  webhookUrl: 'webhookUrl',
  webhookAuth: 'webhookAuth',
  webhookApiKeyHeader: 'webhookApiKeyHeader',
  webhookSecretName: 'webhookSecretName',
  webhookOAuthEndpoint: 'webhookOAuthEndpoint',
  webhookOAuthClientId: 'webhookOAuthClientId',
  webhookOAuthScope: 'webhookOAuthScope',
  webhookRateLimit: 'webhookRateLimit',
  webhookRetryAttempts: 'webhookRetryAttempts',
  webhookMaxEventAge: 'webhookMaxEventAge',
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
  minimumPayoutCents: DEFAULT_MINIMUM_PAYOUT_CENTS,
  payoutDayOfMonth: DEFAULT_PAYOUT_DAY_OF_MONTH,
  logRetentionDays: 30,
  portal: { issuer: 'https://auth.example.com/', clientId: 'partner-portal', scopes: 'openid' },
  throttles: {
    default: DEFAULT_ROUTE_THROTTLE,
    click: CLICK_ROUTE_THROTTLE,
    dashboard: DASHBOARD_ROUTE_THROTTLE,
  },
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
  const num = (key: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number => {
    const v = raw(key);
    if (v === undefined || v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(
        max < Number.MAX_SAFE_INTEGER
          ? `context ${key}: expected an integer from ${min} to ${max}`
          : `context ${key}: expected ${min === 0 ? 'a whole number ≥ 0' : 'a positive integer'}`,
      );
    }
    return n;
  };
  const optionalStr = (key: string): string | undefined => {
    const v = str(key, '');
    return v === '' ? undefined : v;
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

  // Every month has days 1–28: a later day would skip February.
  const payoutDayOfMonth = num(CONTEXT_KEYS.payoutDayOfMonth, DEFAULT_SETTINGS.payoutDayOfMonth);
  if (payoutDayOfMonth > 28) {
    throw new Error(
      `context ${CONTEXT_KEYS.payoutDayOfMonth}: expected a day from 1 to 28, got ${payoutDayOfMonth}`,
    );
  }
  const webhooks = readWebhookSettings({ str: optionalStr, num });
  const jwtIssuer = str(CONTEXT_KEYS.jwtIssuer, DEFAULT_SETTINGS.jwtIssuer);

  return {
    fixedTableNames: bool(CONTEXT_KEYS.fixedTableNames, DEFAULT_SETTINGS.fixedTableNames),
    stripeEventSourceName,
    appBusName: str(CONTEXT_KEYS.appBusName, DEFAULT_SETTINGS.appBusName),
    stripePriceMap,
    landingUrl: str(CONTEXT_KEYS.landingUrl, DEFAULT_SETTINGS.landingUrl),
    jwtIssuer,
    jwtAudience: str(CONTEXT_KEYS.jwtAudience, DEFAULT_SETTINGS.jwtAudience),
    ...(typeof salt === 'string' && salt !== '' ? { clickIpSalt: salt } : {}),
    ...(schedule ? { commissionSchedule: schedule } : {}),
    programCurrency: programCurrency.toLowerCase(),
    // Zero is a valid hold (payable at once), as HOLD_PERIOD_DAYS accepts it.
    holdPeriodDays: num(CONTEXT_KEYS.holdPeriodDays, DEFAULT_SETTINGS.holdPeriodDays, 0),
    minimumPayoutCents: num(CONTEXT_KEYS.minimumPayoutCents, DEFAULT_SETTINGS.minimumPayoutCents),
    payoutDayOfMonth,
    logRetentionDays: num(CONTEXT_KEYS.logRetentionDays, DEFAULT_SETTINGS.logRetentionDays),
    portal: {
      issuer: str(CONTEXT_KEYS.portalOidcIssuer, jwtIssuer),
      clientId: str(CONTEXT_KEYS.portalOidcClientId, DEFAULT_SETTINGS.portal.clientId),
      scopes: str(CONTEXT_KEYS.portalOidcScopes, DEFAULT_SETTINGS.portal.scopes),
    },
    throttles: {
      default: DEFAULT_SETTINGS.throttles.default,
      click: {
        rateLimit: num(CONTEXT_KEYS.clickRateLimit, DEFAULT_SETTINGS.throttles.click.rateLimit),
        burstLimit: num(CONTEXT_KEYS.clickBurstLimit, DEFAULT_SETTINGS.throttles.click.burstLimit),
      },
      dashboard: {
        rateLimit: num(CONTEXT_KEYS.dashboardRateLimit, DEFAULT_SETTINGS.throttles.dashboard.rateLimit),
        burstLimit: num(CONTEXT_KEYS.dashboardBurstLimit, DEFAULT_SETTINGS.throttles.dashboard.burstLimit),
      },
    },
    ...(webhooks ? { webhooks } : {}),
  };
}

/** Loopback hosts, the only ones whose webhook URL may be plain http (the local cloud's receivers). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why a URL cannot be the webhook endpoint (API destinations call HTTPS; http only on localhost), or undefined. */
export function webhookUrlProblem(url: string): string | undefined {
  const parsed = URL.parse(url);
  if (parsed?.protocol === 'https:') return undefined;
  if (parsed?.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname)) return undefined;
  return `expected an https:// URL (API destinations call HTTPS endpoints; http:// only on localhost), got ${url}`;
}

/** The webhook keys, read only when `webhookUrl` is set; a key that needs another names it. */
function readWebhookSettings(read: {
  str: (key: string) => string | undefined;
  num: (key: string, fallback: number, min?: number, max?: number) => number;
}): WebhookSettings | undefined {
  const K = CONTEXT_KEYS;
  const url = read.str(K.webhookUrl);
  if (url === undefined) return undefined;
  const problem = webhookUrlProblem(url);
  if (problem) throw new Error(`context ${K.webhookUrl}: ${problem}`);
  const kind = read.str(K.webhookAuth) ?? 'apiKey';
  const secretName = read.str(K.webhookSecretName);
  let auth: WebhookAuth;
  if (kind === 'apiKey') {
    auth = {
      kind,
      headerName: read.str(K.webhookApiKeyHeader) ?? DEFAULT_WEBHOOK_API_KEY_HEADER,
      ...(secretName !== undefined ? { secretName } : {}),
    };
  } else if (kind === 'oauth') {
    const need = (key: string): string => {
      const v = read.str(key);
      if (v === undefined) throw new Error(`context ${key}: required when ${K.webhookAuth} is oauth`);
      return v;
    };
    const authorizationEndpoint = need(K.webhookOAuthEndpoint);
    if (URL.parse(authorizationEndpoint)?.protocol !== 'https:')
      throw new Error(
        `context ${K.webhookOAuthEndpoint}: expected an https:// URL, got ${authorizationEndpoint}`,
      );
    const scope = read.str(K.webhookOAuthScope);
    auth = {
      kind,
      authorizationEndpoint,
      clientId: need(K.webhookOAuthClientId),
      secretName: need(K.webhookSecretName),
      ...(scope !== undefined ? { scope } : {}),
    };
  } else {
    throw new Error(`context ${K.webhookAuth}: expected apiKey or oauth, got ${kind}`);
  }
  const d = DEFAULT_WEBHOOK_SETTINGS;
  const L = RETRY_POLICY_LIMITS;
  return {
    url,
    auth,
    rateLimitPerSecond: read.num(K.webhookRateLimit, d.rateLimitPerSecond, 1),
    retryAttempts: read.num(K.webhookRetryAttempts, d.retryAttempts, L.attempts.min, L.attempts.max),
    maxEventAgeSeconds: read.num(
      K.webhookMaxEventAge,
      d.maxEventAgeSeconds,
      L.maxEventAgeSeconds.min,
      L.maxEventAgeSeconds.max,
    ),
  };
}

/** The routes with a throttle of their own, and which. */
const ROUTE_THROTTLES: Partial<Record<RouteName, Exclude<keyof StageThrottles, 'default'>>> = {
  click: 'click',
  dashboard: 'dashboard',
  commissions: 'dashboard',
  adminDashboard: 'dashboard',
};

/**
 * The stage's route settings by route key (`GET /r/{partnerId}` → its throttle): the CDK stage's
 * `RouteSettings` and the local HTTP API's per-route buckets both come from here.
 */
export function routeThrottlesOf(throttles: StageThrottles): Record<string, RouteThrottleSettings> {
  return Object.fromEntries(
    Object.entries(ROUTE_THROTTLES).map(([name, which]) => [
      routeKeyOf(name as RouteName),
      throttles[which as keyof StageThrottles],
    ]),
  );
}
