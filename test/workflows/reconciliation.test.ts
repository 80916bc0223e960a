import { createHash } from 'node:crypto';
import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expressTwinOf, TABLE_NAMES, type IngestedStep } from '../../domain/config';
import type { ReconciliationSummary } from '../../domain/reconciliation';
import { handler as reconciliationCompute } from '../../lambdas/reconciliation-compute';
import reconciliationAsl from '../../statemachines/reconciliation.asl.json';
import {
  chargeRefundedEvent,
  invoicePaidEvent,
  invoicePaymentPaidEvent,
} from '../../local/events/stripe-events';
import { followRun, type RunOutcome } from '../../local/reconcile';
import { expectedCounters, ONE_AF_PLUS_MONTHLY_PAYMENT, World } from '../support/world';

/**
 * Reconciliation recomputes stats from referrals and must never overwrite increments landing meanwhile;
 * it checks the ledger rows against their referrals and reports, never corrects, what differs.
 */
let world: World;
/**
 * Work to run inside the next `action` step of one partner. `plan`: after its stats row and its referrals were
 * read, before the corrected write and its ledger rows are read. `accumulateLedger`: after a page of its ledger
 * rows was read, before the suspects are read again. Keyed by partner: the Map runs other partners too, in no
 * fixed order.
 */
let during: { action: 'plan' | 'accumulateLedger'; partnerId: string; work: () => Promise<void> } | undefined;

beforeAll(async () => {
  world = await World.start({
    lambdas: {
      'reconciliation-compute': async (event, context) => {
        const { action, partnerId } = event as { action?: string; partnerId?: string };
        if (during && during.action === action && during.partnerId === partnerId) {
          const { work } = during;
          during = undefined;
          await work();
        }
        return reconciliationCompute(event, context);
      },
    },
  });
});
afterAll(() => world.stop());

/** Starts a run and follows its chain of executions to the last one. */
async function run(): Promise<RunOutcome> {
  const { executionArn } = world.runtime.start('reconciliation', {});
  return followRun(executionArn, (arn) => world.runtime.waitFor(arn));
}
/** A run that must succeed: its report. */
async function reconcile(): Promise<ReconciliationSummary> {
  const outcome = await run();
  if (outcome.status !== 'SUCCEEDED') throw new Error(`partners failed: ${JSON.stringify(outcome.report)}`);
  return outcome.report;
}

/** A user's first invoice and the invoice payment that links its PaymentIntent (current API). */
async function firstPayment(userId: string): Promise<void> {
  await world.system.deliverStripeEvent(
    invoicePaidEvent({
      userId,
      invoiceId: `in_${userId}`,
      eventId: `evt_${userId}`,
      priceId: 'price_afplus_monthly',
      amountPaidCents: 2999,
      subscriptionId: `sub_${userId}`,
      customerId: `cus_${userId}`,
    }),
  );
  await world.system.deliverStripeEvent(
    invoicePaymentPaidEvent({
      eventId: `evt_inpay_${userId}`,
      invoicePaymentId: `inpay_${userId}`,
      invoiceId: `in_${userId}`,
      paymentIntentId: `pi_${userId}`,
      amountPaidCents: 2999,
    }),
  );
}

const refundOf = (userId: string, amountRefundedCents: number) =>
  chargeRefundedEvent({
    eventId: `evt_ref_${userId}_${amountRefundedCents}`,
    chargeId: `ch_${userId}`,
    paymentIntentId: `pi_${userId}`,
    amountCents: 2999,
    amountRefundedCents,
  });

/** A registered partner with one referred user who paid AF+ Monthly 2999 (one ledger row, 750 pending). */
async function partnerWithPayingUser(partnerId: string, userId: string): Promise<void> {
  expect(await world.registerPartner(partnerId)).toBe(201);
  await world.signup(partnerId, userId);
  await world.settle();
  await firstPayment(userId);
  await world.settle();
}

/** The partner's entry in the report's ledger drift (undefined: none). */
const ledgerDriftOf = (report: ReconciliationSummary, partnerId: string) =>
  report.ledgerDrift.find((p) => p.partnerId === partnerId);

async function paidReferral(partnerId: string, userId: string, amountPaidCents = 2999): Promise<void> {
  await world.signup(partnerId, userId);
  await world.settle();
  await world.system.deliverStripeEvent(
    invoicePaidEvent({
      userId,
      invoiceId: `in_${userId}`,
      eventId: `evt_${userId}`,
      priceId: 'price_afplus_monthly',
      amountPaidCents,
    }),
  );
  await world.settle();
}

const corrupt = (partnerId: string, values: Record<string, number>) =>
  world.db.send(
    new UpdateCommand({
      TableName: TABLE_NAMES.stats,
      Key: { partnerId },
      UpdateExpression: `SET ${Object.keys(values)
        .map((k) => `${k} = :${k}`)
        .join(', ')}`,
      ExpressionAttributeValues: Object.fromEntries(Object.entries(values).map(([k, v]) => [`:${k}`, v])),
    }),
  );

describe('reconciliation', () => {
  it('corrects drift, reports the fields that differed, keeps the clicks, and finds nothing the second time', async () => {
    await world.registerPartner('p_drift');
    await world.click('p_drift');
    await paidReferral('p_drift', 'u_drift');
    const truth = await world.counters('p_drift');
    await corrupt('p_drift', { totalPaid: 7, totalEarningsCents: 1 });

    const first = await reconcile();
    const second = await reconcile();

    expect(first.drift).toEqual(
      expect.arrayContaining([
        {
          partnerId: 'p_drift',
          fields: { totalPaid: { stored: 7, actual: 1 }, totalEarningsCents: { stored: 1, actual: 750 } },
        },
      ]),
    );
    expect(await world.counters('p_drift')).toEqual(truth);
    expect(truth.totalClicks).toBe(1);
    expect(second).toMatchObject({ partnersCorrected: 0 });
    expect(second.partnersChecked).toBe(first.partnersChecked);
  });

  it('an increment landing between its read and its write is not overwritten: the partner is redone', async () => {
    await world.registerPartner('p_race');
    await paidReferral('p_race', 'u_race');
    await corrupt('p_race', { totalRevenueCents: 0 });
    during = {
      action: 'plan',
      partnerId: 'p_race',
      work: async () => {
        await world.signup('p_race', 'u_race_late');
        await finished('signup', 'u_race_late');
      },
    };

    const { executionArn } = world.runtime.start('reconciliation', {});
    const done = await world.runtime.waitFor(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    // The conditional write on `version` failed once, and the partner was read again.
    expect(world.runtime.statesEntered(executionArn)).toContain('CountRetry');
    expect(await world.counters('p_race')).toMatchObject({
      totalSignups: 2,
      totalRevenueCents: ONE_AF_PLUS_MONTHLY_PAYMENT.totalRevenueCents,
    });
  });

  it('runs while clicks, signups and payments keep landing, and nothing is lost', async () => {
    const partners = ['p_live_a', 'p_live_b', 'p_live_c'];
    for (const p of partners) await world.registerPartner(p);
    await corrupt('p_live_a', { totalSignups: 40 });

    const traffic = partners.flatMap((p) => [
      ...Array.from({ length: 10 }, () => world.click(p)),
      ...Array.from({ length: 4 }, async (_, i) => {
        const userId = `u_${p}_${i}`;
        await world.signup(p, userId);
        await world.settle();
        if (i % 2 === 0) {
          await world.system.deliverStripeEvent(
            invoicePaidEvent({
              userId,
              invoiceId: `in_${userId}`,
              eventId: `evt_${userId}`,
              priceId: 'price_af_annual',
              amountPaidCents: 9900,
            }),
          );
        }
      }),
    ]);
    const reconciling = world.runtime.start('reconciliation', {});
    await Promise.all(traffic);
    const during = (await world.runtime.waitFor(reconciling.executionArn)).output as ReconciliationSummary;
    await world.settle();
    const final = await reconcile();

    for (const p of partners) {
      expect(await world.counters(p)).toEqual(
        expectedCounters({
          totalClicks: 10,
          totalSignups: 4,
          afSignups: 4,
          totalPaid: 2,
          afPaid: 2,
          afAnnualPaid: 2,
          activeSubscriptions: 2,
          afActiveSubscriptions: 2,
          totalRevenueCents: 19_800,
          netRevenueCents: 19_800,
          totalEarningsCents: 4_950,
          pendingEarningsCents: 4_950,
        }),
      );
    }
    // Referrals and their rows were written while they were read: none of that is ledger drift.
    for (const report of [during, final]) {
      for (const p of partners) expect([p, ledgerDriftOf(report, p)]).toEqual([p, undefined]);
    }
  });
});

describe('the ledger check', () => {
  it('reports exactly a row edited by hand and rows of a referral that does not exist, corrects neither, and is clean again once repaired', async () => {
    // Prepare: three partners, one paying user each; then edit one row and copy another under no referral
    await partnerWithPayingUser('p_ledger_edit', 'u_ledger_edit');
    await partnerWithPayingUser('p_ledger_ghost', 'u_ledger_ghost');
    await partnerWithPayingUser('p_ledger_clean', 'u_ledger_clean');
    const [clean] = await world.commissions('p_ledger_clean');
    expect(clean).toMatchObject({ referralId: 'ref_u_ledger_clean', status: 'pending', netCents: 750 });
    const before = await reconcile();
    await world.db.send(
      new UpdateCommand({
        TableName: TABLE_NAMES.commissions,
        Key: { partnerId: 'p_ledger_edit', commissionId: 'inv#in_u_ledger_edit' },
        UpdateExpression: 'SET netCents = :net',
        ExpressionAttributeValues: { ':net': 700 },
      }),
    );
    const [ghostSource] = await world.commissions('p_ledger_ghost');
    const ghost = { ...ghostSource, commissionId: 'inv#in_nobody', referralId: 'ref_nobody' };
    await world.db.send(new PutCommand({ TableName: TABLE_NAMES.commissions, Item: ghost }));
    const stats = {
      edit: await world.counters('p_ledger_edit'),
      ghost: await world.counters('p_ledger_ghost'),
    };

    // Act
    const report = await reconcile();

    // Assess: exactly those two, nothing for the untouched partner
    expect([before.partnersWithLedgerDrift, before.ledgerDrift]).toEqual([0, []]);
    expect(report.ledgerDrift).toEqual(
      expect.arrayContaining([
        {
          partnerId: 'p_ledger_edit',
          ledgerDrift: [
            { referralId: 'ref_u_ledger_edit', field: 'pendingCents', ledger: 700, referral: 750 },
          ],
        },
        {
          partnerId: 'p_ledger_ghost',
          ledgerDrift: [{ referralId: 'ref_nobody', field: 'referral', ledger: 1, referral: null }],
        },
      ]),
    );
    expect(report.ledgerDrift).toHaveLength(2);
    expect(report.partnersWithLedgerDrift).toBe(2);
    expect(ledgerDriftOf(report, 'p_ledger_clean')).toBeUndefined();
    // Reported, not corrected: the rows, the referral and the stats are as they were
    expect((await world.commissions('p_ledger_edit'))[0]).toMatchObject({ netCents: 700 });
    expect(await world.commissions('p_ledger_ghost')).toHaveLength(2);
    expect(await world.referral('p_ledger_edit', 'u_ledger_edit')).toMatchObject({ pendingCents: 750 });
    expect(await world.counters('p_ledger_edit')).toEqual(stats.edit);
    expect(await world.counters('p_ledger_ghost')).toEqual(stats.ghost);
    expect(report.drift.map((d) => d.partnerId)).not.toEqual(
      expect.arrayContaining(['p_ledger_edit', 'p_ledger_ghost']),
    );

    // Repaired by hand, the next run finds nothing
    await world.db.send(
      new UpdateCommand({
        TableName: TABLE_NAMES.commissions,
        Key: { partnerId: 'p_ledger_edit', commissionId: 'inv#in_u_ledger_edit' },
        UpdateExpression: 'SET netCents = :net',
        ExpressionAttributeValues: { ':net': 750 },
      }),
    );
    await world.db.send(
      new DeleteCommand({
        TableName: TABLE_NAMES.commissions,
        Key: { partnerId: 'p_ledger_ghost', commissionId: 'inv#in_nobody' },
      }),
    );
    expect(await reconcile()).toMatchObject({ partnersWithLedgerDrift: 0, ledgerDrift: [] });
  });

  it('a referral and its rows written between the referral and ledger reads are re-read, not reported', async () => {
    // Prepare: the refund rewrites the referral and its row after the referral pages were read
    await partnerWithPayingUser('p_ledger_live', 'u_ledger_live');
    during = {
      action: 'plan',
      partnerId: 'p_ledger_live',
      work: async () => {
        await world.system.deliverStripeEvent(refundOf('u_ledger_live', 1000));
        await finished('refund', 'u_ledger_live');
      },
    };

    // Act
    const { executionArn } = world.runtime.start('reconciliation', {});
    const done = await world.runtime.waitFor(executionArn);

    // Assess: the rows did not add up to the referral as read; the re-read saw it had been written since
    expect(done.status).toBe('SUCCEEDED');
    expect((await world.commissions('p_ledger_live'))[0]).toMatchObject({
      reversedCents: 250,
      netCents: 500,
    });
    expect(world.runtime.statesEntered(executionArn)).toEqual(
      expect.arrayContaining(['RecheckSuspects', 'RereadReferral', 'ConfirmLedgerDrift']),
    );
    const report = done.output as ReconciliationSummary;
    expect(ledgerDriftOf(report, 'p_ledger_live')).toBeUndefined();
    await world.settle();
    const next = await reconcile();
    expect(ledgerDriftOf(next, 'p_ledger_live')).toBeUndefined();
  });

  it('an edited row rewritten by the workflows after the ledger read is not reported with figures that no longer hold', async () => {
    // Prepare: a row edited by hand (a suspect), then rewritten with its referral (a refund) after the ledger
    // pages were read and before the suspect is read again
    await partnerWithPayingUser('p_ledger_heal', 'u_ledger_heal');
    await world.db.send(
      new UpdateCommand({
        TableName: TABLE_NAMES.commissions,
        Key: { partnerId: 'p_ledger_heal', commissionId: 'inv#in_u_ledger_heal' },
        UpdateExpression: 'SET netCents = :net',
        ExpressionAttributeValues: { ':net': 700 },
      }),
    );
    during = {
      action: 'accumulateLedger',
      partnerId: 'p_ledger_heal',
      work: async () => {
        await world.system.deliverStripeEvent(refundOf('u_ledger_heal', 1000));
        await finished('refund', 'u_ledger_heal');
      },
    };

    // Act
    const { executionArn } = world.runtime.start('reconciliation', {});
    const done = await world.runtime.waitFor(executionArn);

    // Assess: the rows read (700 pending) differ from the referral re-read (500 pending, 250 reversed), but the
    // referral was written in between (its factCount moved): left for the next run, which finds it repaired
    expect(done.status).toBe('SUCCEEDED');
    expect(world.runtime.statesEntered(executionArn)).toContain('ConfirmLedgerDrift');
    expect(ledgerDriftOf(done.output as ReconciliationSummary, 'p_ledger_heal')).toBeUndefined();
    expect((await world.commissions('p_ledger_heal'))[0]).toMatchObject({
      reversedCents: 250,
      netCents: 500,
    });
    await world.settle();
    expect(ledgerDriftOf(await reconcile(), 'p_ledger_heal')).toBeUndefined();
  });
});

/** Resolves once the user's execution of `workflow` has ended (`settle` would wait for the reconciliation too). */
async function finished(step: IngestedStep, userId: string): Promise<void> {
  for (;;) {
    // The fact's first attempt runs on the step's Express twin; the Standard step only if that failed.
    const execution = [...world.executions(expressTwinOf(step)), ...world.executions(step)].find((e) =>
      e.name.includes(userId),
    );
    if (execution) {
      await world.runtime.waitFor(execution.executionArn);
      return;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Partners per execution: the Scan `Limit` of the ASL. */
const PAGE: number = (
  reconciliationAsl as unknown as { States: { ListFirstPartners: { Parameters: { Limit: number } } } }
).States.ListFirstPartners.Parameters.Limit;

/** Every partner in the stats table. */
async function allPartners(): Promise<string[]> {
  const ids: string[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await world.db.send(
      new ScanCommand({ TableName: TABLE_NAMES.stats, ProjectionExpression: 'partnerId', ExclusiveStartKey }),
    );
    ids.push(...(page.Items ?? []).map((i) => i.partnerId as string));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return ids;
}

/** Map iterations of the partner Map in one execution. */
const partnersIn = (executionArn: string): number =>
  world.runtime.statesEntered(executionArn).filter((s) => s === 'ReconcilePartner').length;

describe('a run longer than one page of partners', () => {
  const registered: string[] = [];

  beforeAll(async () => {
    // More partners than a page holds, each with a stats row that says 3 signups it does not have
    for (let i = 0; i < PAGE + 5; i++) {
      const partnerId = `p_page_${String(i).padStart(2, '0')}`;
      expect(await world.registerPartner(partnerId)).toBe(201);
      registered.push(partnerId);
    }
  });
  beforeEach(async () => {
    for (const partnerId of registered) await corrupt(partnerId, { totalSignups: 3 });
  });
  afterEach(() => {
    world.faults = undefined;
  });

  it('continues as new executions, one page each, and corrects every partner; no history grows with the partners', async () => {
    // Prepare
    const partners = await allPartners();
    const pages = Math.ceil(partners.length / PAGE);
    expect(pages).toBeGreaterThan(1);

    // Act
    const { executionArn } = world.runtime.start('reconciliation', {}, 'run-pages');
    const outcome = await followRun(executionArn, (arn) => world.runtime.waitFor(arn));

    // Assess: a chain named by the run, every partner once, each corrected
    expect(outcome.status).toBe('SUCCEEDED');
    const key = createHash('md5').update('run-pages').digest('hex');
    expect(outcome.executions.map((arn) => arn.split(':').at(-1))).toEqual([
      'run-pages',
      ...Array.from({ length: outcome.executions.length - 1 }, (_, i) => `${key}-${i + 2}`),
    ]);
    expect(outcome.executions.length).toBeGreaterThanOrEqual(pages);
    expect(outcome.report).toMatchObject({
      run: { firstExecution: 'run-pages' },
      pages: outcome.executions.length,
      partnersChecked: partners.length,
      partnersFailed: 0,
    });
    expect(outcome.report.partnersCorrected).toBeGreaterThanOrEqual(registered.length);
    for (const partnerId of registered)
      expect(await world.counters(partnerId)).toMatchObject({ totalSignups: 0 });
    // Each execution reconciled one page at most, and its history is that page's, far below 25,000 events
    for (const arn of outcome.executions) {
      expect(partnersIn(arn)).toBeLessThanOrEqual(PAGE);
      expect(world.runtime.history(arn).length).toBeLessThan(PAGE * 100);
    }
    expect(outcome.executions.map(partnersIn).reduce((a, b) => a + b, 0)).toBe(partners.length);
  });

  it('a partner that cannot be summed is reported with its reason, the others are corrected, and the next run tries it again', async () => {
    // Prepare: a referral row reconciliation-compute rejects (an unknown status)
    await world.registerPartner('p_broken');
    const broken = {
      partnerId: 'p_broken',
      referralId: 'ref_broken',
      referredUserId: 'u_broken',
      status: 'lost',
    };
    await world.db.send(new PutCommand({ TableName: TABLE_NAMES.referrals, Item: broken }));

    // Act
    const failed = await run();

    // Assess: the run went through every partner, and its last execution failed PartnersFailed with the report
    expect(failed.status).toBe('PARTNERS_FAILED');
    const last = world.runtime.describe(failed.executions.at(-1) ?? '');
    expect([last.status, last.error]).toEqual(['FAILED', 'PartnersFailed']);
    expect(failed.report).toMatchObject({
      partnersChecked: (await allPartners()).length,
      partnersFailed: 1,
      failures: [
        { partnerId: 'p_broken', error: 'MalformedEvent', cause: expect.stringContaining('status') },
      ],
      failuresOmitted: 0,
    });
    for (const partnerId of registered)
      expect(await world.counters(partnerId)).toMatchObject({ totalSignups: 0 });

    // Repaired, the next run reconciles it like any other
    await world.db.send(
      new DeleteCommand({
        TableName: TABLE_NAMES.referrals,
        Key: { partnerId: 'p_broken', referralId: 'ref_broken' },
      }),
    );
    await corrupt('p_broken', { totalPaid: 2 });
    const next = await reconcile();
    expect(next).toMatchObject({ partnersFailed: 0, failures: [] });
    expect(next.drift).toEqual(
      expect.arrayContaining([{ partnerId: 'p_broken', fields: { totalPaid: { stored: 2, actual: 0 } } }]),
    );
  });

  it('a continuation whose start is retried after its answer was lost does not start a second chain', async () => {
    // Prepare: the first execution's start of its continuation succeeds, but its answer is lost; the retry
    // comes once the continuation has ended, so Step Functions refuses the name (ExecutionAlreadyExists)
    const first = 'run-lost-answer';
    world.faults = (call) => {
      if (call.executionName !== first || call.stateName !== 'ContinueAsNewExecution') return undefined;
      if (call.attempt === 1) {
        return {
          kind: 'lost-response',
          error: 'StepFunctions.SdkClientException',
          cause: 'Unable to execute HTTP request: Read timed out',
        };
      }
      const { Name } = call.parameters as { Name: string };
      const continuation = world.executions('reconciliation').find((e) => e.name === Name);
      return { kind: 'hold', until: world.runtime.waitFor(continuation?.executionArn ?? '') };
    };

    // Act
    const { executionArn } = world.runtime.start('reconciliation', {}, first);
    const outcome = await followRun(executionArn, (arn) => world.runtime.waitFor(arn));
    await world.runtime.waitForIdle();

    // Assess: started twice, refused once, and one chain that counted every partner once
    const starts = world.runtime
      .taskCalls(executionArn)
      .filter((c) => c.stateName === 'ContinueAsNewExecution');
    expect(starts.map((c) => c.outcome?.ok === true || c.outcome?.error)).toEqual([
      'StepFunctions.SdkClientException',
      'StepFunctions.ExecutionAlreadyExistsException',
    ]);
    expect(world.runtime.caughtStates(executionArn)).toEqual(['ContinueAsNewExecution']);
    const key = createHash('md5').update(first).digest('hex');
    const chain = world
      .executions('reconciliation')
      .filter((e) => e.name === first || e.name.startsWith(key));
    expect(chain.map((e) => e.executionArn)).toEqual(outcome.executions);
    expect(outcome.report.partnersChecked).toBe((await allPartners()).length);
    for (const partnerId of registered)
      expect(await world.counters(partnerId)).toMatchObject({ totalSignups: 0 });
  });

  it('a correction cancelled by a transaction conflict backs off and writes again, without reading the partner again', async () => {
    // Prepare: the first correction of each execution is cancelled as AWS cancels a conflicting transaction
    world.faults = (call) =>
      call.workflow === 'reconciliation' && call.stateName === 'WriteCorrection' && call.attempt === 1
        ? {
            kind: 'throw',
            error: 'DynamoDb.TransactionCanceledException',
            cause:
              'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None] (Service: DynamoDb, Status Code: 400, Request ID: X)',
          }
        : undefined;

    // Act
    const outcome = await run();

    // Assess: each execution backed off once and wrote again; nothing was read twice, every partner corrected
    expect(outcome.status).toBe('SUCCEEDED');
    for (const arn of outcome.executions) {
      const entered = world.runtime.statesEntered(arn);
      expect(world.runtime.caughtStates(arn)).toEqual(['WriteCorrection']);
      expect(entered.filter((s) => s === 'WriteCorrectionBackOff')).toHaveLength(1);
      expect(entered.filter((s) => s === 'WriteCorrectionWaitOut')).toHaveLength(1);
      expect(entered).not.toContain('CountRetry');
      expect(entered.filter((s) => s === 'ReadStats')).toHaveLength(partnersIn(arn));
    }
    expect(outcome.report.partnersSkipped).toBe(0);
    for (const partnerId of registered)
      expect(await world.counters(partnerId)).toMatchObject({ totalSignups: 0 });
  });
});
