import { CHECK_NAMES, runChaos, type ChaosReport } from '../../chaos/run';

/**
 * The chaos run with crashes, part of `npm test`: 100 users' stories with the usual duplicates,
 * reordering, faults and latency, while the stack crashes twice (kill -9 in process: the journal takes
 * nothing more, connections are cut, DynamoDB Local gets SIGKILL) and starts again over its data
 * directory. Every invariant must hold as in a run without crashes.
 */
let report: ChaosReport;

beforeAll(async () => {
  report = await runChaos({
    journeys: 100,
    duplicates: 0.2,
    reorder: 0.1,
    faults: 0.05,
    latency: 0.1,
    latencyMs: 25,
    seed: 13,
    crashes: 2,
  });
}, 900_000);

/**
 * Every invariant of the numbers and the executions. Catch coverage is the 400-user run's check
 * (test/chaos/chaos-run.test.ts): 100 users' traffic reaches the rarest Catch blocks only sometimes.
 */
const INVARIANTS = Object.values(CHECK_NAMES).filter((name) => name !== CHECK_NAMES.catchesFired);

it.each(INVARIANTS)('holds across two crashes: %s', (name) => {
  const check = report.checks.find((c) => c.name === name);
  expect(check?.ok ? 'holds' : (check?.detail ?? 'not checked')).toBe('holds');
});

it('crashed twice in the middle of the traffic, recovered from the journal, and lost nothing', () => {
  expect(report.figures).toMatchObject({
    'stack crashes (each followed by a start over the journal)': 2,
    lost: 0,
    'double counted': 0,
  });
  // A crash in the middle of the traffic leaves accepted events on their way: the next start delivers them.
  expect(report.figures['events delivered again from the journal after a crash']).toBeGreaterThan(0);
});
