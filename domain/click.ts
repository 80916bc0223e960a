import { createHash } from 'node:crypto';
import { CLICK_LOG_TTL_DAYS, USER_AGENT_MAX_LENGTH } from './config';
import { expiresAfterDays } from './workflow-inputs';

/** The click workflow's input: what the click log stores (never the raw IP). */
export interface ClickWorkflowInput {
  clickId: string;
  partnerId: string;
  clickedAt: string;
  ipHash: string;
  userAgent: string;
  /** Epoch seconds: the click log's TTL. */
  expiresAt: number;
}

/** Salted SHA-256 of an IP address, hex. */
export function hashIp(ip: string, salt: string): string {
  return createHash('sha256').update(salt, 'utf8').update('\u0000').update(ip, 'utf8').digest('hex');
}

/** At most `USER_AGENT_MAX_LENGTH` characters, never splitting a surrogate pair; `unknown` when absent. */
export function truncateUserAgent(userAgent: string | undefined): string {
  if (!userAgent) return 'unknown';
  const chars = Array.from(userAgent);
  return chars.length <= USER_AGENT_MAX_LENGTH ? userAgent : chars.slice(0, USER_AGENT_MAX_LENGTH).join('');
}

export function clickWorkflowInput(args: {
  partnerId: string;
  ip: string;
  userAgent: string | undefined;
  now: Date;
  clickId: string;
  salt: string;
}): ClickWorkflowInput {
  return {
    clickId: args.clickId,
    partnerId: args.partnerId,
    clickedAt: args.now.toISOString(),
    ipHash: hashIp(args.ip, args.salt),
    userAgent: truncateUserAgent(args.userAgent),
    expiresAt: expiresAfterDays(args.now.getTime() / 1000, CLICK_LOG_TTL_DAYS),
  };
}
