import { createHash } from 'node:crypto';

/**
 * A salted one-way hash of a personal identifier (an email address), so that two records of the same
 * person can be compared (a partner signing up through their own link) without keeping the identifier.
 * The value is normalised first (trimmed, lower-cased): `Ann@Example.com ` and `ann@example.com` hash alike.
 *
 * The salt is the deployment's `CLICK_IP_SALT` (`RuntimeConfig.clickIpSalt`): one secret serves both the
 * click log's IP hashes and these, so there is one secret to provision and rotate. Rotating it makes new
 * hashes incomparable with stored ones.
 *
 * @returns lower-case hex SHA-256 of `${salt}:${normalised value}`.
 */
export function identityHash(value: string, salt: string): string {
  return createHash('sha256').update(`${salt}:${value.trim().toLowerCase()}`, 'utf8').digest('hex');
}
