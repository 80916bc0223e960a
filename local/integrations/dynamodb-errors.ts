import type { TableInfo } from './dynamodb-tables';
import type { RawAnswer } from './dynamodb-transport';
import { TaskError, fakeRequestId } from './task-error';

/**
 * DynamoDB failures worded as AWS words them. DynamoDB Local uses its own messages for some errors
 * (e.g. "Cannot do operations on a non-existent table"); the recorded AWS executions show AWS's.
 */
export interface DynamoDbFailure {
  code: string;
  message: string;
  statusCode: number;
  requestId: string;
  /** TransactionCanceledException: one reason per action, in the request's order. */
  cancellationReasons?: CancellationReason[];
  /** ThrottlingException, ProvisionedThroughputExceededException: what was throttled, and why. */
  throttlingReasons?: ThrottlingReason[];
}

export interface CancellationReason {
  Code: string;
  Message?: string;
  Item?: Record<string, unknown>;
}

export interface ThrottlingReason {
  reason: string;
  resource: string;
}

/** The request members AWS rejects as null before doing anything, per action (lowerCamel as AWS reports them). */
const REQUIRED_MEMBERS: Record<string, string[]> = {
  GetItem: ['TableName', 'Key'],
  PutItem: ['TableName', 'Item'],
  UpdateItem: ['TableName', 'Key'],
  DeleteItem: ['TableName', 'Key'],
  Query: ['TableName'],
  Scan: ['TableName'],
  BatchGetItem: ['RequestItems'],
  BatchWriteItem: ['RequestItems'],
  TransactGetItems: ['TransactItems'],
  TransactWriteItems: ['TransactItems'],
};

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** AWS's request validation ("1 validation error detected: …"), run before the call like AWS's front end. */
export function validateRequest(
  action: string,
  params: Record<string, unknown>,
): DynamoDbFailure | undefined {
  const problems: string[] = [];
  for (const member of REQUIRED_MEMBERS[action] ?? []) {
    if (params[member] === undefined || params[member] === null) {
      problems.push(
        `Value null at '${lowerFirst(member)}' failed to satisfy constraint: Member must not be null`,
      );
    }
  }
  const table = params.TableName;
  if (typeof table === 'string') {
    if (!/^[a-zA-Z0-9_.-]+$/.test(table)) {
      problems.push(
        `Value '${table}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
      );
    }
    if (table.length < 3) {
      problems.push(
        `Value '${table}' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3`,
      );
    }
  }
  if (problems.length === 0) return undefined;
  const count =
    problems.length === 1 ? '1 validation error detected' : `${problems.length} validation errors detected`;
  return {
    code: 'ValidationException',
    message: `${count}: ${problems.join('; ')}`,
    statusCode: 400,
    requestId: fakeRequestId(),
  };
}

/** A failure in AWS's words (the answer's request id, or a fresh one when it gave none). */
export function failureOf(answer: {
  code: string;
  message: string;
  statusCode?: number;
  requestId?: string;
  cancellationReasons?: CancellationReason[];
  throttlingReasons?: ThrottlingReason[];
}): DynamoDbFailure {
  return {
    ...answer,
    message: answer.code === 'ResourceNotFoundException' ? 'Requested resource not found' : answer.message,
    statusCode: answer.statusCode ?? 400,
    requestId: answer.requestId || fakeRequestId(),
  };
}

interface ErrorBody {
  __type?: unknown;
  message?: unknown;
  Message?: unknown;
  CancellationReasons?: CancellationReason[];
  ThrottlingReasons?: ThrottlingReason[];
  throttlingReasons?: ThrottlingReason[];
}

/**
 * The failure an error answer carries, whether DynamoDB Local gave it or the runtime did in its place
 * (the answers below): both are parsed here, so both reach the integrations in one shape.
 */
export function failureFromAnswer(answer: RawAnswer): DynamoDbFailure {
  const body = (answer.body ? JSON.parse(answer.body) : {}) as ErrorBody;
  const type = typeof body.__type === 'string' ? body.__type : 'UnknownError';
  const message = body.message ?? body.Message;
  const throttlingReasons = body.ThrottlingReasons ?? body.throttlingReasons;
  return failureOf({
    code: type.split('#').pop() ?? type,
    message: typeof message === 'string' ? message : answer.body,
    statusCode: answer.status,
    requestId: answer.requestId,
    ...(body.CancellationReasons ? { cancellationReasons: body.CancellationReasons } : {}),
    ...(throttlingReasons ? { throttlingReasons } : {}),
  });
}

/*
 * What AWS answers where DynamoDB Local cannot: transaction conflicts and throttling. Wording from the
 * DynamoDB API reference (TransactionCanceledException, TransactionConflictException, ThrottlingReason:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#API_TransactWriteItems_Errors,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ThrottlingReason.html).
 */
const TRANSACTION_ONGOING = 'Transaction is ongoing for the item';
const ON_DEMAND_THROTTLED =
  'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html';
const PROVISIONED_THROTTLED =
  'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.';

export const CANCELLATION = {
  none: { Code: 'None' },
  conflict: { Code: 'TransactionConflict', Message: TRANSACTION_ONGOING },
  throttled: (table: TableInfo): CancellationReason =>
    table.onDemand
      ? { Code: 'ThrottlingError', Message: ON_DEMAND_THROTTLED }
      : { Code: 'ProvisionedThroughputExceeded', Message: PROVISIONED_THROTTLED },
} as const;

/** An error answer as DynamoDB's JSON protocol carries it. */
const errorAnswer = (code: string, members: Record<string, unknown>): RawAnswer => ({
  status: 400,
  body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${code}`, ...members }),
  requestId: fakeRequestId(),
});

/** A cancelled transaction, worded and shaped as DynamoDB Local words a ConditionalCheckFailed one. */
export const transactionCanceledAnswer = (reasons: readonly CancellationReason[]): RawAnswer =>
  errorAnswer('TransactionCanceledException', {
    CancellationReasons: reasons,
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
  });

/** A single-item write on an item an in-flight transaction holds. */
export const transactionConflictAnswer = (): RawAnswer =>
  errorAnswer('TransactionConflictException', { message: TRANSACTION_ONGOING });

/**
 * A single-item write over its item's throughput: ThrottlingException on an on-demand table,
 * ProvisionedThroughputExceededException on a provisioned one, either with the key-range reason
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/throttling-key-range-limit-exceeded-mitigation.html).
 * The model spells the member `throttlingReasons` on the one and `ThrottlingReasons` on the other.
 */
export function throttledWriteAnswer(table: TableInfo): RawAnswer {
  const reasons = [{ reason: 'TableWriteKeyRangeThroughputExceeded', resource: table.arn }];
  return table.onDemand
    ? errorAnswer('ThrottlingException', { message: ON_DEMAND_THROTTLED, throttlingReasons: reasons })
    : errorAnswer('ProvisionedThroughputExceededException', {
        message: PROVISIONED_THROTTLED,
        ThrottlingReasons: reasons,
      });
}

/** Optimized integration (`arn:aws:states:::dynamodb:*`): Java SDK v1 naming and cause format. */
export function optimizedTaskError(f: DynamoDbFailure): TaskError {
  const name = f.code === 'ValidationException' ? 'DynamoDB.AmazonDynamoDBException' : `DynamoDB.${f.code}`;
  return new TaskError(
    name,
    `${f.message} (Service: AmazonDynamoDBv2; Status Code: ${f.statusCode}; Error Code: ${f.code}; Request ID: ${f.requestId}; Proxy: null)`,
  );
}

/** AWS SDK integration (`arn:aws:states:::aws-sdk:dynamodb:*`): Java SDK v2 naming and cause format. */
export function sdkTaskError(f: DynamoDbFailure): TaskError {
  const name = f.code === 'ValidationException' ? 'DynamoDb.DynamoDbException' : `DynamoDb.${f.code}`;
  return new TaskError(
    name,
    `${f.message} (Service: DynamoDb, Status Code: ${f.statusCode}, Request ID: ${f.requestId})`,
  );
}
