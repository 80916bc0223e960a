import { APP_EVENT_TYPES } from '../../domain/app-events';
import { APP_EVENT_SOURCE } from '../../domain/config';
import { envelope, type Envelope } from './event-envelope';

/** App events (`partner-referrals.app`) as the app bus delivers them to a target. */
export interface UserSignedUpDetail {
  userId: string;
  partnerId: string;
  occurredAt: string;
  /** The user's email address, when the app sends it (the ingest keeps only its salted hash). */
  email?: string;
}

export interface UserEmailVerifiedDetail {
  userId: string;
  occurredAt: string;
}

export const DEFAULT_OCCURRED_AT = '2026-01-15T10:00:00.000Z';

export function userSignedUpEvent(
  opts: Partial<UserSignedUpDetail> & { eventId?: string } = {},
): Envelope<UserSignedUpDetail> {
  const occurredAt = opts.occurredAt ?? DEFAULT_OCCURRED_AT;
  return envelope({
    id: opts.eventId ?? 'app-evt-signup-1',
    source: APP_EVENT_SOURCE,
    detailType: APP_EVENT_TYPES.signedUp,
    time: occurredAt,
    detail: {
      userId: opts.userId ?? 'user_1',
      partnerId: opts.partnerId ?? 'partner_1',
      occurredAt,
      ...(opts.email === undefined ? {} : { email: opts.email }),
    },
  });
}

export function userEmailVerifiedEvent(
  opts: Partial<UserEmailVerifiedDetail> & { eventId?: string } = {},
): Envelope<UserEmailVerifiedDetail> {
  const occurredAt = opts.occurredAt ?? DEFAULT_OCCURRED_AT;
  return envelope({
    id: opts.eventId ?? 'app-evt-verify-1',
    source: APP_EVENT_SOURCE,
    detailType: APP_EVENT_TYPES.emailVerified,
    time: occurredAt,
    detail: { userId: opts.userId ?? 'user_1', occurredAt },
  });
}
