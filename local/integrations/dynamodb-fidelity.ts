import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemWriteLimitOf, takeWriteUnits, writeUnitsOf } from './dynamodb-capacity';
import { conflictsOf, hold, type Access } from './dynamodb-contention';
import {
  CANCELLATION,
  throttledWriteAnswer,
  transactionCanceledAnswer,
  transactionConflictAnswer,
  type CancellationReason,
} from './dynamodb-errors';
import { tableOf, type TableInfo } from './dynamodb-tables';
import type { RawAnswer, Target } from './dynamodb-transport';

/**
 * What AWS does around a call that DynamoDB Local does not: transaction conflicts (always, as in AWS) and
 * the optional per-item write limit. A call is admitted before it is forwarded: either it is rejected with
 * the answer AWS would give (nothing reaches DynamoDB Local, so nothing is written), or its items are held
 * until `release` (when DynamoDB Local has answered).
 */
export interface Admission {
  rejection?: RawAnswer;
  release(): void;
}

type AttributeMap = Record<string, unknown>;

/** One item a call touches: by its key, or (a Put) by the whole item, whose key the table's schema picks. */
interface Touch {
  table: string;
  key?: AttributeMap;
  item?: AttributeMap;
}

const ADMITTED: Admission = { release: () => undefined };

export async function admit(
  client: DynamoDBClient,
  target: Target,
  action: string,
  params: Record<string, unknown>,
): Promise<Admission> {
  const request = touchesOf(action, params);
  if (!request) return ADMITTED;
  const { access, touches } = request;
  const limit = access === 'transactional-read' ? undefined : itemWriteLimitOf(client);
  // The key schema is needed for a Put's key, the billing mode for throttling's wording.
  const tables = await Promise.all(
    touches.map((t) =>
      t.table && (t.item || limit) ? tableOf(target, t.table) : Promise.resolve(undefined),
    ),
  );
  const items = touches.map((t, i) => itemIdOf(t, tables[i]));

  // From here to `hold`, synchronous: no other call can interleave between the check and the hold.
  const conflicted = conflictsOf(target.database, access, items);
  const throttled =
    limit && !conflicted.some(Boolean)
      ? takeWriteUnits(
          limit,
          target.database,
          touches.map((t, i) => ({
            // Throttling is worded by billing mode: an item of a table not found is not limited.
            item: tables[i] ? items[i] : undefined,
            units: writeUnitsOf(t.item, access === 'transaction'),
          })),
        )
      : conflicted.map(() => false);
  if (conflicted.some(Boolean) || throttled.some(Boolean)) {
    return { rejection: rejectionOf(access, conflicted, throttled, tables), release: ADMITTED.release };
  }
  return { release: hold(target.database, access, items) };
}

function rejectionOf(
  access: Access,
  conflicted: readonly boolean[],
  throttled: readonly boolean[],
  tables: readonly (TableInfo | undefined)[],
): RawAnswer {
  if (access !== 'write') {
    const reasons = conflicted.map((conflict, i): CancellationReason => {
      const table = tables[i];
      if (conflict) return CANCELLATION.conflict;
      if (throttled[i] && table) return CANCELLATION.throttled(table);
      return CANCELLATION.none;
    });
    return transactionCanceledAnswer(reasons);
  }
  const table = tables[0];
  return conflicted[0] || !table ? transactionConflictAnswer() : throttledWriteAnswer(table);
}

/** The item's identity: table and key attributes in name order, as canonical JSON. */
function itemIdOf(touch: Touch, table: TableInfo | undefined): string | undefined {
  const key =
    touch.key ??
    (table && touch.item
      ? Object.fromEntries(table.keyAttributes.map((name) => [name, touch.item?.[name]]))
      : undefined);
  if (!key) return undefined;
  const attributes = Object.keys(key).sort();
  return JSON.stringify([touch.table, ...attributes.map((name) => [name, key[name]])]);
}

const asMap = (value: unknown): AttributeMap | undefined =>
  value && typeof value === 'object' ? (value as AttributeMap) : undefined;

function touchOf(request: unknown, whole: 'Item' | 'Key'): Touch | undefined {
  const r = asMap(request);
  if (!r || typeof r.TableName !== 'string') return undefined;
  const attributes = asMap(r[whole]);
  return whole === 'Item'
    ? { table: r.TableName, item: attributes }
    : { table: r.TableName, key: attributes };
}

/**
 * The items a call touches and how; undefined for calls that hold nothing and conflict with nothing
 * (reads, and calls this model leaves to DynamoDB Local: BatchWriteItem, PartiQL).
 */
function touchesOf(
  action: string,
  params: Record<string, unknown>,
): { access: Access; touches: Touch[] } | undefined {
  const single = (whole: 'Item' | 'Key') => {
    const touch = touchOf(params, whole);
    return touch ? { access: 'write' as const, touches: [touch] } : undefined;
  };
  const transactItems = Array.isArray(params.TransactItems) ? (params.TransactItems as unknown[]) : [];
  switch (action) {
    case 'PutItem':
      return single('Item');
    case 'UpdateItem':
    case 'DeleteItem':
      return single('Key');
    case 'TransactWriteItems':
      return {
        access: 'transaction',
        // An action the model cannot read (DynamoDB Local rejects it) still keeps its index.
        touches: transactItems.map((entry) => {
          const e = asMap(entry) ?? {};
          return (
            touchOf(e.Put, 'Item') ??
            touchOf(e.Update ?? e.Delete ?? e.ConditionCheck, 'Key') ?? { table: '' }
          );
        }),
      };
    case 'TransactGetItems':
      return {
        access: 'transactional-read',
        touches: transactItems.map((entry) => touchOf(asMap(entry)?.Get, 'Key') ?? { table: '' }),
      };
    default:
      return undefined;
  }
}
