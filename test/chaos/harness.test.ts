import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { chaosFaults } from '../../chaos/faults';
import { driftFromReferrals, type Observation } from '../../chaos/observe';
import { expectedCounters, generateScenario } from '../../chaos/scenario';
import { contributionOf } from '../../domain/contribution';
import { zeroCounters } from '../../domain/stats';
import { paidReferral } from '../unit/builders';

const ROOT = path.join(__dirname, '..', '..');
const call = {
  workflow: 'payment',
  executionName: 'payment-in_1',
  stateName: 'ApplyPaymentToStats',
  resource: 'arn:aws:states:::aws-sdk:dynamodb:transactWriteItems',
  attempt: 1,
  parameters: {},
};

describe('the chaos scenario', () => {
  it('is reproducible from its seed and differs with another seed', () => {
    const a = generateScenario({ journeys: 200, seed: 3 });
    expect(generateScenario({ journeys: 200, seed: 3 })).toEqual(a);
    expect(generateScenario({ journeys: 200, seed: 4 })).not.toEqual(a);
  });

  it('expects each paid journey once, with its commission in cents', () => {
    const scenario = generateScenario({ journeys: 300, seed: 5 });
    const expected = expectedCounters(scenario, (j) => j.partnerId);
    const total = (k: 'totalPaid' | 'totalRevenueCents') =>
      [...expected.values()].reduce((n, c) => n + c[k], 0);
    const paying = scenario.journeys.filter((j) => j.payment && !j.neverReferred);
    expect(total('totalPaid')).toBe(paying.length);
    expect(total('totalRevenueCents')).toBe(paying.reduce((n, j) => n + (j.payment?.amountCents ?? 0), 0));
  });
});

describe('the drift check', () => {
  it('finds a partner whose stats differ from its referrals', () => {
    const referral = paidReferral({ partnerId: 'p1' });
    const right = { ...zeroCounters(), ...contributionOf(referral) };
    const observation = (totalPaid: number): Observation => ({
      referrals: [referral],
      stats: new Map([['p1', { ...right, totalPaid, partnerId: 'p1', version: 1 } as never]]),
      claims: new Map(),
      parked: [],
    });
    expect(driftFromReferrals(observation(1)).size).toBe(0);
    expect(driftFromReferrals(observation(2)).get('p1')).toEqual(['totalPaid']);
  });
});

describe('fault injection', () => {
  it('injects nothing at rate 0', () => {
    expect(chaosFaults({ seed: 1, rate: 0 }).injector(call)).toBeUndefined();
  });

  it('decides transient faults the same way for the same call whatever the order of calls', () => {
    const a = chaosFaults({ seed: 9, rate: 0.5 }).injector;
    const b = chaosFaults({ seed: 9, rate: 0.5 }).injector;
    const record = {
      ...call,
      stateName: 'RecordPaymentOnReferral',
      resource: 'arn:aws:states:::dynamodb:updateItem',
    };
    const calls = Array.from({ length: 50 }, (_, i) => ({ ...record, executionName: `payment-in_${i}` }));
    const forward = calls.map((c) => a(c));
    const backward = [...calls]
      .reverse()
      .map((c) => b(c))
      .reverse();
    expect(backward).toEqual(forward);
    expect(forward.some((d) => d !== undefined)).toBe(true);
  });

  it("gives the first execution to reach a workflow's stats write an outage on every attempt", () => {
    const { injector, counts } = chaosFaults({ seed: 1, rate: 0.01 });
    const attempts = [1, 2, 3, 4, 5, 6, 7].map((attempt) => injector({ ...call, attempt }));
    const notice = injector({
      ...call,
      stateName: 'AnnouncePaymentStatsPending',
      resource: 'arn:aws:states:::events:putEvents',
    });
    expect(attempts.every((d) => d?.error === 'DynamoDb.ProvisionedThroughputExceededException')).toBe(true);
    expect(notice?.error).toBe('EventBridge.InternalException');
    expect(counts.get('stats write outage')).toBe(7);
  });

  it('cannot reach the deployed stack: no deployed source imports the local runtime or the harness', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const full = path.join(dir, name);
        return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
      });
    const deployed = ['domain', 'lambdas', 'infra'].flatMap((d) => sources(path.join(ROOT, d)));
    const offending = deployed.filter((file) =>
      /from '(\.\.\/)+(local|chaos)\//.test(readFileSync(file, 'utf8')),
    );
    expect(deployed.length).toBeGreaterThan(20);
    expect(offending).toEqual([]);
  });
});
