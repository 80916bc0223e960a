import { LOCAL_ACCOUNT_ID } from '../aws-names';
import { post, type Target } from './dynamodb-transport';

/** What the runtime needs to know of a table to model the server around DynamoDB Local. */
export interface TableInfo {
  /** The primary key's attribute names. */
  keyAttributes: string[];
  /** On-demand (PAY_PER_REQUEST) or provisioned: the two modes word throttling differently. */
  onDemand: boolean;
  /** The ARN AWS names in ThrottlingReasons (DynamoDB Local's own says region `ddblocal`). */
  arn: string;
}

interface DescribeTableAnswer {
  Table?: {
    KeySchema?: { AttributeName: string; KeyType: string }[];
    BillingModeSummary?: { BillingMode?: string };
  };
}

const tables = new Map<string, Promise<TableInfo | undefined>>();

/**
 * The table's key schema and billing mode, asked of DynamoDB Local once per database and table
 * (DescribeTable). Undefined while the table does not exist; that answer is not kept, so a table created
 * later is found.
 */
export function tableOf(target: Target, tableName: string): Promise<TableInfo | undefined> {
  const cacheKey = `${target.database} ${tableName}`;
  let info = tables.get(cacheKey);
  if (!info) {
    info = describe(target, tableName);
    tables.set(cacheKey, info);
    void info.then((found) => {
      if (!found) tables.delete(cacheKey);
    });
  }
  return info;
}

async function describe(target: Target, tableName: string): Promise<TableInfo | undefined> {
  const answer = await post(target, 'DescribeTable', JSON.stringify({ TableName: tableName })).catch(
    () => undefined,
  );
  if (answer?.status !== 200) return undefined;
  const { Table } = JSON.parse(answer.body) as DescribeTableAnswer;
  const schema = Table?.KeySchema ?? [];
  return {
    keyAttributes: schema.map((k) => k.AttributeName),
    onDemand: Table?.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST',
    arn: `arn:aws:dynamodb:${target.region}:${LOCAL_ACCOUNT_ID}:table/${tableName}`,
  };
}
