import fc from 'fast-check';
import type { ProgramTerms } from '../domain/lifecycle';
import { Chance } from './random';
import {
  DEFAULT_TERMS,
  userStoryArbitrary,
  type SignedUpStoryEvent,
  type StoryEvent,
  renamedStory,
  type UserStory,
  type UserStoryOptions,
} from './user-story';

/**
 * Many referred users' stories, sampled deterministically from the seed with the generator the property
 * tests use (`userStoryArbitrary`), spread over several partners. Each user's ids are made unique by a
 * suffix (every id field renamed together, `renamedStory`). On top of the stories:
 * - a few contested users: a second partner's signup for the same user, which must lose (or win) whole;
 * - a few users never referred: their Stripe events and email verification arrive, no signup ever does;
 * - a few pairs of users billed to one Stripe customer whose invoices one PaymentIntent pays (Stripe's
 *   multi-invoice payment): the same Stripe id named by two users, which stays with the first;
 * - self-referrals: a story told as the partner's own signup makes its user the partner's registered owner
 *   (at most one owner per partner, so other self-referral stories are not used).
 * Clicks (0-2 per user, for its partner) go through the HTTP API.
 */
export interface ScenarioOptions {
  users: number;
  seed: number;
}

export interface ScenarioUser {
  userId: string;
  /** The partner the story's signup names. */
  partnerId: string;
  /** The story as it is delivered (ids renamed; never-referred users without signup and commission facts). */
  story: UserStory;
  /** A second partner's signup for the same user, shortly after the first. */
  rival?: SignedUpStoryEvent;
  neverReferred: boolean;
  /** The user is the partner's registered owner: a self-referral. */
  owner: boolean;
  /** The other user of a shared-PaymentIntent pair, and the shared PaymentIntent. */
  sharesPayment?: { with: string; paymentIntentId: string };
}

export interface ScenarioPartner {
  partnerId: string;
  ownerUserId?: string;
}

export interface Scenario {
  partners: ScenarioPartner[];
  /** Clicks per partner, sent through the HTTP API. */
  clicks: Map<string, number>;
  users: ScenarioUser[];
  /** Approvals the stories made before their commission was due, left out (see `withoutEarlyApprovals`). */
  earlyApprovalsLeftOut: number;
}

/** The generator's options for the chaos run: both Stripe API shapes, up to 4 invoices a story. */
export const CHAOS_STORY_OPTIONS: UserStoryOptions = { apiShape: 'any', maxInvoices: 4 };

const NEVER_REFERRED = 0.03;
const CONTESTED = 0.03;
/** Pairs of users sharing one PaymentIntent: about one per 100 users, at least one. */
const SHARED_PAYMENT_PAIRS_PER_USER = 0.01;

/**
 * The story without its approvals made before the commission was due. The generator tells them so that the
 * fold is seen to ignore them, but the deployed stack cannot produce one: the approval workflow records its
 * approval at its cutoff, at or after the due time. And one would share its key (`approval#<commission>`)
 * with the approval run's real approval, which a referral already folded under that key does not fold again
 * (see the README's chaos section): the commission would stay pending.
 */
export function withoutEarlyApprovals(story: UserStory, terms: ProgramTerms = DEFAULT_TERMS): UserStory {
  const invoiceAt = new Map(
    story.events.flatMap((e) =>
      e.type === 'invoice.paid' ? [[e.invoiceId, Date.parse(e.at)] as const] : [],
    ),
  );
  const holdMs = terms.holdPeriodDays * 86_400_000;
  return {
    ...story,
    events: story.events.filter(
      (e) =>
        e.type !== 'commission.approved' || Date.parse(e.at) >= (invoiceAt.get(e.invoiceId) ?? 0) + holdMs,
    ),
  };
}

const isSelfReferral = (story: UserStory): boolean =>
  story.events.some((e) => e.type === 'UserSignedUp' && e.selfReferral);

/** Stories sampled from the seed, as many as asked; fast-check's sample is deterministic for a seed. */
function* sampledStories(seed: number): Generator<UserStory> {
  for (let round = 0; ; round++) {
    yield* fc.sample(userStoryArbitrary(CHAOS_STORY_OPTIONS), { seed: seed + round * 7919, numRuns: 500 });
  }
}

export function generateScenario({ users, seed }: ScenarioOptions): Scenario {
  const chance = new Chance(seed);
  const partnerCount = Math.max(3, Math.ceil(users / 25));
  const partners: ScenarioPartner[] = Array.from({ length: partnerCount }, (_, i) => ({
    partnerId: `cp_${i}`,
  }));
  const partnerIds = partners.map((p) => p.partnerId);
  const clicks = new Map(partnerIds.map((p) => [p, 0]));
  const list: ScenarioUser[] = [];
  const stories = sampledStories(seed);
  let earlyApprovalsLeftOut = 0;
  for (let i = 0; i < users; i++) {
    const key = `user:${i}`;
    const neverReferred = chance.happens(`${key}:never-referred`, NEVER_REFERRED);
    const contested = !neverReferred && chance.happens(`${key}:contested`, CONTESTED);
    const index = Math.floor(chance.unit(`${key}:partner`) * partners.length);
    const partner = partners[index];
    if (!partner) throw new Error(`no partner ${index}`);
    // The next sampled story that fits: a self-referral only as the partner's first (and only) owner.
    let sampled: UserStory;
    for (;;) {
      const next = stories.next();
      if (next.done) throw new Error('story samples exhausted');
      sampled = next.value;
      if (!isSelfReferral(sampled)) break;
      if (!neverReferred && !contested && partner.ownerUserId === undefined) break;
    }
    const renamed = renamedStory(sampled, `c${i}`, partner.partnerId);
    const story = withoutEarlyApprovals(renamed);
    earlyApprovalsLeftOut += renamed.events.length - story.events.length;
    const owner = isSelfReferral(story);
    if (owner) partner.ownerUserId = story.userId;
    if (!neverReferred) {
      clicks.set(partner.partnerId, (clicks.get(partner.partnerId) ?? 0) + chance.int(`${key}:clicks`, 0, 2));
    }
    const signup = story.events.find((e): e is SignedUpStoryEvent => e.type === 'UserSignedUp');
    if (!signup) throw new Error(`story ${story.userId} has no signup`);
    const rivalPartner = contested
      ? chance.pick(
          `${key}:rival`,
          partnerIds.filter((p) => p !== partner.partnerId),
        )
      : undefined;
    list.push({
      userId: story.userId,
      partnerId: partner.partnerId,
      story: neverReferred
        ? {
            ...story,
            // Nobody referred the user: no signup, and so no commission for the program to approve or pay.
            events: story.events.filter(
              (e) => e.type !== 'UserSignedUp' && !e.type.startsWith('commission.'),
            ),
          }
        : story,
      ...(rivalPartner
        ? {
            rival: {
              ...signup,
              eventId: `${signup.eventId}_rival`,
              partnerId: rivalPartner,
              at: new Date(Date.parse(signup.at) + 30_000).toISOString(),
              selfReferral: false,
            },
          }
        : {}),
      neverReferred,
      owner,
    });
  }
  sharePayments(list, Math.max(1, Math.round(users * SHARED_PAYMENT_PAIRS_PER_USER)));
  return { partners, clicks, users: list, earlyApprovalsLeftOut };
}

/**
 * An invoice of the user (current API shape) that one PaymentIntent may also pay for another user: paid,
 * with its `invoice_payment.paid`, and never refunded or disputed (a refund of a PaymentIntent that paid
 * two users' invoices would belong to whichever user the id is linked to, which no story can say).
 */
function shareableInvoice(user: ScenarioUser): string | undefined {
  const events = user.story.events;
  const touched = new Set(
    events.flatMap((e) =>
      e.type === 'charge.refunded' ||
      e.type === 'charge.dispute.created' ||
      e.type === 'charge.dispute.closed'
        ? [e.invoiceId]
        : [],
    ),
  );
  for (const e of events) {
    if (e.type === 'invoice_payment.paid' && e.apiShape === 'current' && !touched.has(e.invoiceId)) {
      return e.invoiceId;
    }
  }
  return undefined;
}

/** Pairs of users whose invoice one PaymentIntent (and its charge) pays; the second is billed to the first's customer. */
function sharePayments(users: ScenarioUser[], pairs: number): void {
  const candidates = users.filter((u) => !u.rival && shareableInvoice(u) !== undefined);
  for (let k = 0; k < pairs && 2 * k + 1 < candidates.length; k++) {
    const a = candidates[2 * k];
    const b = candidates[2 * k + 1];
    if (!a || !b) break;
    const paymentIntentId = `pi_shared_${k}`;
    const chargeId = `ch_shared_${k}`;
    const customerOfA = a.story.events.find(
      (e): e is Extract<StoryEvent, { customerId: string }> => 'customerId' in e,
    )?.customerId;
    for (const [user, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const invoiceId = shareableInvoice(user);
      user.story = {
        ...user.story,
        events: user.story.events.map((e) => {
          if (e.type === 'invoice_payment.paid' && e.invoiceId === invoiceId) {
            return { ...e, paymentIntentId, chargeId };
          }
          if (user === b && customerOfA !== undefined && 'customerId' in e)
            return { ...e, customerId: customerOfA };
          return e;
        }),
      };
      user.sharesPayment = { with: other.userId, paymentIntentId };
    }
  }
}
