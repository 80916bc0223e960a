import * as dynamodb from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { failureFromAnswer, failureOf, validateRequest, type DynamoDbFailure } from './dynamodb-errors';
import { AWS_HOLD_WINDOW_MS } from './dynamodb-contention';
import { admit } from './dynamodb-fidelity';
import { post, targetOf } from './dynamodb-transport';

export class DynamoDbCallFailed extends Error {
  constructor(readonly failure: DynamoDbFailure) {
    super(failure.message);
    this.name = failure.code;
  }
}

export interface DynamoDbCallResult {
  /** The response as JSON (no `$metadata`, no undefined members). */
  response: Record<string, unknown>;
  /** The exact JSON body length basis for the metadata headers. */
  body: string;
  requestId: string;
}

/** `query` → `Query`. */
export const pascalAction = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);

/** Every DynamoDB API action, as the SDK models them (`GetItemCommand` → `GetItem`). */
const ACTIONS = new Set(
  Object.keys(dynamodb)
    .filter((name) => name.endsWith('Command'))
    .map((name) => name.slice(0, -'Command'.length)),
);

/**
 * Calls a DynamoDB action by its PascalCase name with AttributeValue-form parameters. Task parameters are
 * already DynamoDB's wire JSON, so they are posted to DynamoDB Local as they are, over keep-alive
 * connections: an SDK client's serde, signing and middleware cost more CPU per call than the workflow's
 * own interpretation, CPU that DynamoDB Local needs on a small machine (`npm run bench:throughput`).
 * Before that, the call is admitted as AWS would admit it (`admit`: transaction conflicts, the optional
 * item write limit); a rejection is answered in AWS's wire shape and parsed like DynamoDB Local's errors.
 * Its items are held until DynamoDB Local answers, or for `AWS_HOLD_WINDOW_MS` once forwarded if that is
 * sooner (the test seam below keeps a call in flight as long as it likes).
 */
export async function callDynamoDb(
  client: DynamoDBClient,
  action: string,
  params: unknown,
): Promise<DynamoDbCallResult> {
  const input = (params && typeof params === 'object' ? params : {}) as Record<string, unknown>;
  const invalid = validateRequest(action, input);
  if (invalid) throw new DynamoDbCallFailed(invalid);
  if (!ACTIONS.has(action)) {
    throw new Error(`DynamoDB has no action ${action}: the local runtime cannot run this resource`);
  }
  const target = await targetOf(client);
  const admission = await admit(client, target, action, input);
  let answer = admission.rejection;
  if (!answer) {
    let window: NodeJS.Timeout | undefined;
    try {
      await beforeForward?.(action, input);
      window = setTimeout(admission.release, AWS_HOLD_WINDOW_MS);
      answer = await post(target, action, JSON.stringify(input));
    } catch (err) {
      // No answer at all (DynamoDB Local stopped or dropped the connection).
      throw new DynamoDbCallFailed(
        failureOf({ code: 'TimeoutError', message: err instanceof Error ? err.message : String(err) }),
      );
    } finally {
      clearTimeout(window);
      admission.release();
    }
  }
  if (answer.status !== 200) throw new DynamoDbCallFailed(failureFromAnswer(answer));
  const response = (answer.body ? JSON.parse(answer.body) : {}) as Record<string, unknown>;
  return { response, body: answer.body, requestId: answer.requestId };
}

type ForwardHook = (action: string, params: Record<string, unknown>) => Promise<void> | void;

let beforeForward: ForwardHook | undefined;

/**
 * Test seam: `hook` runs for every call after it is admitted (its items held against other calls, its
 * write units taken) and before it is sent to DynamoDB Local. A test returns a promise from it to keep a
 * transaction in flight while it issues another call; `undefined` removes the hook.
 */
export function setBeforeForwardHook(hook: ForwardHook | undefined): void {
  beforeForward = hook;
}
