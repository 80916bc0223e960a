import * as z from 'zod/mini';
import { APP_EVENT_SOURCE, PARKED_EVENT_TTL_DAYS, PARTNER_ID_PATTERN } from './config';
import { MalformedEventError } from './errors';
import { executionNameFor } from './execution-name';
import { eventBridgeEnvelopeSchema, userIdSchema } from './stripe-events';
import { parseOrThrow } from './validation';
import { expiresAfterDays, type EventOutcome } from './workflow-inputs';

/**
 * Events the app puts on the referral bus (source `partner-referrals.app`):
 * `UserSignedUp {userId, partnerId, occurredAt}` and `UserEmailVerified {userId, occurredAt}`.
 */
export const APP_EVENT_TYPES = { signedUp: 'UserSignedUp', emailVerified: 'UserEmailVerified' } as const;

const malformed = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);

const PARTNER_ID_RULE = 'expected a partner id: 1-64 characters of [A-Za-z0-9_-]';
export const partnerIdSchema = z
  .string({ error: PARTNER_ID_RULE })
  .check(z.regex(PARTNER_ID_PATTERN, { error: PARTNER_ID_RULE }));
const ISO_RULE = 'expected an ISO-8601 timestamp with a time zone';
/** An ISO-8601 timestamp with offset, normalised to UTC (`…Z`) so stored timestamps sort as strings. */
export const isoTimestampSchema = z.pipe(
  z.iso.datetime({ offset: true, error: ISO_RULE }),
  z.transform((value: string) => new Date(value).toISOString()),
);

const signedUpSchema = z.object({
  userId: userIdSchema,
  partnerId: partnerIdSchema,
  occurredAt: isoTimestampSchema,
});
const emailVerifiedSchema = z.object({ userId: userIdSchema, occurredAt: isoTimestampSchema });

/** Maps one app event to its workflow start (`signup-<eventId>`, `verify-<eventId>`), or a reason to ignore it. */
export function mapAppEvent(event: unknown): EventOutcome {
  const envelope = parseOrThrow(eventBridgeEnvelopeSchema, event, malformed);
  if (envelope.source !== APP_EVENT_SOURCE) {
    throw malformed('source', `expected ${APP_EVENT_SOURCE}, got ${envelope.source}`);
  }
  const eventId = envelope.id;
  switch (envelope['detail-type']) {
    case APP_EVENT_TYPES.signedUp: {
      const detail = parseOrThrow(signedUpSchema, envelope.detail, malformed, 'detail');
      return {
        workflow: 'signup',
        executionName: executionNameFor('signup', eventId),
        input: { eventId, userId: detail.userId, partnerId: detail.partnerId, occurredAt: detail.occurredAt },
      };
    }
    case APP_EVENT_TYPES.emailVerified: {
      const detail = parseOrThrow(emailVerifiedSchema, envelope.detail, malformed, 'detail');
      return {
        workflow: 'verify',
        executionName: executionNameFor('verify', eventId),
        input: {
          eventId,
          userId: detail.userId,
          occurredAt: detail.occurredAt,
          parkExpiresAt: expiresAfterDays(Date.parse(detail.occurredAt) / 1000, PARKED_EVENT_TTL_DAYS),
        },
      };
    }
    default:
      return { ignore: `app event ${envelope['detail-type']} is not handled by ingest` };
  }
}
