import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { callAws } from './aws-json';

/** A DynamoDB item or key in plain JavaScript values (marshalled to DynamoDB JSON on the wire). */
export type PlainItem = Record<string, unknown>;

type WireItem = Record<string, AttributeValue>;

const toWire = (item: PlainItem): WireItem => marshall(item, { removeUndefinedValues: true });

/** GetItem (eventually consistent, as the SDK's default); `undefined` when no item has the key. */
export async function getItem(args: { TableName: string; Key: PlainItem }): Promise<PlainItem | undefined> {
  const out = await callAws<{ Item?: WireItem }>('dynamodb', 'GetItem', {
    TableName: args.TableName,
    Key: toWire(args.Key),
  });
  return out.Item ? unmarshall(out.Item) : undefined;
}

export interface QueryArgs {
  TableName: string;
  IndexName?: string;
  KeyConditionExpression: string;
  ExpressionAttributeValues: PlainItem;
  ScanIndexForward?: boolean;
  Limit?: number;
  ExclusiveStartKey?: PlainItem;
}

/** One page of a Query. */
export async function queryPage(
  args: QueryArgs,
): Promise<{ Items: PlainItem[]; LastEvaluatedKey: PlainItem | undefined }> {
  const { ExpressionAttributeValues, ExclusiveStartKey, ...rest } = args;
  const out = await callAws<{ Items?: WireItem[]; LastEvaluatedKey?: WireItem }>('dynamodb', 'Query', {
    ...rest,
    ExpressionAttributeValues: toWire(ExpressionAttributeValues),
    ...(ExclusiveStartKey ? { ExclusiveStartKey: toWire(ExclusiveStartKey) } : {}),
  });
  return {
    Items: (out.Items ?? []).map((item) => unmarshall(item)),
    LastEvaluatedKey: out.LastEvaluatedKey ? unmarshall(out.LastEvaluatedKey) : undefined,
  };
}
