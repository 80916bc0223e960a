/**
 * The DynamoDB wire shapes the workflows pass around (`aws-sdk:dynamodb:*` results, `TransactItems`),
 * declared structurally so the domain needs no AWS import. They are assignable to the SDK's types.
 */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> };

export type AttributeMap = Record<string, AttributeValue>;

export interface UpdateAction {
  Update: {
    TableName: string;
    Key: AttributeMap;
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: AttributeMap;
  };
}

export interface PutAction {
  Put: { TableName: string; Item: AttributeMap; ConditionExpression?: string };
}

export interface DeleteAction {
  Delete: {
    TableName: string;
    Key: AttributeMap;
    ConditionExpression?: string;
    ExpressionAttributeValues?: AttributeMap;
  };
}

/** The subset of `TransactWriteItem` this project builds. */
export type TransactWriteItem = UpdateAction | PutAction | DeleteAction;

export const S = (value: string): { S: string } => ({ S: value });
export const N = (value: number): { N: string } => ({ N: String(value) });

/** A plain value in AttributeValue form: strings, safe integers, booleans, arrays, objects; `undefined` fields are left out. */
export function toAttributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return S(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    return N(value);
  }
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Set) return { SS: [...(value as Set<string>)].map(String).sort() };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  if (typeof value === 'object' && value !== null)
    return { M: toAttributeMap(value as Record<string, unknown>) };
  throw new TypeError(`cannot store ${String(value)}`);
}

export function toAttributeMap(record: Record<string, unknown>): AttributeMap {
  const out: AttributeMap = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = toAttributeValue(v);
  return out;
}
