import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DEFAULT_ADMIN_SCOPE } from '../domain/config';
import { stripeLinks, type Fact } from '../domain/facts';
import type { ReconciliationSummary } from '../domain/reconciliation';
import type { FactWorkflowInput } from '../domain/workflow-inputs';
import { startLocalCloud, type RunningLocalCloud } from '../local/cloud';
import { freePort } from '../local/dynamodb-local';
import { chunk, inParallel } from '../local/parallel';
import { followRun } from '../local/reconcile';
import type { ExecutionDescription } from '../local/workflow-runtime';
import { Incarnations } from './incarnations';
import { catchBlocks, catchKey, catchWorkflowOf, type CatchBlock } from './catches';
import { planDeliveries, type Delivery } from './deliveries';
import { COUNTERS, expectationOf, factsOfUser, ledgerKey, pendingDueBy, type Expectation } from './expected';
import { chaosFaults, type FaultKind } from './faults';
import { malformedCorpus, type MalformedCase } from './malformed';
import { driftFromReferrals, observe, pendingReferrals, type Observation } from './observe';
import { generateScenario, type Scenario } from './scenario';

export interface ChaosOptions {
  /** Users, each a story sampled from the seed. */
  journeys: number;
  /** Share of deliveries made twice. */
  duplicates: number;
  /** Share of users whose deliveries arrive out of order. */
  reorder: number;
  /** Share of Task calls failing transiently (and a fifth of that, executions whose stats write is down). */
  faults: number;
  /** Share of Task calls held before they run (a timer releases them): interleavings, lost races. */
  latency?: number;
  /** The longest hold, in milliseconds. */
  latencyMs?: number;
  seed: number;
  /** PutEvents calls in flight at once (10 entries each). */
  concurrency?: number;
  /**
   * How many times the stack crashes during the deliveries (a kill -9 in process: the journal takes
   * nothing more, connections are cut, DynamoDB Local gets SIGKILL) and starts again over its data
   * directory, while the clients resend what had no answer. Default 0.
   */
  crashes?: number;
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
  /** The ledger after the run: rows by kind and status. */
  ledger: Record<string, number>;
  faults: Record<string, number>;
  executions: Record<string, Record<string, number>>;
  catches: { block: CatchBlock; fired: number }[];
  malformed: { name: string; answer: string }[];
  checks: CheckResult[];
  ok: boolean;
  seconds: number;
}

export const CHECK_NAMES = {
  clicksRedirected: 'every click redirected (302), a throttled one (429) once retried',
  nothingOverwritten: 'reconciliation during traffic overwrote nothing (drift only where stats are pending)',
  statsAggregate: 'every partner: stats = aggregate of its referrals',
  statsPure:
    'every partner: stats = the pure expectation from the stories (contributionOf ∘ referralStateOf)',
  referralsPure: "every referral = the pure fold's referral",
  ledgerPure: "every ledger row = the pure fold's commission, and no other row",
  ledgerReconciled: "reconciliation's own ledger check finds no drift (rows add up to their referrals)",
  contested: 'contested users: the partner whose claim holds the user has all of it, the other nothing',
  neverReferred: 'users never referred: no referral, no commission, their facts kept',
  oneReferral: 'one referral per user',
  factsKept: 'no fact lost: every fact of every story is recorded',
  sharedLink: 'a Stripe id named by two users stays with the first one',
  nothingParked: 'nothing parked forever: no fact left waiting under a Stripe id',
  approvals: 'the approval runs approved exactly the commissions pending and due by their cutoff',
  nothingPending: 'no stats left pending after reconciliation',
  nothingRunning: 'no execution left running',
  failuresExplained: 'every failed execution explained (provoked on purpose or a malformed case)',
  deadLettersExplained: 'every dead letter explained (a malformed case)',
  malformedAnswered: 'every malformed event answered with a named error, durably',
  catchesFired: 'every Catch block fired (except those no traffic can reach, listed with the reason)',
  expressCompleted:
    'every Express attempt that did not succeed was completed by its Standard execution (same step, same name)',
} as const;

const RECONCILIATION = 'reconciliation';
const APPROVAL = 'approval';
const COMMISSION = 'commission';
/**
 * The approval runs after the traffic: two overlapping runs as of two cutoffs in the past (a catch-up and
 * a later run), so the later one finds commissions the earlier one is approving (its Catch `AlreadyApproved`).
 */
export const APPROVAL_CUTOFFS = ['2026-01-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z'] as const;
/** Failures the run provokes on purpose: rival claims, the repeated registration, unknown-partner clicks. */
const EXPECTED_FAILURES = new Set(['ReferralAlreadyClaimed', 'PartnerAlreadyRegistered', 'UnknownPartner']);

/**
 * After a crash, the recovery runs copies of the same facts at once: journaled executions run again,
 * accepted events are redelivered, clients resend what had no answer. A copy can then lose every race
 * for its referral's write and fail on the last cancellation (a redrivable failure, as on AWS). Nothing
 * depends on it: every execution of a user writes the referral computed from all its facts, and the
 * final-state checks (stats, referrals, ledger, facts) prove another one wrote it.
 */
function lostEveryRaceAfterCrash(e: ExecutionDescription, crashes: number): boolean {
  return (
    crashes > 0 && e.status === 'FAILED' && /TransactionCanceled|TransactionConflict/.test(e.error ?? '')
  );
}
/** The share of AWS's Retry and Wait times the run waits (chosen as the workflow tests choose theirs). */
const RETRY_DELAY_SCALE = 0.1;
const ARN_PREFIX = 'arn:aws:states:us-east-1:000000000000';
const isExpressTwin = (workflow: string): boolean => catchWorkflowOf(workflow) !== workflow;
const arnOf = (workflow: string) => `${ARN_PREFIX}:stateMachine:${workflow}`;

/**
 * Samples users' stories, delivers them through the local stack's EventBridge and Step Functions endpoints
 * with duplicates, reordering, concurrency, latency and injected faults, runs reconciliation during and after
 * the traffic and the approval runs after it, and checks the architecture's invariants against what the
 * pure fold of the stories says must be true.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const concurrency = options.concurrency ?? 4;
  const latency = options.latency ?? 0.1;
  const latencyMs = options.latencyMs ?? 25;
  const progress = options.onProgress ?? (() => undefined);
  const running: { cloud?: RunningLocalCloud } = {};
  const faults = chaosFaults({
    seed: options.seed,
    rate: options.faults,
    ...(latency > 0 ? { latency: { rate: latency, maxMs: latencyMs } } : {}),
    executionClosed: (arn) => running.cloud?.runtime.waitFor(arn) ?? Promise.resolve(),
  });
  const assemblyDir = options.assemblyDir ?? mkdtempSync(path.join(os.tmpdir(), 'chaos-cdk-'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chaos-data-'));
  const ports = { endpointPort: await freePort(), apiPort: await freePort() };
  // Every start over the same data directory and front ports (clients keep their endpoint); DynamoDB Local
  // and the Lambdas' internal endpoint get new ports, so work in flight at a crash cannot reach the new ones.
  // Never a port an earlier stack's DynamoDB Local had: calls still in flight from it must find no one.
  const usedDynamoDbPorts = new Set<number>();
  const newDynamoDbPort = async (): Promise<number> => {
    let port = await freePort();
    while (usedDynamoDbPorts.has(port)) port = await freePort();
    usedDynamoDbPorts.add(port);
    return port;
  };
  const startCloud = async () =>
    startLocalCloud({
      assemblyDir,
      dataDir,
      ...ports,
      dynamoDbPort: await newDynamoDbPort(),
      schedules: false,
      // A tenth of AWS's waits: at none, writers a conflict cancelled retry in lockstep and exhaust their
      // jittered back-offs (as in the workflow tests, test/support/world.ts).
      retryDelayScale: RETRY_DELAY_SCALE,
      faults: faults.injector,
      // Every Express attempt stays inspectable: the report counts them.
      expressKept: Number.POSITIVE_INFINITY,
    });
  let cloud = await startCloud();
  running.cloud = cloud;
  const incarnations = new Incarnations(cloud.runtime);
  // Resolves once the stack is up; a crash replaces it with its restart, which clients wait for.
  let up: Promise<void> = Promise.resolve();
  const crashes = options.crashes ?? 0;
  const recovery = { executions: 0, events: 0 };
  const crashAndRestart = () => {
    up = (async () => {
      await cloud.simulateCrash();
      const crashed = cloud.runtime;
      cloud = await startCloud();
      running.cloud = cloud;
      incarnations.replace(crashed, cloud.runtime);
      recovery.executions += cloud.recovered.executions;
      recovery.events += cloud.recovered.events;
    })();
    return up;
  };
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

    const scenario = generateScenario({ users: options.journeys, seed: options.seed });
    const plan = planDeliveries(scenario, { ...options, appBus, stripeBus });
    const http = await driveHttp(cloud, scenario, progress);

    // Deliveries, with a reconciliation started halfway through the traffic.
    let reconciliationDuringTraffic: string | undefined;
    const batches = chunk(plan.deliveries, 10);
    const sent = { putFailures: 0, commissionStarts: 0, commissionRefused: 0 };
    const crashAt = new Set(
      Array.from({ length: crashes }, (_, k) => Math.floor(((k + 1) * batches.length) / (crashes + 1))),
    );
    const untilUp = () => up;
    await inParallel(batches, concurrency, async (batch, i) => {
      if (i === Math.floor(batches.length / 2)) {
        reconciliationDuringTraffic = await resending(untilUp, () => startReconciliation(sfn));
      }
      if (crashAt.has(i)) await crashAndRestart();
      await up;
      await backlogBelow(cloud, MAX_BACKLOG);
      await sendBatch(events, sfn, batch, sent, untilUp);
      progress('deliveries', Math.min((i + 1) * 10, plan.deliveries.length), plan.deliveries.length);
    });
    const corpus = malformedCorpus(appBus, stripeBus);
    const rejected = new Map<string, string>();
    for (const c of corpus) {
      const error = await putOne(events, c.entry);
      if (error) rejected.set(c.marker, error);
    }
    await cloud.settle();

    // The approval runs, once the stories are told: what they find is what the pure fold says is due.
    progress('approval', 0, 1);
    const settled = await observe(ddb);
    const winners = winnersOf(scenario, settled);
    // The clicks the stack answered 302 are the ones it must have counted (a failed one is its own check).
    const told = { ...scenario, clicks: http.redirected };
    const storiesOnly = expectationOf(told, winners);
    const approvalArns = await Promise.all(
      APPROVAL_CUTOFFS.map(
        async (asOf) =>
          (
            await sfn.send(
              new StartExecutionCommand({
                stateMachineArn: arnOf(APPROVAL),
                input: JSON.stringify({ asOf }),
              }),
            )
          ).executionArn,
      ),
    );
    await cloud.settle();
    const approvalReports = await Promise.all(approvalArns.map((arn) => outputOf<ApprovalReport>(sfn, arn)));
    const approvalFacts = approvalFactsOf(incarnations);

    const before = await observe(ddb);
    const driftBefore = driftFromReferrals(before);
    const pendingBefore = pendingReferrals(before);

    progress('final reconciliation', 0, 1);
    const finalArn = await startReconciliation(sfn);
    await cloud.settle();
    const finalRun = await reconciliationRun(sfn, finalArn);
    const finalSummary = finalRun.report;
    const duringRun = reconciliationDuringTraffic
      ? await reconciliationRun(sfn, reconciliationDuringTraffic)
      : undefined;
    const after = await observe(ddb);
    const expected = expectationOf(told, winnersOf(scenario, after), approvalFacts.byUser);

    // Every execution described once (tens of thousands in a full run), then read by each report.
    const all = incarnations.list();
    const executions = tallyExecutions(cloud.runtime.workflowNames(), all);
    const catches = firedCatches(incarnations, all);
    const replays = replaysOf(incarnations, all);
    const malformed = answerMalformed(cloud, all, corpus, rejected);
    const cutoff = approvalReports.map((r) => r.asOf).sort()[approvalReports.length - 1] ?? '';
    const { checks, lost, doubleCounted } = checkInvariants({
      cloud,
      all,
      cutByCrash: incarnations.cutByCrash(),
      crashes,
      statesOf: (arn) => {
        try {
          return cloud.runtime.statesEntered(arn);
        } catch {
          return [];
        }
      },
      scenario,
      after,
      expected,
      malformed,
      corpus,
      catches,
      approvals: {
        due: pendingDueBy(storiesOnly, cutoff),
        facts: approvalFacts.all,
        byUser: approvalFacts.byUser,
        cutoff,
      },
    });
    checks.unshift(checkNothingOverwritten(driftBefore, pendingBefore));
    checks.unshift({
      name: CHECK_NAMES.clicksRedirected,
      ok: http.failed.length === 0,
      detail:
        http.failed.length === 0
          ? `${http.clicks} clicks`
          : `${http.failed.length} failed: ${http.failed.slice(0, 3).join('; ')}`,
    });
    const ledgerDrift = finalSummary.partnersWithLedgerDrift;
    checks.push({
      name: CHECK_NAMES.ledgerReconciled,
      ok: ledgerDrift === 0,
      detail:
        ledgerDrift === 0
          ? `${finalSummary.partnersChecked} partners in ${finalRun.executions.length} executions`
          : `${ledgerDrift} partners: ${JSON.stringify(finalSummary.ledgerDrift.slice(0, 3))}`,
    });
    const users = scenario.users;
    const figures: Record<string, number> = {
      'users (journeys)': users.length,
      'stack crashes (each followed by a start over the journal)': crashes,
      'executions run again from the journal after a crash': recovery.executions,
      'events delivered again from the journal after a crash': recovery.events,
      'executions that lost every race after a crash (redrivable)': all.filter((e) =>
        lostEveryRaceAfterCrash(e, crashes),
      ).length,
      partners: scenario.partners.length,
      'self-referrals (users who own their partner)': users.filter((u) => u.owner).length,
      'contested users (a second partner signs them up)': users.filter((u) => u.rival).length,
      'contested users the second partner won': users.filter(
        (u) => u.rival && winners.get(u.userId) === u.rival.partnerId,
      ).length,
      'users never referred': users.filter((u) => u.neverReferred).length,
      'pairs of users paid by one PaymentIntent': users.filter((u) => u.sharesPayment).length / 2,
      'story events': plan.deliveries.length - plan.duplicates,
      'early approvals left out of the stories (the stack cannot make one)': scenario.earlyApprovalsLeftOut,
      'deliveries (with duplicates)': plan.deliveries.length,
      duplicates: plan.duplicates,
      'users delivered out of order': plan.reorderedUsers,
      'PutEvents entries failed': sent.putFailures,
      'commission facts started on `commission` (StartExecution)': sent.commissionStarts,
      'commission redeliveries refused by name (ExecutionAlreadyExists)': sent.commissionRefused,
      'clicks sent': http.clicks,
      'clicks throttled by the API stage (429, retried)': http.throttled,
      'clicks failed (5xx, not counted)': http.failed.length,
      'unknown-partner clicks answered 404': http.unknownClicks,
      'facts recorded': [...after.facts.values()].reduce((n, f) => n + f.length, 0),
      'approval runs: approvals started': approvalReports.reduce((n, r) => n + r.approvalsStarted, 0),
      'approval runs: commissions approved': approvalFacts.all.length,
      'lifecycle facts recorded by their Express attempt': all.filter(
        (e) => isExpressTwin(e.workflow) && e.status === 'SUCCEEDED',
      ).length,
      'Express attempts failed, completed by the Standard step': all.filter(
        (e) => isExpressTwin(e.workflow) && e.status !== 'SUCCEEDED',
      ).length,
      'parked facts replayed once linked: by payment': replays.payment ?? 0,
      'parked facts replayed once linked: by refund': replays.refund ?? 0,
      'facts left waiting under a Stripe id': after.parked.length,
      'stats-pending notices queued': cloud.queues.messages('StatsPendingNotices').length,
      'partners drifting before final reconciliation': driftBefore.size,
      'referrals pending before final reconciliation': pendingBefore.length,
      'reconciliation during traffic: executions': duringRun?.executions.length ?? 0,
      'reconciliation during traffic: corrected': duringRun?.report.partnersCorrected ?? 0,
      'reconciliation during traffic: skipped (busy)': duringRun?.report.partnersSkipped ?? 0,
      'final reconciliation: executions': finalRun.executions.length,
      'final reconciliation: partners checked': finalSummary.partnersChecked,
      'final reconciliation: corrected': finalSummary.partnersCorrected,
      'final reconciliation: partners with ledger drift': ledgerDrift,
      'dead letters': cloud.deadLetters.length,
      lost,
      'double counted': doubleCounted,
    };
    return {
      options: { ...options, concurrency, latency, latencyMs, crashes } as ChaosReport['options'],
      figures,
      ledger: ledgerFigures(after.commissions),
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

interface ApprovalReport {
  approvalsStarted: number;
  pages: number;
  asOf: string;
}

// ---- traffic ---------------------------------------------------------------------------------------------

async function driveHttp(
  cloud: RunningLocalCloud,
  scenario: Scenario,
  progress: NonNullable<ChaosOptions['onProgress']>,
): Promise<{
  clicks: number;
  throttled: number;
  unknownClicks: number;
  /** Per partner, the clicks answered 302: the ones the stack counted. */
  redirected: Map<string, number>;
  /** Clicks answered otherwise, with the answer (the workflow's error is in its body). */
  failed: string[];
}> {
  const admin = await cloud.issuer.sign(
    { sub: 'chaos-admin', scope: DEFAULT_ADMIN_SCOPE },
    { audience: 'partner-referrals' },
  );
  const register = async (partner: Scenario['partners'][number], expected: number[]) => {
    const res = await fetch(`${cloud.apiUrl}/admin/partners`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        partnerId: partner.partnerId,
        displayName: `Chaos ${partner.partnerId}`,
        ...(partner.ownerUserId ? { ownerUserId: partner.ownerUserId } : {}),
      }),
    });
    if (!expected.includes(res.status))
      throw new Error(`registering ${partner.partnerId}: HTTP ${res.status} ${await res.text()}`);
  };
  await inParallel(scenario.partners, 4, (p) => register(p, [201]));
  // A repeated registration is answered 409 and changes nothing.
  const first = scenario.partners[0];
  if (first) await register(first, [409]);

  const clicks = [...scenario.clicks].flatMap(([partnerId, n]) => Array.from({ length: n }, () => partnerId));
  let done = 0;
  let throttled = 0;
  const redirected = new Map(scenario.partners.map((p) => [p.partnerId, 0]));
  const failed: string[] = [];
  await inParallel(clicks, 8, async (partnerId) => {
    // The stage's throttle answers 429 (the click is not counted); a browser's retry gets through. Any
    // other answer is a click the visitor lost: reported by its check, the run goes on.
    for (;;) {
      const res = await fetch(`${cloud.apiUrl}/r/${partnerId}`, { redirect: 'manual' });
      if (res.status === 302) {
        redirected.set(partnerId, (redirected.get(partnerId) ?? 0) + 1);
        break;
      }
      if (res.status !== 429) {
        failed.push(`${partnerId}: HTTP ${res.status} ${await res.text()}`);
        break;
      }
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
  return { clicks: clicks.length, throttled, unknownClicks, redirected, failed };
}

/**
 * One batch: its events in one PutEvents call (entries EventBridge rejects are resent once, a producer's
 * retry, the rest counted), its commission facts as StartExecution calls, all at once.
 */
async function sendBatch(
  events: EventBridgeClient,
  sfn: SFNClient,
  batch: readonly Delivery[],
  sent: { putFailures: number; commissionStarts: number; commissionRefused: number },
  untilUp: () => Promise<void>,
): Promise<void> {
  const entries: PutEventsRequestEntry[] = [];
  const starts: Promise<void>[] = [];
  for (const d of batch) {
    const target = d.target;
    if (target.via === 'events') {
      entries.push(target.entry);
      continue;
    }
    starts.push(
      (async () => {
        try {
          await resending(untilUp, () =>
            sfn.send(
              new StartExecutionCommand({
                stateMachineArn: arnOf(COMMISSION),
                name: target.name,
                input: JSON.stringify(target.input),
              }),
            ),
          );
          sent.commissionStarts += 1;
        } catch (error) {
          // A redelivery of the same fact: the execution of that name already ran (as in AWS, by name).
          if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
          sent.commissionRefused += 1;
        }
      })(),
    );
  }
  const put = async () => {
    let pending = entries;
    // A failed entry is sent again (twice at most); a crash's refusals are resent once the stack is up.
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      await untilUp();
      const out = await resending(untilUp, () => events.send(new PutEventsCommand({ Entries: pending })));
      pending = pending.filter((_, i) => out.Entries?.[i]?.ErrorCode !== undefined);
    }
    sent.putFailures += pending.length;
  };
  await Promise.all([...starts, entries.length > 0 ? put() : Promise.resolve()]);
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

/** Starts a reconciliation run: its first execution. */
async function startReconciliation(sfn: SFNClient): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: arnOf(RECONCILIATION) }),
  );
  if (!executionArn) throw new Error('StartExecution of reconciliation answered no executionArn');
  return executionArn;
}

/**
 * A reconciliation run, from its first execution (through DescribeExecution, as an operator follows it): a
 * chain of executions of one page of partners each, whose last one reports the run. Read once the cloud has
 * settled, so every execution of the chain has closed.
 */
async function reconciliationRun(
  sfn: SFNClient,
  firstExecutionArn: string,
): Promise<{ report: ReconciliationSummary; executions: string[] }> {
  const run = await followRun(firstExecutionArn, async (executionArn) => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      status: d.status ?? 'UNKNOWN',
      ...(d.output !== undefined ? { output: JSON.parse(d.output) as unknown } : {}),
      ...(d.error !== undefined ? { error: d.error } : {}),
      ...(d.cause !== undefined ? { cause: d.cause } : {}),
    };
  });
  if (run.status !== 'SUCCEEDED')
    throw new Error(`reconciliation ${firstExecutionArn}: partners failed: ${JSON.stringify(run.report)}`);
  return run;
}

async function outputOf<T>(sfn: SFNClient, executionArn: string | undefined): Promise<T> {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  if (d.status !== 'SUCCEEDED') throw new Error(`${executionArn} ended ${d.status}: ${d.error} ${d.cause}`);
  return JSON.parse(d.output ?? '{}') as T;
}

/** Who holds each user: the partner its claim names (contested users), else the story's partner. */
function winnersOf(scenario: Scenario, observation: Observation): Map<string, string> {
  return new Map(
    scenario.users.map((u) => [u.userId, observation.claims.get(u.userId) ?? u.partnerId] as const),
  );
}

/** The approval facts the approval runs recorded: the inputs of the `commission` executions they started. */
function approvalFactsOf(executions: Incarnations): { all: Fact[]; byUser: Map<string, Fact[]> } {
  const byUser = new Map<string, Fact[]>();
  const all: Fact[] = [];
  for (const e of executions.list(COMMISSION)) {
    if (!e.name.startsWith('approve-') || e.status !== 'SUCCEEDED') continue;
    const input = e.input as FactWorkflowInput;
    if (!input.userId) continue;
    all.push(input.fact);
    byUser.set(input.userId, [...(byUser.get(input.userId) ?? []), input.fact]);
  }
  return { all, byUser };
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
  executions: Incarnations,
  all: readonly ExecutionDescription[],
): { block: CatchBlock; fired: number }[] {
  const fired = new Map<string, number>();
  for (const e of all) {
    for (const state of executions.caughtStates(e.executionArn)) {
      const key = catchKey(catchWorkflowOf(e.workflow), state);
      fired.set(key, (fired.get(key) ?? 0) + 1);
    }
  }
  return catchBlocks().map((block) => ({
    block,
    fired: fired.get(catchKey(block.workflow, block.state)) ?? 0,
  }));
}

/** Replays of parked facts (StartExecution calls of `ReplayWaitingFact`), by the step that made them (twins as their step). */
function replaysOf(executions: Incarnations, all: readonly ExecutionDescription[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of all) {
    const n = executions.replays(e.executionArn);
    const step = catchWorkflowOf(e.workflow);
    if (n > 0) out[step] = (out[step] ?? 0) + n;
  }
  return out;
}

/** The ledger's rows by kind and status, and what they are worth. */
function ledgerFigures(rows: readonly Record<string, unknown>[]): Record<string, number> {
  const invoices = rows.filter((r) => r.type === 'invoice');
  const count = (f: (r: Record<string, unknown>) => boolean) => invoices.filter(f).length;
  const sum = (list: readonly Record<string, unknown>[], field: string) =>
    list.reduce((n, r) => n + Number(r[field] ?? 0), 0);
  const clawbacks = rows.filter((r) => r.type === 'clawback');
  return {
    'commissions created (one per commissionable invoice)': invoices.length,
    pending: count((r) => r.status === 'pending'),
    approved: count((r) => r.status === 'approved'),
    'paid out': count((r) => r.status === 'paid'),
    'on hold (open dispute or self-referral)': count((r) => r.status === 'on_hold'),
    'reversed fully (refund, lost dispute, rejected)': count((r) => r.status === 'reversed'),
    'reversed partly (still worth something)': count(
      (r) => r.status !== 'reversed' && r.status !== 'paid' && Number(r.reversedCents) > 0,
    ),
    'clawbacks (after payout)': clawbacks.length,
    'earned, cents': sum(invoices, 'earningsCents'),
    'reversed before payout, cents': sum(
      invoices.filter((r) => r.status !== 'paid'),
      'reversedCents',
    ),
    'clawed back, cents': -sum(clawbacks, 'netCents'),
    'net, cents': sum(rows, 'netCents'),
  };
}

/** Where each malformed case ended: a dead letter, a failed execution, a queue, or EventBridge's refusal. */
function answerMalformed(
  cloud: RunningLocalCloud,
  all: readonly ExecutionDescription[],
  corpus: readonly MalformedCase[],
  rejected: ReadonlyMap<string, string>,
): { name: string; answer: string }[] {
  // The durable answer first: a Standard execution's failure, before the Express attempt that led to it.
  const failed = all
    .filter((e) => e.status === 'FAILED')
    .sort((a, b) => Number(isExpressTwin(a.workflow)) - Number(isExpressTwin(b.workflow)));
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
    const queued = cloud.queues
      .names()
      .find((q) => cloud.queues.messages(q).some((m) => m.body.includes(c.marker)));
    if (queued) return { name: c.name, answer: `unrouted → ${queued}` };
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
  pending: readonly { partnerId: string }[],
): CheckResult {
  const explained = new Set(pending.map((r) => r.partnerId));
  const overwritten = [...drift].filter(([partnerId]) => !explained.has(partnerId));
  return {
    name: CHECK_NAMES.nothingOverwritten,
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

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const LEDGER_FIELDS = ['status', 'netCents', 'reversedCents', 'earningsCents', 'type'] as const;

function checkInvariants(args: {
  cloud: RunningLocalCloud;
  all: readonly ExecutionDescription[];
  /** Executions a crash cut off (see Incarnations.cutByCrash). */
  cutByCrash: ReadonlySet<string>;
  crashes: number;
  /** The states an execution entered, in order (what a failure report shows of its path). */
  statesOf: (executionArn: string) => string[];
  scenario: Scenario;
  after: Observation;
  expected: Expectation;
  malformed: { name: string; answer: string }[];
  corpus: readonly MalformedCase[];
  catches: { block: CatchBlock; fired: number }[];
  approvals: {
    due: readonly { commissionId: string }[];
    facts: readonly Fact[];
    byUser: ReadonlyMap<string, readonly Fact[]>;
    cutoff: string;
  };
}): { checks: CheckResult[]; lost: number; doubleCounted: number } {
  const { cloud, all, scenario, after, expected, malformed, corpus, catches, approvals } = args;
  const checks: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const first = (items: readonly string[], n = 5) =>
    items.slice(0, n).join('; ') + (items.length > n ? ` (+${items.length - n} more)` : '');
  let lost = 0;
  let doubleCounted = 0;

  const drift = driftFromReferrals(after);
  check(
    CHECK_NAMES.statsAggregate,
    drift.size === 0,
    drift.size === 0
      ? `${after.stats.size} partners`
      : first([...drift].map(([p, f]) => `${p}: ${f.join(',')}`)),
  );

  // Counters against the pure expectation (a counter missing from a stats row reads 0).
  const counterMismatches: string[] = [];
  for (const [partnerId, want] of expected.counters) {
    const got = after.stats.get(partnerId) as Record<string, unknown> | undefined;
    for (const k of COUNTERS) {
      const value = Number(got?.[k] ?? 0);
      if (value === want[k]) continue;
      counterMismatches.push(`${partnerId}.${k}: ${value} ≠ ${want[k]}`);
      if (value < want[k]) lost += 1;
      else doubleCounted += 1;
    }
  }
  check(
    CHECK_NAMES.statsPure,
    counterMismatches.length === 0,
    counterMismatches.length === 0
      ? `${expected.counters.size} partners × ${COUNTERS.length} counters`
      : first(counterMismatches),
  );

  // Referrals against the fold: every field the fold defines, as stored.
  const referralMismatches: string[] = [];
  let referralsCompared = 0;
  for (const [userId, state] of expected.states) {
    const raw = after.rawReferrals.get(userId);
    if (!state) {
      if (raw) referralMismatches.push(`${userId}: a referral the facts do not give`);
      continue;
    }
    if (!raw) {
      referralMismatches.push(`${userId}: no referral`);
      continue;
    }
    referralsCompared += 1;
    for (const [k, v] of Object.entries(state.referral)) {
      if (!same(raw[k], v))
        referralMismatches.push(`${userId}.${k}: ${JSON.stringify(raw[k])} ≠ ${JSON.stringify(v)}`);
    }
  }
  check(
    CHECK_NAMES.referralsPure,
    referralMismatches.length === 0,
    referralMismatches.length === 0 ? `${referralsCompared} referrals` : first(referralMismatches),
  );

  // The ledger against the fold, row by row, both ways.
  const ledgerMismatches: string[] = [];
  const seen = new Set<string>();
  for (const row of after.commissions) {
    const key = ledgerKey(String(row.partnerId), String(row.commissionId));
    seen.add(key);
    const want = expected.ledger.get(key);
    if (!want) {
      ledgerMismatches.push(`${key}: a row the facts do not give`);
      doubleCounted += 1;
      continue;
    }
    for (const f of LEDGER_FIELDS) {
      if (!same(row[f], want[f]))
        ledgerMismatches.push(`${key}.${f}: ${JSON.stringify(row[f])} ≠ ${JSON.stringify(want[f])}`);
    }
  }
  for (const key of expected.ledger.keys()) {
    if (seen.has(key)) continue;
    ledgerMismatches.push(`${key}: missing`);
    lost += 1;
  }
  check(
    CHECK_NAMES.ledgerPure,
    ledgerMismatches.length === 0,
    ledgerMismatches.length === 0
      ? `${after.commissions.length} rows = ${expected.ledger.size} commissions of the fold`
      : first(ledgerMismatches),
  );

  // Contested users: all of the user with the claim's partner, nothing with the other.
  const contestedProblems: string[] = [];
  const contested = scenario.users.filter((u) => u.rival);
  for (const user of contested) {
    const holder = after.claims.get(user.userId);
    const other = holder === user.partnerId ? user.rival?.partnerId : user.partnerId;
    const referrals = after.referrals.filter((r) => r.referredUserId === user.userId);
    if (!holder || (holder !== user.partnerId && holder !== user.rival?.partnerId))
      contestedProblems.push(`${user.userId}: claimed by ${holder ?? 'nobody'}`);
    if (referrals.length !== 1 || referrals[0]?.partnerId !== holder)
      contestedProblems.push(`${user.userId}: referrals with ${referrals.map((r) => r.partnerId).join(',')}`);
    if (after.commissions.some((c) => c.referredUserId === user.userId && c.partnerId === other))
      contestedProblems.push(`${user.userId}: a commission with ${other}`);
  }
  check(
    CHECK_NAMES.contested,
    contestedProblems.length === 0,
    contestedProblems.length === 0
      ? `${contested.length} contested users, ${contested.filter((u) => after.claims.get(u.userId) === u.rival?.partnerId).length} won by the second partner`
      : first(contestedProblems),
  );

  const neverReferred = scenario.users.filter((u) => u.neverReferred);
  const neverProblems = neverReferred.flatMap((u) => [
    ...(after.referrals.some((r) => r.referredUserId === u.userId) ? [`${u.userId}: a referral`] : []),
    ...(after.commissions.some((c) => c.referredUserId === u.userId) ? [`${u.userId}: a commission`] : []),
    ...((after.facts.get(u.userId)?.length ?? 0) < u.story.events.length
      ? [`${u.userId}: facts missing`]
      : []),
  ]);
  check(
    CHECK_NAMES.neverReferred,
    neverProblems.length === 0,
    neverProblems.length === 0
      ? `${neverReferred.length} users, ${neverReferred.reduce((n, u) => n + (after.facts.get(u.userId)?.length ?? 0), 0)} facts kept waiting for a signup`
      : first(neverProblems),
  );

  const perUser = new Map<string, number>();
  for (const r of after.referrals) perUser.set(r.referredUserId, (perUser.get(r.referredUserId) ?? 0) + 1);
  const doubled = [...perUser].filter(([, n]) => n > 1);
  doubleCounted += doubled.length;
  check(
    CHECK_NAMES.oneReferral,
    doubled.length === 0,
    doubled.length === 0 ? `${perUser.size} referred users` : first(doubled.map(([u, n]) => `${u}: ${n}`)),
  );

  // Every story fact recorded: Stripe and program facts by their natural key, app facts (keyed by the
  // EventBridge event id, which PutEvents assigns) by kind and time.
  const missingFacts: string[] = [];
  let factsExpected = 0;
  for (const user of scenario.users) {
    const recorded = after.facts.get(user.userId) ?? [];
    const keys = new Set(recorded.map((f) => f.key));
    const holder = after.claims.get(user.userId);
    for (const fact of factsOfUser(user, holder, approvals.byUser.get(user.userId))) {
      factsExpected += 1;
      const found =
        fact.kind === 'signup' || fact.kind === 'verified'
          ? recorded.some(
              (r) =>
                r.kind === fact.kind &&
                r.at === fact.at &&
                (r.kind !== 'signup' || fact.kind !== 'signup' || r.partnerId === fact.partnerId),
            )
          : keys.has(fact.key);
      if (!found) missingFacts.push(`${user.userId}: ${fact.key}`);
    }
  }
  lost += missingFacts.length;
  check(
    CHECK_NAMES.factsKept,
    missingFacts.length === 0,
    missingFacts.length === 0 ? `${factsExpected} facts` : first(missingFacts),
  );

  const pairs = scenario.users.filter((u) => u.sharesPayment);
  const linkProblems = pairs.flatMap((u) => {
    const owner = after.links.get(stripeLinks.payment(u.sharesPayment?.paymentIntentId ?? ''));
    return owner === u.userId || owner === u.sharesPayment?.with
      ? []
      : [`${u.sharesPayment?.paymentIntentId}: linked to ${owner ?? 'nobody'}`];
  });
  check(
    CHECK_NAMES.sharedLink,
    linkProblems.length === 0 && pairs.length > 0,
    linkProblems.length === 0
      ? `${pairs.length / 2} shared PaymentIntents, each linked to one user of its pair`
      : first(linkProblems),
  );

  check(
    CHECK_NAMES.nothingParked,
    after.parked.length === 0,
    after.parked.length === 0
      ? 'no fact waiting'
      : first(after.parked.map((p) => `${p.factKey} under ${p.link}`)),
  );

  const dueIds = new Set(approvals.due.map((c) => c.commissionId));
  const approvedIds = new Set(approvals.facts.map((f) => (f as { commissionId: string }).commissionId));
  const notApproved = [...dueIds].filter((id) => !approvedIds.has(id));
  const notDue = [...approvedIds].filter((id) => !dueIds.has(id));
  check(
    CHECK_NAMES.approvals,
    notApproved.length === 0 && notDue.length === 0 && approvals.facts.length === approvedIds.size,
    notApproved.length === 0 && notDue.length === 0
      ? `${approvedIds.size} commissions due by ${approvals.cutoff}, each approved once`
      : first([
          ...notApproved.map((id) => `${id}: due, not approved`),
          ...notDue.map((id) => `${id}: not due`),
        ]),
  );

  const pending = pendingReferrals(after);
  check(CHECK_NAMES.nothingPending, pending.length === 0, `${pending.length} referrals pending`);

  const running = all.filter((e) => e.status === 'RUNNING');
  check(
    CHECK_NAMES.nothingRunning,
    running.length === 0,
    `${all.length} executions, ${running.length} running`,
  );

  // An Express attempt that did not succeed hands its event to the Standard step, under the same name.
  // One a crash cut off never could: the redelivered event's later attempt (or its Standard) completes it.
  const standard = new Map(
    all.filter((e) => !isExpressTwin(e.workflow)).map((e) => [`${e.workflow}:${e.name}`, e]),
  );
  const succeededAttempts = new Set(
    all
      .filter((e) => isExpressTwin(e.workflow) && e.status === 'SUCCEEDED')
      .map((e) => `${e.workflow}:${e.name}`),
  );
  const attempts = all.filter((e) => isExpressTwin(e.workflow) && e.status !== 'SUCCEEDED');
  const uncompleted = attempts.filter((e) => {
    const s = standard.get(`${catchWorkflowOf(e.workflow)}:${e.name}`);
    if (args.cutByCrash.has(e.executionArn) && succeededAttempts.has(`${e.workflow}:${e.name}`)) return false;
    return (
      !s ||
      (s.status !== 'SUCCEEDED' &&
        !(s.status === 'FAILED' && EXPECTED_FAILURES.has(s.error ?? '')) &&
        !lostEveryRaceAfterCrash(s, args.crashes))
    );
  });
  check(
    CHECK_NAMES.expressCompleted,
    uncompleted.length === 0,
    uncompleted.length === 0
      ? `${attempts.length} Express attempts failed, each completed by its Standard execution`
      : first(uncompleted.map((e) => `${e.workflow}/${e.name} ${e.status} ${e.error ?? ''}`)),
  );
  const unexplained = all.filter(
    (e) =>
      e.status !== 'SUCCEEDED' &&
      // Failed under a crash (the services went away under it): its event or start was journaled.
      !args.cutByCrash.has(e.executionArn) &&
      !(isExpressTwin(e.workflow) && !uncompleted.includes(e)) &&
      !(e.status === 'FAILED' && EXPECTED_FAILURES.has(e.error ?? '')) &&
      !lostEveryRaceAfterCrash(e, args.crashes) &&
      !(e.status === 'FAILED' && corpus.some((c) => JSON.stringify(e.input).includes(c.marker))),
  );
  check(
    CHECK_NAMES.failuresExplained,
    unexplained.length === 0,
    unexplained.length === 0
      ? `${all.filter((e) => e.status === 'FAILED').length} failed, all explained`
      : first(
          unexplained.map(
            (e) =>
              `${e.workflow}/${e.name} ${e.status} ${e.error ?? ''} ${e.cause ?? ''} (last states: ${args.statesOf(e.executionArn).slice(-8).join(' → ')})`,
          ),
          3,
        ),
  );

  const strayLetters = cloud.deadLetters.filter(
    (d) => !corpus.some((c) => JSON.stringify(d.record.requestPayload).includes(c.marker)),
  );
  check(
    CHECK_NAMES.deadLettersExplained,
    strayLetters.length === 0,
    strayLetters.length === 0
      ? `${cloud.deadLetters.length} dead letters`
      : first(
          strayLetters.map((d) => `${d.functionName}: ${d.record.responsePayload.errorMessage}`),
          3,
        ),
  );

  const unanswered = malformed.filter((m) => m.answer === 'LOST');
  check(
    CHECK_NAMES.malformedAnswered,
    unanswered.length === 0,
    unanswered.length === 0
      ? `${malformed.length} cases`
      : `lost: ${unanswered.map((m) => m.name).join(', ')}`,
  );

  const required = catches.filter((c) => !c.block.unreachable);
  const silent = required.filter((c) => c.fired === 0);
  check(
    CHECK_NAMES.catchesFired,
    silent.length === 0,
    silent.length === 0
      ? `${required.length} of ${required.length} (${catches.length - required.length} unreachable by traffic)`
      : `silent: ${first(
          silent.map((c) => catchKey(c.block.workflow, c.block.state)),
          10,
        )}`,
  );
  return { checks, lost, doubleCounted };
}

// ---- helpers ---------------------------------------------------------------------------------------------

/**
 * Deliveries and executions in flight above which the sender waits. EventBridge itself would accept
 * everything at once; pacing only keeps one machine's engine from queueing thousands of calls, which
 * changes nothing about ordering (batches stay concurrent) and keeps the run fast.
 */
const MAX_BACKLOG = 64;

/**
 * A client call that a crash cut off (no answer: the connection refused or reset) is made again once
 * the stack is up, as a client without an answer must; an answer, even an error, is the stack's.
 */
async function resending<T>(untilUp: () => Promise<void>, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await untilUp();
    try {
      return await call();
    } catch (error) {
      const answered = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (answered !== undefined || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function backlogBelow(cloud: RunningLocalCloud, limit: number): Promise<void> {
  while (cloud.runtime.runningCount + cloud.eventBus.deliveriesInFlight >= limit) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
