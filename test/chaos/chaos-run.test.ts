import { runChaos, type ChaosReport } from '../../chaos/run';

/**
 * The small default chaos run, part of `npm test`: 2,000 journeys with 20% duplicates, 10% reordered
 * journeys and 5% faults through the local stack. Every invariant must hold and every Catch block fire.
 */
let report: ChaosReport;

beforeAll(async () => {
  report = await runChaos({ journeys: 2000, duplicates: 0.2, reorder: 0.1, faults: 0.05, seed: 11 });
}, 900_000);

it.each([
  'reconciliation during traffic overwrote nothing (drift only where stats are pending)',
  'every partner: stats = aggregate of its referrals',
  'every partner: stats = what the journeys generated (nothing lost, nothing double counted)',
  'paid referrals = distinct paying users generated',
  'no payment lost: each is applied or parked',
  'one referral per user (contested users go to one partner)',
  'no stats left pending after reconciliation',
  'no execution left running',
  'every failed execution explained (provoked on purpose or a malformed case)',
  'every dead letter explained (a malformed case)',
  'every malformed event answered with a named error, durably',
])('holds: %s', (name) => {
  const check = report.checks.find((c) => c.name === name);
  expect(check).toMatchObject({ ok: true });
});

it('delivered duplicates and reordered journeys, and injected each common kind of fault', () => {
  expect(report.figures.duplicates).toBeGreaterThan(0);
  expect(report.figures['journeys reordered']).toBeGreaterThan(0);
  // EventBridge errors hit only the notices of outage executions: too rare to require in every run.
  expect(Object.keys(report.faults)).toEqual(
    expect.arrayContaining([
      'lambda error',
      'lambda timeout',
      'notice outage',
      'stats write outage',
      'step functions throttle',
      'throttle',
      'timeout, write committed',
      'timeout, write not committed',
      'transaction conflict',
    ]),
  );
});

it('fired every Catch block of every state machine', () => {
  const silent = report.catches
    .filter((c) => c.fired === 0)
    .map((c) => `${c.block.workflow}/${c.block.state}`);
  expect(silent).toEqual([]);
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
    'payment at an unknown price': 'UnknownPrice → StripeIngestFailures',
    'Stripe event without its object': 'MalformedEvent → StripeIngestFailures',
    'oversized payload (over 256 KB)': 'refused by PutEvents (ValidationException)',
    'app event from a wrong source': 'unrouted → UnroutedAppEvents',
  });
});
