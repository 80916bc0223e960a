import type { FaultDecision, HoldDecision, TaskCall } from '../local/workflow-runtime';
import { Chance } from './random';

/**
 * The faults the chaos run injects into the local runtime's Task handlers. Transient faults hit a share
 * of Task calls on their first two attempts only (so the state's Retry, or for a transaction its contention
 * back-off, sees them and, as in AWS, a later attempt gets through); an outage makes one execution's stats write fail on every attempt, which is
 * what drives the compensation paths. A replay of a parked fact whose StartExecution response is lost
 * (the replay started, the caller timed out) is retried after the replay has ended, as AWS's Retry interval
 * (1 s and more) would let it: the retry meets `ExecutionAlreadyExists`. Latency holds calls that get no
 * fault before they run. Nothing here exists in the deployed stack: it is an option of the local runtime,
 * which only this harness and the tests set.
 *
 * The ingest runs each fact first on its step's Express twin and hands it to the Standard step only when that
 * attempt fails, so a share of Express attempts is failed on purpose (the first of each twin, and a share of
 * the rest): some before they write anything, some after the fact is recorded and linked (the compute never
 * answers), so the Standard execution finishes what the attempt began. The transient faults hit both.
 */
export interface ChaosFaultOptions {
  seed: number;
  /** Share of Task calls that fail transiently. */
  rate: number;
  /** Share of Task calls delayed before they run, and the longest delay: interleavings, not only reorderings. */
  latency?: { rate: number; maxMs: number };
  /**
   * Resolves once the execution (ARN) has closed: lets the retry of a lost StartExecution response wait for
   * the execution it started, which retry waits scaled to zero would otherwise never do.
   */
  executionClosed?: (executionArn: string) => PromiseLike<unknown>;
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
  | 'transaction cancelled: conflict'
  | 'transaction cancelled: throttled'
  | 'stats write outage'
  | 'notice outage'
  | 'replay response lost'
  | 'replay after the one before it'
  | 'express attempt failed'
  | 'latency';

export interface ChaosFaults {
  /** A fault injector: fails calls, or delays them (a hold released by a timer). */
  injector: (call: TaskCall) => FaultDecision | HoldDecision | undefined;
  /** How many of each kind were injected. */
  counts: Map<FaultKind, number>;
}

const WRITE_ACTIONS = /:(putItem|updateItem|deleteItem|transactWriteItems)$/;
const TRANSACTION = /:transactWriteItems$/;
const STATS_WRITE = /^Apply\w+ToStats$/;
const NOTICE = /^Announce\w*StatsPending$/;
/** The Task that replays a parked fact (`states:startExecution` of the fact's own state machine). */
const REPLAY = 'ReplayWaitingFact';
/** The Express twins of the lifecycle steps (`payment-express`). */
const EXPRESS_TWIN = /-express$/;
/** Where a failed Express attempt stops: its first Task (nothing written yet) or the compute (fact recorded). */
const COMPUTE = 'ComputeReferral';
/** Workflows behind synchronous HTTP calls (a click, a registration) are left alone: a fault there is a 5xx the caller sees. */
const EXEMPT_WORKFLOWS = new Set(['click', 'registration']);

export function chaosFaults({ seed, rate, latency, executionClosed }: ChaosFaultOptions): ChaosFaults {
  const chance = new Chance(seed);
  const counts = new Map<FaultKind, number>();
  /** Workflow → the execution whose stats write had the forced outage. */
  const forced = new Map<string, string>();
  /** Workflows that had a replay response lost; the executions those replays started. */
  const lostReplayIn = new Set<string>();
  const lostReplays = new Set<string>();
  const replayTarget = (call: TaskCall): string | undefined => {
    const p = call.parameters as { StateMachineArn?: unknown; Name?: unknown } | undefined;
    return typeof p?.StateMachineArn === 'string' && typeof p.Name === 'string'
      ? `${p.StateMachineArn.replace(':stateMachine:', ':execution:')}:${p.Name}`
      : undefined;
  };
  const inject = (
    kind: FaultKind,
    kindOf: FaultDecision['kind'],
    error: string,
    cause: string,
  ): FaultDecision => {
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return { kind: kindOf, error, cause };
  };

  /** Twin → its first execution; execution → where its Express attempt fails (undefined: it does not). */
  const firstAttempt = new Map<string, string>();
  const attemptFails = new Map<string, 'first task' | 'compute' | undefined>();
  const expressFault = (call: TaskCall, execution: string): FaultDecision | undefined => {
    if (!EXPRESS_TWIN.test(call.workflow)) return undefined;
    // Decided at the execution's first call (a redelivery's attempt shares the name, and the decision).
    const first = !attemptFails.has(execution);
    if (first) {
      if (!firstAttempt.has(call.workflow)) firstAttempt.set(call.workflow, execution);
      const fails =
        firstAttempt.get(call.workflow) === execution || chance.happens(`express:${execution}`, 0.3);
      const early = chance.unit(`express-where:${execution}`) < 0.5;
      attemptFails.set(execution, fails ? (early ? 'first task' : 'compute') : undefined);
    }
    const where = attemptFails.get(execution);
    // Neither error is retried to success or caught: the attempt fails, and the ingest starts the Standard step.
    if (where === 'first task' && first) {
      return inject(
        'express attempt failed',
        'throw',
        'DynamoDB.AmazonDynamoDBException',
        'Request failed validation (chaos: Express attempt fails before writing)',
      );
    }
    if (where === 'compute' && call.stateName === COMPUTE) {
      return inject(
        'express attempt failed',
        'throw',
        'Lambda.Unknown',
        'Task timed out after 3.00 seconds (chaos: Express attempt fails after recording the fact)',
      );
    }
    return undefined;
  };

  const faultOf = (call: TaskCall): FaultDecision | undefined => {
    const execution = `${call.workflow}:${call.executionName}`;
    if (rate <= 0) return undefined;
    const express = expressFault(call, execution);
    if (express) return express;
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
    // The first replay of each workflow (and a share of the others) starts, then its caller times out.
    const target = call.stateName === REPLAY && executionClosed ? replayTarget(call) : undefined;
    if (
      target &&
      !lostReplays.has(target) &&
      (!lostReplayIn.has(call.workflow) || chance.happens(`replay-lost:${target}`, rate))
    ) {
      lostReplayIn.add(call.workflow);
      lostReplays.add(target);
      return inject(
        'replay response lost',
        'lost-response',
        'StepFunctions.SdkClientException',
        'Request timed out after the execution started (chaos: response lost)',
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
    if (TRANSACTION.test(service))
      return cancelled(call, key, coin < 0.8 ? 'TransactionConflict' : 'ThrottlingError');
    return inject(
      'throttle',
      'throw',
      sdk ? 'DynamoDb.ThrottlingException' : 'DynamoDB.ProvisionedThroughputExceededException',
      'Throughput exceeds the current capacity of your table or index. (chaos)',
    );
  };
  /**
   * A transaction meets a concurrent one, or is throttled, as AWS answers it: the whole call is cancelled and
   * its cause gives one reason per action, the contended one (picked from the call key) and `None` for the
   * rest (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
   */
  const cancelled = (
    call: TaskCall,
    key: string,
    reason: 'TransactionConflict' | 'ThrottlingError',
  ): FaultDecision => {
    const items = (call.parameters as { TransactItems?: unknown } | undefined)?.TransactItems;
    const actions = Array.isArray(items) && items.length > 0 ? items.length : 1;
    const contended = Math.floor(chance.unit(`action:${key}`) * actions);
    const reasons = Array.from({ length: actions }, (_, i) => (i === contended ? reason : 'None'));
    return inject(
      reason === 'TransactionConflict'
        ? 'transaction cancelled: conflict'
        : 'transaction cancelled: throttled',
      'throw',
      'DynamoDb.TransactionCanceledException',
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.join(', ')}] (chaos)`,
    );
  };
  /**
   * Replays, when faults are on: the retry of a replay whose response was lost comes once that replay has
   * ended (AWS's Retry interval, 1 s and more); and a Map's later replay starts once the replay before it
   * has ended (its StartExecution throttled, then retried with AWS's backoff), so the earlier replay may
   * find the later fact still waiting under the ids it links, and replay it itself.
   */
  const lastReplay = new Map<string, string>();
  const replayHold = (call: TaskCall): HoldDecision | undefined => {
    if (call.stateName !== REPLAY || !executionClosed || rate <= 0) return undefined;
    const target = replayTarget(call);
    if (!target) return undefined;
    const endOf = (arn: string): HoldDecision => ({
      kind: 'hold',
      // A bound, in case the execution waited for never ends (it would be left running, and reported).
      until: Promise.race([
        executionClosed(arn),
        new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
      ]),
    });
    if (lostReplays.has(target)) return endOf(target);
    const execution = `${call.workflow}:${call.executionName}`;
    const previous = lastReplay.get(execution);
    lastReplay.set(execution, target);
    if (previous === undefined || previous === target) return undefined;
    counts.set('replay after the one before it', (counts.get('replay after the one before it') ?? 0) + 1);
    return endOf(previous);
  };

  // A call that gets no fault may be held (latency); a held call goes through unharmed, so a fault is
  // decided first: an outage must fail every attempt, whatever the latency.
  const injector = (call: TaskCall): FaultDecision | HoldDecision | undefined => {
    if (EXEMPT_WORKFLOWS.has(call.workflow)) return undefined;
    const replay = replayHold(call);
    if (replay) return replay;
    const fault = faultOf(call);
    if (fault || !latency) return fault;
    const callKey = `${call.workflow}:${call.executionName}:${call.stateName}:${call.attempt}`;
    if (!chance.happens(`latency:${callKey}`, latency.rate)) return undefined;
    counts.set('latency', (counts.get('latency') ?? 0) + 1);
    const ms = Math.floor(chance.unit(`latency-ms:${callKey}`) * latency.maxMs);
    return { kind: 'hold', until: new Promise((resolve) => setTimeout(resolve, ms)) };
  };

  return { injector, counts };
}
