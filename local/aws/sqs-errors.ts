/**
 * The errors the local SQS answers: the JSON shape name (`__type: com.amazonaws.sqs#<name>`), the query
 * protocol's code (also in the JSON answer's `x-amzn-query-error`), the HTTP status. As in the SDK's model.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html
 */
export const SQS_ERRORS = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  InvalidAddress: ['InvalidAddress', 404],
  InvalidAttributeName: ['InvalidAttributeName', 400],
  InvalidParameterValue: ['InvalidParameterValue', 400],
  MissingParameter: ['MissingParameter', 400],
  ResourceNotFoundException: ['ResourceNotFoundException', 404],
  InvalidAction: ['InvalidAction', 400],
  RequestEntityTooLarge: ['RequestEntityTooLarge', 413],
  InternalError: ['InternalError', 500],
} as const satisfies Record<string, readonly [string, number]>;

export type SqsErrorName = keyof typeof SQS_ERRORS;

export class SqsError extends Error {
  constructor(
    readonly code: SqsErrorName,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** InvalidParameterValue, worded as SQS words it. */
export const invalidValue = (key: string, value: unknown, reason: string): SqsError =>
  new SqsError(
    'InvalidParameterValue',
    `Value ${String(value)} for parameter ${key} is invalid. Reason: ${reason}`,
  );
