import { createHmac, timingSafeEqual } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The outbound event contract (docs: README "Webhooks"), written from its text and nothing else, so a
 * signer or a delivery that drifts from the documentation fails the tests that use it.
 */
export interface WebhookBody {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  partnerId: string;
  data: Record<string, unknown>;
}

const mac = (secret: string, id: string, timestamp: number | string, body: unknown): string =>
  `v1,${createHmac('sha256', secret)
    .update(`${id}.${timestamp}.${canonicalize(body) ?? ''}`)
    .digest('base64')}`;

/**
 * An event's detail as the contract defines it (the body plus its signature), for tests that put ledger
 * events on the bus themselves.
 */
export function signedDetail(
  body: WebhookBody,
  secret: string,
  timestamp: number,
): WebhookBody & { signature: { timestamp: number; v1: string } } {
  return { ...body, signature: { timestamp, v1: mac(secret, body.id, timestamp, body) } };
}

/**
 * What a receiver does (the README snippet): the signature over `id.timestamp.JCS(body)` with the shared
 * secret, compared in constant time, and a timestamp within `toleranceSeconds` of now: a day and five
 * minutes, since the event is signed once when emitted and EventBridge retries it for up to a day.
 */
export function verifyWebhook(
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  secret: string,
  { now = Date.now(), toleranceSeconds = 86_400 + 300 }: { now?: number; toleranceSeconds?: number } = {},
): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(mac(secret, id, timestamp, JSON.parse(rawBody)));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
