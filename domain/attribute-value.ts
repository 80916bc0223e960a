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

/** The subset of `TransactWriteItem` this project builds. */
export type TransactWriteItem = UpdateAction;

export const S = (value: string): { S: string } => ({ S: value });
export const N = (value: number): { N: string } => ({ N: String(value) });
