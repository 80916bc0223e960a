import fc from 'fast-check';
import { DEFAULT_ADMIN_SCOPE } from '../../domain/config';
import { authorizedEvent } from '../../local/events/http-events';
import type { TaskCall } from '../../local/workflow-runtime';
import { deliverStoryEvent, withoutSuffix } from '../support/story-delivery';
import { referralStateOf } from '../../domain/lifecycle';
import {
  DEFAULT_TERMS,
  renamedStory,
  deliveriesOf,
  factsOf,
  userStoryArbitrary,
  type UserStory,
} from '../../chaos/user-story';
import { World } from '../support/world';

/**
 * Order does not matter, through the real workflows on DynamoDB Local: a generated user's story delivered
 * in its natural order, one event at a time, and again as a sampled permutation with duplicates, all at
 * once (with random yields before Tasks, so executions interleave differently), must leave the same
 * referral, the same ledger rows and the same stats.
 */
const RUNS = Number(process.env.WORKFLOW_PROPERTY_RUNS ?? 6);

let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world.stop());
afterEach(() => {
  world.faults = undefined;
});

let run = 0;

async function register(story: UserStory): Promise<void> {
  const selfReferral = story.events.some((e) => e.type === 'UserSignedUp' && e.selfReferral);
  const res = await world.system.adminApi(
    authorizedEvent(
      {
        method: 'POST',
        path: '/admin/partners',
        routeKey: 'POST /admin/partners',
        body: JSON.stringify({
          partnerId: story.partnerId,
          ...(selfReferral ? { ownerUserId: story.userId } : {}),
        }),
      },
      { scope: DEFAULT_ADMIN_SCOPE },
    ),
  );
  expect(res.statusCode).toBe(201);
}

/** What a delivery left: the referral, its ledger rows and the partner's counters, ids without the suffix. */
async function outcome(story: UserStory, suffix: string) {
  const referral = await world.referral(story.partnerId, story.userId);
  const { pendingStats, statsPendingSince, statsPendingReason, ...state } = referral ?? {};
  return withoutSuffix(
    {
      referral: state,
      settled: { pendingStats, statsPendingSince, statsPendingReason },
      ledger: (await world.commissions(story.partnerId)).sort((a, b) =>
        String(a.commissionId).localeCompare(String(b.commissionId)),
      ),
      counters: await world.counters(story.partnerId),
    },
    suffix,
  ) as {
    referral: object;
    settled: object;
    ledger: Record<string, unknown>[];
    counters: Record<string, number>;
  };
}

/** Yields a few macrotasks before some Task calls: a seeded shake of the interleavings, no wall clock. */
function shaker(seed: number) {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return (_call: TaskCall) => {
    if (next() < 0.5) return undefined;
    const ticks = 1 + Math.floor(next() * 8);
    const until = new Promise<void>((resolve) => {
      let left = ticks;
      const tick = (): void => (--left <= 0 ? resolve() : void setImmediate(tick));
      setImmediate(tick);
    });
    return { kind: 'hold' as const, until };
  };
}

test('a story delivered in any order, with duplicates, concurrently, ends as in its natural order', async () => {
  await fc.assert(
    fc.asyncProperty(
      userStoryArbitrary({ apiShape: 'any' }).chain((story) =>
        fc.tuple(fc.constant(story), deliveriesOf(story.events, 6), fc.integer({ min: 1, max: 2 ** 31 - 1 })),
      ),
      async ([story, deliveries, seed]) => {
        run += 1;
        const natural = renamedStory(story, `n${run}`);
        const shuffled = renamedStory({ ...story, events: deliveries }, `s${run}`);
        await register(natural);
        await register(shuffled);

        // Natural order, one at a time.
        for (const event of natural.events) {
          await deliverStoryEvent(world, event, natural.userId);
          await world.settle();
        }
        // The permutation with duplicates, all at once, interleaved by the shaker.
        world.faults = shaker(seed);
        await Promise.all(shuffled.events.map((event) => deliverStoryEvent(world, event, shuffled.userId)));
        await world.settle();
        world.faults = undefined;

        expect(world.system.deadLetters).toEqual([]);
        const expected = await outcome(natural, `n${run}`);
        expect(await outcome(shuffled, `s${run}`)).toEqual(expected);
        // Nothing left pending, and the natural delivery is the pure fold of the story's facts.
        expect(expected.settled).toEqual({});
        const pure = referralStateOf(story.userId, factsOf(story.events, story.userId), DEFAULT_TERMS);
        expect(expected.referral).toMatchObject(JSON.parse(JSON.stringify(pure?.referral ?? {})) as object);
        expect(expected.ledger).toEqual(
          (pure?.commissions ?? [])
            .map((c) =>
              expect.objectContaining({
                commissionId: c.commissionId,
                status: c.status,
                netCents: c.netCents,
              }),
            )
            .sort(),
        );
      },
    ),
    { numRuns: RUNS, seed: Number(process.env.WORKFLOW_PROPERTY_SEED ?? 20261201), endOnFailure: true },
  );
  // Six stories through the real workflows: about 40 s on an idle machine, several times that on a busy one.
}, 900_000);
