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

  const tiered = {
    tiers: [
      { fromMonth: 1, rule: { kind: 'percent', basisPoints: 4000 } },
      { fromMonth: 4, rule: { kind: 'percent', basisPoints: 2000 } },
    ],
    durationMonths: 'lifetime',
  };
  const flat = { tiers: [{ fromMonth: 1, rule: { kind: 'flat', cents: 500 } }], durationMonths: 12 };
  const scheduleWith = (afMonthly: unknown): string =>
    JSON.stringify({ AF: { Monthly: afMonthly, Annual: flat }, AFPlus: { Monthly: flat, Annual: flat } });

  it('reads commission terms with tiers and a lifetime duration', () => {
    expect(
      loadRuntimeConfig({ COMMISSION_SCHEDULE: scheduleWith(tiered) }).commissionSchedule.AF.Monthly,
    ).toEqual(tiered);
  });

  it.each([
    [
      'fractional basis points',
      { tiers: [{ fromMonth: 1, rule: { kind: 'percent', basisPoints: 12.5 } }], durationMonths: 12 },
    ],
    [
      'tiers not starting at month 1',
      { tiers: [{ fromMonth: 2, rule: { kind: 'flat', cents: 1 } }], durationMonths: 12 },
    ],
    ['tiers out of order', { tiers: [tiered.tiers[1], tiered.tiers[0]], durationMonths: 12 }],
    ['a zero duration', { ...flat, durationMonths: 0 }],
  ])('rejects terms with %s', (_what, terms) => {
    expect(() => loadRuntimeConfig({ COMMISSION_SCHEDULE: scheduleWith(terms) })).toThrow(
      /COMMISSION_SCHEDULE: AF.Monthly/,
    );
  });

  it('reads the hold period and the program currency, with their defaults', () => {
    expect(loadRuntimeConfig({})).toMatchObject({ holdPeriodDays: 30, programCurrency: 'usd' });
    expect(loadRuntimeConfig({ HOLD_PERIOD_DAYS: '14', PROGRAM_CURRENCY: 'JPY' })).toMatchObject({
      holdPeriodDays: 14,
      programCurrency: 'jpy',
    });
    expect(() => loadRuntimeConfig({ HOLD_PERIOD_DAYS: '1.5' })).toThrow(/HOLD_PERIOD_DAYS/);
    expect(() => loadRuntimeConfig({ PROGRAM_CURRENCY: 'dollars' })).toThrow(/PROGRAM_CURRENCY/);
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
