import type { Commission } from './lifecycle';

/** A `PartnerCommissions` row: the commission, plus the sort key of its partner-and-status index. */
export type CommissionItem = Commission & { statusEarnedAt: string };

export const statusEarnedAtOf = (c: Pick<Commission, 'status' | 'earnedAt'>): string =>
  `${c.status}#${c.earnedAt}`;

export const commissionItemOf = (c: Commission): CommissionItem => ({
  ...c,
  statusEarnedAt: statusEarnedAtOf(c),
});
