import { FACT_WORKFLOWS } from '../../domain/config';
import { CHECK_NAMES, runChaos, type ChaosReport } from '../../chaos/run';

/**
 * The small default chaos run, part of `npm test`: 400 users' sampled stories over 16 partners with 20%
 * duplicates, 10% of the users out of order, 5% faults and 10% latency through the local stack. Every
 * invariant must hold and every Catch block that traffic can reach must fire.
 */
const USERS = Number(process.env.CHAOS_TEST_USERS ?? 400);
let report: ChaosReport;

beforeAll(async () => {
  report = await runChaos({
    journeys: USERS,
    duplicates: 0.2,
    reorder: 0.1,
    faults: 0.05,
    latency: 0.1,
    latencyMs: 25,
    seed: 11,
  });
}, 900_000);

it.each(Object.values(CHECK_NAMES))('holds: %s', (name) => {
  // A broken invariant shows its detail (what broke, where) rather than only `ok: false`.
  const check = report.checks.find((c) => c.name === name);
  expect(check?.ok ? 'holds' : (check?.detail ?? 'not checked')).toBe('holds');
});

it('checked every invariant it names', () => {
  expect(report.checks.map((c) => c.name).sort()).toEqual(Object.values(CHECK_NAMES).sort());
  expect(report.ok).toBe(true);
});

it('lost nothing and counted nothing twice', () => {
  expect(report.figures).toMatchObject({
    lost: 0,
    'double counted': 0,
    'facts left waiting under a Stripe id': 0,
  });
});

it('told the stories with their twists: duplicates, reordering, contests, unreferred users, a shared PaymentIntent', () => {
  const f = report.figures;
  expect(f.duplicates).toBeGreaterThan(0);
  expect(f['users delivered out of order']).toBeGreaterThan(0);
  expect(f['contested users (a second partner signs them up)']).toBeGreaterThan(0);
  expect(f['users never referred']).toBeGreaterThan(0);
  expect(f['pairs of users paid by one PaymentIntent']).toBeGreaterThan(0);
  expect(f['self-referrals (users who own their partner)']).toBeGreaterThan(0);
  expect(f['commission facts started on `commission` (StartExecution)']).toBeGreaterThan(0);
  expect(f['approval runs: commissions approved']).toBeGreaterThan(0);
  // Express first, Standard on failure: most facts end in their Express attempt, the failed ones in Standard.
  expect(f['lifecycle facts recorded by their Express attempt']).toBeGreaterThan(
    f['Express attempts failed, completed by the Standard step'] ?? 0,
  );
  expect(f['Express attempts failed, completed by the Standard step']).toBeGreaterThan(0);
});

it('built a ledger with every kind of row', () => {
  const l = report.ledger;
  for (const k of [
    'commissions created (one per commissionable invoice)',
    'pending',
    'approved',
    'paid out',
    'on hold (open dispute or self-referral)',
    'reversed fully (refund, lost dispute, rejected)',
    'reversed partly (still worth something)',
    'clawbacks (after payout)',
  ]) {
    expect([k, l[k]]).toEqual([k, expect.any(Number)]);
    expect([k, l[k] ?? 0]).not.toEqual([k, 0]);
  }
});

it('injected each common kind of fault, and latency', () => {
  // EventBridge errors hit only the notices of outage executions: too rare to require in every run.
  expect(Object.keys(report.faults)).toEqual(
    expect.arrayContaining([
      'express attempt failed',
      'latency',
      'lambda error',
      'lambda timeout',
      'notice outage',
      'replay response lost',
      'replay after the one before it',
      'stats write outage',
      'step functions throttle',
      'throttle',
      'timeout, write committed',
      'timeout, write not committed',
      'transaction conflict',
    ]),
  );
});

it('fired every Catch block that traffic can reach, and says why the others cannot be', () => {
  const silent = report.catches
    .filter((c) => !c.block.unreachable && c.fired === 0)
    .map((c) => `${c.block.workflow}/${c.block.state}`);
  expect(silent).toEqual([]);
  const unreachable = report.catches.filter((c) => c.block.unreachable);
  expect(unreachable.map((c) => `${c.block.workflow}/${c.block.state}`).sort()).toEqual(
    [
      ...['verify', 'payment', 'refund', 'dispute', 'subscription', 'commission'].map(
        (w) => `${w}/ClaimReferredUser`,
      ),
      ...['signup', 'verify', 'refund', 'dispute', 'subscription', 'commission'].map(
        (w) => `${w}/ClaimStripeLink`,
      ),
      ...['signup', 'verify', 'dispute', 'subscription', 'commission'].map((w) => `${w}/ReplayWaitingFact`),
      ...FACT_WORKFLOWS.map((w) => `${w}/RecordFact`),
      'click/CreateClickCounterShard',
      'reconciliation/ReconcilePartner',
      'reconciliation/ContinueAsNewExecution',
      'payout/CreatePayout',
      'payout/ContinueAsNewExecution',
      'payout-status/ChangePayoutStatus',
      'payout-status/StartSettlement',
      'payout-settlement/StartPayoutFact',
    ].sort(),
  );
});

it('answered each malformed event with a named error where it is kept', () => {
  expect(Object.fromEntries(report.malformed.map((m) => [m.name, m.answer]))).toEqual({
    'signup without userId': 'MalformedEvent → AppIngestFailures',
    'signup with a numeric userId': 'MalformedEvent → AppIngestFailures',
    'signup for an unknown partner': 'UnknownPartner → failed signup execution',
    'verification with a malformed time': 'MalformedEvent → AppIngestFailures',
    'payment with a negative amount': 'MalformedEvent → StripeIngestFailures',
    'payment with a non-integer amount': 'MalformedEvent → StripeIngestFailures',
    'payment with a string amount': 'MalformedEvent → StripeIngestFailures',
    "payment above Stripe's largest amount": 'AmountTooLarge → StripeIngestFailures',
    "payment in a currency other than the program's": 'UnsupportedCurrency → StripeIngestFailures',
    'payment at an unknown price': 'UnknownPrice → StripeIngestFailures',
    'Stripe event without its object': 'MalformedEvent → StripeIngestFailures',
    'oversized payload (over 256 KB)': 'refused by PutEvents (ValidationException)',
    'Stripe event of a type the stack does not route': 'unrouted → UnroutedStripeEvents',
    'app event from a wrong source': 'unrouted → UnroutedAppEvents',
  });
});
