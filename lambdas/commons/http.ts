import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, InvalidRequestError } from '../../domain/errors';
import { logger } from './logger';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number };

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** `{ error: <name>, message, field? }`, the body of every error response. */
export function errorBody(error: string, message: string, field?: string): Record<string, string> {
  return field ? { error, message, field } : { error, message };
}

const STATUS_BY_ERROR: Readonly<Record<string, number>> = {
  InvalidRequest: 400,
  InvalidCursor: 400,
  Forbidden: 403,
  UnknownPartner: 404,
  PartnerAlreadyRegistered: 409,
  InvalidCommissionStatus: 400,
  UnknownCommission: 404,
  CommissionNotOnHold: 409,
  InvalidPayoutStatus: 400,
  UnknownPayout: 404,
  PayoutStatusConflict: 409,
  WorkflowFailed: 502,
};

/** Maps a thrown error to a response: named domain errors to their status, anything else to 500 (logged). */
export function errorResponse(error: unknown): HttpResponse {
  if (error instanceof DomainError) {
    const status = STATUS_BY_ERROR[error.name];
    if (status !== undefined) {
      const field = 'field' in error && typeof error.field === 'string' ? error.field : undefined;
      if (status >= 500) logger.error('Request failed', { error });
      else logger.info('Request rejected', { errorName: error.name, reason: error.message });
      return json(status, errorBody(error.name, error.message, field));
    }
  }
  logger.error('Unexpected error', { error: error instanceof Error ? error : String(error) });
  return json(500, errorBody('InternalError', 'The request could not be completed'));
}

/** A request's JSON body (API Gateway may deliver it base64-encoded); absent or not JSON is 400 naming `body`. */
export function jsonBodyOf(event: { body?: string; isBase64Encoded?: boolean }): unknown {
  if (!event.body) throw new InvalidRequestError('body', 'expected a JSON object');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidRequestError('body', 'not valid JSON');
  }
}
