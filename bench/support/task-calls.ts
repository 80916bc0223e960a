import type { TaskCallRecord } from '../../local/history';

/** What a Task call did to DynamoDB (optimized or SDK integration); undefined when it is not a DynamoDB call. */
export function dynamoDbAccess(call: TaskCallRecord): 'transaction' | 'write' | 'read' | undefined {
  const { kind, resource } = call.integration;
  if (kind !== 'dynamodb' && kind !== 'aws-sdk:dynamodb') return undefined;
  const action = resource.toLowerCase();
  if (action === 'transactwriteitems') return 'transaction';
  if (action === 'putitem' || action === 'updateitem' || action === 'deleteitem') return 'write';
  return 'read';
}
