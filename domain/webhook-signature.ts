import { createHmac, timingSafeEqual } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * Webhook signatures of the outbound events, in the Standard Webhooks form
 * (https://www.standardwebhooks.com/): `v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`, where
 * the body is the RFC 8785 canonical JSON of the event body (https://www.rfc-editor.org/rfc/rfc8785), so a
 * receiver that re-serialises the JSON it parsed computes the same bytes. Pure: the caller passes the time.
 */

export const SIGNATURE_VERSION = 'v1';
/**
 * How far a receiver accepts a timestamp from its own clock by default: an event is signed once, when it is
 * emitted, and the webhook target retries it for up to a day (README: Webhooks), plus Standard Webhooks'
 * five minutes of clock skew. Replays within the window are caught by deduplicating on the id.
 */
export const DEFAULT_TOLERANCE_SECONDS = 86_400 + 300;

export interface WebhookSigningInput {
  /** The event id (`webhook-id`). */
  id: string;
  /** Integer epoch seconds of signing (`webhook-timestamp`). */
  timestamp: number;
  /** The body delivered (the event without its `signature`). */
  body: unknown;
}

/** The canonical (RFC 8785) JSON text of `value`; throws on what JSON cannot carry (NaN, cycles). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('The webhook body has no JSON form');
  return text;
}

const hmac = (secret: string, input: WebhookSigningInput): Buffer =>
  createHmac('sha256', secret)
    .update(`${input.id}.${input.timestamp}.${canonicalJson(input.body)}`)
    .digest();

/** `v1,<base64 signature>`: the `webhook-signature` header of a delivery. */
export function signWebhook(input: WebhookSigningInput, secret: string): string {
  if (!secret) throw new Error('The webhook signing secret is empty');
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0)
    throw new Error(`timestamp: expected integer epoch seconds, got ${String(input.timestamp)}`);
  return `${SIGNATURE_VERSION},${hmac(secret, input).toString('base64')}`;
}

export interface WebhookVerification {
  id: string;
  /** The `webhook-timestamp` header as received. */
  timestamp: string | number;
  /** The `webhook-signature` header: one or more space-separated `v1,<base64>` signatures (rotation). */
  signature: string;
  /** The body as received, parsed. */
  body: unknown;
}

/**
 * Whether any of the signatures is the body's under `secret`, and the timestamp within `toleranceSeconds`
 * of `nowSeconds` (a replayed old delivery fails). Compares in constant time.
 */
export function verifyWebhook(
  received: WebhookVerification,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const timestamp = Number(received.timestamp);
  if (!Number.isSafeInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  let expected: Buffer;
  try {
    expected = hmac(secret, { id: received.id, timestamp, body: received.body });
  } catch {
    return false;
  }
  return received.signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== SIGNATURE_VERSION || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
