/**
 * Typed domain errors. Each has a stable `name`: Lambda reports it as the error type (so Step Functions
 * Retry/Catch and the ingest DLQ see it), and the API edge maps it to a status code.
 */
export abstract class DomainError extends Error {
  abstract override readonly name: string;
}

/** An inbound event (EventBridge envelope, Stripe object, workflow task input) does not have the expected shape. */
export class MalformedEventError extends DomainError {
  override readonly name = 'MalformedEvent';
  constructor(
    /** Path of the offending field, e.g. `detail.data.object.amount_paid`. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** An HTTP request's path, query or body is invalid (400). */
export class InvalidRequestError extends DomainError {
  override readonly name = 'InvalidRequest';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** A Stripe price id that the configured price map does not know. */
export class UnknownPriceError extends DomainError {
  override readonly name = 'UnknownPrice';
  constructor(readonly priceId: string) {
    super(`Stripe price ${priceId} is not mapped to a plan and billing cycle (STRIPE_PRICE_MAP)`);
  }
}

/** No `PartnerStats` row exists for this partner id. */
export class UnknownPartnerError extends DomainError {
  override readonly name = 'UnknownPartner';
  constructor(readonly partnerId: string) {
    super(`No registered partner has the id ${partnerId}`);
  }
}

/** A partner id that is already registered. */
export class PartnerAlreadyRegisteredError extends DomainError {
  override readonly name = 'PartnerAlreadyRegistered';
  constructor(readonly partnerId: string) {
    super(`Partner ${partnerId} is already registered`);
  }
}

/** The caller is authenticated but may not do this (403). */
export class ForbiddenError extends DomainError {
  override readonly name = 'Forbidden';
}

/** A pagination cursor that does not decode, or that belongs to another partner. */
export class InvalidCursorError extends DomainError {
  override readonly name = 'InvalidCursor';
}

/** A money amount that is not a non-negative integer number of cents. */
export class InvalidAmountError extends DomainError {
  override readonly name = 'InvalidAmount';
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`${field}: expected a non-negative integer number of cents, got ${String(value)}`);
  }
}

/** The deployment is missing a setting the code needs (e.g. a state machine ARN). */
export class ConfigurationError extends DomainError {
  override readonly name = 'Configuration';
}

/** A workflow started synchronously did not succeed for a reason the caller cannot fix (502). */
export class WorkflowFailedError extends DomainError {
  override readonly name = 'WorkflowFailed';
  constructor(
    readonly workflow: string,
    readonly error: string | undefined,
    readonly failureCause: string | undefined,
  ) {
    super(`Workflow ${workflow} did not succeed: ${error ?? 'unknown error'}`);
  }
}

/** An amount above Stripe's largest charge (`MAX_AMOUNT_MINOR_UNITS`): never a real payment, so never counted. */
export class AmountTooLargeError extends DomainError {
  override readonly name = 'AmountTooLarge';
  constructor(
    readonly field: string,
    readonly value: number,
    readonly limit: number,
  ) {
    super(`${field}: ${value} exceeds Stripe's largest amount (${limit} minor units)`);
  }
}

/** An event in a currency other than the program's: adding it to the program's amounts would be wrong. */
export class UnsupportedCurrencyError extends DomainError {
  override readonly name = 'UnsupportedCurrency';
  constructor(
    readonly field: string,
    readonly currency: string,
    readonly programCurrency: string,
  ) {
    super(`${field}: ${currency} is not the program currency (${programCurrency})`);
  }
}
