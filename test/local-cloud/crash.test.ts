import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { userSignedUpEvent } from '../../local/events/app-events';
import type { PutEventsEntryFields } from '../../local/events/event-envelope';
import {
  busNames,
  listenersOn,
  processesWith,
  processTree,
  untilGone,
  counters,
  reconcile,
  referrals,
  entryOn,
  freePorts,
  registerPartner,
  sendBurst,
  settle,
  startStack,
  type StackProcess,
} from '../support/stack-process';
import { expectedCounters, firstPayment, ONE_AF_PLUS_MONTHLY_PAYMENT } from '../support/world';

/**
 * What PutEvents accepted survives any way the stack can end: a burst of signups and payments is
 * under way when the stack is killed or signalled; it starts again over the same data directory, the
 * client sends again what was never acknowledged (as a client without an answer must), and every
 * journey is recorded exactly once in the referrals (the source of truth), and counted exactly once in
 * the stats once the nightly reconciliation has run: an execution halted between its truth write and its
 * stats write leaves that change pending on the referral (pendingStats), and reconciliation applies it.
 */
const USERS = 30;
/** The stack ends once this many entries were acknowledged, while more are in flight. */
const END_AFTER = 30;

type Ending = { name: string; via: 'npm' | 'node'; end: (stack: StackProcess) => void };

const endings: Ending[] = [
  { name: 'SIGKILL of the stack process', via: 'node', end: (s) => s.child.kill('SIGKILL') },
  { name: 'SIGINT to the npm process', via: 'npm', end: (s) => s.child.kill('SIGINT') },
  { name: 'SIGTERM to the npm process', via: 'npm', end: (s) => s.child.kill('SIGTERM') },
  // A terminal's Ctrl-C signals the whole foreground process group: npm, node and anything they spawned.
  {
    name: 'Ctrl-C to the process group',
    via: 'npm',
    end: (s) => process.kill(-(s.child.pid ?? 0), 'SIGINT'),
  },
];

function journeys(partnerId: string, buses: { app: string; stripe: string }): PutEventsEntryFields[] {
  const entries: PutEventsEntryFields[] = [];
  for (let i = 0; i < USERS; i++) {
    const u = `${partnerId}_u${i}`;
    entries.push(
      entryOn(buses.app, userSignedUpEvent({ eventId: `app-evt-signup-${u}`, partnerId, userId: u })),
    );
    for (const event of firstPayment(u)) entries.push(entryOn(buses.stripe, event));
  }
  return entries;
}

const times = (n: number, values: Record<string, number>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v * n]));

describe.each(endings)('the stack ends by $name in the middle of a burst', ({ name, via, end }) => {
  it('loses no accepted event and counts every journey once after a restart', async () => {
    // Prepare: a stack with a registered partner.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crash-'));
    const ports = await freePorts();
    const partnerId = `p_${name.split(' ')[0]?.toLowerCase()}_${via}`;
    const first = await startStack({ dataDir, ports, via });
    // Who the first stack is: npm or node, the node under npm, DynamoDB Local's JVM.
    const firstProcesses = new Set(processTree(first.child.pid ?? -1));
    let second: StackProcess | undefined;
    try {
      await registerPartner(first.apiUrl, partnerId);
      const entries = journeys(partnerId, await busNames(first.endpointUrl));

      // Act: end the stack while the burst is under way; start it again; resend what had no answer.
      let ended = false;
      const burst = await sendBurst(first.endpointUrl, entries, {
        concurrency: 2,
        onAccepted: (n) => {
          if (n >= END_AFTER && !ended) {
            ended = true;
            end(first);
          }
        },
      });
      const exit = await first.exited;
      // What of the first stack is still there once the kernel has had its moment to kill it.
      await untilGone(processesWith('-port', String(ports.dynamoDb)));
      const leftRunning = processesWith('-port', String(ports.dynamoDb));
      const leftListening = listenersOn(Object.values(ports)).filter((pid) => firstProcesses.has(pid));
      second = await startStack({ dataDir, ports, via: 'node' });
      const resent = await sendBurst(
        second.endpointUrl,
        burst.unacknowledged.map((i) => entries[i] as PutEventsEntryFields),
        { concurrency: 2 },
      );
      await settle(second.endpointUrl);
      const truth = await referrals(second.endpointUrl, partnerId);
      await reconcile(second.endpointUrl);

      // Assess: the ending was a real one, nothing of the first stack outlived it, and the numbers are exact.
      expect(ended).toBe(true);
      expect(burst.accepted.size).toBeGreaterThanOrEqual(END_AFTER);
      expect(via === 'node' ? exit.signal : exit.code).toBe(via === 'node' ? 'SIGKILL' : 0);
      expect(leftRunning).toEqual([]);
      expect(leftListening).toEqual([]);
      expect(resent.unacknowledged).toEqual([]);
      expect(truth).toEqual(new Map(Array.from({ length: USERS }, (_, i) => [`${partnerId}_u${i}`, 'paid'])));
      expect(await counters(second.endpointUrl, partnerId)).toEqual(
        expectedCounters(times(USERS, ONE_AF_PLUS_MONTHLY_PAYMENT)),
      );
    } finally {
      first.child.kill('SIGKILL');
      if (second) {
        second.child.kill('SIGINT');
        await second.exited;
      }
    }
  });
});
