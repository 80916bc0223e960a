import { createHash } from 'node:crypto';

/** Step Functions execution names: at most 80 characters; this project keeps to `[A-Za-z0-9_-]`. */
export const EXECUTION_NAME_MAX_LENGTH = 80;
const SAFE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * `<prefix>-<id>` when that is a valid name; otherwise the id with unsafe characters replaced, cut to fit,
 * and followed by a hash of the original id, so the name stays deterministic (a redelivered event gets the
 * same name) and distinct ids keep distinct names.
 */
export function executionNameFor(prefix: string, id: string): string {
  const plain = `${prefix}-${id}`;
  if (plain.length <= EXECUTION_NAME_MAX_LENGTH && SAFE_NAME.test(plain)) return plain;
  const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 16);
  const room = Math.max(0, EXECUTION_NAME_MAX_LENGTH - prefix.length - hash.length - 2);
  const safe = id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, room);
  return `${prefix}-${safe}-${hash}`.slice(0, EXECUTION_NAME_MAX_LENGTH);
}
