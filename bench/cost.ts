/**
 * `npm run bench:cost`: what the design costs on AWS, from real local executions. Each step of a referral's
 * life is run through its ingest function and its real workflow: a click (Express), a signup, a
 * verification, the first payment (`invoice.paid` + `invoice_payment.paid`), a renewal (the same two
 * events for months 2 to 12), a refund, a lost dispute, a cancellation and the approval of a commission
 * (the hourly approval run and the commission execution it starts), plus the hourly run that finds nothing
 * due. For each step it counts the executions it started (replays included), their state transitions,
 * Lambda invocations (ingest and compute, with their measured duration), DynamoDB read and write request
 * units (by item size, global secondary indexes included: support/capacity.ts), EventBridge events and
 * HTTP API requests, then prices them at AWS list prices (below) for our design (Express click, Standard
 * for the rest) and for the same flows all on Standard.
 *
 * Target, on the realistic mix of 100 clicks per paid conversion (click, signup, verification, first
 * payment): ours ≤ 1/5 of all-Standard. Also priced, not targeted: the conversion with the approval of its
 * commission, and a monthly subscriber's first year (11 renewals, 12 approvals).
 */
import { FUNCTION_ENV_FOR_BENCH, timedLambda } from './support/lambda-timing';
import { TABLE_NAMES } from '../domain/config';
import { WORKFLOWS } from '../infra/workflow-manifest';
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
import { report } from './support/report';

/**
 * AWS list prices, us-east-1, first tier, no free tier, as the AWS pricing pages gave them in 2025 (this
 * machine has no internet to re-read them on the run date; re-check before quoting): Step Functions
 * Standard $0.025 per 1,000 state transitions; Express $1.00 per million requests plus $0.00001667 per
 * GB-second (64 MB, billed in 100 ms); Lambda arm64 $0.20 per million requests plus $0.0000133334 per
 * GB-second (1 ms billing); DynamoDB on-demand $0.625 per million write request units and $0.125 per
 * million read request units; EventBridge $1.00 per million events; API Gateway HTTP API $1.00 per million
 * requests.
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
} as const;

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
  expressRequests: number;
  /** Express duration, billed in 100 ms. */
  expressBilledSeconds: number;
  lambdaInvocations: number;
  /** Lambda duration, billed per invocation rounded up to 1 ms. */
  lambdaBilledSeconds: number;
  readUnits: number;
  writeUnits: number;
  /** The part of `writeUnits` the global secondary indexes cost. */
  indexWriteUnits: number;
  httpRequests: number;
}

const USAGE_FIELDS = [
  'events',
  'executions',
  'transitions',
  'expressRequests',
  'expressBilledSeconds',
  'lambdaInvocations',
  'lambdaBilledSeconds',
  'readUnits',
  'writeUnits',
  'indexWriteUnits',
  'httpRequests',
] as const satisfies readonly Exclude<keyof StepUsage, 'samples'>[];

const zeroUsage = (): StepUsage => ({
  samples: 0,
  ...(Object.fromEntries(USAGE_FIELDS.map((f) => [f, 0])) as Omit<StepUsage, 'samples'>),
});

const billedMs = (ms: number): number => Math.max(1, Math.ceil(ms)) / 1000;

/**
 * Measures steps one at a time: the executions a step started are the ones that did not exist before it
 * (nothing else runs meanwhile), and its DynamoDB units are priced on the table snapshots either side of it.
 */
class Meter {
  private before: Snapshot = new Map();
  private readonly computeMs: number[] = [];

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
    await step();
    await this.system.settle();
    const after = await snapshotTables(this.system.dynamoDb);
    for (const arn of this.executionArns().filter((a) => !known.has(a))) {
      usage.executions += 1;
      usage.transitions += this.system.runtime.statesEntered(arn).length;
      const execution = this.system.runtime.describe(arn);
      const express = WORKFLOWS.find((w) => w.name === execution.workflow)?.type === 'EXPRESS';
      if (express) {
        usage.expressRequests += 1;
        const ms = (execution.stopDate?.getTime() ?? Date.now()) - execution.startDate.getTime();
        usage.expressBilledSeconds += Math.max(1, Math.ceil(ms / 100)) / 10;
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

  /**
   * Delivers events through their ingest function, one after the other, each execution awaited: each is
   * an event and an ingest invocation, billed for the ingest's own duration (its StartExecution included).
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

interface Mix {
  label: string;
  counts: Partial<Record<StepName, number>>;
  /** USD per million of the mix. */
  ours: number;
  allStandard: number;
  ratio: number;
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

export async function benchCost(): Promise<unknown> {
  const meter = await Meter.start();
  const { system } = meter;
  try {
    await putAll(system.dynamoDb, TABLE_NAMES.stats, [emptyStatsItem(PARTNER)]);
    await meter.resetSnapshot();
    const steps = Object.fromEntries(STEP_NAMES.map((s) => [s, zeroUsage()])) as Record<StepName, StepUsage>;

    for (let i = 0; i < CLICKS; i++) {
      await meter.measure(steps.click, async () => {
        const t = performance.now();
        const res = await system.clickApi(
          httpEvent({
            path: `/r/${PARTNER}`,
            routeKey: 'GET /r/{partnerId}',
            pathParameters: { partnerId: PARTNER },
          }),
        );
        if (res.statusCode !== 302) throw new Error(`click answered ${res.statusCode}`);
        steps.click.lambdaInvocations += 1; // click-api, which waits for the Express execution
        steps.click.lambdaBilledSeconds += billedMs(performance.now() - t);
        steps.click.httpRequests += 1;
      });
    }

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

    for (const usage of Object.values(steps)) for (const f of USAGE_FIELDS) usage[f] /= usage.samples;

    const price = (u: StepUsage, allStandard: boolean): number =>
      (allStandard || u.expressRequests === 0
        ? u.transitions * PRICES.standardTransition
        : u.expressRequests * PRICES.expressRequest +
          u.expressBilledSeconds * EXPRESS_GB * PRICES.expressGbSecond) +
      u.lambdaInvocations * PRICES.lambdaRequest +
      u.lambdaBilledSeconds * LAMBDA_GB * PRICES.lambdaGbSecond +
      u.readUnits * PRICES.readUnit +
      u.writeUnits * PRICES.writeUnit +
      u.events * PRICES.event +
      u.httpRequests * PRICES.httpRequest;

    const rows = STEP_NAMES.map((name) => ({
      step: name,
      usage: steps[name],
      ours: price(steps[name], false),
      allStandard: price(steps[name], true),
    }));
    const costOf = (name: StepName) => rows.find((r) => r.step === name) ?? { ours: 0, allStandard: 0 };
    const conversion: Partial<Record<StepName, number>> = {
      click: CLICKS_PER_CONVERSION,
      signup: 1,
      verification: 1,
      payment: 1,
    };
    const mix = (label: string, counts: Partial<Record<StepName, number>>): Mix => {
      const sum = (k: 'ours' | 'allStandard') =>
        Object.entries(counts).reduce((s, [name, n]) => s + costOf(name as StepName)[k] * n, 0) * 1e6;
      const ours = sum('ours');
      const allStandard = sum('allStandard');
      return { label, counts, ours, allStandard, ratio: ours / allStandard };
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
    const hourlyPerYear = costOf('approval run, none due').ours * 24 * 365;
    const target = mixes.conversion.ratio <= TARGET_RATIO ? 'met' : 'MISSED';
    const f1 = (n: number) => n.toFixed(1);
    report(
      'cost',
      `Cost per million (USD, AWS us-east-1 list prices as of 2025, see bench/cost.ts; RRU/WRU by item size, GSI writes included; ` +
        `target: ours / all-Standard ≤ ${TARGET_RATIO.toFixed(3)} on the paid conversion)`,
      [
        'step',
        'runs',
        'events',
        'executions',
        'transitions',
        'Lambda calls',
        'RRU',
        'WRU',
        'of which GSI',
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
          f1(r.usage.lambdaInvocations),
          f1(r.usage.readUnits),
          f1(r.usage.writeUnits),
          f1(r.usage.indexWriteUnits),
          `$${(r.ours * 1e6).toFixed(2)}`,
          `$${(r.allStandard * 1e6).toFixed(2)}`,
        ]),
        ...Object.values(mixes).map((m) => [
          `${m.label} (per million conversions)`,
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          `ratio ${m.ratio.toFixed(3)}`,
          `$${m.ours.toFixed(0)}`,
          `$${m.allStandard.toFixed(0)}`,
        ]),
        [
          `target: paid conversion, ours / all-Standard ≤ ${TARGET_RATIO.toFixed(3)}`,
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          mixes.conversion.ratio.toFixed(3),
          target,
        ],
        [
          `hourly approval runs, a year (8,760, none due)`,
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          '',
          `$${hourlyPerYear.toFixed(2)}`,
          '',
        ],
      ],
      { prices: PRICES, rows, mixes, hourlyApprovalRunsPerYear: hourlyPerYear, approved, target },
    );
    return { rows, mixes };
  } finally {
    await system.stop();
  }
}

if (require.main === module) void benchCost();
