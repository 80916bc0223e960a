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

/** A failure as DynamoDB Local answered it, in AWS's words (its request id, or a fresh one when it gave none). */
export function failureOf(answer: {
  code: string;
  message: string;
  statusCode?: number;
  requestId?: string;
}): DynamoDbFailure {
  return {
    code: answer.code,
    message: answer.code === 'ResourceNotFoundException' ? 'Requested resource not found' : answer.message,
    statusCode: answer.statusCode ?? 400,
    requestId: answer.requestId || fakeRequestId(),
  };
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
