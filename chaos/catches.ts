import { readFileSync } from 'node:fs';
import { FACT_WORKFLOWS, type FactWorkflowName } from '../domain/config';
import type { FactKind } from '../domain/facts';
import { WORKFLOWS, aslPathOf } from '../infra/workflow-manifest';

/**
 * Every Catch block of every deployed state machine: `workflow/State [Errors] → Next`. The lifecycle steps
 * share one ASL (`referral-fact`) but are seven state machines, each started with its own kinds of fact,
 * so a Catch on a path only some kinds take cannot fire in the others. Those are listed with the reason;
 * every other Catch must fire in a chaos run.
 */
export interface CatchBlock {
  workflow: string;
  state: string;
  errors: string[];
  next: string;
  /** Why no traffic can reach this Catch in this state machine; absent when it must fire. */
  unreachable?: string;
}

interface AslStates {
  States: Record<string, AslState>;
}

interface AslState {
  Catch?: { ErrorEquals: string[]; Next: string }[];
  /** A Map's states (`Iterator` is the field's older name). */
  ItemProcessor?: AslStates;
  Iterator?: AslStates;
  /** A Parallel's branches. */
  Branches?: AslStates[];
}

/** The state machines nested in a state: a Map's item processor, a Parallel's branches. */
const nestedIn = (state: AslState): AslStates[] => [
  ...(state.ItemProcessor ? [state.ItemProcessor] : []),
  ...(state.Iterator ? [state.Iterator] : []),
  ...(state.Branches ?? []),
];

/**
 * The kinds of fact each lifecycle state machine is started with: by its ingest (domain/app-events.ts,
 * domain/stripe-events.ts), by a replay of a parked fact (its own state machine), and for `commission` by
 * the approval workflow and the program's reviews and payouts. Checked against the ingest in the tests.
 */
export const FACT_KINDS_BY_WORKFLOW: Readonly<Record<FactWorkflowName, readonly FactKind[]>> = {
  signup: ['signup'],
  verify: ['verified'],
  payment: ['checkout', 'invoice', 'invoicePayment'],
  refund: ['refund'],
  dispute: ['dispute'],
  subscription: ['subscription'],
  commission: ['approval', 'review', 'payout'],
};

/** Facts that tie Stripe ids to their user (`links`): the invoice, the invoice payment, the refund. */
export const LINKING_KINDS: readonly FactKind[] = ['invoice', 'invoicePayment', 'refund'];

const PAYOUT_WORKFLOWS: readonly string[] = ['payout', 'payout-status', 'payout-settlement'];

const isFactWorkflow = (name: string): name is FactWorkflowName =>
  (FACT_WORKFLOWS as readonly string[]).includes(name);

function unreachableIn(workflow: string, state: string, ancestors: readonly string[]): string | undefined {
  if (workflow === 'reconciliation' && state === 'ContinueAsNewExecution') {
    return (
      'only a retried continuation whose first answer was lost meets ExecutionAlreadyExists, and the chaos run ' +
      'loses StartExecution answers of replays only (test/workflows/reconciliation.test.ts loses one)'
    );
  }
  if (workflow === 'click' && state === 'CreateClickCounterShard') {
    return (
      "only a new shard that other clicks' in-flight transactions hold through every one of the creation's " +
      'retries is caught (a rare race: a few shard creations in a thousand under load, none in most runs), and ' +
      'chaos faults leave the click workflow alone (test/workflows/click.test.ts provokes it)'
    );
  }
  if (workflow === 'reconciliation' && state === 'ReconcilePartner') {
    return (
      'only a partner whose steps fail past their Retry is caught, and chaos faults are transient (two attempts ' +
      "at most, within every Retry's budget) while reconciliation reads the workflows' own well-formed rows " +
      '(test/workflows/reconciliation.test.ts provokes it)'
    );
  }
  if (PAYOUT_WORKFLOWS.includes(workflow)) {
    return (
      'the chaos run sends Stripe and app events, and payouts are admin actions it does not take ' +
      "(test/workflows/payout.test.ts runs overlapping runs, which lose CreatePayout's race, and repeated " +
      "paid requests, which meet StartSettlement's ExecutionAlreadyExists)"
    );
  }
  if (!isFactWorkflow(workflow)) return undefined;
  const kinds = FACT_KINDS_BY_WORKFLOW[workflow];
  if (state === 'ClaimReferredUser' && !kinds.includes('signup')) {
    return `only a signup claims its user, and ${workflow} records ${kinds.join(', ')} facts`;
  }
  if (state === 'RecordFact') {
    return (
      'each fact reaches its workflow under an execution name built from the ids its key is built from, so a ' +
      'different fact under a recorded key is refused by StartExecution (ExecutionAlreadyExists) before it runs; ' +
      "the Catch guards replays and the program's own facts (test/workflows/lifecycle.test.ts provokes it)"
    );
  }
  if (ancestors.includes('LinkStripeIds')) {
    if (!kinds.some((k) => LINKING_KINDS.includes(k))) {
      return `${workflow} records ${kinds.join(', ')} facts, which link no Stripe id`;
    }
    if (workflow === 'refund' && state === 'ClaimStripeLink') {
      return (
        'a refund links only its own charge and PaymentIntent, after finding its user through one of them ' +
        '(or, in older API versions, through its invoice, whose invoice.paid links both to the same user): ' +
        'the other id can only belong to another user if Stripe sent a charge and its PaymentIntent with ' +
        'different users, which it never does'
      );
    }
  }
  return undefined;
}

/**
 * The state machine whose Catch table an execution counts in: an Express twin runs its step's ASL with its
 * step's kinds of fact, and only the events whose Express attempt fails reach the Standard step, so the two
 * are one row of the table (`payment-express` counts as `payment`).
 */
export const catchWorkflowOf = (workflow: string): string => workflow.replace(/-express$/, '');

/** Every Catch block in the project's state machines, states inside a Map or a Parallel included (twins as their step). */
export function catchBlocks(): CatchBlock[] {
  const out: CatchBlock[] = [];
  for (const spec of WORKFLOWS.filter((w) => catchWorkflowOf(w.name) === w.name)) {
    const asl = JSON.parse(readFileSync(aslPathOf(spec), 'utf8')) as AslStates;
    const walk = (states: Record<string, AslState>, ancestors: string[]) => {
      for (const [state, def] of Object.entries(states)) {
        for (const c of def.Catch ?? []) {
          const unreachable = unreachableIn(spec.name, state, ancestors);
          out.push({
            workflow: spec.name,
            state,
            errors: c.ErrorEquals,
            next: c.Next,
            ...(unreachable ? { unreachable } : {}),
          });
        }
        for (const nested of nestedIn(def)) walk(nested.States, [...ancestors, state]);
      }
    };
    walk(asl.States, []);
  }
  return out;
}

export const catchKey = (workflow: string, state: string): string => `${workflow}/${state}`;
