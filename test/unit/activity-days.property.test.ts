import fc from 'fast-check';
import { activityOf, addActivity, localDayOf, type ActivityByDay } from '../../domain/activity-days';
import { contributionOf } from '../../domain/contribution';
import { referralStateOf, type ProgramTerms } from '../../domain/lifecycle';
import type { Referral } from '../../domain/referral';
import { planReferralWrite } from '../../domain/referral-write';
import {
  DEFAULT_TERMS,
  deliveriesOf,
  factsOf,
  permutationOf,
  userStoryArbitrary,
  type StoryEvent,
  type UserStory,
} from '../../chaos/user-story';

const ZONES = ['UTC', 'Pacific/Auckland', 'America/Los_Angeles'] as const;
const TABLES = { referrals: 'R', stats: 'S', commissions: 'C', activity: 'A' };
const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 100) };

interface Case {
  story: UserStory;
  timeZone: string;
  terms: ProgramTerms;
}

const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  story: userStoryArbitrary({ apiShape: 'any' }),
  timeZone: fc.constantFrom(...ZONES),
  terms: fc.constant(DEFAULT_TERMS),
});

/** A case and a delivery of its events: any order, some delivered more than once. */
const delivered: fc.Arbitrary<Case & { events: StoryEvent[] }> = caseArbitrary.chain((c) =>
  permutationOf(c.story.events)
    .chain((order) => deliveriesOf(order))
    .map((events) => ({ ...c, events })),
);

const activityOfEvents = ({ story, timeZone, terms }: Case, events: readonly StoryEvent[]): ActivityByDay =>
  activityOf(referralStateOf(story.userId, factsOf(events, story.userId), terms), timeZone);

const total = (days: ActivityByDay, count: keyof ActivityByDay[string]): number =>
  Object.values(days).reduce((sum, d) => sum + (d[count] ?? 0), 0);

/**
 * The buckets as the workflows build them: one write per delivery, in delivery order, each folding the facts
 * seen so far into the stored referral and adding its change's `byDay` to the buckets (exactly once).
 */
function bucketsThroughWrites(c: Case, events: readonly StoryEvent[]): ActivityByDay {
  const buckets: ActivityByDay = {};
  let stored: Referral | undefined;
  for (let i = 1; i <= events.length; i++) {
    const facts = factsOf(events.slice(0, i), c.story.userId);
    const plan = planReferralWrite({
      userId: c.story.userId,
      facts,
      stored,
      pendingChanges: {},
      terms: c.terms,
      tables: TABLES,
      timeZone: c.timeZone,
    });
    if (plan.outcome !== 'changed') continue;
    const state = referralStateOf(c.story.userId, facts, c.terms);
    if (!state) throw new Error('a changed plan has a state');
    const factKeys = [...new Set(facts.map((f) => f.key))].sort();
    stored = {
      ...state.referral,
      factKeys,
      factCount: factKeys.length,
      timeZone: c.timeZone,
      activityDays: activityOf(state, c.timeZone),
    };
    const change = plan.statsWrite?.TransactItems;
    // The change's byDay is what the stats write adds: read it back from the bucket updates it plans.
    for (const action of change ?? []) {
      const update = 'Update' in action ? action.Update : undefined;
      if (!update || update.TableName !== TABLES.activity) continue;
      const day = (update.Key as { day: { S: string } }).day.S;
      const values = update.ExpressionAttributeValues as Record<string, { N: string }>;
      addActivity(buckets, {
        [day]: Object.fromEntries(Object.entries(values).map(([k, v]) => [k.slice(1), Number(v.N)])),
      });
    }
  }
  return buckets;
}

describe('activity buckets', () => {
  it('are a function of the fact set: any order, any duplication, gives the same days', () => {
    fc.assert(
      fc.property(delivered, (c) => {
        expect(activityOfEvents(c, c.events)).toEqual(activityOfEvents(c, c.story.events));
      }),
      RUNS,
    );
  });

  it('built write by write in any delivery order end as the referral’s activity', () => {
    fc.assert(
      fc.property(delivered, (c) => {
        expect(bucketsThroughWrites(c, c.events)).toEqual(activityOfEvents(c, c.story.events));
      }),
      RUNS,
    );
  });

  it('sum to the counters they mirror', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const state = referralStateOf(c.story.userId, factsOf(c.story.events, c.story.userId), c.terms);
        const counters = contributionOf(state?.referral as Referral);
        const days = activityOf(state, c.timeZone);
        expect({
          signups: total(days, 'signups'),
          conversions: total(days, 'conversions'),
          reversed: total(days, 'reversedCents'),
          net: total(days, 'earningsCents') - total(days, 'reversedCents'),
        }).toEqual({
          signups: counters.totalSignups,
          conversions: counters.totalPaid,
          reversed: counters.reversedEarningsCents,
          net: counters.totalEarningsCents,
        });
      }),
      RUNS,
    );
  });

  it('put the signup on the partner’s local day', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const state = referralStateOf(c.story.userId, factsOf(c.story.events, c.story.userId), c.terms);
        const day = localDayOf(state?.referral.signedUpAt ?? '', c.timeZone);
        expect(activityOf(state, c.timeZone)[day]?.signups).toBe(1);
      }),
      RUNS,
    );
  });
});

describe('localDayOf', () => {
  it('reads the calendar day in the zone', () => {
    expect(localDayOf('2026-12-01T23:30:00Z', 'UTC')).toBe('2026-12-01');
    expect(localDayOf('2026-12-01T23:30:00Z', 'Pacific/Auckland')).toBe('2026-12-02');
    expect(localDayOf('2026-12-02T05:00:00Z', 'America/Los_Angeles')).toBe('2026-12-01');
  });
});
