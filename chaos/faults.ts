import type { FaultDecision, HoldDecision, TaskCall } from '../local/workflow-runtime';
import { Chance } from './random';

/**
 * The faults the chaos run injects into the local runtime's Task handlers. Transient faults hit a share
 * of Task calls on their first two attempts only (so the state's Retry sees them and, as in AWS, a later
 * attempt gets through); an outage makes one execution's stats write fail on every attempt, which is
 * what drives the compensation paths. Nothing here exists in the deployed stack: it is an option of the
 * local runtime, which only this harness and the tests set.
 */
export interface ChaosFaultOptions {
  seed: number;
  /** Share of Task calls that fail transiently. */
  rate: number;
  /** Share of Task calls delayed before they run, and the longest delay: interleavings, not only reorderings. */
  latency?: { rate: number; maxMs: number };
}

export type FaultKind =
  | 'throttle'
  | 'timeout, write committed'
  | 'timeout, write not committed'
  | 'lambda error'
  | 'lambda timeout'
  | 'eventbridge error'
  | 'step functions throttle'
  | 'transaction conflict'
  | 'stats write outage'
  | 'notice outage'
  | 'latency';

export interface ChaosFaults {
  /** A fault injector: fails calls, or delays them (a hold released by a timer). */
  injector: (call: TaskCall) => FaultDecision | HoldDecision | undefined;
  /** How many of each kind were injected. */
  counts: Map<FaultKind, number>;
}

const WRITE_ACTIONS = /:(putItem|updateItem|deleteItem|transactWriteItems)$/;
const STATS_WRITE = /^Apply\w+ToStats$/;
const NOTICE = /^Announce\w*StatsPending$/;
/** Workflows behind synchronous HTTP calls (a click, a registration) are left alone: a fault there is a 5xx the caller sees. */
const EXEMPT_WORKFLOWS = new Set(['click', 'registration']);

export function chaosFaults({ seed, rate, latency }: ChaosFaultOptions): ChaosFaults {
  const chance = new Chance(seed);
  const counts = new Map<FaultKind, number>();
  /** Workflow → the execution whose stats write had the forced outage. */
  const forced = new Map<string, string>();
  const inject = (
    kind: FaultKind,
    kindOf: FaultDecision['kind'],
    error: string,
    cause: string,
  ): FaultDecision => {
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return { kind: kindOf, error, cause };
  };

  const injector = (call: TaskCall): FaultDecision | HoldDecision | undefined => {
    if (EXEMPT_WORKFLOWS.has(call.workflow)) return undefined;
    const execution = `${call.workflow}:${call.executionName}`;
    const callKey = `${execution}:${call.stateName}:${call.attempt}`;
    if (latency && chance.happens(`latency:${callKey}`, latency.rate)) {
      counts.set('latency', (counts.get('latency') ?? 0) + 1);
      const ms = Math.floor(chance.unit(`latency-ms:${callKey}`) * latency.maxMs);
      return { kind: 'hold', until: new Promise((resolve) => setTimeout(resolve, ms)) };
    }
    if (rate <= 0) return undefined;
    // An outage: this execution's stats write fails on every attempt; in half of them the notice too.
    // The first execution of each workflow to reach its stats write always gets one, with its notice,
    // so every compensation path fires in every run (random outages alone may miss a rare workflow).
    if (STATS_WRITE.test(call.stateName) && !forced.has(call.workflow)) forced.set(call.workflow, execution);
    const first = forced.get(call.workflow) === execution;
    const outage = first || chance.happens(`outage:${execution}`, rate / 5);
    if (outage && STATS_WRITE.test(call.stateName)) {
      return inject(
        'stats write outage',
        'throw',
        'DynamoDb.ProvisionedThroughputExceededException',
        'The level of configured provisioned throughput for the table was exceeded. (chaos: outage)',
      );
    }
    if (
      outage &&
      NOTICE.test(call.stateName) &&
      (first || chance.happens(`notice-outage:${execution}`, 0.5))
    ) {
      return inject(
        'notice outage',
        'throw',
        'EventBridge.InternalException',
        'Internal service error (chaos: outage)',
      );
    }
    if (call.workflow === 'reconciliation' && call.stateName === 'WriteCorrection' && call.attempt === 1) {
      // The first correction of each run conflicts, as if live traffic moved the row between the read
      // and the conditional write (attempts count across the Map's partners, so a coin would rarely land).
      return inject(
        'transaction conflict',
        'throw',
        'DynamoDb.TransactionCanceledException',
        'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed] (chaos)',
      );
    }
    if (call.attempt > 2) return undefined;
    const key = `${execution}:${call.stateName}:${call.attempt}`;
    if (!chance.happens(`transient:${key}`, rate)) return undefined;
    const coin = chance.unit(`kind:${key}`);
    // Optimized and SDK integrations are `arn:aws:states:::<service>:<action>`; a Lambda ARN is a Lambda.
    const service = call.resource.startsWith('arn:aws:states:::') ? call.resource.slice(17) : 'lambda:invoke';
    if (service.startsWith('lambda:')) {
      if (coin < 0.4)
        return inject('lambda error', 'throw', 'Lambda.TooManyRequestsException', 'Rate Exceeded. (chaos)');
      if (coin < 0.7)
        return inject('lambda error', 'throw', 'Lambda.ServiceException', 'Lambda service error (chaos)');
      return inject('lambda timeout', 'throw', 'Lambda.Unknown', 'Task timed out after 3.00 seconds (chaos)');
    }
    if (service.startsWith('events:')) {
      return inject(
        'eventbridge error',
        'throw',
        'EventBridge.InternalException',
        'Internal service error (chaos)',
      );
    }
    if (service.startsWith('states:')) {
      return inject(
        'step functions throttle',
        'throw',
        'StepFunctions.ExecutionLimitExceededException',
        'Rate exceeded (chaos)',
      );
    }
    const sdk = service.startsWith('aws-sdk:');
    const prefix = sdk ? 'DynamoDb' : 'DynamoDB';
    if (WRITE_ACTIONS.test(service) && coin < 0.6) {
      // DynamoDB's 500: the outcome is unknown to the caller. Half the time the write went through.
      const committed = coin < 0.3;
      return inject(
        committed ? 'timeout, write committed' : 'timeout, write not committed',
        committed ? 'lost-response' : 'throw',
        `${prefix}.InternalServerErrorException`,
        'Internal server error (chaos: request timed out)',
      );
    }
    return inject(
      'throttle',
      'throw',
      sdk ? 'DynamoDb.ThrottlingException' : 'DynamoDB.ProvisionedThroughputExceededException',
      'Throughput exceeds the current capacity of your table or index. (chaos)',
    );
  };
  return { injector, counts };
}
