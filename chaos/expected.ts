import { contributionOf } from '../domain/contribution';
import type { Fact } from '../domain/facts';
import { referralStateOf, type Commission, type ReferralState } from '../domain/lifecycle';
import type { Referral } from '../domain/referral';
import { STATS_COUNTERS } from '../domain/stats';
import type { Scenario, ScenarioUser } from './scenario';
import { DEFAULT_TERMS, factOf, factsOf } from './user-story';

/**
 * What the tables must hold, computed from the stories alone with the pure fold (`referralStateOf`) and
 * the one definition of a referral's counters (`contributionOf`). Two inputs are decided by the run, not
 * by the stories: which partner won a contested user (the first signup to claim it), and the approval
 * facts the approval runs recorded (they approve what was pending and due at their cutoff).
 */
export const COUNTERS = [...STATS_COUNTERS, 'totalClicks'] as const;
export type Counters = Record<(typeof COUNTERS)[number], number>;

export interface Expectation {
  /** Per user: the referral and ledger the facts give (`undefined`: no referral). */
  states: Map<string, ReferralState | undefined>;
  /** Per partner: every counter. */
  counters: Map<string, Counters>;
  /** Ledger rows by `ledgerKey`. */
  ledger: Map<string, Commission>;
}

export const ledgerKey = (partnerId: string, commissionId: string): string => `${partnerId}|${commissionId}`;

/**
 * The facts recorded about a user: the story's (the winning signup for a contested user), with each approval
 * fact of an approval run in place of the story's fact of the same key (a fact is stored by its key, and the
 * approval runs came after the stories).
 */
export function factsOfUser(
  user: ScenarioUser,
  winner: string | undefined,
  approvals: readonly Fact[] = [],
): Fact[] {
  const facts = factsOf(user.story.events, user.userId);
  const rival = user.rival;
  const story =
    rival && winner === rival.partnerId
      ? facts.map((f) => (f.kind === 'signup' ? factOf(rival, user.userId) : f))
      : facts;
  const replaced = new Set(approvals.map((a) => a.key));
  return [...story.filter((f) => !replaced.has(f.key)), ...approvals];
}

export function expectationOf(
  scenario: Scenario,
  /** User → the partner whose claim holds it (contested users). */
  winners: ReadonlyMap<string, string>,
  /** User → the approval facts recorded by the approval runs. */
  approvals: ReadonlyMap<string, readonly Fact[]> = new Map(),
): Expectation {
  const states = new Map<string, ReferralState | undefined>();
  const counters = new Map<string, Counters>();
  const ledger = new Map<string, Commission>();
  const zero = (): Counters => Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Counters;
  for (const p of scenario.partners) counters.set(p.partnerId, zero());
  for (const [partnerId, n] of scenario.clicks) (counters.get(partnerId) ?? zero()).totalClicks = n;
  for (const user of scenario.users) {
    const facts = factsOfUser(user, winners.get(user.userId), approvals.get(user.userId));
    const state = referralStateOf(user.userId, facts, DEFAULT_TERMS);
    states.set(user.userId, state);
    if (!state) continue;
    const c = counters.get(state.referral.partnerId);
    if (!c) throw new Error(`no partner ${state.referral.partnerId} for ${user.userId}`);
    const contribution = contributionOf(state.referral as Referral);
    for (const k of STATS_COUNTERS) c[k] += contribution[k];
    for (const row of state.commissions) ledger.set(ledgerKey(row.partnerId, row.commissionId), row);
  }
  return { states, counters, ledger };
}

/** Commissions pending and due by `cutoff`: what an approval run as of `cutoff` finds. */
export function pendingDueBy(expectation: Expectation, cutoff: string): Commission[] {
  return [...expectation.ledger.values()].filter((c) => c.status === 'pending' && c.dueAt <= cutoff);
}
