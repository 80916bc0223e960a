import { mapAppEvent } from '../../domain/app-events';
import { PARKED_EVENT_TTL_DAYS } from '../../domain/config';
import { MalformedEventError } from '../../domain/errors';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import { withoutPath, withPath } from '../../local/events/event-envelope';

describe('mapAppEvent', () => {
  it('maps UserSignedUp to a signup start named after the event id', () => {
    // Act
    const outcome = mapAppEvent(
      userSignedUpEvent({
        eventId: 'e-1',
        userId: 'user@example.com',
        partnerId: 'acme_co',
        occurredAt: '2026-01-15T10:00:00Z',
      }),
    );

    // Assess
    expect(outcome).toEqual({
      workflow: 'signup',
      executionName: 'signup-e-1',
      input: {
        eventId: 'e-1',
        userId: 'user@example.com',
        partnerId: 'acme_co',
        occurredAt: '2026-01-15T10:00:00.000Z',
      },
    });
  });

  it('maps UserEmailVerified to a verify start with a parking TTL', () => {
    // Act
    const outcome = mapAppEvent(userEmailVerifiedEvent({ eventId: 'e-2', userId: 'user_1' }));

    // Assess
    expect(outcome).toEqual({
      workflow: 'verify',
      executionName: 'verify-e-2',
      input: {
        eventId: 'e-2',
        userId: 'user_1',
        occurredAt: '2026-01-15T10:00:00.000Z',
        parkExpiresAt: Date.parse('2026-01-15T10:00:00.000Z') / 1000 + PARKED_EVENT_TTL_DAYS * 86_400,
      },
    });
  });

  it('normalises an offset timestamp to UTC', () => {
    expect(mapAppEvent(userSignedUpEvent({ occurredAt: '2026-01-15T12:00:00+02:00' }))).toMatchObject({
      input: { occurredAt: '2026-01-15T10:00:00.000Z' },
    });
  });

  it.each([
    ['detail.partnerId', withPath(userSignedUpEvent(), 'detail.partnerId', 'user#1')],
    ['detail.partnerId', withPath(userSignedUpEvent(), 'detail.partnerId', 'p'.repeat(65))],
    ['detail.userId', withPath(userSignedUpEvent(), 'detail.userId', '')],
    ['detail.userId', withPath(userSignedUpEvent(), 'detail.userId', 'u'.repeat(129))],
    ['detail.occurredAt', withPath(userSignedUpEvent(), 'detail.occurredAt', 'yesterday')],
    ['detail.occurredAt', withPath(userEmailVerifiedEvent(), 'detail.occurredAt', '2026-01-15T10:00:00')],
    ['detail.userId', withoutPath(userEmailVerifiedEvent(), 'detail.userId')],
    ['source', withPath(userSignedUpEvent(), 'source', 'someone.else')],
    ['id', withoutPath(userSignedUpEvent(), 'id')],
  ])('rejects a malformed event naming %s', (field, event) => {
    // Act
    const act = (): unknown => mapAppEvent(event);

    // Assess
    expect(act).toThrow(MalformedEventError);
    expect(act).toThrow(expect.objectContaining({ name: 'MalformedEvent', field }));
  });

  it('ignores other app events (e.g. the workflows’ own ReferralStatsPending notices)', () => {
    expect(mapAppEvent(withPath(userSignedUpEvent(), 'detail-type', 'ReferralStatsPending'))).toEqual({
      ignore: 'app event ReferralStatsPending is not handled by ingest',
    });
  });
});
