import type { FactWorkflowName, WorkflowName } from './config';
import type { Fact } from './facts';

/**
 * The input of every lifecycle workflow (`statemachines/referral-fact.asl.json`): one fact about one referred
 * user. Timestamps are ISO-8601 UTC; money is integer minor units.
 */
export interface FactWorkflowInput {
  fact: Fact;
  /** The referred user, when the event names it (app events, invoices, subscriptions, checkouts). */
  userId?: string;
  /**
   * Stripe ids (`stripeLinks`) that lead to the user when the event does not name it (refunds, disputes,
   * invoice payments), most specific first. A fact none of them leads to yet waits under each of them.
   */
  findUserBy: string[];
  /** Stripe ids this fact ties to its user, so that later facts naming only them find the user. */
  links: string[];
  /** Epoch seconds: how long a fact waiting for its user is kept (TTL). */
  parkExpiresAt: number;
}

interface Start<W extends WorkflowName, I> {
  workflow: W;
  /** Derived from the event (or invoice) id: a redelivered event maps to the same execution. */
  executionName: string;
  input: I;
}

/** An ingest's answer: record this fact through the lifecycle workflow of its step. */
export type WorkflowStart = Start<FactWorkflowName, FactWorkflowInput>;

/** An event accepted but deliberately not acted on, with the reason (logged). */
export interface Ignored {
  ignore: string;
}

export type EventOutcome = WorkflowStart | Ignored;

export const isIgnored = (outcome: EventOutcome): outcome is Ignored => 'ignore' in outcome;

const SECONDS_PER_DAY = 86_400;

/** Epoch seconds `days` after `fromEpochSeconds`. */
export const expiresAfterDays = (fromEpochSeconds: number, days: number): number =>
  Math.floor(fromEpochSeconds) + days * SECONDS_PER_DAY;

/** Epoch seconds → ISO-8601 UTC. */
export const isoFromEpochSeconds = (seconds: number): string => new Date(seconds * 1000).toISOString();
