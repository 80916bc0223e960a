import { createHash } from 'node:crypto';
import { mapAppEvent } from '../../domain/app-events';
import { PARKED_EVENT_TTL_DAYS } from '../../domain/config';
import { MalformedEventError } from '../../domain/errors';
import { identityHash } from '../../domain/identity';
import type { WorkflowStart } from '../../domain/workflow-inputs';
import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import { withoutPath, withPath } from '../../local/events/event-envelope';

const options = { identitySalt: 'test-salt' };
const OCCURRED_AT = '2026-01-15T10:00:00.000Z';
const parkExpiresAt = Date.parse(OCCURRED_AT) / 1000 + PARKED_EVENT_TTL_DAYS * 86_400;
/** The hash written out independently of domain/identity.ts. */
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function started(event: unknown): WorkflowStart {
  const outcome = mapAppEvent(event, options);
  if ('ignore' in outcome) throw new Error(`expected a workflow start, got ignore: ${outcome.ignore}`);
  return outcome;
}

describe('identityHash', () => {
  it('is the hex SHA-256 of salt:value', () => {
    expect(identityHash('ann@example.com', 'pepper')).toBe(sha256('pepper:ann@example.com'));
    expect(identityHash('ann@example.com', 'pepper')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('normalises the value: trimmed and lower-cased', () => {
    expect(identityHash('  Ann@Example.COM\n', 'pepper')).toBe(identityHash('ann@example.com', 'pepper'));
  });

  it('differs by salt and by value', () => {
    expect(identityHash('ann@example.com', 'pepper')).not.toBe(identityHash('ann@example.com', 'salt'));
    expect(identityHash('ann@example.com', 'pepper')).not.toBe(identityHash('bob@example.com', 'pepper'));
  });
});

describe('mapAppEvent', () => {
  it('maps UserSignedUp to a signup fact named after the event id', () => {
    // Act
    const outcome = mapAppEvent(
      userSignedUpEvent({
        eventId: 'e-1',
        userId: 'user@example.com',
        partnerId: 'acme_co',
        occurredAt: '2026-01-15T10:00:00Z',
      }),
      options,
    );

    // Assess
    expect(outcome).toEqual({
      workflow: 'signup',
      executionName: 'signup-e-1',
      input: {
        fact: { kind: 'signup', key: 'signup#e-1', at: OCCURRED_AT, partnerId: 'acme_co' },
        userId: 'user@example.com',
        findUserBy: [],
        links: [],
        parkExpiresAt,
      },
    });
  });

  it("records a signup's email only as its salted hash", () => {
    // Prepare
    const event = userSignedUpEvent({ eventId: 'e-1', email: ' Heidi.Private@Example.com ' });

    // Act
    const outcome = started(event);

    // Assess
    expect(outcome.input.fact).toEqual({
      kind: 'signup',
      key: 'signup#e-1',
      at: OCCURRED_AT,
      partnerId: 'partner_1',
      emailHash: sha256('test-salt:heidi.private@example.com'),
    });
    expect(JSON.stringify(outcome).toLowerCase()).not.toContain('heidi.private');
  });

  it('hashes with the salt it is given', () => {
    // Act
    const outcome = mapAppEvent(userSignedUpEvent({ email: 'ann@example.com' }), { identitySalt: 'other' });

    // Assess
    expect(outcome).toMatchObject({ input: { fact: { emailHash: sha256('other:ann@example.com') } } });
  });

  it('records no emailHash when the email is null', () => {
    // Act
    const outcome = started(withPath(userSignedUpEvent(), 'detail.email', null));

    // Assess
    expect(outcome.input.fact).not.toHaveProperty('emailHash');
  });

  it('maps UserEmailVerified to a verified fact with a parking TTL', () => {
    // Act
    const outcome = mapAppEvent(userEmailVerifiedEvent({ eventId: 'e-2', userId: 'user_1' }), options);

    // Assess
    expect(outcome).toEqual({
      workflow: 'verify',
      executionName: 'verify-e-2',
      input: {
        fact: { kind: 'verified', key: 'verified#e-2', at: OCCURRED_AT },
        userId: 'user_1',
        findUserBy: [],
        links: [],
        parkExpiresAt,
      },
    });
  });

  it('normalises an offset timestamp to UTC', () => {
    // Act
    const outcome = started(userSignedUpEvent({ occurredAt: '2026-01-15T12:00:00+02:00' }));

    // Assess
    expect(outcome.input.fact.at).toBe(OCCURRED_AT);
    expect(outcome.input.parkExpiresAt).toBe(parkExpiresAt);
  });

  it('maps a redelivered event (same id) to the same execution and fact', () => {
    // Act
    const first = mapAppEvent(userSignedUpEvent({ eventId: 'e-9', email: 'a@b.c' }), options);
    const again = mapAppEvent(userSignedUpEvent({ eventId: 'e-9', email: 'a@b.c' }), options);
    const verified = [1, 2].map(() => mapAppEvent(userEmailVerifiedEvent({ eventId: 'e-10' }), options));

    // Assess
    expect(again).toEqual(first);
    expect(verified[1]).toEqual(verified[0]);
  });

  it.each([
    ['detail.partnerId', withPath(userSignedUpEvent(), 'detail.partnerId', 'user#1')],
    ['detail.partnerId', withPath(userSignedUpEvent(), 'detail.partnerId', 'p'.repeat(65))],
    ['detail.userId', withPath(userSignedUpEvent(), 'detail.userId', '')],
    ['detail.userId', withPath(userSignedUpEvent(), 'detail.userId', 'u'.repeat(129))],
    ['detail.occurredAt', withPath(userSignedUpEvent(), 'detail.occurredAt', 'yesterday')],
    ['detail.occurredAt', withPath(userEmailVerifiedEvent(), 'detail.occurredAt', '2026-01-15T10:00:00')],
    ['detail.userId', withoutPath(userEmailVerifiedEvent(), 'detail.userId')],
    ['detail.email', withPath(userSignedUpEvent(), 'detail.email', 'not-an-email')],
    ['detail.email', withPath(userSignedUpEvent(), 'detail.email', 42)],
    ['detail.email', withPath(userSignedUpEvent(), 'detail.email', `${'a'.repeat(320)}@x.io`)],
    ['source', withPath(userSignedUpEvent(), 'source', 'someone.else')],
    ['id', withoutPath(userSignedUpEvent(), 'id')],
  ])('rejects a malformed event naming %s', (field, event) => {
    // Act
    const act = (): unknown => mapAppEvent(event, options);

    // Assess
    expect(act).toThrow(MalformedEventError);
    expect(act).toThrow(expect.objectContaining({ name: 'MalformedEvent', field }));
  });

  it('does not put a rejected email address in the error', () => {
    // Act
    const act = (): unknown =>
      mapAppEvent(withPath(userSignedUpEvent(), 'detail.email', 'secret-person-no-at-sign'), options);

    // Assess
    expect(act).toThrow(expect.objectContaining({ field: 'detail.email' }));
    expect(act).not.toThrow(/secret-person/);
  });

  it('ignores other app events (e.g. the workflows’ own ReferralStatsPending notices)', () => {
    expect(
      mapAppEvent(withPath(userSignedUpEvent(), 'detail-type', 'ReferralStatsPending'), options),
    ).toEqual({
      ignore: 'app event ReferralStatsPending is not handled by ingest',
    });
  });
});
