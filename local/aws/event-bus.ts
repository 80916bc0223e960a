import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../aws-names';
import { Journal, type JournalRecord } from '../durable/journal';
import type { MessageAttributeValue } from '../durable/queues';
import { localApiDestinationArn } from '../stack/local-names';
import type { ApiDestinationOutcome, ApiDestinationRequest } from './api-destination';
import { dynamicParameters, transformInput, type InputTransformer } from './input-transformer';
import { matchesPattern } from './pattern';
import { parseSchedule, type Schedule } from './schedule';

export interface EventBusTarget {
  id: string;
  kind: 'function' | 'stateMachine' | 'queue' | 'apiDestination';
  name: string;
  /** Constant input (JSON text) sent instead of the event. */
  input?: string;
  /** What is sent instead of the event, built from it. */
  inputTransformer?: InputTransformer;
  /** An API destination's HttpParameters headers (constants or JSON paths into the event). */
  headerParameters?: Readonly<Record<string, string>>;
  /** Queue name of the target's dead-letter queue. */
  deadLetterQueue?: string;
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
}

export interface EventBusRule {
  name: string;
  busName: string;
  eventPattern?: Record<string, unknown>;
  scheduleExpression?: string;
  /** Default true. */
  enabled?: boolean;
  targets: readonly EventBusTarget[];
}

/** How targets are reached; a delivery counts as done when the returned promise resolves. */
export interface EventBusDispatcher {
  invokeFunction(name: string, event: unknown): Promise<unknown>;
  startExecution(stateMachineName: string, input: unknown): Promise<unknown>;
  sendToQueue(
    name: string,
    body: string,
    attributes?: Record<string, MessageAttributeValue>,
  ): Promise<unknown>;
  /** One HTTP call to an API destination; the bus retries and dead-letters by its outcome. */
  invokeApiDestination?(name: string, request: ApiDestinationRequest): Promise<ApiDestinationOutcome>;
}

/**
 * The delay before retry n (0-based) of an API destination delivery: exponential with full jitter, as
 * EventBridge retries ("exponential back off and jitter"; its exact schedule is not published). Tests
 * make it small through `LocalEventBusOptions.retryBackoff`.
 */
export interface RetryBackoff {
  baseMs: number;
  maxMs: number;
}

export interface LocalEventBusOptions {
  retryBackoff?: RetryBackoff;
  /** The jitter's source (tests pin it). */
  random?: () => number;
}

/** A target's retry policy when it sets none: 185 attempts over 24 hours (EventBridge's defaults). */
export const DEFAULT_RETRY_POLICY = { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 } as const;
export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { baseMs: 1_000, maxMs: 5 * 60_000 };

/** A PutEvents request entry, as the AWS API names its fields. */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: Date | string | number;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** The envelope EventBridge delivers to targets. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface RuleDescription {
  Name: string;
  Arn: string;
  EventBusName: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State: 'ENABLED' | 'DISABLED';
}

export interface BusDescription {
  Name: string;
  Arn: string;
}

/** A delivery that failed (the dispatcher threw or rejected); AWS would retry then drop or dead-letter it. */
export interface DeliveryFailure {
  rule: string;
  target: EventBusTarget;
  error: unknown;
}

export const localBusArn = (name: string): string =>
  `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:event-bus/${name}`;
export const localRuleArn = (busName: string, rule: string): string =>
  `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/${busName === 'default' ? '' : `${busName}/`}${rule}`;

/** `arn:…:event-bus/name` or a bare name → the bus name; absent → `default`. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (!nameOrArn) return 'default';
  return /^arn:aws[a-z-]*:events:[^:]*:\d*:event-bus\/(.+)$/.exec(nameOrArn)?.[1] ?? nameOrArn;
}

const MAX_TIMER_MS = 60 * 60_000;
/** Recovered deliveries in flight at once after a restart. */
const REDELIVERY_CONCURRENCY = 16;

/**
 * An accepted event waiting for some of its targets (`<rule>/<target id>`). The detail stays the JSON
 * text PutEvents received: it is journaled as a string, so no nesting depth can stop the journal.
 */
type EventRecord =
  | {
      kind: 'event.accepted';
      envelope: Omit<EventEnvelope, 'detail'>;
      detail: string;
      busName: string;
      targets: string[];
      /** Epoch ms of acceptance: a retry policy's maximum age counts from here. */
      acceptedAt?: number;
    }
  | { kind: 'event.delivered'; id: string; target: string };

interface PendingEvent {
  accepted: Extract<EventRecord, { kind: 'event.accepted' }>;
  remaining: Set<string>;
}

const targetKey = (rule: EventBusRule, target: EventBusTarget): string => `${rule.name}/${target.id}`;

/**
 * The template's buses and rules, in process: PutEvents routes each entry to the targets of every
 * enabled rule of its bus whose pattern matches; schedules fire their rules' targets. Deliveries are
 * not awaited (PutEvents answers before targets run, as in AWS); `idle()` waits for them.
 */
export class LocalEventBus {
  /** Failed deliveries, in order. */
  readonly failures: DeliveryFailure[] = [];
  private readonly rules: readonly EventBusRule[];
  private readonly busNames: readonly string[];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly schedules = new Map<string, Schedule>();
  private readonly anchors = new Map<string, Date>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Accepted events some target has not received yet, by event id. */
  private readonly pending = new Map<string, PendingEvent>();
  private readonly observers: ((event: EventEnvelope) => void)[] = [];
  private now: () => Date = () => new Date();
  /** Set by `halt()`: retry loops stop, leaving their events pending in the journal. */
  private halted = false;
  private readonly wakeOnHalt = new Set<() => void>();
  private readonly backoff: RetryBackoff;
  private readonly random: () => number;

  constructor(
    rules: readonly EventBusRule[],
    buses: readonly { name: string }[],
    private readonly dispatcher: EventBusDispatcher,
    /** Accepted events are journaled before PutEvents answers, and until every target has them. */
    private readonly journal: Journal = Journal.inMemory(),
    options: LocalEventBusOptions = {},
  ) {
    this.backoff = options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    this.random = options.random ?? Math.random;
    this.rules = rules;
    // The default bus exists in every account.
    this.busNames = [...new Set(['default', ...buses.map((b) => b.name)])];
    for (const rule of rules) {
      if (rule.scheduleExpression) this.schedules.set(rule.name, parseSchedule(rule.scheduleExpression));
    }
  }

  /** Answers once every accepted entry is durable; its targets get it after that. */
  async putEvents(entries: readonly PutEventsEntry[]): Promise<PutEventsResult> {
    const results = await Promise.all(entries.map((entry) => this.putOne(entry)));
    return {
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    };
  }

  /** Calls `observer` with every event PutEvents accepts, matched by a rule or not (a local extension). */
  observe(observer: (event: EventEnvelope) => void): void {
    this.observers.push(observer);
  }

  /** Replays the journal's event records: what was accepted and not yet delivered everywhere. */
  recover(records: readonly JournalRecord[]): void {
    for (const r of records as readonly EventRecord[]) {
      if (r.kind === 'event.accepted') {
        this.pending.set(r.envelope.id, { accepted: r, remaining: new Set(r.targets) });
      } else if (r.kind === 'event.delivered') {
        const p = this.pending.get(r.id);
        p?.remaining.delete(r.target);
        if (p?.remaining.size === 0) this.pending.delete(r.id);
      }
    }
  }

  /** Delivers every recovered event to the targets that had not received it. Returns how many events. */
  /**
   * Delivers every recovered event to the targets that had not received it, `REDELIVERY_CONCURRENCY` at
   * a time: a crash leaves a backlog, and releasing it at once makes its deliveries contend with each
   * other and with new traffic (transaction conflicts on the same referral and stats rows). Returns how
   * many events.
   */
  redeliverPending(): number {
    const events = [...this.pending.values()];
    const work: (() => Promise<void>)[] = [];
    for (const { accepted, remaining } of events) {
      const event: EventEnvelope = { ...accepted.envelope, detail: JSON.parse(accepted.detail) as unknown };
      for (const key of remaining) {
        const found = this.ruleTarget(key);
        if (found)
          work.push(() =>
            this.deliverTo(found.rule, found.target, event, accepted.detail, accepted.acceptedAt),
          );
        else this.pending.get(event.id)?.remaining.delete(key);
      }
    }
    let next = 0;
    const worker = async () => {
      while (next < work.length) await work[next++]?.();
    };
    // One tracked promise for the whole backlog, so idle() waits for the deliveries not started yet.
    const backlog = Promise.all(Array.from({ length: REDELIVERY_CONCURRENCY }, worker)).then(() => undefined);
    const tracked = backlog.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return events.length;
  }

  /** The journal records that rebuild what is still to deliver. */
  *snapshot(): Iterable<JournalRecord> {
    for (const { accepted, remaining } of this.pending.values())
      yield { ...accepted, targets: [...remaining] } satisfies EventRecord;
  }

  /** Resolves once every delivery started so far (and those they started) has settled. */
  /** Deliveries still running (a load driver uses it to keep the backlog bounded). */
  get deliveriesInFlight(): number {
    return this.inFlight.size;
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Stops the deliveries waiting to retry (a stop or a crash): they end without being marked delivered, so
   * the journal keeps their events and the next start delivers them again.
   */
  halt(): void {
    this.halted = true;
    for (const wake of this.wakeOnHalt) wake();
  }

  listEventBuses(): BusDescription[] {
    return this.busNames.map((name) => ({ Name: name, Arn: localBusArn(name) }));
  }

  hasBus(name: string): boolean {
    return this.busNames.includes(name);
  }

  listRules(busName?: string): RuleDescription[] {
    return this.rules
      .filter((r) => busName === undefined || r.busName === busName)
      .map((r) => describeRule(r));
  }

  describeRule(name: string, busName = 'default'): RuleDescription | undefined {
    const rule = this.rules.find((r) => r.name === name && r.busName === busName);
    return rule ? describeRule(rule) : undefined;
  }

  /** Fires every enabled scheduled rule at its times until `stopSchedules()`. */
  startSchedules(now: () => Date = () => new Date()): void {
    this.stopSchedules();
    this.now = now;
    for (const rule of this.rules) {
      if (!rule.scheduleExpression || rule.enabled === false) continue;
      this.anchors.set(rule.name, now());
      this.arm(rule);
    }
  }

  stopSchedules(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** When a scheduled rule fires next (UTC; rate schedules count from `startSchedules`, or from now). */
  nextRun(ruleName: string): Date {
    const schedule = this.schedules.get(ruleName);
    if (!schedule) throw new Error(`Rule ${ruleName} has no schedule expression`);
    const now = this.now();
    return schedule.next(now, this.anchors.get(ruleName) ?? now);
  }

  private arm(rule: EventBusRule): void {
    const due = this.nextRun(rule.name);
    const wait = Math.max(0, due.getTime() - this.now().getTime());
    const timer = setTimeout(
      () => {
        if (wait <= MAX_TIMER_MS) this.fireSchedule(rule, due);
        if (this.timers.get(rule.name) === timer) this.arm(rule);
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(rule.name, timer);
  }

  private fireSchedule(rule: EventBusRule, time: Date): void {
    // What AWS sends a scheduled rule's targets when they have no constant input.
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: LOCAL_ACCOUNT_ID,
      time: isoSeconds(time),
      region: LOCAL_REGION,
      resources: [localRuleArn(rule.busName, rule.name)],
      detail: {},
    };
    this.deliver(rule, event);
  }

  private async putOne(entry: PutEventsEntry): Promise<PutEventsResultEntry> {
    const invalid = (message: string): PutEventsResultEntry => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: message,
    });
    if (!entry.Source)
      return invalid('Parameter Source is not valid. Reason: Source is a required argument.');
    if (!entry.DetailType)
      return invalid('Parameter DetailType is not valid. Reason: DetailType is a required argument.');
    if (entry.Detail === undefined)
      return invalid('Parameter Detail is not valid. Reason: Detail is a required argument.');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const busName = busNameOf(entry.EventBusName);
    if (!this.hasBus(busName)) {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${busName} does not exist.`,
      };
    }
    const time = entry.Time === undefined ? new Date() : new Date(entry.Time);
    const envelope: Omit<EventEnvelope, 'detail'> = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT_ID,
      time: isoSeconds(Number.isNaN(time.getTime()) ? new Date() : time),
      region: LOCAL_REGION,
      resources: entry.Resources ?? [],
    };
    const event: EventEnvelope = { ...envelope, detail };
    const matched = this.rules.filter(
      (rule) =>
        rule.busName === busName &&
        rule.enabled !== false &&
        rule.eventPattern !== undefined &&
        matchesPattern(rule.eventPattern, event),
    );
    const targets = matched.flatMap((rule) => rule.targets.map((target) => ({ rule, target })));
    if (targets.length > 0) {
      const accepted: PendingEvent['accepted'] = {
        kind: 'event.accepted',
        envelope,
        detail: entry.Detail,
        busName,
        targets: targets.map(({ rule, target }) => targetKey(rule, target)),
        acceptedAt: Date.now(),
      };
      try {
        await this.journal.append(accepted);
      } catch (error) {
        // Not durable, so not accepted: the caller retries the entry.
        return { ErrorCode: 'InternalFailure', ErrorMessage: `The event was not stored: ${String(error)}` };
      }
      this.pending.set(event.id, { accepted, remaining: new Set(accepted.targets) });
      for (const { rule, target } of targets)
        this.deliverTo(rule, target, event, entry.Detail, accepted.acceptedAt);
    }
    for (const observer of this.observers) observer(event);
    return { EventId: event.id };
  }

  /** Scheduled events are not journaled: a missed tick is the next tick's work (the nightly run). */
  private deliver(rule: EventBusRule, event: EventEnvelope): void {
    for (const target of rule.targets) this.deliverTo(rule, target, event);
  }

  private ruleTarget(key: string): { rule: EventBusRule; target: EventBusTarget } | undefined {
    for (const rule of this.rules)
      for (const target of rule.targets) if (targetKey(rule, target) === key) return { rule, target };
    return undefined;
  }

  /**
   * One target's delivery. Done (journaled as delivered) once the target has the event: a function's
   * async invocation settled (its retries and on-failure destination included), an execution started
   * durably, a message queued. A failed delivery stays pending and is retried at the next start.
   */
  private deliverTo(
    rule: EventBusRule,
    target: EventBusTarget,
    event: EventEnvelope,
    /** The detail as PutEvents received it: a queue message is written from it, whatever its depth. */
    detailText?: string,
    acceptedAt: number = Date.now(),
  ): Promise<void> {
    const eventText = () =>
      detailText !== undefined ? envelopeText(event, detailText) : JSON.stringify(event);
    const transformed = () =>
      target.inputTransformer
        ? transformInput(target.inputTransformer, event, {
            ruleArn: localRuleArn(rule.busName, rule.name),
            ruleName: rule.name,
            eventJson: eventText(),
            ingestionTime: new Date(acceptedAt).toISOString(),
          })
        : undefined;
    const delivery = (async () => {
      // Let PutEvents answer before any target runs (its answer settles in microtasks).
      await new Promise((resolve) => setImmediate(resolve));
      // What the target gets: the constant input, the transformer's output, or the event.
      const text = target.input ?? transformed();
      if (target.kind === 'apiDestination') {
        const done = await this.deliverToApiDestination(
          rule,
          target,
          event,
          eventText(),
          text ?? eventText(),
          acceptedAt,
        );
        if (!done) return;
      } else if (target.kind === 'queue') {
        await this.dispatcher.sendToQueue(target.name, text ?? eventText());
      } else {
        const payload: unknown = text !== undefined ? JSON.parse(text) : event;
        if (target.kind === 'function') await this.dispatcher.invokeFunction(target.name, payload);
        else await this.dispatcher.startExecution(target.name, payload);
      }
      await this.delivered(event.id, targetKey(rule, target));
    })().catch((error: unknown) => {
      this.failures.push({ rule: rule.name, target, error });
    });
    const tracked = delivery.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  /**
   * An API destination's delivery with EventBridge's retry rules: 2xx delivers; 401, 407, 409, 429, 5xx,
   * timeouts and unreachable endpoints are retried with backoff (at least the answer's Retry-After; a
   * negative one stops the retries) until the policy's attempts or the event's maximum age run out; any
   * other answer is not retried. What is not delivered goes to the target's dead-letter queue with the
   * attributes EventBridge sets (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html),
   * or is dropped without one. Resolves true when the event is done with (delivered, dead-lettered or
   * dropped), false when `halt()` stopped it first.
   */
  private async deliverToApiDestination(
    rule: EventBusRule,
    target: EventBusTarget,
    event: EventEnvelope,
    eventJson: string,
    body: string,
    acceptedAt: number,
  ): Promise<boolean> {
    const invoke = this.dispatcher.invokeApiDestination?.bind(this.dispatcher);
    if (!invoke) throw new Error(`No API destination dispatcher for ${target.name}`);
    const headers = dynamicParameters(target.headerParameters, event);
    const attempts = target.retryPolicy?.maximumRetryAttempts ?? DEFAULT_RETRY_POLICY.maximumRetryAttempts;
    const maxAgeMs =
      (target.retryPolicy?.maximumEventAgeInSeconds ?? DEFAULT_RETRY_POLICY.maximumEventAgeInSeconds) * 1000;
    for (let retries = 0; ; retries++) {
      if (this.halted) return false;
      const outcome = await invoke(target.name, { body, headers });
      if (outcome.ok) return true;
      let exhausted: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' | undefined;
      if (outcome.retryable && !(outcome.retryAfterMs !== undefined && outcome.retryAfterMs < 0)) {
        const cap = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** retries);
        const delay = Math.max(Math.round(this.random() * cap), outcome.retryAfterMs ?? 0);
        if (retries >= attempts) exhausted = 'MaximumRetryAttempts';
        else if (Date.now() + delay - acceptedAt > maxAgeMs) exhausted = 'MaximumEventAgeInSeconds';
        else {
          if (!(await this.sleepUnlessHalted(delay))) return false;
          continue;
        }
      }
      const attributes: Record<string, MessageAttributeValue> = {
        RULE_ARN: { DataType: 'String', StringValue: localRuleArn(rule.busName, rule.name) },
        TARGET_ARN: { DataType: 'String', StringValue: localApiDestinationArn(target.name) },
        ERROR_CODE: { DataType: 'String', StringValue: outcome.errorCode },
        ERROR_MESSAGE: { DataType: 'String', StringValue: outcome.errorMessage },
        RETRY_ATTEMPTS: { DataType: 'String', StringValue: String(retries) },
        ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: exhausted } } : {}),
      };
      if (target.deadLetterQueue)
        await this.dispatcher.sendToQueue(target.deadLetterQueue, eventJson, attributes);
      else this.failures.push({ rule: rule.name, target, error: new Error(outcome.errorMessage) });
      return true;
    }
  }

  /** Resolves true after `ms`, or false at once when the bus is halted (then or meanwhile). */
  private sleepUnlessHalted(ms: number): Promise<boolean> {
    if (this.halted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakeOnHalt.delete(wake);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.wakeOnHalt.delete(wake);
        resolve(true);
      }, ms);
      this.wakeOnHalt.add(wake);
    });
  }

  private async delivered(id: string, key: string): Promise<void> {
    const p = this.pending.get(id);
    if (!p?.remaining.has(key)) return;
    await this.journal.append({ kind: 'event.delivered', id, target: key } satisfies EventRecord);
    p.remaining.delete(key);
    if (p.remaining.size === 0) this.pending.delete(id);
  }
}

function describeRule(r: EventBusRule): RuleDescription {
  return {
    Name: r.name,
    Arn: localRuleArn(r.busName, r.name),
    EventBusName: r.busName,
    ...(r.eventPattern ? { EventPattern: JSON.stringify(r.eventPattern) } : {}),
    ...(r.scheduleExpression ? { ScheduleExpression: r.scheduleExpression } : {}),
    State: r.enabled === false ? 'DISABLED' : 'ENABLED',
  };
}

/** The envelope's JSON with the detail's own text spliced in as its last member (no re-serialization). */
function envelopeText(event: EventEnvelope, detailText: string): string {
  const text = JSON.stringify({ ...event, detail: 0 });
  return `${text.slice(0, -'0}'.length)}${detailText}}`;
}

/** EventBridge times have whole seconds: `2024-01-01T00:00:00Z`. */
function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
