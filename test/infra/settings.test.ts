import { App } from 'aws-cdk-lib';
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
    AF: { Monthly: { kind: 'flat', cents: 100 }, Annual: { kind: 'flat', cents: 900 } },
    AFPlus: {
      Monthly: { kind: 'percent', basisPoints: 2500 },
      Annual: { kind: 'percent', basisPoints: 2000 },
    },
  }),
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
    for (const fn of ['DashboardApi', 'AdminApi']) {
      expect(env(fn)).toMatchObject({
        JWT_ISSUER: context.jwtIssuer,
        JWT_AUDIENCE: context.jwtAudience,
      });
      // Admin rights are the route's scopes, enforced by API Gateway: no function is told the scope.
      expect(env(fn).ADMIN_SCOPE).toBeUndefined();
    }
    for (const fn of ['PaymentCompute', 'ReconciliationCompute']) {
      expect(JSON.parse(env(fn).COMMISSION_SCHEDULE as string)).toEqual(
        JSON.parse(context.commissionSchedule),
      );
    }
    expect(env('StripeIngest').COMMISSION_SCHEDULE).toBeUndefined();
  });

  test('a salt from context replaces the generated secret', () => {
    expect(Object.keys(resourcesOf(s.template, 'AWS::SecretsManager::Secret'))).toHaveLength(0);
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
  ])('rejects a bad %s', (key, value, message) => {
    expect(() => synth({ [key]: value }, false)).toThrow(message);
  });
});
