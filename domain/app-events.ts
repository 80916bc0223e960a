import * as z from 'zod/mini';
import { APP_EVENT_SOURCE, PARKED_EVENT_TTL_DAYS, PARTNER_ID_PATTERN } from './config';
import { MalformedEventError } from './errors';
import { executionNameFor } from './execution-name';
import { factKeys, type SignupFact, type VerifiedFact } from './facts';
import { identityHash } from './identity';
import { eventBridgeEnvelopeSchema, userIdSchema } from './stripe-events';
import { parseOrThrow } from './validation';
import { expiresAfterDays, type EventOutcome, type WorkflowStart } from './workflow-inputs';

/**
 * Events the app puts on the referral bus (source `partner-referrals.app`):
 * `UserSignedUp {userId, partnerId, occurredAt, email?}` and `UserEmailVerified {userId, occurredAt}`.
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

/** An email address as the app sends it: only ever hashed (`identityHash`), never kept. */
export const emailSchema = z.string({ error: 'expected an email address' }).check(
  z.maxLength(320, { error: 'expected an email address (at most 320 characters)' }),
  z.refine((value) => value.trim().includes('@'), { error: 'expected an email address' }),
);

export const signedUpSchema = z.object({
  userId: userIdSchema,
  partnerId: partnerIdSchema,
  occurredAt: isoTimestampSchema,
  email: z.nullish(emailSchema),
});
export const emailVerifiedSchema = z.object({ userId: userIdSchema, occurredAt: isoTimestampSchema });

export interface AppMappingOptions {
  /**
   * The salt of `identityHash` for email addresses: the deployment's `CLICK_IP_SALT`
   * (`RuntimeConfig.clickIpSalt`), the one secret that also salts the click log's IP hashes.
   */
  identitySalt: string;
}

/**
 * Maps one app event to the start of the workflow that records its fact (`signup-<eventId>`,
 * `verify-<eventId>`), or a reason to ignore it. An email address in `UserSignedUp` leaves here only as its
 * salted hash (`SignupFact.emailHash`, for the self-referral check).
 */
export function mapAppEvent(event: unknown, options: AppMappingOptions): EventOutcome {
  const envelope = parseOrThrow(eventBridgeEnvelopeSchema, event, malformed);
  if (envelope.source !== APP_EVENT_SOURCE) {
    throw malformed('source', `expected ${APP_EVENT_SOURCE}, got ${envelope.source}`);
  }
  const eventId = envelope.id;
  switch (envelope['detail-type']) {
    case APP_EVENT_TYPES.signedUp: {
      const detail = parseOrThrow(signedUpSchema, envelope.detail, malformed, 'detail');
      const emailHash = detail.email == null ? undefined : identityHash(detail.email, options.identitySalt);
      return factStart('signup', eventId, detail, {
        kind: 'signup',
        key: factKeys.signup(eventId),
        at: detail.occurredAt,
        partnerId: detail.partnerId,
        ...(emailHash === undefined ? {} : { emailHash }),
      });
    }
    case APP_EVENT_TYPES.emailVerified: {
      const detail = parseOrThrow(emailVerifiedSchema, envelope.detail, malformed, 'detail');
      return factStart('verify', eventId, detail, {
        kind: 'verified',
        key: factKeys.verified(eventId),
        at: detail.occurredAt,
      });
    }
    default:
      return { ignore: `app event ${envelope['detail-type']} is not handled by ingest` };
  }
}

function factStart(
  workflow: 'signup' | 'verify',
  eventId: string,
  detail: { userId: string; occurredAt: string },
  fact: SignupFact | VerifiedFact,
): WorkflowStart {
  return {
    workflow,
    executionName: executionNameFor(workflow, eventId),
    input: {
      fact,
      userId: detail.userId,
      findUserBy: [],
      links: [],
      parkExpiresAt: expiresAfterDays(Date.parse(detail.occurredAt) / 1000, PARKED_EVENT_TTL_DAYS),
    },
  };
}
