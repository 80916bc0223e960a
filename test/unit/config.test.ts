import { DEFAULT_COMMISSION_SCHEDULE, DEFAULT_PRICE_MAP, loadRuntimeConfig } from '../../domain/config';

describe('loadRuntimeConfig', () => {
  it('falls back to the local defaults', () => {
    // Act
    const config = loadRuntimeConfig({});

    // Assess
    expect(config).toMatchObject({
      referralsTable: 'PartnerReferrals',
      statsTable: 'PartnerStats',
      priceMap: DEFAULT_PRICE_MAP,
      commissionSchedule: DEFAULT_COMMISSION_SCHEDULE,
      landingUrl: 'https://example.com/',
      stateMachineArns: {},
    });
    expect(config.stripeEventSource).toBeUndefined();
  });

  it('reads a commission schedule and rejects an invalid one', () => {
    // Prepare
    const flat = { kind: 'flat', cents: 500 };
    const valid = JSON.stringify({
      AF: { Monthly: flat, Annual: flat },
      AFPlus: { Monthly: flat, Annual: flat },
    });
    const invalid = JSON.stringify({ AF: { Monthly: { kind: 'percent', basisPoints: 12.5 } } });

    // Act + Assess
    expect(loadRuntimeConfig({ COMMISSION_SCHEDULE: valid }).commissionSchedule.AFPlus.Annual).toEqual(flat);
    expect(() => loadRuntimeConfig({ COMMISSION_SCHEDULE: invalid })).toThrow(
      /COMMISSION_SCHEDULE: AF.Monthly/,
    );
  });

  it('rejects a landing URL that is not absolute', () => {
    expect(() => loadRuntimeConfig({ LANDING_URL: '/welcome' })).toThrow(/LANDING_URL/);
  });

  it('reads each workflow ARN from <NAME>_STATE_MACHINE_ARN', () => {
    expect(loadRuntimeConfig({ PAYMENT_STATE_MACHINE_ARN: 'arn:p' }).stateMachineArns).toEqual({
      payment: 'arn:p',
    });
  });
});
