/**
 * An error a Task surfaces to Retry/Catch. aws-local-stepfunctions matches `name` against ErrorEquals
 * and uses `message` as the Cause, so both carry AWS's exact strings. No `cause` property: the library
 * would prefer it over the message in its StateFailed/ExecutionFailed events.
 */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** A request id shaped like AWS's (uppercase alphanumerics) for errors that come from no real server. */
export function fakeRequestId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let id = '';
  for (let i = 0; i < 52; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  return id;
}
