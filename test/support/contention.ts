import type { FaultDecision, LibraryEvent, TaskCall } from '../../local/workflow-runtime';
import type { World } from './world';

/**
 * What the contention tests share: the cancellation AWS answers under contention and
 * readers of one world's executions (`world()` is read at each call, so a file may swap its world).
 */

/** The cancellation AWS answers, one reason per action of the call's TransactItems. */
export function cancelled(
  call: TaskCall,
  reason: 'TransactionConflict' | 'ThrottlingError',
  at = 0,
): FaultDecision {
  const actions = (call.parameters as { TransactItems: unknown[] }).TransactItems.length;
  const reasons = Array.from({ length: actions }, (_, i) => (i === at ? reason : 'None'));
  return {
    kind: 'throw',
    error: 'DynamoDb.TransactionCanceledException',
    cause: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}] (Service: DynamoDb, Status Code: 400, Request ID: TEST)`,
  };
}

export const markersOf = (referral: Record<string, unknown> | undefined): string[] => [
  ...((referral?.pendingStats as Set<string> | undefined) ?? []),
];

export function contentionKit(world: () => World) {
  const executionNamed = (workflow: string, name: string): string => {
    const arn = world()
      .executions(workflow)
      .find((e) => e.name === name)?.executionArn;
    if (!arn) throw new Error(`no ${workflow} execution ${name}`);
    return arn;
  };
  return {
    stripe: (event: unknown) => world().system.deliverStripeEvent(event),
    async signedUp(partnerId: string, userId: string): Promise<void> {
      expect(await world().registerPartner(partnerId)).toBe(201);
      await world().signup(partnerId, userId);
      await world().settle();
    },
    executionNamed,
    /** The execution of a user's first invoice. */
    paymentExecution: (u: string): string => executionNamed('payment-express', `payment-in_${u}`),
    /** How often a Task was called in an execution (first tries and every retry or loop). */
    callsOf: (arn: string, state: string): number =>
      world()
        .runtime.taskCalls(arn)
        .filter((c) => c.stateName === state).length,
    /** What a state passed on each time it exited. */
    outputsOf: (arn: string, state: string): unknown[] =>
      world()
        .runtime.events(arn)
        .flatMap((e: LibraryEvent) =>
          e.type === 'StateExited' && e.state.name === state ? [e.state.output] : [],
        ),
  };
}
