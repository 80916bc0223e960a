import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { catchBlocks, FACT_KINDS_BY_WORKFLOW, LINKING_KINDS } from '../../chaos/catches';
import { planDeliveries, type DeliveryTarget } from '../../chaos/deliveries';
import { expectationOf, factsOfUser, pendingDueBy } from '../../chaos/expected';
import { chaosFaults } from '../../chaos/faults';
import { driftFromReferrals } from '../../chaos/observe';
import { generateScenario, withoutEarlyApprovals } from '../../chaos/scenario';
import { DEFAULT_TERMS } from '../../chaos/user-story';
import { mapAppEvent } from '../../domain/app-events';
import { DEFAULT_PRICE_MAP, FACT_WORKFLOWS, type FactWorkflowName } from '../../domain/config';
import { contributionOf } from '../../domain/contribution';
import { referralStateOf } from '../../domain/lifecycle';
import { zeroCounters } from '../../domain/stats';
import { mapStripeEvent } from '../../domain/stripe-events';
import { isIgnored, type WorkflowStart } from '../../domain/workflow-inputs';
import type { TaskCall } from '../../local/workflow-runtime';
import { paidReferral } from '../unit/builders';

const ROOT = path.join(__dirname, '..', '..');
const BUSES = { appBus: 'partner-referrals', stripeBus: 'aws.partner/stripe.com/ed_chaos' };
const call: TaskCall = {
  workflow: 'payment',
  executionName: 'payment-in_1',
  stateName: 'ApplyChangeToStats',
  resource: 'arn:aws:states:::aws-sdk:dynamodb:transactWriteItems',
  attempt: 1,
  parameters: {},
};

describe('the chaos scenario', () => {
  it('is reproducible from its seed and differs with another seed', () => {
    const a = generateScenario({ users: 120, seed: 3 });
    expect(generateScenario({ users: 120, seed: 3 })).toEqual(a);
    expect(generateScenario({ users: 120, seed: 4 })).not.toEqual(a);
  });

  const scenario = generateScenario({ users: 400, seed: 5 });

  it('gives every user its own ids, and at most one owner (a self-referral) per partner', () => {
    const ids = (field: string) =>
      scenario.users.flatMap((u) =>
        u.story.events.flatMap((e) => {
          const v = (e as unknown as Record<string, unknown>)[field];
          return typeof v === 'string' ? [`${v}`] : [];
        }),
      );
    const invoices = new Set(ids('invoiceId'));
    const owners = scenario.users.flatMap((u) => (u.owner ? [u.userId] : []));
    expect(new Set(scenario.users.map((u) => u.userId)).size).toBe(400);
    for (const user of scenario.users) {
      for (const e of user.story.events) {
        if ('userId' in e) expect(e.userId).toBe(user.userId);
        if (e.type === 'invoice.paid')
          expect(e.invoiceId.endsWith(user.userId.slice(user.userId.lastIndexOf('_')))).toBe(true);
      }
    }
    expect(invoices.size).toBeGreaterThan(400);
    expect(owners.length).toBeGreaterThan(0);
    expect(owners.sort()).toEqual(
      scenario.partners.flatMap((p) => (p.ownerUserId ? [p.ownerUserId] : [])).sort(),
    );
    expect(scenario.users.filter((u) => u.owner).every((u) => !u.rival && !u.neverReferred)).toBe(true);
  });

  it('has contested users, users never referred and pairs of users paid by one PaymentIntent', () => {
    const contested = scenario.users.filter((u) => u.rival);
    const never = scenario.users.filter((u) => u.neverReferred);
    const sharing = scenario.users.filter((u) => u.sharesPayment);
    expect(contested.length).toBeGreaterThan(0);
    for (const u of contested) {
      expect(u.rival?.partnerId).not.toBe(u.partnerId);
      expect(u.rival?.userId).toBe(u.userId);
    }
    expect(never.length).toBeGreaterThan(0);
    for (const u of never) {
      expect(u.story.events.some((e) => e.type === 'UserSignedUp' || e.type.startsWith('commission.'))).toBe(
        false,
      );
    }
    expect(sharing.length).toBe(8);
    for (const u of sharing) {
      const partner = sharing.find((o) => o.userId === u.sharesPayment?.with);
      expect(partner?.sharesPayment).toEqual({
        with: u.userId,
        paymentIntentId: u.sharesPayment?.paymentIntentId,
      });
      const pi = u.sharesPayment?.paymentIntentId;
      expect(
        u.story.events.filter((e) => 'paymentIntentId' in e && e.paymentIntentId === pi).map((e) => e.type),
      ).toEqual(['invoice_payment.paid']);
    }
  });

  it('leaves out approvals made before their commission was due, and only those', () => {
    const story = {
      userId: 'u',
      partnerId: 'p',
      events: [
        { type: 'invoice.paid', invoiceId: 'in_1', at: '2026-01-01T00:00:00.000Z' },
        { type: 'commission.approved', invoiceId: 'in_1', at: '2026-01-30T23:59:59.000Z' },
        { type: 'commission.approved', invoiceId: 'in_1', at: '2026-01-31T00:00:00.000Z' },
      ],
    } as never;
    expect(withoutEarlyApprovals(story, DEFAULT_TERMS).events.map((e) => e.at)).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-31T00:00:00.000Z',
    ]);
    expect(scenario.earlyApprovalsLeftOut).toBeGreaterThan(0);
  });
});

describe('the pure expectation', () => {
  const scenario = generateScenario({ users: 150, seed: 8 });
  const expectation = expectationOf(scenario, new Map());

  it("is each user's fold: the counters sum the referrals' contributions, the ledger their commissions", () => {
    let paid = 0;
    let rows = 0;
    for (const user of scenario.users) {
      const state = referralStateOf(user.userId, factsOfUser(user, undefined), DEFAULT_TERMS);
      expect(expectation.states.get(user.userId)).toEqual(state);
      if (user.neverReferred) expect(state).toBeUndefined();
      paid += state?.referral.paidAt ? 1 : 0;
      rows += state?.commissions.length ?? 0;
    }
    const total = (k: 'totalPaid' | 'totalClicks') =>
      [...expectation.counters.values()].reduce((n, c) => n + c[k], 0);
    expect(total('totalPaid')).toBe(paid);
    expect(total('totalClicks')).toBe([...scenario.clicks.values()].reduce((a, b) => a + b, 0));
    expect(expectation.ledger.size).toBe(rows);
  });

  it('gives a contested user, with its facts, to the partner whose claim won', () => {
    const user = scenario.users.find((u) => u.rival);
    const rival = user?.rival?.partnerId ?? '';
    const won = expectationOf(scenario, new Map([[user?.userId ?? '', rival]]));
    expect(won.states.get(user?.userId ?? '')?.referral.partnerId).toBe(rival);
    expect(expectation.states.get(user?.userId ?? '')?.referral.partnerId).toBe(user?.partnerId);
  });

  it('folds the approval runs in: what is pending and due by the cutoff becomes approved', () => {
    const due = pendingDueBy(expectation, '2026-07-01T00:00:00.000Z');
    expect(due.length).toBeGreaterThan(0);
    const approvals = new Map<string, never[]>();
    for (const c of due) {
      const fact = {
        kind: 'approval',
        key: `approval#${c.commissionId}`,
        at: '2026-07-01T00:00:00.000Z',
        commissionId: c.commissionId,
      };
      approvals.set(c.referredUserId, [...(approvals.get(c.referredUserId) ?? []), fact as never]);
    }
    const approved = expectationOf(scenario, new Map(), approvals);
    expect(pendingDueBy(approved, '2026-07-01T00:00:00.000Z')).toEqual([]);
    for (const c of due)
      expect(approved.ledger.get(`${c.partnerId}|${c.commissionId}`)?.status).toBe('approved');
  });
});

describe('the deliveries', () => {
  const scenario = generateScenario({ users: 200, seed: 9 });
  const plan = planDeliveries(scenario, { seed: 9, duplicates: 0.2, reorder: 0.1, ...BUSES });

  it('deliver every story event once, plus the duplicates, with commission facts on `commission`', () => {
    const events = scenario.users.reduce((n, u) => n + u.story.events.length + (u.rival ? 1 : 0), 0);
    expect(plan.deliveries.length).toBe(events + plan.duplicates);
    expect(plan.duplicates).toBeGreaterThan(0);
    expect(plan.reorderedUsers).toBeGreaterThan(0);
    for (const d of plan.deliveries) {
      expect(d.target.via === 'commission').toBe(d.type.startsWith('commission.'));
    }
  });

  /** The PutEvents entry as its rule's target receives it. */
  const envelopeOf = (target: DeliveryTarget & { via: 'events' }) => ({
    version: '0',
    id: 'evt-chaos',
    'detail-type': target.entry.DetailType,
    source: target.entry.Source,
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: JSON.parse(target.entry.Detail ?? '{}') as unknown,
  });

  it('start each fact on the state machine the Catch table says records its kind, linking ids only where it says', () => {
    const seen = new Set<string>();
    for (const d of plan.deliveries) {
      let start: WorkflowStart;
      if (d.target.via === 'commission') {
        start = { workflow: 'commission', executionName: d.target.name, input: d.target.input };
      } else {
        const envelope = envelopeOf(d.target);
        const outcome =
          d.target.entry.EventBusName === BUSES.appBus
            ? mapAppEvent(envelope, { identitySalt: 'salt' })
            : mapStripeEvent(envelope, { priceMap: DEFAULT_PRICE_MAP, programCurrency: 'usd' });
        if (isIgnored(outcome)) throw new Error(`${d.type} ignored: ${outcome.ignore}`);
        start = outcome;
      }
      const kind = start.input.fact.kind;
      expect(FACT_KINDS_BY_WORKFLOW[start.workflow]).toContain(kind);
      expect(start.input.links.length > 0).toBe(LINKING_KINDS.includes(kind));
      seen.add(`${start.workflow}:${kind}`);
    }
    const all = Object.entries(FACT_KINDS_BY_WORKFLOW).flatMap(([w, kinds]) => kinds.map((k) => `${w}:${k}`));
    expect([...seen].sort()).toEqual(all.sort());
  });
});

describe('the Catch table', () => {
  it('lists every Catch of every state machine, the lifecycle ones per state machine', () => {
    const blocks = catchBlocks();
    for (const wf of FACT_WORKFLOWS) {
      expect(blocks.filter((b) => b.workflow === wf).map((b) => b.state)).toEqual([
        'ClaimReferredUser',
        'RecordFact',
        'ClaimStripeLink',
        'ReplayWaitingFact',
        'WriteReferralAndLedger',
        'ApplyChangeToStats',
        'AnnounceStatsPending',
      ]);
    }
    const reachable = (wf: FactWorkflowName) =>
      blocks.filter((b) => b.workflow === wf && !b.unreachable).map((b) => b.state);
    expect(reachable('signup')).toEqual([
      'ClaimReferredUser',
      'WriteReferralAndLedger',
      'ApplyChangeToStats',
      'AnnounceStatsPending',
    ]);
    expect(reachable('payment')).toEqual([
      'ClaimStripeLink',
      'ReplayWaitingFact',
      'WriteReferralAndLedger',
      'ApplyChangeToStats',
      'AnnounceStatsPending',
    ]);
    expect(reachable('refund')).toEqual([
      'ReplayWaitingFact',
      'WriteReferralAndLedger',
      'ApplyChangeToStats',
      'AnnounceStatsPending',
    ]);
    expect(reachable('verify')).toEqual([
      'WriteReferralAndLedger',
      'ApplyChangeToStats',
      'AnnounceStatsPending',
    ]);
    for (const wf of ['registration', 'click', 'approval'])
      expect(blocks.filter((b) => b.workflow === wf && !b.unreachable)).toHaveLength(1);
  });

  it("walks into a Map's item processor and a Parallel's branches", () => {
    // ReconcilePartner is a one-branch Parallel inside the partner Map; WriteCorrection is in its branch.
    const reconciliation = catchBlocks().filter((b) => b.workflow === 'reconciliation');
    expect(reconciliation.map((b) => [b.state, b.next, b.unreachable !== undefined])).toEqual([
      ['ReconcilePartner', 'PartnerFailed', true],
      ['WriteCorrection', 'WriteCorrectionCanceled', false],
      ['ContinueAsNewExecution', 'ContinuedAsNew', true],
    ]);
  });
});

describe('the drift check', () => {
  it('finds a partner whose stats differ from its referrals', () => {
    const referral = paidReferral({ partnerId: 'p1' });
    const right = { ...zeroCounters(), ...contributionOf(referral) };
    const observation = (totalPaid: number) => ({
      referrals: [referral],
      stats: new Map([['p1', { ...right, totalPaid, partnerId: 'p1', version: 1 } as never]]),
    });
    expect(driftFromReferrals(observation(1)).size).toBe(0);
    expect(driftFromReferrals(observation(2)).get('p1')).toEqual(['totalPaid']);
  });
});

describe('fault injection', () => {
  const errorOf = (d: ReturnType<ReturnType<typeof chaosFaults>['injector']>) =>
    d && d.kind !== 'hold' ? d.error : undefined;

  it('injects nothing at rate 0 without latency', () => {
    expect(chaosFaults({ seed: 1, rate: 0 }).injector(call)).toBeUndefined();
  });

  it('decides transient faults the same way for the same call whatever the order of calls', () => {
    const a = chaosFaults({ seed: 9, rate: 0.5 }).injector;
    const b = chaosFaults({ seed: 9, rate: 0.5 }).injector;
    const record = { ...call, stateName: 'RecordFact', resource: 'arn:aws:states:::dynamodb:putItem' };
    const calls = Array.from({ length: 50 }, (_, i) => ({ ...record, executionName: `payment-in_${i}` }));
    const forward = calls.map((c) => a(c));
    const backward = [...calls]
      .reverse()
      .map((c) => b(c))
      .reverse();
    expect(backward).toEqual(forward);
    expect(forward.some((d) => d !== undefined)).toBe(true);
  });

  it("gives the first execution to reach a workflow's stats write an outage on every attempt, latency or not", () => {
    const { injector, counts } = chaosFaults({ seed: 1, rate: 0.01, latency: { rate: 1, maxMs: 1 } });
    const attempts = [1, 2, 3, 4, 5, 6, 7].map((attempt) => injector({ ...call, attempt }));
    const notice = injector({
      ...call,
      stateName: 'AnnounceStatsPending',
      resource: 'arn:aws:states:::events:putEvents',
    });
    expect(attempts.map(errorOf)).toEqual(Array(7).fill('DynamoDb.ProvisionedThroughputExceededException'));
    expect(errorOf(notice)).toBe('EventBridge.InternalException');
    expect(counts.get('stats write outage')).toBe(7);
    // Another execution's calls get no fault here: latency holds them instead.
    expect(injector({ ...call, executionName: 'payment-in_2', stateName: 'RecordFact' })).toMatchObject({
      kind: 'hold',
    });
  });

  it("loses the first replay's response, and holds its retry and a Map's next replay until the replay before has ended", async () => {
    const closed: string[] = [];
    let release: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (release = resolve));
    const { injector, counts } = chaosFaults({
      seed: 1,
      rate: 0.01,
      executionClosed: (arn) => {
        closed.push(arn);
        return ended;
      },
    });
    const replay = (name: string): TaskCall => ({
      ...call,
      stateName: 'ReplayWaitingFact',
      resource: 'arn:aws:states:::states:startExecution',
      parameters: {
        StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:refund',
        Name: name,
      },
    });
    expect(injector(replay('linked-a'))).toMatchObject({
      kind: 'lost-response',
      error: 'StepFunctions.SdkClientException',
    });
    const retry = injector(replay('linked-a'));
    const next = injector(replay('linked-b'));
    expect(retry?.kind).toBe('hold');
    expect(next?.kind).toBe('hold');
    expect(closed).toEqual([
      'arn:aws:states:us-east-1:000000000000:execution:refund:linked-a',
      'arn:aws:states:us-east-1:000000000000:execution:refund:linked-a',
    ]);
    release();
    await (retry as { until: PromiseLike<unknown> }).until;
    expect(counts.get('replay response lost')).toBe(1);
    expect(counts.get('replay after the one before it')).toBe(1);
  });

  it('cannot reach the deployed stack: no deployed source imports the local runtime or the harness', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const full = path.join(dir, name);
        return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
      });
    const deployed = ['domain', 'lambdas', 'infra'].flatMap((d) => sources(path.join(ROOT, d)));
    const offending = deployed.filter((file) =>
      /from '(\.\.\/)+(local|chaos)\//.test(readFileSync(file, 'utf8')),
    );
    expect(deployed.length).toBeGreaterThan(20);
    expect(offending).toEqual([]);
  });
});
