import { ScanCommand, type DynamoDBDocumentClient, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodePageCursor, encodePageCursor, pageKeyOf } from '../../domain/dashboard';
import { InvalidCursorError } from '../../domain/errors';
import { ConsoleError } from './api';

/**
 * One Scan page with the console's cursor (the page key, as the dashboard's cursors encode it). A Scan is
 * fine for a local ops tool: it reads the table once across pages, in key-hash order, not sorted.
 */
export async function scanPage<K extends string>(
  db: DynamoDBDocumentClient,
  args: {
    table: string;
    keyNames: readonly K[];
    cursor: string | null;
    limit: number;
    filter?: Pick<ScanCommandInput, 'FilterExpression' | 'ExpressionAttributeValues'>;
  },
): Promise<{ items: Record<string, unknown>[]; cursor?: string }> {
  let start: Record<K, string> | undefined;
  try {
    start = args.cursor ? decodePageCursor(args.cursor, args.keyNames, args.table) : undefined;
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new ConsoleError(400, 'InvalidCursor', error.message);
    throw error;
  }
  const out = await db.send(
    new ScanCommand({
      TableName: args.table,
      Limit: args.limit,
      ...args.filter,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const next = pageKeyOf(out.LastEvaluatedKey, args.keyNames);
  return { items: out.Items ?? [], ...(next ? { cursor: encodePageCursor(next, args.keyNames) } : {}) };
}
