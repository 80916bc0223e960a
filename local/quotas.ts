import { InvalidName, ValidationException } from '@aws-sdk/client-sfn';

/**
 * Step Functions' hard quotas that fail an execution or a StartExecution call, with the errors AWS
 * answers (docs/aws-fidelity.md, "Step Functions quotas", cites the AWS pages and recordings).
 */

/** Events in one Standard execution's history; Express workflows have no such quota. */
export const MAX_HISTORY_EVENTS = 25_000;
/** Input or output of a state, a Task's result, an execution's input: UTF-8 bytes of the JSON text. */
export const MAX_PAYLOAD_BYTES = 262_144;
export const MAX_EXECUTION_NAME_LENGTH = 80;

export interface ExecutionFailure {
  error: string;
  cause: string;
}

/** The last event of a history that reached the quota (AWS records it as event number `maxEvents`). */
export const historyQuotaFailure = (maxEvents: number): ExecutionFailure => ({
  error: 'States.Runtime',
  cause: `The execution reached the maximum number of history events (${maxEvents}).`,
});

/**
 * `States.DataLimitExceeded` as AWS words it. `source` is the state's name for a state's input or
 * output, and for a Task's result the integration's resource type (`lambda`, `dynamodb`,
 * `aws-sdk:dynamodb`) or, for a Lambda called by its ARN, the function ARN.
 */
export const dataLimitFailure = (source: string): ExecutionFailure => ({
  error: 'States.DataLimitExceeded',
  cause: `The state/task '${source}' returned a result with a size exceeding the maximum number of bytes service limit.`,
});

/** Whether a JSON value is over the payload quota. */
export function exceedsPayloadQuota(value: unknown): boolean {
  const text = JSON.stringify(value ?? null);
  // A UTF-16 code unit takes at most 3 UTF-8 bytes: most payloads are decided without encoding them.
  if (text.length * 3 <= MAX_PAYLOAD_BYTES) return false;
  return Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES;
}

/** Characters StartExecution refuses in a name besides whitespace and control characters. */
const FORBIDDEN_NAME_CHARACTERS = new Set('<>{}[]?*"#%\\^|~`$&,;:/');

const isControl = (codePoint: number): boolean =>
  codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f);

/**
 * StartExecution's rules for `name`: the length (1-80 characters) is checked with the API's other
 * constraints (ValidationException), then the characters (InvalidName). Letters beyond ASCII are allowed.
 */
export function checkExecutionName(name: string): void {
  const characters = [...name];
  if (characters.length < 1 || characters.length > MAX_EXECUTION_NAME_LENGTH) {
    const bound =
      characters.length < 1
        ? 'greater than or equal to 1'
        : `less than or equal to ${MAX_EXECUTION_NAME_LENGTH}`;
    throw new ValidationException({
      message: `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length ${bound}`,
      $metadata: {},
    });
  }
  const invalid = characters.some(
    (c) => /\s/u.test(c) || FORBIDDEN_NAME_CHARACTERS.has(c) || isControl(c.codePointAt(0) ?? 0),
  );
  if (invalid) throw new InvalidName({ message: `Invalid Name: '${name}'`, $metadata: {} });
}

/** StartExecution / StartSyncExecution refuse an input over the payload quota before starting anything. */
export function checkExecutionInput(input: unknown): void {
  if (!exceedsPayloadQuota(input)) return;
  // The API's length constraint on `input` (a sensitive member: AWS leaves its value out of the message).
  throw new ValidationException({
    message: `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
    $metadata: {},
  });
}
