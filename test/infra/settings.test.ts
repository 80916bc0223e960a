import { App } from 'aws-cdk-lib';
import { loadRuntimeConfig } from '../../domain/config';
import { DEFAULT_SETTINGS, readSettings } from '../../infra/settings';
import { TABLE_SPECS } from '../../infra/table-specs';
import { onlyResource, resourcesOf, synth, type Synth } from './synth';

const context = {
  fixedTableNames: 'true', // as `-c fixedTableNames=true` passes it
  stripeEventSourceName: 'aws.partner/stripe.com/ed_test123',
  appBusName: 'referrals-test',
  stripePriceMap: JSON.stringify({ price_real: { planType: 'AFPlus', billingCycle: 'Annual' } }),
  landingUrl: 'https://shop.example.org/welcome',
  jwtIssuer: 'https://issuer.example.org/',
  jwtAudience: 'aud-123',
  clickIpSalt: 'test-salt',
  commissionSchedule: JSON.stringify({
    AF: {
      Monthly: { tiers: [{ fromMonth: 1, rule: { kind: 'flat', cents: 100 } }], durationMonths: 12 },
      Annual: { tiers: [{ fromMonth: 1, rule: { kind: 'flat', cents: 900 } }], durationMonths: 'lifetime' },
    },
    AFPlus: {
      Monthly: {
        tiers: [
          { fromMonth: 1, rule: { kind: 'percent', basisPoints: 4000 } },
          { fromMonth: 4, rule: { kind: 'percent', basisPoints: 2000 } },
        ],
        durationMonths: 24,
      },
      Annual: { tiers: [{ fromMonth: 1, rule: { kind: 'percent', basisPoints: 2000 } }], durationMonths: 12 },
    },
  }),
  programCurrency: 'EUR',
  holdPeriodDays: '0', // payable at once: a valid hold
  logRetentionDays: '14',
};

let s: Synth;
const env = (prefix: string): Record<string, unknown> =>
  (
    onlyResource(s.template, 'AWS::Lambda::Function', prefix).props.Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;

beforeAll(() => {
  // Bundling is covered by stack.test.ts; here only the context wiring matters.
  s = synth(context, false);
});

describe('context settings', () => {
  test('defaults synthesize without any context', () => {
    expect(readSettings(new App().node)).toEqual(DEFAULT_SETTINGS);
  });

  test('fixedTableNames gives the tables their spec names', () => {
    const names = Object.values(resourcesOf(s.template, 'AWS::DynamoDB::Table')).map(
      (t) => t.Properties?.TableName,
    );
    expect(names.sort()).toEqual(TABLE_SPECS.map((t) => t.tableName).sort());
  });

  test('buses: the Stripe partner source and the app bus name', () => {
    s.template.hasResourceProperties('AWS::Events::EventBus', {
      EventSourceName: context.stripeEventSourceName,
      Name: context.stripeEventSourceName,
    });
    s.template.hasResourceProperties('AWS::Events::EventBus', { Name: context.appBusName });
  });

  test('function environment follows the context', () => {
    expect(JSON.parse(env('StripeIngest').STRIPE_PRICE_MAP as string)).toEqual(
      JSON.parse(context.stripePriceMap),
    );
    expect(env('StripeIngest').STRIPE_EVENT_SOURCE).toBe(context.stripeEventSourceName);
    expect(env('ClickApi')).toMatchObject({ CLICK_IP_SALT: 'test-salt', LANDING_URL: context.landingUrl });
    for (const fn of ['AppIngest', 'AdminApi']) expect(env(fn).CLICK_IP_SALT).toBe('test-salt');
    for (const fn of ['DashboardApi', 'AdminApi']) {
      expect(env(fn)).toMatchObject({
        JWT_ISSUER: context.jwtIssuer,
        JWT_AUDIENCE: context.jwtAudience,
      });
      // Admin rights are the route's scopes, enforced by API Gateway: no function is told the scope.
      expect(env(fn).ADMIN_SCOPE).toBeUndefined();
    }
    // The program's terms reach the function that computes commissions, as its handler parses them.
    expect(JSON.parse(env('ReferralCompute').COMMISSION_SCHEDULE as string)).toEqual(
      JSON.parse(context.commissionSchedule),
    );
    expect(env('ReferralCompute')).toMatchObject({ PROGRAM_CURRENCY: 'eur', HOLD_PERIOD_DAYS: '0' });
    const config = loadRuntimeConfig(env('ReferralCompute') as NodeJS.ProcessEnv);
    expect(config).toMatchObject({ programCurrency: 'eur', holdPeriodDays: 0 });
    expect(config.commissionSchedule).toEqual(JSON.parse(context.commissionSchedule));
    // The currency alone where events are checked and money is shown.
    expect(env('StripeIngest').PROGRAM_CURRENCY).toBe('eur');
    expect(env('DashboardApi').PROGRAM_CURRENCY).toBe('eur');
    for (const fn of [
      'StripeIngest',
      'ReconciliationCompute',
      'AppIngest',
      'ClickApi',
      'DashboardApi',
      'AdminApi',
    ]) {
      expect(env(fn).COMMISSION_SCHEDULE).toBeUndefined();
      expect(env(fn).HOLD_PERIOD_DAYS).toBeUndefined();
    }
  });

  test('a salt from context replaces the generated secret', () => {
    // Only the webhook signing secret is left: no click salt is generated.
    expect(Object.keys(resourcesOf(s.template, 'AWS::SecretsManager::Secret'))).toEqual([
      expect.stringMatching(/^WebhookSigningSecret/),
    ]);
  });

  test('JWT authorizer and log retention follow the context', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: context.jwtIssuer, Audience: [context.jwtAudience] },
    });
    for (const lg of Object.values(resourcesOf(s.template, 'AWS::Logs::LogGroup'))) {
      expect(lg.Properties?.RetentionInDays).toBe(14);
    }
  });

  test.each([
    ['stripeEventSourceName', 'stripe.com/ed_1', /aws\.partner/],
    ['fixedTableNames', 'yes', /true or false/],
    ['logRetentionDays', '13', /retention value/],
    ['stripePriceMap', '{"p":{"planType":"Gold","billingCycle":"Monthly"}}', /unknown plan or cycle/],
    ['programCurrency', 'dollars', /programCurrency: expected an ISO 4217 code/],
    ['holdPeriodDays', '-1', /holdPeriodDays: expected a whole number ≥ 0/],
    ['holdPeriodDays', '1.5', /holdPeriodDays: expected a whole number ≥ 0/],
    // The flat rules of the schedule before tiers: every handler would refuse it at cold start.
    [
      'commissionSchedule',
      JSON.stringify({ AF: { Monthly: { kind: 'flat', cents: 100 } } }),
      /AF\.Monthly is missing or not valid terms/,
    ],
    [
      'commissionSchedule',
      JSON.stringify({
        AF: { Monthly: { tiers: [{ fromMonth: 1, rule: { kind: 'flat', cents: 1 } }], durationMonths: 1 } },
      }),
      /AF\.Annual is missing or not valid terms/,
    ],
  ])('rejects a bad %s: %s', (key, value, message) => {
    expect(() => synth({ [key]: value }, false)).toThrow(message);
  });
});
