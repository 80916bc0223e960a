import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DEFAULT_ADMIN_SCOPE } from '../domain/config';
import type { Referral } from '../domain/referral';
import { startLocalCloud, type RunningLocalCloud } from '../local/cloud';
import { freePort } from '../local/dynamodb-local';
import { chunk, inParallel } from '../local/parallel';
import type { ExecutionDescription } from '../local/workflow-runtime';
import { catchBlocks, catchKey, type CatchBlock } from './catches';
import { planDeliveries } from './deliveries';
import { chaosFaults, type FaultKind } from './faults';
import { malformedCorpus, type MalformedCase } from './malformed';
import { driftFromReferrals, observe, pendingReferrals, type Observation } from './observe';
import { expectedCounters, generateScenario, type ExpectedCounters, type Scenario } from './scenario';

export interface ChaosOptions {
  journeys: number;
  /** Share of events delivered twice. */
  duplicates: number;
  /** Share of journeys delivered out of order. */
  reorder: number;
  /** Share of Task calls failing transiently (and a fifth of that, executions whose stats write is down). */
  faults: number;
  seed: number;
  /** PutEvents calls in flight at once (10 entries each). */
  concurrency?: number;
  /** Where the CDK app is synthesized (default: a temporary directory). */
  assemblyDir?: string;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ChaosReport {
  options: Required<Omit<ChaosOptions, 'onProgress' | 'assemblyDir'>>;
  figures: Record<string, number>;
  faults: Record<string, number>;
  executions: Record<string, Record<string, number>>;
  catches: { block: CatchBlock; fired: number }[];
  malformed: { name: string; answer: string }[];
  checks: CheckResult[];
  ok: boolean;
  seconds: number;
}

const RECONCILIATION = 'reconciliation';
/** Failures the run provokes on purpose: rival claims, the repeated registration, unknown-partner clicks. */
const EXPECTED_FAILURES = new Set(['ReferralAlreadyClaimed', 'PartnerAlreadyRegistered', 'UnknownPartner']);
const ARN_PREFIX = 'arn:aws:states:us-east-1:000000000000';

/**
 * Generates journeys, delivers them through the local stack's EventBridge endpoint with duplicates,
 * reordering, concurrency and injected faults, runs reconciliation during and after the traffic, and
 * checks the architecture's invariants against what the journeys say must be true.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const concurrency = options.concurrency ?? 4;
  const progress = options.onProgress ?? (() => undefined);
  const faults = chaosFaults({ seed: options.seed, rate: options.faults });
  const cloud = await startLocalCloud({
    assemblyDir: options.assemblyDir ?? mkdtempSync(path.join(os.tmpdir(), 'chaos-cdk-')),
    endpointPort: await freePort(),
    apiPort: await freePort(),
    schedules: false,
    retryDelayScale: 0,
    faults: faults.injector,
  });
  try {
    const config = {
      endpoint: cloud.endpointUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const events = new EventBridgeClient(config);
    const sfn = new SFNClient({ ...config, disableHostPrefix: true });
    const ddb = new DynamoDBClient(config);
    const appBus = cloud.buses.find((b) => !b.name.startsWith('aws.partner/'))?.name ?? '';
    const stripeBus = cloud.buses.find((b) => b.name.startsWith('aws.partner/'))?.name ?? '';

    const scenario = generateScenario({ journeys: options.journeys, seed: options.seed });
    const plan = planDeliveries(scenario, { ...options, appBus, stripeBus });
    const http = await driveHttp(cloud, scenario, progress);

    // Deliveries, with a reconciliation started halfway through the traffic.
    let reconciliationDuringTraffic: string | undefined;
    const batches = chunk(plan.deliveries, 10);
    let putFailures = 0;
    await inParallel(batches, concurrency, async (batch, i) => {
      if (i === Math.floor(batches.length / 2)) {
        reconciliationDuringTraffic = (
          await sfn.send(
            new StartExecutionCommand({ stateMachineArn: `${ARN_PREFIX}:stateMachine:${RECONCILIATION}` }),
          )
        ).executionArn;
      }
      await backlogBelow(cloud, MAX_BACKLOG);
      putFailures += await putBatch(
        events,
        batch.map((d) => d.entry),
      );
      progress('deliveries', Math.min((i + 1) * 10, plan.deliveries.length), plan.deliveries.length);
    });
    const corpus = malformedCorpus(appBus, stripeBus);
    const rejected = new Map<string, string>();
    for (const c of corpus) {
      const error = await putOne(events, c.entry);
      if (error) rejected.set(c.marker, error);
    }
    await cloud.settle();

    const before = await observe(ddb);
    const driftBefore = driftFromReferrals(before);
    const pendingBefore = pendingReferrals(before);

    progress('final reconciliation', 0, 1);
    const finalArn = (
      await sfn.send(
        new StartExecutionCommand({ stateMachineArn: `${ARN_PREFIX}:stateMachine:${RECONCILIATION}` }),
      )
    ).executionArn;
    await cloud.settle();
    const finalSummary = await summaryOf(sfn, finalArn);
    const duringSummary = await summaryOf(sfn, reconciliationDuringTraffic);
    const after = await observe(ddb);

    // Every execution described once (tens of thousands in a full run), then read by each report.
    const all = cloud.runtime.list();
    const executions = tallyExecutions(cloud.runtime.workflowNames(), all);
    const catches = firedCatches(cloud, all);
    const malformed = answerMalformed(cloud, all, corpus, rejected);
    const checks = [
      checkNothingOverwritten(driftBefore, pendingBefore),
      ...checkInvariants({ cloud, all, scenario, after, malformed, corpus }),
    ];
    const figures: Record<string, number> = {
      journeys: scenario.journeys.length,
      partners: scenario.partners.length,
      'events generated': plan.deliveries.length - plan.duplicates,
      'events delivered (with duplicates)': plan.deliveries.length,
      duplicates: plan.duplicates,
      'journeys reordered': plan.reorderedJourneys,
      'PutEvents entries failed': putFailures,
      'clicks sent': http.clicks,
      'clicks throttled by the API stage (429, retried)': http.throttled,
      'unknown-partner clicks answered 404': http.unknownClicks,
      'paying users generated': scenario.journeys.filter((j) => j.payment).length,
      'payments parked (never referred)': after.parked.filter((p) => p.key.startsWith('parked#payment#'))
        .length,
      'stats-pending notices queued': [...cloud.queues.values()].reduce((n, q) => n + q.length, 0),
      'partners drifting before final reconciliation': driftBefore.size,
      'referrals pending before final reconciliation': pendingBefore.length,
      'reconciliation during traffic: corrected': duringSummary.partnersCorrected,
      'reconciliation during traffic: skipped (busy)': duringSummary.partnersSkipped,
      'final reconciliation: corrected': finalSummary.partnersCorrected,
      'dead letters': cloud.deadLetters.length,
    };
    return {
      options: { ...options, concurrency } as ChaosReport['options'],
      figures,
      faults: Object.fromEntries(faults.counts as Map<FaultKind, number>),
      executions,
      catches,
      malformed,
      checks,
      ok: checks.every((c) => c.ok),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await cloud.stop();
  }
}

// ---- traffic ---------------------------------------------------------------------------------------------

async function driveHttp(
  cloud: RunningLocalCloud,
  scenario: Scenario,
  progress: NonNullable<ChaosOptions['onProgress']>,
): Promise<{ clicks: number; throttled: number; unknownClicks: number }> {
  const admin = await cloud.issuer.sign(
    { sub: 'chaos-admin', scope: DEFAULT_ADMIN_SCOPE },
    { audience: 'partner-referrals' },
  );
  const register = async (partnerId: string, expected: number[]) => {
    const res = await fetch(`${cloud.apiUrl}/admin/partners`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ partnerId, displayName: `Chaos ${partnerId}` }),
    });
    if (!expected.includes(res.status)) throw new Error(`registering ${partnerId}: HTTP ${res.status}`);
  };
  await inParallel(scenario.partners, 4, (p) => register(p, [201]));
  // A repeated registration is answered 409 and changes nothing.
  const first = scenario.partners[0];
  if (first) await register(first, [409]);

  const clicks = [...scenario.clicks].flatMap(([partnerId, n]) => Array.from({ length: n }, () => partnerId));
  let done = 0;
  let throttled = 0;
  await inParallel(clicks, 8, async (partnerId) => {
    // The stage's throttle answers 429 (the click is not counted); a browser's retry gets through.
    for (;;) {
      const res = await fetch(`${cloud.apiUrl}/r/${partnerId}`, { redirect: 'manual' });
      if (res.status === 302) break;
      if (res.status !== 429) throw new Error(`click for ${partnerId}: HTTP ${res.status}`);
      throttled += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    done += 1;
    if (done % 100 === 0) progress('clicks', done, clicks.length);
  });
  let unknownClicks = 0;
  for (const partnerId of ['cp_unknown_a', 'cp_unknown_b']) {
    const res = await fetch(`${cloud.apiUrl}/r/${partnerId}`, { redirect: 'manual' });
    if (res.status === 404) unknownClicks += 1;
  }
  return { clicks: clicks.length, throttled, unknownClicks };
}

/** Sends one batch; entries EventBridge rejects are resent once (a producer's retry), the rest counted. */
async function putBatch(events: EventBridgeClient, entries: PutEventsRequestEntry[]): Promise<number> {
  let pending = entries;
  for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
    const out = await events.send(new PutEventsCommand({ Entries: pending }));
    pending = pending.filter((_, i) => out.Entries?.[i]?.ErrorCode !== undefined);
  }
  return pending.length;
}

/** One malformed entry; returns the named error when EventBridge refuses it. */
async function putOne(events: EventBridgeClient, entry: PutEventsRequestEntry): Promise<string | undefined> {
  try {
    const out = await events.send(new PutEventsCommand({ Entries: [entry] }));
    const failed = out.Entries?.[0];
    return failed?.ErrorCode ? `${failed.ErrorCode}: ${failed.ErrorMessage ?? ''}` : undefined;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

async function summaryOf(
  sfn: SFNClient,
  executionArn: string | undefined,
): Promise<{ partnersCorrected: number; partnersSkipped: number }> {
  if (!executionArn) return { partnersCorrected: 0, partnersSkipped: 0 };
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  if (d.status !== 'SUCCEEDED')
    throw new Error(`reconciliation ${executionArn} ended ${d.status}: ${d.error} ${d.cause}`);
  return JSON.parse(d.output ?? '{}') as { partnersCorrected: number; partnersSkipped: number };
}

// ---- what happened ---------------------------------------------------------------------------------------

function tallyExecutions(
  workflows: readonly string[],
  all: readonly ExecutionDescription[],
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = Object.fromEntries(workflows.map((w) => [w, {}]));
  for (const e of all) {
    const byStatus = (out[e.workflow] ??= {});
    const key = e.status === 'FAILED' ? `FAILED ${e.error ?? ''}` : e.status;
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }
  return out;
}

function firedCatches(
  cloud: RunningLocalCloud,
  all: readonly ExecutionDescription[],
): { block: CatchBlock; fired: number }[] {
  const fired = new Map<string, number>();
  for (const e of all) {
    for (const state of cloud.runtime.caughtStates(e.executionArn)) {
      const key = catchKey(e.workflow, state);
      fired.set(key, (fired.get(key) ?? 0) + 1);
    }
  }
  return catchBlocks().map((block) => ({
    block,
    fired: fired.get(catchKey(block.workflow, block.state)) ?? 0,
  }));
}

/** Where each malformed case ended: a dead letter, a failed execution, or EventBridge's refusal. */
function answerMalformed(
  cloud: RunningLocalCloud,
  all: readonly ExecutionDescription[],
  corpus: readonly MalformedCase[],
  rejected: ReadonlyMap<string, string>,
): { name: string; answer: string }[] {
  const failed = all.filter((e) => e.status === 'FAILED');
  return corpus.map((c) => {
    const refused = rejected.get(c.marker);
    if (refused) return { name: c.name, answer: `refused by PutEvents (${refused.split(':')[0]})` };
    const letter = cloud.deadLetters.find((d) => JSON.stringify(d.record.requestPayload).includes(c.marker));
    if (letter)
      return { name: c.name, answer: `${letter.record.responsePayload.errorType} → ${letter.queue}` };
    const execution = failed.find((e) => JSON.stringify(e.input).includes(c.marker));
    if (execution)
      return {
        name: c.name,
        answer: `${execution.error ?? 'FAILED'} → failed ${execution.workflow} execution`,
      };
    const queued = [...cloud.queues].find(([, bodies]) => bodies.some((b) => b.includes(c.marker)));
    if (queued) return { name: c.name, answer: `unrouted → ${queued[0]}` };
    return { name: c.name, answer: 'LOST' };
  });
}

/**
 * Reconciliation ran while increments kept landing. Before the final pass, a partner may differ from its
 * referrals only where a stats write is still pending (an outage); any other drift means something
 * (reconciliation above all) overwrote an increment.
 */
function checkNothingOverwritten(
  drift: ReadonlyMap<string, string[]>,
  pending: readonly Referral[],
): CheckResult {
  const explained = new Set(pending.map((r) => r.partnerId));
  const overwritten = [...drift].filter(([partnerId]) => !explained.has(partnerId));
  return {
    name: 'reconciliation during traffic overwrote nothing (drift only where stats are pending)',
    ok: overwritten.length === 0,
    detail:
      overwritten.length === 0
        ? `${drift.size} partners drifting, all with pending stats`
        : overwritten
            .slice(0, 5)
            .map(([p, f]) => `${p}: ${f.join(',')}`)
            .join('; '),
  };
}

function checkInvariants(args: {
  cloud: RunningLocalCloud;
  all: readonly ExecutionDescription[];
  scenario: Scenario;
  after: Observation;
  malformed: { name: string; answer: string }[];
  corpus: readonly MalformedCase[];
}): CheckResult[] {
  const { cloud, all, scenario, after, malformed, corpus } = args;
  const checks: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  const drift = driftFromReferrals(after);
  check(
    'every partner: stats = aggregate of its referrals',
    drift.size === 0,
    drift.size === 0
      ? `${after.stats.size} partners`
      : [...drift]
          .slice(0, 5)
          .map(([p, f]) => `${p}: ${f.join(',')}`)
          .join('; '),
  );

  const ownerOf = (j: { userId: string; partnerId: string }) => after.claims.get(j.userId) ?? j.partnerId;
  const expected = expectedCounters(scenario, ownerOf);
  const mismatches: string[] = [];
  for (const [partnerId, want] of expected) {
    const got = after.stats.get(partnerId);
    for (const k of Object.keys(want) as (keyof ExpectedCounters)[]) {
      if (got?.[k] !== want[k]) mismatches.push(`${partnerId}.${k}: ${got?.[k]} ≠ ${want[k]}`);
    }
  }
  check(
    'every partner: stats = what the journeys generated (nothing lost, nothing double counted)',
    mismatches.length === 0,
    mismatches.length === 0 ? `${expected.size} partners × 13 counters` : mismatches.slice(0, 5).join('; '),
  );

  const payingReferred = new Set(
    scenario.journeys.filter((j) => j.payment && !j.neverReferred).map((j) => j.userId),
  );
  const paid = after.referrals.filter((r) => r.paidAt !== undefined);
  const paidUsers = new Set(paid.map((r) => r.referredUserId));
  check(
    'paid referrals = distinct paying users generated',
    paid.length === payingReferred.size && [...payingReferred].every((u) => paidUsers.has(u)),
    `${paid.length} paid referrals, ${payingReferred.size} paying referred users`,
  );

  const neverReferred = scenario.journeys.filter((j) => j.neverReferred);
  const parkedPayments = new Set(
    after.parked.filter((p) => p.key.startsWith('parked#payment#')).map((p) => p.userId),
  );
  const unparked = neverReferred.filter((j) => !parkedPayments.has(j.userId));
  check(
    'no payment lost: each is applied or parked',
    unparked.length === 0,
    `${paid.length} applied, ${neverReferred.length} parked (user never referred)` +
      (unparked.length
        ? `; not parked: ${unparked
            .slice(0, 5)
            .map((j) => j.userId)
            .join(', ')}`
        : ''),
  );

  const perUser = new Map<string, number>();
  for (const r of after.referrals) perUser.set(r.referredUserId, (perUser.get(r.referredUserId) ?? 0) + 1);
  const doubled = [...perUser].filter(([, n]) => n > 1);
  check(
    'one referral per user (contested users go to one partner)',
    doubled.length === 0,
    `${perUser.size} referred users`,
  );

  const pending = pendingReferrals(after);
  check(
    'no stats left pending after reconciliation',
    pending.length === 0,
    `${pending.length} referrals pending`,
  );

  const running = all.filter((e) => e.status === 'RUNNING');
  check(
    'no execution left running',
    running.length === 0,
    `${all.length} executions, ${running.length} running`,
  );

  const unexplained = all.filter(
    (e) =>
      e.status !== 'SUCCEEDED' &&
      !(e.status === 'FAILED' && EXPECTED_FAILURES.has(e.error ?? '')) &&
      !(e.status === 'FAILED' && corpus.some((c) => JSON.stringify(e.input).includes(c.marker))),
  );
  check(
    'every failed execution explained (provoked on purpose or a malformed case)',
    unexplained.length === 0,
    unexplained.length === 0
      ? `${all.filter((e) => e.status === 'FAILED').length} failed, all explained`
      : unexplained
          .slice(0, 3)
          .map((e) => `${e.workflow}/${e.name} ${e.status} ${e.error ?? ''} ${e.cause ?? ''}`)
          .join('; '),
  );

  const strayLetters = cloud.deadLetters.filter(
    (d) => !corpus.some((c) => JSON.stringify(d.record.requestPayload).includes(c.marker)),
  );
  check(
    'every dead letter explained (a malformed case)',
    strayLetters.length === 0,
    strayLetters.length === 0
      ? `${cloud.deadLetters.length} dead letters`
      : strayLetters
          .slice(0, 3)
          .map((d) => `${d.functionName}: ${d.record.responsePayload.errorMessage}`)
          .join('; '),
  );

  const lost = malformed.filter((m) => m.answer === 'LOST');
  check(
    'every malformed event answered with a named error, durably',
    lost.length === 0,
    lost.length === 0 ? `${malformed.length} cases` : `lost: ${lost.map((m) => m.name).join(', ')}`,
  );
  return checks;
}

// ---- helpers ---------------------------------------------------------------------------------------------

/**
 * Deliveries and executions in flight above which the sender waits. EventBridge itself would accept
 * everything at once; pacing only keeps one machine's engine from queueing thousands of calls, which
 * changes nothing about ordering (batches stay concurrent) and keeps the run fast.
 */
const MAX_BACKLOG = 64;

async function backlogBelow(cloud: RunningLocalCloud, limit: number): Promise<void> {
  while (cloud.runtime.runningCount + cloud.eventBus.deliveriesInFlight >= limit) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
