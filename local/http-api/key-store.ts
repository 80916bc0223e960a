import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * API Gateway's JWT authorizer accepts RSA-signed tokens only, so the local issuer signs with RS256:
 * a token that works locally has the shape a real identity provider's token must have.
 */
export const SIGNING_ALG = 'RS256';
export const KEY_FILE = 'signing-key.json';

/** The issuer's private key as a JWK with its `kid` (RFC 7638 thumbprint) and `alg`. */
export interface StoredSigningKey {
  privateJwk: JWK & { kid: string; alg: typeof SIGNING_ALG };
}

export class CorruptKeyFileError extends Error {
  override readonly name = 'CorruptKeyFile';
  constructor(readonly file: string) {
    super(`${file} is not a signing key written by the local issuer. Delete it to create a new one.`);
  }
}

/**
 * The signing key kept in `dir`, created on first use. The HTTP API and `npm run token` are separate
 * processes that may both start on an empty directory, so creation is atomic: the key is written to a
 * private temporary file and hard-linked into place, and whoever loses the race reads the winner's key.
 */
export async function loadOrCreateSigningKey(dir: string | undefined): Promise<StoredSigningKey> {
  if (dir === undefined) return newSigningKey();
  const file = path.join(dir, KEY_FILE);
  const existing = readKey(file);
  if (existing) return existing;

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const created = await newSigningKey();
  const temp = path.join(dir, `.${KEY_FILE}.${randomUUID()}`);
  writeFileSync(temp, JSON.stringify(created, null, 2), { mode: 0o600 });
  try {
    linkSync(temp, file);
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = readKey(file);
    if (!winner) throw new CorruptKeyFileError(file);
    return winner;
  } finally {
    unlinkSync(temp);
  }
}

async function newSigningKey(): Promise<StoredSigningKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { privateJwk: { ...jwk, kid, alg: SIGNING_ALG } };
}

/** The stored key, or undefined when there is no file yet. */
function readKey(file: string): StoredSigningKey | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoredSigningKey>;
    const jwk = parsed.privateJwk;
    if (
      jwk?.kty === 'RSA' &&
      typeof jwk.d === 'string' &&
      typeof jwk.kid === 'string' &&
      jwk.alg === SIGNING_ALG
    )
      return { privateJwk: jwk };
  } catch {
    // fall through: unparsable is as corrupt as mis-shaped
  }
  throw new CorruptKeyFileError(file);
}
