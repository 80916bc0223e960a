import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { decodeJwt, importJWK, SignJWT } from 'jose';
import { durationSeconds, loadOrCreateIssuer, LOCAL_ISSUER_URL } from '../../local/http-api/jwt';
import { KEY_FILE, type StoredSigningKey } from '../../local/http-api/key-store';
import { AUDIENCE, tempDir } from './support';

describe('local JWT issuer', () => {
  it('signs tokens its own verify accepts, with iss, aud, iat, a one-hour default expiry and the claims given', async () => {
    const issuer = await loadOrCreateIssuer(undefined);
    const token = await issuer.sign({ sub: 'u1', partnerId: 'acme' }, { audience: AUDIENCE });

    const result = await issuer.verify(token, { audience: [AUDIENCE] });

    expect(result).toMatchObject({
      ok: true,
      claims: { sub: 'u1', partnerId: 'acme', iss: LOCAL_ISSUER_URL, aud: AUDIENCE },
    });
    const claims = decodeJwt(token);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
  });

  it('keeps its key in the directory, so tokens survive a restart; in memory, each issuer has its own key', async () => {
    const dir = path.join(tempDir('jwt-'), 'jwt');
    const first = await loadOrCreateIssuer(dir);
    const token = await first.sign({ sub: 'u1' }, { audience: AUDIENCE });

    const restarted = await loadOrCreateIssuer(dir);
    const throwaway = await loadOrCreateIssuer(undefined);

    expect(restarted.keyId).toBe(first.keyId);
    expect(await restarted.verify(token, { audience: AUDIENCE })).toMatchObject({ ok: true });
    expect(await throwaway.verify(token, { audience: AUDIENCE })).toMatchObject({
      ok: false,
      reason: 'unknownKey',
    });
  });

  it('creates one key when several processes start on an empty directory at once', async () => {
    const dir = path.join(tempDir('jwt-'), 'jwt');

    const issuers = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateIssuer(dir)));

    expect(new Set(issuers.map((i) => i.keyId)).size).toBe(1);
  });

  it('refuses a key file it did not write, saying how to recover', async () => {
    const dir = tempDir('jwt-');
    writeFileSync(path.join(dir, KEY_FILE), '{"privateJwk":{"kty":"oct"}}');

    await expect(loadOrCreateIssuer(dir)).rejects.toMatchObject({
      name: 'CorruptKeyFile',
      message: expect.stringContaining('Delete it'),
    });
  });

  it('publishes its public key only, under the kid it signs with', async () => {
    const issuer = await loadOrCreateIssuer(undefined);

    const { keys } = issuer.jwks();

    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: issuer.keyId });
    expect(keys[0]).not.toHaveProperty('d');
  });

  describe('refuses what API Gateway refuses', () => {
    const hourAgo = () => new Date(Date.now() - 3600_000);

    it('an expired token', async () => {
      const issuer = await loadOrCreateIssuer(undefined);
      const token = await issuer.sign(
        { sub: 'u1' },
        { audience: AUDIENCE, issuedAt: hourAgo(), expiresIn: 60 },
      );

      expect(await issuer.verify(token, { audience: AUDIENCE })).toEqual({
        ok: false,
        reason: 'expired',
        description: 'the token has expired',
      });
    });

    it('a token not valid yet (nbf) or issued in the future (iat)', async () => {
      const issuer = await loadOrCreateIssuer(undefined);
      const inAnHour = new Date(Date.now() + 3600_000);
      const notYet = await issuer.sign({ sub: 'u1' }, { audience: AUDIENCE, notBefore: inAnHour });
      const future = await issuer.sign({ sub: 'u1' }, { audience: AUDIENCE, issuedAt: inAnHour });

      expect(await issuer.verify(notYet, { audience: AUDIENCE })).toMatchObject({ reason: 'notYetValid' });
      expect(await issuer.verify(future, { audience: AUDIENCE })).toMatchObject({ reason: 'issuedInFuture' });
    });

    it('a token for another audience; one of several audiences is enough', async () => {
      const issuer = await loadOrCreateIssuer(undefined);
      const token = await issuer.sign({ sub: 'u1' }, { audience: ['other-app', AUDIENCE] });

      expect(await issuer.verify(token, { audience: ['billing'] })).toEqual({
        ok: false,
        reason: 'badAudience',
        description: 'the token does not have a valid audience',
      });
      expect(await issuer.verify(token, { audience: [AUDIENCE] })).toMatchObject({ ok: true });
    });

    it('a tampered token, an unsigned or HMAC token, and text that is no JWT', async () => {
      const issuer = await loadOrCreateIssuer(undefined);
      const [h, p, s] = (await issuer.sign({ sub: 'u1' }, { audience: AUDIENCE })).split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...decodeJwt(`${h}.${p}.${s}`), partnerId: 'someone-else' }),
      );
      const tampered = `${h}.${forged.toString('base64url')}.${s}`;
      const hmac = await new SignJWT({ sub: 'u1' })
        .setProtectedHeader({ alg: 'HS256', kid: issuer.keyId })
        .setIssuer(LOCAL_ISSUER_URL)
        .setAudience(AUDIENCE)
        .sign(new Uint8Array(32));

      expect(await issuer.verify(tampered, { audience: AUDIENCE })).toMatchObject({ reason: 'badSignature' });
      expect(await issuer.verify(hmac, { audience: AUDIENCE })).toMatchObject({
        reason: 'badAlgorithm',
        description: 'signing method HS256 is invalid',
      });
      expect(await issuer.verify('not-a-token', { audience: AUDIENCE })).toMatchObject({
        reason: 'malformed',
      });
    });

    it('a token without exp, however valid otherwise (API Gateway: "exp – Must be after the current time in UTC")', async () => {
      const dir = tempDir('jwt-');
      const issuer = await loadOrCreateIssuer(dir);
      const { privateJwk } = JSON.parse(readFileSync(path.join(dir, KEY_FILE), 'utf8')) as StoredSigningKey;
      const key = await importJWK(privateJwk, 'RS256');
      const token = (withExp: boolean) => {
        const jwt = new SignJWT({ sub: 'u1', partnerId: 'acme' })
          .setProtectedHeader({ alg: 'RS256', kid: issuer.keyId })
          .setIssuer(LOCAL_ISSUER_URL)
          .setAudience(AUDIENCE)
          .setIssuedAt();
        return (withExp ? jwt.setExpirationTime('5m') : jwt).sign(key);
      };

      const unbounded = await token(false);

      expect(decodeJwt(unbounded)).not.toHaveProperty('exp');
      expect(await issuer.verify(unbounded, { audience: AUDIENCE })).toEqual({
        ok: false,
        reason: 'noExpiry',
        description: 'the token has no expiration time (exp)',
      });
      expect(await issuer.verify(await token(true), { audience: AUDIENCE })).toMatchObject({ ok: true });
    });

    it("a token from another issuer signed with this issuer's key; client_id stands in for a missing aud", async () => {
      const dir = tempDir('jwt-');
      mkdirSync(dir, { recursive: true });
      const issuer = await loadOrCreateIssuer(dir);
      const { privateJwk } = JSON.parse(readFileSync(path.join(dir, KEY_FILE), 'utf8')) as StoredSigningKey;
      const key = await importJWK(privateJwk, 'RS256');
      const signed = (iss: string, claims: Record<string, string>) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: issuer.keyId })
          .setIssuer(iss)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(key);

      const foreign = await signed('https://auth.example.com/', { sub: 'u1', aud: AUDIENCE });
      const clientCredentials = await signed(LOCAL_ISSUER_URL, { sub: 'svc', client_id: AUDIENCE });

      expect(await issuer.verify(foreign, { audience: AUDIENCE })).toMatchObject({ reason: 'badIssuer' });
      expect(await issuer.verify(clientCredentials, { audience: AUDIENCE })).toMatchObject({ ok: true });
    });
  });

  it.each([
    [3600, 3600],
    ['90', 90],
    ['30s', 30],
    ['15m', 900],
    ['12h', 43_200],
    ['7d', 604_800],
  ])('reads the duration %p as %p seconds', (input, seconds) => {
    expect(durationSeconds(input)).toBe(seconds);
  });

  it.each([0, -5, 1.5, 'soon', '12w', ''])('rejects the duration %p', (input) => {
    expect(() => durationSeconds(input)).toThrow('expected a duration');
  });
});
