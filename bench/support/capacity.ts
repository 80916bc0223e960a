import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_SPECS, type TableSpec } from '../../infra/table-specs';
import type { TaskCallRecord } from '../../local/history';
import { dynamoDbAccess } from './task-calls';

/**
 * DynamoDB on-demand request units of the workflows' Task calls, by DynamoDB's own rules, from the items
 * themselves: DynamoDB Local reports no consumed capacity for calls that do not ask for it, and the ASL does
 * not ask. The rules (Amazon DynamoDB Developer Guide, "Capacity unit consumption"):
 *
 * - A read is 1 unit per 4 KB of the items it reads (a Query: of all the items it matched, summed, then
 *   rounded up), half that when eventually consistent (every GSI read is); at least one rounding step, so a
 *   GetItem that finds nothing still costs 0.5 or 1. A ProjectionExpression does not lower it.
 * - A write is 1 unit per KB of the larger of the item before and after it (a delete: the item deleted;
 *   at least 1, also for a delete that finds nothing and for a write whose condition fails).
 * - TransactWriteItems costs 2 units per KB of each action, ConditionCheck included.
 * - Every global secondary index whose stored entry the write changes costs 1 unit per KB of that entry
 *   (this project's indexes project ALL, so the entry is the item): joining or leaving the index costs the
 *   entry, a changed entry the larger of the two, a moved index key both. The index write is not
 *   transactional: 1 unit per KB also when a transaction made it.
 *
 * The item images come from snapshots of every table taken before and after each step (the benchmark runs
 * one step at a time, so nothing else writes between them). An item written twice in one step (the
 * referral, by the fold's write and then by the stats write that removes its marker) is charged both
 * times on the larger of its two images: the image between the two writes is not observed.
 */

export type Item = Record<string, AttributeValue>;

/** Every item of every table, by table name and primary key. */
export type Snapshot = Map<string, Map<string, Item>>;

const SPECS = new Map(TABLE_SPECS.map((spec) => [spec.tableName, spec]));

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A number's size: 1 byte per two significant digits, plus 1 (leading and trailing zeros do not count). */
function numberSize(n: string): number {
  const digits = n.replace(/^[-+]/, '').split(/[eE]/)[0] ?? '';
  const significant = digits.replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
  return Math.ceil(Math.max(significant, 1) / 2) + 1;
}

/** Binary values are bytes from the SDK and base64 text in a Task's wire JSON. */
const binarySize = (b: Uint8Array | string): number =>
  typeof b === 'string' ? Buffer.from(b, 'base64').length : b.length;

/** The size of one attribute value, by DynamoDB's item size rules (the name not included). */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binarySize(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + binarySize(b), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M !== undefined)
    return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + utf8(k) + 1 + valueSize(v), 0);
  return 0;
}

/** An item's size in bytes: every attribute's name plus its value. */
export const itemSize = (item: Item | undefined): number =>
  item ? Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0) : 0;

const scalar = (value: AttributeValue | undefined): string | undefined =>
  value?.S ?? value?.N ?? (value?.B !== undefined ? Buffer.from(value.B).toString('base64') : undefined);

function keyOf(spec: TableSpec, item: Item): string {
  const pk = scalar(item[spec.partitionKey.name]);
  const sk = spec.sortKey ? scalar(item[spec.sortKey.name]) : '';
  if (pk === undefined || sk === undefined) throw new Error(`an item of ${spec.tableName} without its key`);
  return `${pk}\u0000${sk}`;
}

/** Every item of every table, read with Scan (DynamoDB Local, not a workflow: not counted). */
export async function snapshotTables(client: DynamoDBClient): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  for (const spec of TABLE_SPECS) {
    const items = new Map<string, Item>();
    let start: Item | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: spec.tableName, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) items.set(keyOf(spec, item), item);
      start = page.LastEvaluatedKey;
    } while (start);
    snapshot.set(spec.tableName, items);
  }
  return snapshot;
}

/** Read and write units of one call; `indexWrite` is the part of `write` its global secondary indexes cost. */
export interface CallUnits {
  read: number;
  write: number;
  indexWrite: number;
}

const readUnits = (bytes: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));

/** The canonical text of an item: attribute order and the order of set members do not matter. */
const canonical = (item: Item): string =>
  JSON.stringify(item, (key, value: unknown) => {
    if ((key === 'SS' || key === 'NS') && Array.isArray(value)) return [...(value as string[])].sort();
    if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array))
      return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return value;
  });

/** Units one index costs when a write takes the item from `old` to `next` (ALL projection: the entry is the item). */
function indexUnits(spec: TableSpec, old: Item | undefined, next: Item | undefined): number {
  let units = 0;
  for (const index of spec.globalSecondaryIndexes) {
    const keyIn = (item: Item | undefined): string | undefined => {
      if (!item) return undefined;
      const pk = scalar(item[index.partitionKey.name]);
      const sk = index.sortKey ? scalar(item[index.sortKey.name]) : '';
      return pk === undefined || sk === undefined ? undefined : `${pk}\u0000${sk}`;
    };
    const oldKey = keyIn(old);
    const newKey = keyIn(next);
    if (oldKey === undefined && newKey === undefined) continue;
    if (oldKey === undefined) units += writeUnits(itemSize(next));
    else if (newKey === undefined) units += writeUnits(itemSize(old));
    else if (oldKey !== newKey) units += writeUnits(itemSize(old)) + writeUnits(itemSize(next));
    else if (old && next && canonical(old) !== canonical(next))
      units += Math.max(writeUnits(itemSize(old)), writeUnits(itemSize(next)));
  }
  return units;
}

interface WriteAction {
  kind: 'put' | 'update' | 'delete' | 'check';
  table: string;
  /** The key, or for a put the item. */
  key: Item;
  item?: Item;
}

function specOf(table: string): TableSpec {
  const spec = SPECS.get(table);
  if (!spec) throw new Error(`no table spec for ${table}`);
  return spec;
}

/** Table and index units of one write action, from the step's before and after snapshots. */
function writeActionUnits(
  action: WriteAction,
  before: Snapshot,
  after: Snapshot,
  succeeded: boolean,
): { table: number; index: number } {
  const spec = specOf(action.table);
  const key = keyOf(spec, action.item ?? action.key);
  const old = before.get(spec.tableName)?.get(key);
  // A put's item as stored (the same as written: nothing overwrites a fact, link or ledger row in its step).
  const next = after.get(spec.tableName)?.get(key) ?? (action.kind === 'put' ? action.item : undefined);
  if (!succeeded || action.kind === 'check') return { table: writeUnits(itemSize(old)), index: 0 };
  if (action.kind === 'delete')
    return { table: writeUnits(itemSize(old)), index: indexUnits(spec, old, undefined) };
  return {
    table: writeUnits(Math.max(itemSize(old), itemSize(next))),
    index: indexUnits(spec, old, next),
  };
}

interface DynamoDbParameters {
  TableName?: string;
  IndexName?: string;
  Key?: Item;
  Item?: Item;
  ConsistentRead?: boolean;
  TransactItems?: {
    Put?: { TableName: string; Item: Item };
    Update?: { TableName: string; Key: Item };
    Delete?: { TableName: string; Key: Item };
    ConditionCheck?: { TableName: string; Key: Item };
  }[];
}

/** Units of one DynamoDB Task call; zero for any other call. Throws on an action it has no rule for. */
export function callUnits(call: TaskCallRecord, before: Snapshot, after: Snapshot): CallUnits {
  const access = dynamoDbAccess(call);
  if (!access) return { read: 0, write: 0, indexWrite: 0 };
  const action = call.integration.resource.toLowerCase();
  const p = call.parameters as DynamoDbParameters;
  const ok = call.outcome?.ok === true;
  const output = (call.outcome?.ok ? call.outcome.output : undefined) as { Items?: Item[] } | undefined;
  const image = (table: string, key: Item): Item | undefined => {
    const k = keyOf(specOf(table), key);
    return before.get(table)?.get(k) ?? after.get(table)?.get(k);
  };
  switch (action) {
    case 'getitem':
      return {
        read: readUnits(itemSize(image(p.TableName ?? '', p.Key ?? {})), p.ConsistentRead === true),
        write: 0,
        indexWrite: 0,
      };
    case 'query':
    case 'scan': {
      const table = p.TableName ?? '';
      // The items matched, at their full size (the output may be projected; the indexes project ALL).
      const bytes = (output?.Items ?? []).reduce(
        (sum, item) => sum + itemSize(image(table, item) ?? item),
        0,
      );
      return { read: readUnits(bytes, p.ConsistentRead === true && !p.IndexName), write: 0, indexWrite: 0 };
    }
    case 'putitem':
    case 'updateitem':
    case 'deleteitem': {
      const kind = action === 'putitem' ? 'put' : action === 'updateitem' ? 'update' : 'delete';
      const units = writeActionUnits(
        { kind, table: p.TableName ?? '', key: p.Key ?? {}, ...(p.Item ? { item: p.Item } : {}) },
        before,
        after,
        ok,
      );
      return { read: 0, write: units.table + units.index, indexWrite: units.index };
    }
    case 'transactwriteitems': {
      let table = 0;
      let index = 0;
      for (const t of p.TransactItems ?? []) {
        const a: WriteAction | undefined = t.Put
          ? { kind: 'put', table: t.Put.TableName, key: t.Put.Item, item: t.Put.Item }
          : t.Update
            ? { kind: 'update', table: t.Update.TableName, key: t.Update.Key }
            : t.Delete
              ? { kind: 'delete', table: t.Delete.TableName, key: t.Delete.Key }
              : t.ConditionCheck
                ? { kind: 'check', table: t.ConditionCheck.TableName, key: t.ConditionCheck.Key }
                : undefined;
        if (!a) throw new Error(`a TransactItems entry of no known kind: ${JSON.stringify(t)}`);
        // A canceled transaction: each action on the item as it was, and no index write.
        const units = writeActionUnits(a, before, after, ok);
        table += 2 * units.table;
        index += units.index;
      }
      return { read: 0, write: table + index, indexWrite: index };
    }
    default:
      throw new Error(`no capacity rule for DynamoDB ${call.integration.resource}`);
  }
}
