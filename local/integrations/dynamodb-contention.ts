/**
 * The items that in-flight writes touch, per database, so calls that overlap in time conflict as they do
 * in AWS ("Transaction conflict handling in DynamoDB",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling):
 *
 * - a TransactWriteItems conflicts with another in-flight TransactWriteItems on any of its items;
 * - a PutItem, UpdateItem or DeleteItem conflicts with an in-flight TransactWriteItems on its item;
 * - a TransactGetItems conflicts with any in-flight write (transactional or not) on its items.
 *
 * A single write does not hold its item against another single write (DynamoDB serializes those), and
 * reads hold nothing. Module state on purpose: every runtime in this process that talks to one database
 * must see the others' transactions.
 */

/**
 * How long a forwarded call holds its items at most: about how long AWS takes to answer a transaction (tens
 * of milliseconds, whatever the client's machine is doing). DynamoDB Local's answer takes longer on a busy
 * machine, mostly queueing for CPU, and a hold that lasted all of it would make every item of a busy run
 * hot: writers would lose all of their back-offs where AWS would have let them through. DynamoDB Local
 * serializes the writes it receives, so a call admitted after the window still writes correctly.
 */
export const AWS_HOLD_WINDOW_MS = 50;

/** How a call touches its items. */
export type Access = 'transaction' | 'write' | 'transactional-read';

interface InFlight {
  transactions: number;
  writes: number;
}

const databases = new Map<string, Map<string, InFlight>>();

const conflicts = (access: Access, held: InFlight | undefined): boolean =>
  !!held && (held.transactions > 0 || (access === 'transactional-read' && held.writes > 0));

/**
 * For each item (undefined: an item the runtime could not identify, which never conflicts), whether an
 * in-flight call holds it against this access.
 */
export function conflictsOf(
  database: string,
  access: Access,
  items: readonly (string | undefined)[],
): boolean[] {
  const held = databases.get(database);
  return items.map((item) => item !== undefined && conflicts(access, held?.get(item)));
}

/**
 * Holds the items until the returned release is called (when DynamoDB Local has answered). Call it in the
 * same synchronous step as `conflictsOf`, so no other call can slip in between the check and the hold.
 */
export function hold(database: string, access: Access, items: readonly (string | undefined)[]): () => void {
  if (access === 'transactional-read') return () => undefined;
  const field = access === 'transaction' ? 'transactions' : 'writes';
  let held = databases.get(database);
  if (!held) databases.set(database, (held = new Map()));
  const mine = items.filter((item): item is string => item !== undefined);
  for (const item of mine) {
    const entry = held.get(item) ?? { transactions: 0, writes: 0 };
    entry[field] += 1;
    held.set(item, entry);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const item of mine) {
      const entry = held.get(item);
      if (!entry) continue;
      entry[field] -= 1;
      if (entry.transactions === 0 && entry.writes === 0) held.delete(item);
    }
  };
}
