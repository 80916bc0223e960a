/**
 * `npm run bench:cost`: what the design costs on AWS, from real local executions. Each step of a referral's
 * life is run through its ingest function and its real workflow: a click (Express, its partner's counter
 * shards already created), a signup, a
 * verification, the first payment (`invoice.paid` + `invoice_payment.paid`), a renewal (the same two
 * events for months 2 to 12), a refund, a lost dispute, a cancellation and the approval of a commission
 * (the hourly approval run and the commission execution it starts), plus the hourly run that finds nothing
 * due. For each step it counts the executions it started (replays included), their state transitions,
 * Lambda invocations (ingest and compute, with their measured duration), DynamoDB read and write request
 * units (by item size, global secondary indexes included: support/capacity.ts), EventBridge events and
 * HTTP API requests, then prices them at AWS list prices (below) for our design and for the same flows all
 * on Standard. Ours: the click on Express; every lifecycle event's fact on its step's Express twin first
 * (StartSyncExecution from the ingest: Express requests and duration, and the ingest's billed duration while
 * it waits), Standard only for what the twin could not finish (none here: the bench fails if an attempt
 * does) and for replays of parked facts, which name the Standard step; the approval run and its commission
 * executions on Standard. All-Standard: every execution's transitions at the Standard price, the ingest not
 * waiting.
 *
 * Target, on the realistic mix of 100 clicks per paid conversion (click, signup, verification, first
 * payment): ours ≤ 1/5 of all-Standard. Also priced, not targeted: the conversion with the approval of its
 * commission, and a monthly subscriber's first year (11 renewals, 12 approvals).
 *
 * CloudWatch Logs are priced too, from what each step really writes: every workflow's execution history
 * events at its manifest `logLevel`, with execution data (support/step-functions-logs.ts, from the
 * runtime's AWS-shaped histories); the functions' Logger and Metrics lines at their deployed level,
 * captured as they are written (support/function-logs.ts), and Lambda's own start and report lines; the
 * HTTP API's access log line per request. All-Standard runs the same flows with the same logging, so it
 * writes the same logs. Each step is also priced with every workflow logging ALL (the levels before).
 */
// First: it builds the functions' Logger and Metrics at their deployed levels, before any function loads.
import {
  DEPLOYED_FUNCTION_LOG_LEVEL,
  functionLogLinesOf,
  LAMBDA_PLATFORM_LINES,
} from './support/function-logs';
import { FUNCTION_ENV_FOR_BENCH, timedLambda } from './support/lambda-timing';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { CLICK_COUNTER_SHARDS, TABLE_NAMES, type WorkflowName } from '../domain/config';
import { DEFAULT_SETTINGS } from '../infra/settings';
import { WORKFLOWS, type WorkflowSpec } from '../infra/workflow-manifest';
import { httpEvent } from '../local/events/http-events';
import { localHandlerFor } from '../local/functions';
import { LocalSystem } from '../local/system';
import { callUnits, snapshotTables, type Snapshot } from './support/capacity';
import {
  cancellationEvent,
  disputeEvents,
  ingest,
  invoiceEvents,
  monthOf,
  paidJourneyEvents,
  PLANS,
  refundEvent,
  succeeded,
  type Delivery,
} from './support/journeys';
import { emptyStatsItem, putAll } from './support/load';
import { CLICK_ACCESS_LOG_LINE } from './support/access-logs';
import { addVolumes, logVolumeOf, NO_LOGS, scaleVolume, type LogVolume } from './support/log-volume';
import { report, tableLines } from './support/report';
import { awsExecutionArn, stepFunctionsLogLines } from './support/step-functions-logs';
import { defineCommand, readCommandLine } from '../local/command-line';

/**
 * AWS list prices, us-east-1, first tier, no free tier, as the AWS pricing pages gave them in 2025 (this
 * machine has no internet to re-read them on the run date; re-check before quoting): Step Functions
 * Standard $0.025 per 1,000 state transitions; Express $1.00 per million requests plus $0.00001667 per
 * GB-second (64 MB, billed in 100 ms); Lambda arm64 $0.20 per million requests plus $0.0000133334 per
 * GB-second (1 ms billing); DynamoDB on-demand $0.625 per million write request units and $0.125 per
 * million read request units; EventBridge $1.00 per million events; API Gateway HTTP API $1.00 per million
 * requests; CloudWatch Logs $0.50 per GB ingested (Standard log class; Step Functions logs are billed at the
 * vended-logs rate, whose first 10 TB a month cost the same) and $0.03 per GB-month stored
 * (https://aws.amazon.com/cloudwatch/pricing/, GB read as 2^30 bytes).
 */
export const PRICES = {
  standardTransition: 0.025 / 1000,
  expressRequest: 1.0 / 1e6,
  expressGbSecond: 0.00001667,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  writeUnit: 0.625 / 1e6,
  readUnit: 0.125 / 1e6,
  event: 1.0 / 1e6,
  httpRequest: 1.0 / 1e6,
  logIngestedGb: 0.5,
  logStoredGbMonth: 0.03,
} as const;

const GIB = 2 ** 30;
/** Stored logs are kept for the log groups' retention (every group uses the one setting). */
const LOG_RETENTION_MONTHS = DEFAULT_SETTINGS.logRetentionDays / (365 / 12);
const LAMBDA_PLATFORM_LOGS = logVolumeOf(LAMBDA_PLATFORM_LINES);
const CLICK_ACCESS_LOGS = logVolumeOf([CLICK_ACCESS_LOG_LINE]);

const LAMBDA_GB = 512 / 1024;
const EXPRESS_GB = 64 / 1024;
const CLICKS_PER_CONVERSION = 100;
const TARGET_RATIO = 0.2;
const PARTNER = 'cost-partner';
/** Paid journeys (signup, verification, first payment in Stripe's usual order); later steps run on some. */
const JOURNEYS = 40;
/** More paid journeys whose `invoice_payment.paid` arrives before its `invoice.paid` (Stripe does not order them). */
const REORDERED = 10;
const CLICKS = 40;
const RENEWING = { from: 0, to: 10 };
const REFUNDED = { from: 10, to: 20 };
const DISPUTED = { from: 20, to: 25 };
const CANCELED = { from: 25, to: 35 };
const DAY = 86_400;
const FIRST_INVOICE_AT = Date.UTC(2025, 0, 15, 10) / 1000;
/** Journey `i`'s first invoice: from 2025-01-15T10:00Z, an hour apart (every hold period is over by now). */
const firstInvoiceAt = (i: number): number => FIRST_INVOICE_AT + i * 3600;
/** The approval runs: one a month, 33 days after that month's invoices (every one of them due, none of the next). */
const APPROVAL_CUTOFFS = Array.from({ length: 12 }, (_, m) => monthOf(FIRST_INVOICE_AT, m + 1) + 33 * 86_400);
const tagOf = (i: number): string => `c${i}`;

export interface StepUsage {
  /** How many times the step ran; every other figure is per run. */
  samples: number;
  events: number;
  executions: number;
  transitions: number;
  /** The part of `transitions` our design runs on Standard (the rest run on Express). */
  standardTransitions: number;
  expressRequests: number;
  /** Express duration, billed in 100 ms. */
  expressBilledSeconds: number;
  /** How long the ingest functions waited for their Express attempts (billed to them; all-Standard does not wait). */
  ingestWaitSeconds: number;
  lambdaInvocations: number;
  /** Lambda duration, billed per invocation rounded up to 1 ms. */
  lambdaBilledSeconds: number;
  readUnits: number;
  writeUnits: number;
  /** The part of `writeUnits` the global secondary indexes cost. */
  indexWriteUnits: number;
  httpRequests: number;
  logs: Record<LogSource, LogVolume>;
}

/**
 * Where a step's CloudWatch Logs come from: the workflows at their configured levels (`workflowsAtAll`: the
 * same executions at ALL), the functions (Logger, Metrics, Lambda's own lines), the HTTP API's access log.
 */
const LOG_SOURCES = ['workflows', 'workflowsAtAll', 'functions', 'httpApi'] as const;
type LogSource = (typeof LOG_SOURCES)[number];

const USAGE_FIELDS = [
  'events',
  'executions',
  'transitions',
  'standardTransitions',
  'expressRequests',
  'expressBilledSeconds',
  'ingestWaitSeconds',
  'lambdaInvocations',
  'lambdaBilledSeconds',
  'readUnits',
  'writeUnits',
  'indexWriteUnits',
  'httpRequests',
] as const satisfies readonly Exclude<keyof StepUsage, 'samples'>[];

const zeroUsage = (): StepUsage => ({
  samples: 0,
  ...(Object.fromEntries(USAGE_FIELDS.map((f) => [f, 0])) as Omit<StepUsage, 'samples' | 'logs'>),
  logs: Object.fromEntries(LOG_SOURCES.map((s) => [s, NO_LOGS])) as Record<LogSource, LogVolume>,
});

/** One workflow's log volume per execution, at its level and at ALL, over every execution the bench ran. */
interface WorkflowLogs {
  workflow: WorkflowName;
  type: WorkflowSpec['type'];
  logLevel: WorkflowSpec['logLevel'];
  executions: number;
  atLevel: LogVolume;
  atAll: LogVolume;
  /** The history events logged at the workflow's level, by type and error, how many of each. */
  typesAtLevel: Record<string, number>;
}

const specOf = (workflow: string): WorkflowSpec => {
  const spec = WORKFLOWS.find((w) => w.name === workflow);
  if (!spec) throw new Error(`no manifest entry for workflow ${workflow}`);
  return spec;
};

const billedMs = (ms: number): number => Math.max(1, Math.ceil(ms)) / 1000;

/**
 * Measures steps one at a time: the executions a step started are the ones that did not exist before it
 * (nothing else runs meanwhile), and its DynamoDB units are priced on the table snapshots either side of it.
 */
class Meter {
  private before: Snapshot = new Map();
  private readonly computeMs: number[] = [];
  readonly workflowLogs = new Map<WorkflowName, WorkflowLogs>();

  private constructor(readonly system: LocalSystem) {}

  static async start(): Promise<Meter> {
    const meter: { current?: Meter } = {};
    const compute = timedLambda(localHandlerFor('referral-compute', FUNCTION_ENV_FOR_BENCH), (ms) =>
      meter.current?.computeMs.push(ms),
    );
    const system = await LocalSystem.start({ retryDelayScale: 0, lambdas: { 'referral-compute': compute } });
    meter.current = new Meter(system);
    return meter.current;
  }

  private executionArns(): string[] {
    return WORKFLOWS.flatMap((w) => this.system.runtime.list(w.name).map((e) => e.executionArn));
  }

  async resetSnapshot(): Promise<void> {
    this.before = await snapshotTables(this.system.dynamoDb);
  }

  /** Runs `step` and adds what it used to `usage` (one sample unless `samples`). */
  async measure(usage: StepUsage, step: () => Promise<void>, samples = 1): Promise<void> {
    const known = new Set(this.executionArns());
    this.computeMs.length = 0;
    const functionLines = await functionLogLinesOf(async () => {
      await step();
      await this.system.settle();
    });
    usage.logs.functions = addVolumes(usage.logs.functions, logVolumeOf(functionLines));
    const after = await snapshotTables(this.system.dynamoDb);
    for (const arn of this.executionArns().filter((a) => !known.has(a))) {
      usage.executions += 1;
      const transitions = this.system.runtime.statesEntered(arn).length;
      usage.transitions += transitions;
      const execution = this.system.runtime.describe(arn);
      const spec = specOf(execution.workflow);
      this.addWorkflowLogs(usage, spec, arn, execution.name);
      if (spec.type === 'EXPRESS') {
        // A failed attempt would be priced twice against all-Standard (it and the Standard run it causes).
        if (execution.status !== 'SUCCEEDED')
          throw new Error(
            `${spec.name} ${execution.name} ${execution.status}: the bench expects none to fail`,
          );
        usage.expressRequests += 1;
        const ms = (execution.stopDate?.getTime() ?? Date.now()) - execution.startDate.getTime();
        usage.expressBilledSeconds += Math.max(1, Math.ceil(ms / 100)) / 10;
        // The lifecycle twins are waited for by an ingest function (the click's wait is click-api's either way).
        if (spec.definition === 'referral-fact') usage.ingestWaitSeconds += ms / 1000;
      } else {
        usage.standardTransitions += transitions;
      }
      for (const call of this.system.runtime.taskCalls(arn)) {
        const { kind } = call.integration;
        if (kind === 'lambda' || kind === 'lambda-arn') usage.lambdaInvocations += 1;
        if (kind === 'events') usage.events += 1;
        const units = callUnits(call, this.before, after);
        usage.readUnits += units.read;
        usage.writeUnits += units.write;
        usage.indexWriteUnits += units.indexWrite;
      }
    }
    for (const ms of this.computeMs) usage.lambdaBilledSeconds += billedMs(ms);
    usage.samples += samples;
    this.before = after;
  }

  /** The execution's CloudWatch Logs events at its workflow's level and at ALL, from its history. */
  private addWorkflowLogs(usage: StepUsage, spec: WorkflowSpec, executionArn: string, name: string): void {
    const history = this.system.runtime.history(executionArn);
    const awsArn = awsExecutionArn(spec.name, spec.type, name);
    const linesAtLevel = stepFunctionsLogLines(history, spec.logLevel, awsArn);
    const atLevel = logVolumeOf(linesAtLevel);
    const atAll = logVolumeOf(stepFunctionsLogLines(history, 'ALL', awsArn));
    usage.logs.workflows = addVolumes(usage.logs.workflows, atLevel);
    usage.logs.workflowsAtAll = addVolumes(usage.logs.workflowsAtAll, atAll);
    const seen = this.workflowLogs.get(spec.name) ?? {
      workflow: spec.name,
      type: spec.type,
      logLevel: spec.logLevel,
      executions: 0,
      atLevel: NO_LOGS,
      atAll: NO_LOGS,
      typesAtLevel: {},
    };
    const typesAtLevel = { ...seen.typesAtLevel };
    for (const line of linesAtLevel) {
      const { type, details } = JSON.parse(line) as { type: string; details: { error?: string } };
      const key = details.error ? `${type} ${details.error}` : type;
      typesAtLevel[key] = (typesAtLevel[key] ?? 0) + 1;
    }
    this.workflowLogs.set(spec.name, {
      ...seen,
      executions: seen.executions + 1,
      atLevel: addVolumes(seen.atLevel, atLevel),
      atAll: addVolumes(seen.atAll, atAll),
      typesAtLevel,
    });
  }

  /**
   * Delivers events through their ingest function, one after the other, each execution awaited: each is
   * an event and an ingest invocation, billed for the ingest's own duration (its wait for the Express
   * attempt included).
   */
  async deliverAll(usage: StepUsage, deliveries: readonly Delivery[]): Promise<void> {
    for (const delivery of deliveries) {
      const t = performance.now();
      const arn = await ingest(this.system, delivery);
      usage.lambdaBilledSeconds += billedMs(performance.now() - t);
      usage.events += 1;
      usage.lambdaInvocations += 1;
      await succeeded(this.system, arn);
    }
  }
}

const STEP_NAMES = [
  'click',
  'signup',
  'verification',
  'payment',
  'payment, reordered',
  'renewal',
  'refund',
  'dispute',
  'cancellation',
  'approval',
  'approval run, none due',
] as const;
type StepName = (typeof STEP_NAMES)[number];

const SERVICES = ['stepFunctions', 'lambda', 'dynamoDb', 'eventBridge', 'httpApi', 'logs'] as const;
type Service = (typeof SERVICES)[number];

/** A way to run the same flows: every execution on Standard (`allStandard`), every workflow logging ALL. */
interface Design {
  allStandard: boolean;
  loggingAll: boolean;
}
const OURS: Design = { allStandard: false, loggingAll: false };
const ALL_STANDARD: Design = { allStandard: true, loggingAll: false };

const logsCost = (v: LogVolume): number =>
  (v.bytes / GIB) * PRICES.logIngestedGb +
  (v.storedBytes / GIB) * PRICES.logStoredGbMonth * LOG_RETENTION_MONTHS;

/** What one run of a step costs in `design`, by service (USD). Both designs write the same logs. */
const costOf = (u: StepUsage, design: Design): Record<Service, number> => ({
  stepFunctions: design.allStandard
    ? u.transitions * PRICES.standardTransition
    : u.standardTransitions * PRICES.standardTransition +
      u.expressRequests * PRICES.expressRequest +
      u.expressBilledSeconds * EXPRESS_GB * PRICES.expressGbSecond,
  lambda:
    u.lambdaInvocations * PRICES.lambdaRequest +
    (u.lambdaBilledSeconds - (design.allStandard ? u.ingestWaitSeconds : 0)) *
      LAMBDA_GB *
      PRICES.lambdaGbSecond,
  dynamoDb: u.readUnits * PRICES.readUnit + u.writeUnits * PRICES.writeUnit,
  eventBridge: u.events * PRICES.event,
  httpApi: u.httpRequests * PRICES.httpRequest,
  logs:
    logsCost(design.loggingAll ? u.logs.workflowsAtAll : u.logs.workflows) +
    logsCost(u.logs.functions) +
    logsCost(u.logs.httpApi),
});

const totalOf = (costs: Record<Service, number>): number => SERVICES.reduce((sum, s) => sum + costs[s], 0);

interface Mix {
  label: string;
  counts: Partial<Record<StepName, number>>;
  /** USD per million of the mix. */
  ours: number;
  allStandard: number;
  ratio: number;
  byService: { ours: Record<Service, number>; allStandard: Record<Service, number> };
  /** The same with every workflow logging ALL (the levels before the manifest's `logLevel`). */
  loggingAll: { ours: number; allStandard: number; ratio: number };
  ratioWithoutLogs: number;
}

const STEP_LABELS: Record<StepName, string> = {
  click: 'click (Express)',
  signup: 'signup',
  verification: 'verification',
  payment: 'first payment (invoice.paid + invoice_payment.paid)',
  'payment, reordered': 'first payment, invoice_payment.paid first (parked, replayed)',
  renewal: 'renewal, months 2–12 (the same two events)',
  refund: 'refund (charge.refunded)',
  dispute: 'lost dispute (created + closed)',
  cancellation: 'cancellation (subscription.deleted)',
  approval: 'approval of a commission (run share + commission)',
  'approval run, none due': 'hourly approval run, none due',
};

/** Clicks (unmeasured) until every shard of the partner's click counter exists; returns how many it took. */
async function untilEveryClickShardExists(system: LocalSystem, click: () => Promise<void>): Promise<number> {
  const shards = async (): Promise<number> =>
    (await system.dynamoDb.send(new ScanCommand({ TableName: TABLE_NAMES.clickCounters, Select: 'COUNT' })))
      .Count ?? 0;
  for (let clicks = 0; clicks < 50 * CLICK_COUNTER_SHARDS; clicks += 8) {
    if ((await shards()) === CLICK_COUNTER_SHARDS) return clicks;
    for (let k = 0; k < 8; k++) await click();
  }
  throw new Error(`the partner's ${CLICK_COUNTER_SHARDS} click counter shards were not all created`);
}

export async function benchCost(): Promise<unknown> {
  const meter = await Meter.start();
  const { system } = meter;
  try {
    await putAll(system.dynamoDb, TABLE_NAMES.stats, [emptyStatsItem(PARTNER)]);
    await meter.resetSnapshot();
    const steps = Object.fromEntries(STEP_NAMES.map((s) => [s, zeroUsage()])) as Record<StepName, StepUsage>;

    const click = async (usage?: StepUsage): Promise<void> => {
      const t = performance.now();
      const res = await system.clickApi(
        httpEvent({
          path: `/r/${PARTNER}`,
          routeKey: 'GET /r/{partnerId}',
          pathParameters: { partnerId: PARTNER },
        }),
      );
      if (res.statusCode !== 302) throw new Error(`click answered ${res.statusCode}`);
      if (!usage) return;
      usage.lambdaInvocations += 1; // click-api, which waits for the Express execution
      usage.lambdaBilledSeconds += billedMs(performance.now() - t);
      usage.httpRequests += 1;
    };
    // A partner's first click on each counter shard creates it (seven states instead of two), once in the
    // partner's life: the measured clicks are the steady state, every shard already there.
    const warmUpClicks = await untilEveryClickShardExists(system, () => click());
    await meter.resetSnapshot();
    for (let i = 0; i < CLICKS; i++) await meter.measure(steps.click, () => click(steps.click));

    const plan = PLANS.afPlusMonthly;
    for (let i = 0; i < JOURNEYS + REORDERED; i++) {
      const [signup, verify, invoicePaid, invoicePaymentPaid] = paidJourneyEvents(PARTNER, tagOf(i), {
        plan,
        at: firstInvoiceAt(i),
      });
      if (!signup || !verify || !invoicePaid || !invoicePaymentPaid)
        throw new Error('a paid journey has four events');
      await meter.measure(steps.signup, () => meter.deliverAll(steps.signup, [signup]));
      await meter.measure(steps.verification, () => meter.deliverAll(steps.verification, [verify]));
      if (i < JOURNEYS)
        await meter.measure(steps.payment, () =>
          meter.deliverAll(steps.payment, [invoicePaid, invoicePaymentPaid]),
        );
      else
        await meter.measure(steps['payment, reordered'], () =>
          meter.deliverAll(steps['payment, reordered'], [invoicePaymentPaid, invoicePaid]),
        );
    }
    const within = (range: { from: number; to: number }) =>
      Array.from({ length: range.to - range.from }, (_, k) => range.from + k);
    for (const i of within(RENEWING)) {
      for (let month = 2; month <= 12; month++) {
        const events = invoiceEvents(tagOf(i), month, monthOf(firstInvoiceAt(i), month), plan);
        await meter.measure(steps.renewal, () => meter.deliverAll(steps.renewal, events));
      }
    }
    for (const i of within(REFUNDED)) {
      const event = refundEvent(tagOf(i), 1, firstInvoiceAt(i) + 5 * DAY, plan);
      await meter.measure(steps.refund, () => meter.deliverAll(steps.refund, [event]));
    }
    for (const i of within(DISPUTED)) {
      const at = firstInvoiceAt(i);
      const events = disputeEvents(tagOf(i), 1, at + 10 * DAY, at + 40 * DAY, plan);
      await meter.measure(steps.dispute, () => meter.deliverAll(steps.dispute, events));
    }
    for (const i of within(CANCELED)) {
      const event = cancellationEvent(tagOf(i), firstInvoiceAt(i) + 20 * DAY);
      await meter.measure(steps.cancellation, () => meter.deliverAll(steps.cancellation, [event]));
    }

    // The approval runs, a month apart: each approves the month's due commissions (at most one per referral).
    let approved = 0;
    const approvalRun = async (usage: StepUsage, asOf?: number): Promise<number> => {
      const input = asOf === undefined ? {} : { asOf: new Date(asOf * 1000).toISOString() };
      const { executionArn } = system.runtime.start('approval', input);
      const done = await system.runtime.waitFor(executionArn);
      if (done.status !== 'SUCCEEDED') throw new Error(`approval ${done.status} ${done.error} ${done.cause}`);
      usage.events += 1; // the schedule's event
      return (done.output as { approvalsStarted: number }).approvalsStarted;
    };
    for (const cutoff of APPROVAL_CUTOFFS) {
      let started = 0;
      await meter.measure(
        steps.approval,
        async () => {
          started = await approvalRun(steps.approval, cutoff);
        },
        0,
      );
      steps.approval.samples += started;
      approved += started;
    }
    await meter.measure(steps['approval run, none due'], async () => {
      const started = await approvalRun(steps['approval run, none due']);
      if (started !== 0) throw new Error(`the last approval run found ${started} due`);
    });
    if (approved === 0) throw new Error('the approval run approved nothing');
    if (system.deadLetters.length > 0) throw new Error(`dead letters: ${JSON.stringify(system.deadLetters)}`);

    for (const usage of Object.values(steps)) {
      for (const f of USAGE_FIELDS) usage[f] /= usage.samples;
      for (const source of LOG_SOURCES)
        usage.logs[source] = scaleVolume(usage.logs[source], 1 / usage.samples);
      // Lambda writes its start and report lines for every invocation, the stage one line per request.
      usage.logs.functions = addVolumes(
        usage.logs.functions,
        scaleVolume(LAMBDA_PLATFORM_LOGS, usage.lambdaInvocations),
      );
      usage.logs.httpApi = scaleVolume(CLICK_ACCESS_LOGS, usage.httpRequests);
    }

    const rows = STEP_NAMES.map((name) => {
      const usage = steps[name];
      return {
        step: name,
        usage,
        ours: totalOf(costOf(usage, OURS)),
        allStandard: totalOf(costOf(usage, ALL_STANDARD)),
        logs: costOf(usage, OURS).logs,
        logsWhenLoggingAll: costOf(usage, { ...OURS, loggingAll: true }).logs,
      };
    });
    const conversion: Partial<Record<StepName, number>> = {
      click: CLICKS_PER_CONVERSION,
      signup: 1,
      verification: 1,
      payment: 1,
    };
    const mix = (label: string, counts: Partial<Record<StepName, number>>): Mix => {
      /** USD per million of the mix, by service. */
      const byService = (design: Design): Record<Service, number> =>
        Object.fromEntries(
          SERVICES.map((service) => [
            service,
            Object.entries(counts).reduce(
              (sum, [name, n]) => sum + costOf(steps[name as StepName], design)[service] * n * 1e6,
              0,
            ),
          ]),
        ) as Record<Service, number>;
      const ours = byService(OURS);
      const allStandard = byService(ALL_STANDARD);
      const oursLoggingAll = totalOf(byService({ ...OURS, loggingAll: true }));
      const allStandardLoggingAll = totalOf(byService({ ...ALL_STANDARD, loggingAll: true }));
      return {
        label,
        counts,
        ours: totalOf(ours),
        allStandard: totalOf(allStandard),
        ratio: totalOf(ours) / totalOf(allStandard),
        byService: { ours, allStandard },
        loggingAll: {
          ours: oursLoggingAll,
          allStandard: allStandardLoggingAll,
          ratio: oursLoggingAll / allStandardLoggingAll,
        },
        ratioWithoutLogs: (totalOf(ours) - ours.logs) / (totalOf(allStandard) - allStandard.logs),
      };
    };
    const mixes = {
      conversion: mix(
        `paid conversion: ${CLICKS_PER_CONVERSION} clicks + signup + verification + first payment`,
        conversion,
      ),
      conversionApproved: mix('… and the approval of its commission', { ...conversion, approval: 1 }),
      firstYear: mix('… and a monthly first year: 11 renewals, 12 approvals', {
        ...conversion,
        renewal: 11,
        approval: 12,
      }),
    };
    const hourlyPerYear = (rows.find((r) => r.step === 'approval run, none due')?.ours ?? 0) * 24 * 365;
    const target = mixes.conversion.ratio <= TARGET_RATIO ? 'met' : 'MISSED';
    const f1 = (n: number) => n.toFixed(1);
    const usd = (n: number, digits = 0) => `$${n.toFixed(digits)}`;
    const logEvents = (u: StepUsage) =>
      u.logs.workflows.events + u.logs.functions.events + u.logs.httpApi.events;
    const logBytes = (u: StepUsage) => u.logs.workflows.bytes + u.logs.functions.bytes + u.logs.httpApi.bytes;
    const blank = (n: number) => Array.from({ length: n }, () => '');
    const workflowLogs = [...meter.workflowLogs.values()].map((w) => ({
      ...w,
      atLevel: scaleVolume(w.atLevel, 1 / w.executions),
      atAll: scaleVolume(w.atAll, 1 / w.executions),
    }));
    report(
      'cost',
      `Cost per million (USD, AWS us-east-1 list prices as of 2025, see bench/cost.ts; RRU/WRU by item size, GSI writes included; ` +
        `CloudWatch Logs at each workflow's log level and the functions' deployed level; ` +
        `target: ours / all-Standard ≤ ${TARGET_RATIO.toFixed(3)} on the paid conversion)`,
      [
        'step',
        'runs',
        'events',
        'executions',
        'transitions',
        'of which Standard',
        'Lambda calls',
        'RRU',
        'WRU',
        'of which GSI',
        'log events',
        'log bytes',
        'logs / 1M',
        'ours / 1M',
        'all-Standard / 1M',
      ],
      [
        ...rows.map((r) => [
          STEP_LABELS[r.step],
          r.usage.samples,
          f1(r.usage.events),
          f1(r.usage.executions),
          f1(r.usage.transitions),
          f1(r.usage.standardTransitions),
          f1(r.usage.lambdaInvocations),
          f1(r.usage.readUnits),
          f1(r.usage.writeUnits),
          f1(r.usage.indexWriteUnits),
          f1(logEvents(r.usage)),
          logBytes(r.usage).toFixed(0),
          usd(r.logs * 1e6, 2),
          usd(r.ours * 1e6, 2),
          usd(r.allStandard * 1e6, 2),
        ]),
        ...Object.values(mixes).flatMap((m) => [
          [
            `${m.label} (per million conversions)`,
            ...blank(11),
            `ratio ${m.ratio.toFixed(3)}`,
            usd(m.ours),
            usd(m.allStandard),
          ],
          [
            `  the same with every workflow logging ALL`,
            ...blank(11),
            `ratio ${m.loggingAll.ratio.toFixed(3)}`,
            usd(m.loggingAll.ours),
            usd(m.loggingAll.allStandard),
          ],
        ]),
        [
          `target: paid conversion, ours / all-Standard ≤ ${TARGET_RATIO.toFixed(3)}`,
          ...blank(12),
          mixes.conversion.ratio.toFixed(3),
          target,
        ],
        [`hourly approval runs, a year (8,760, none due)`, ...blank(12), usd(hourlyPerYear, 2), ''],
      ],
      {
        prices: PRICES,
        logRetentionMonths: LOG_RETENTION_MONTHS,
        functionLogLevel: DEPLOYED_FUNCTION_LOG_LEVEL,
        lambdaPlatformLines: LAMBDA_PLATFORM_LINES,
        clickAccessLogLine: CLICK_ACCESS_LOG_LINE,
        workflowLogs,
        rows,
        mixes,
        hourlyApprovalRunsPerYear: hourlyPerYear,
        warmUpClicks,
        approved,
        target,
      },
    );
    process.stdout.write(
      [
        '\nStep Functions log events per execution, with execution data (every execution the bench ran)',
        ...tableLines(
          ['workflow', 'type', 'level', 'executions', 'events', 'bytes', 'events at ALL', 'bytes at ALL'],
          workflowLogs.map((w) => [
            w.workflow,
            w.type,
            w.logLevel,
            w.executions,
            f1(w.atLevel.events),
            w.atLevel.bytes.toFixed(0),
            f1(w.atAll.events),
            w.atAll.bytes.toFixed(0),
          ]),
        ),
        `\nThe paid conversion by service (USD per million conversions)`,
        ...tableLines(
          ['service', 'ours', 'all-Standard'],
          SERVICES.map((service) => [
            service,
            usd(mixes.conversion.byService.ours[service]),
            usd(mixes.conversion.byService.allStandard[service]),
          ]),
        ),
        '',
      ].join('\n'),
    );
    return { rows, mixes };
  } finally {
    await system.stop();
  }
}

const COST_COMMAND = defineCommand({
  name: 'npm run bench:cost',
  summary: [
    "What the design costs on AWS, from real local executions: each step of a referral's life (click, signup,",
    'verification, first payment, renewal, refund, lost dispute, cancellation, approval) counted in executions,',
    'transitions, Lambda time, DynamoDB units, events, requests and logs, priced at AWS list prices for our design',
    'and for the same flows all on Standard. Target: a paid conversion (100 clicks) at most 1/5 of all-Standard.',
  ],
  flags: {},
  notes: ['Writes bench/results/cost.json (the rows and the machine).'],
});

if (require.main === module) {
  readCommandLine(COST_COMMAND);
  void benchCost();
}
