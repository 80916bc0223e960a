import { readFileSync } from 'node:fs';
import { contributionDelta } from '../../domain/contribution';
import type { Referral } from '../../domain/referral';
import { STATS_COUNTERS } from '../../domain/stats';
import { aslPathOf } from '../../infra/workflow-manifest';

/**
 * Signup, verification and cancellation write fixed counter deltas in their ASL. These tests hold
 * them to the one definition of a referral's contribution, so the workflows and reconciliation agree.
 */
type AttributeValue = { N?: string; S?: string; 'S.$'?: string };
interface UpdateAction {
  UpdateExpression: string;
  ExpressionAttributeValues: Record<string, AttributeValue>;
}

function statsUpdateOf(workflow: 'signup' | 'verify' | 'cancellation', state: string): UpdateAction {
  const asl = JSON.parse(readFileSync(aslPathOf(workflow), 'utf8')) as {
    States: Record<string, { Parameters: { TransactItems: { Update: UpdateAction }[] } }>;
  };
  const update = asl.States[state]?.Parameters.TransactItems[0]?.Update;
  if (!update) throw new Error(`${workflow}: state ${state} has no stats update`);
  return update;
}

/** The counters an `ADD a :x, b :y SET …` expression adds, with their numeric values. */
function addedCounters(update: UpdateAction): Record<string, number> {
  const add = /ADD (.*?)(?: SET |$)/.exec(update.UpdateExpression)?.[1] ?? '';
  const added: Record<string, number> = {};
  for (const clause of add.split(',')) {
    const [name, placeholder] = clause.trim().split(/\s+/);
    const value = update.ExpressionAttributeValues[placeholder ?? '']?.N;
    if (!name || value === undefined) throw new Error(`cannot read ADD clause "${clause}"`);
    added[name] = Number(value);
  }
  return added;
}

const nonZero = (delta: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(delta).filter(([, v]) => v !== 0));

const signedUp: Referral = {
  partnerId: 'p1',
  referralId: 'ref_u1',
  referredUserId: 'u1',
  status: 'signed_up',
  planType: 'AF',
  signedUpAt: '2026-01-01T00:00:00Z',
};
const paid: Referral = {
  ...signedUp,
  status: 'paid',
  planType: 'AFPlus',
  billingCycle: 'Annual',
  paidAt: '2026-01-02T00:00:00Z',
  paymentAmountCents: 29990,
  partnerEarningsCents: 7498,
  commissionStatus: 'pending',
  subscriptionStatus: 'active',
};

describe('fixed stats deltas in the ASL equal contributionDelta', () => {
  it('signup adds what a new AF referral contributes', () => {
    const { version, ...counters } = addedCounters(statsUpdateOf('signup', 'ApplySignupToStats'));
    expect(version).toBe(1);
    expect(counters).toEqual(nonZero(contributionDelta(undefined, signedUp)));
  });

  it('verification adds what verifiedAt contributes', () => {
    const { version, ...counters } = addedCounters(statsUpdateOf('verify', 'ApplyVerificationToStats'));
    expect(version).toBe(1);
    expect(counters).toEqual(
      nonZero(contributionDelta(signedUp, { ...signedUp, verifiedAt: '2026-01-01T01:00:00Z' })),
    );
  });

  it('cancellation removes what an active subscription contributes and keeps the payment', () => {
    const { version, ...counters } = addedCounters(statsUpdateOf('cancellation', 'ApplyCancellationToStats'));
    expect(version).toBe(1);
    expect(counters).toEqual(
      nonZero(contributionDelta(paid, { ...paid, status: 'canceled', subscriptionStatus: 'canceled' })),
    );
  });
});

describe('registration', () => {
  it('creates every counter, the clicks and the version at zero', () => {
    const asl = JSON.parse(readFileSync(aslPathOf('registration'), 'utf8')) as {
      States: { CreatePartnerStats: { Parameters: { Item: Record<string, AttributeValue> } } };
    };
    const item = asl.States.CreatePartnerStats.Parameters.Item;
    const zeros = Object.entries(item)
      .filter(([, v]) => v.N === '0')
      .map(([k]) => k)
      .sort();
    expect(zeros).toEqual([...STATS_COUNTERS, 'totalClicks', 'version'].sort());
  });
});
