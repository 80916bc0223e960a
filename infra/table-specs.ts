import { INDEX_NAMES, TABLE_NAMES } from '../domain/config';

/**
 * The tables' key schemas in one place. The CDK stack builds its tables from these specs and the
 * offline runtime creates the same tables in DynamoDB Local from them, so the two cannot drift.
 */
export type KeyType = 'S' | 'N';

export interface KeySpec {
  name: string;
  type: KeyType;
}

export interface IndexSpec {
  indexName: string;
  partitionKey: KeySpec;
  sortKey?: KeySpec;
}

export interface TableSpec {
  /** Logical id in the CDK stack. */
  id: string;
  tableName: string;
  /** How the ASL files refer to the table: `${<substitutionKey>}`. */
  substitutionKey: string;
  partitionKey: KeySpec;
  sortKey?: KeySpec;
  globalSecondaryIndexes: IndexSpec[];
  timeToLiveAttribute?: string;
  /**
   * A DynamoDB stream of the table's changes, with both images: the outbox the outbound-events pipe reads
   * (infra/constructs/outbound-pipe.ts).
   */
  stream?: 'NEW_AND_OLD_IMAGES';
  /** Main tables get point-in-time recovery and deletion protection. */
  critical: boolean;
}

export const REFERRALS_TABLE: TableSpec = {
  id: 'PartnerReferrals',
  tableName: TABLE_NAMES.referrals,
  substitutionKey: 'ReferralsTableName',
  partitionKey: { name: 'partnerId', type: 'S' },
  sortKey: { name: 'referralId', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: INDEX_NAMES.referralsByUser, partitionKey: { name: 'referredUserId', type: 'S' } },
    // Sparse: only paid referrals carry paidAt, so the dashboard's recent list reads paid ones only.
    {
      indexName: INDEX_NAMES.paidByPartner,
      partitionKey: { name: 'partnerId', type: 'S' },
      sortKey: { name: 'paidAt', type: 'S' },
    },
  ],
  // Only parked events carry it; referrals never expire.
  timeToLiveAttribute: 'expiresAt',
  critical: true,
};

export const STATS_TABLE: TableSpec = {
  id: 'PartnerStats',
  tableName: TABLE_NAMES.stats,
  substitutionKey: 'StatsTableName',
  partitionKey: { name: 'partnerId', type: 'S' },
  globalSecondaryIndexes: [],
  critical: true,
};

export const CLICKS_TABLE: TableSpec = {
  id: 'ReferralEvents',
  tableName: TABLE_NAMES.clicks,
  substitutionKey: 'ClicksTableName',
  partitionKey: { name: 'clickId', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
  critical: false,
};

/**
 * A partner's click counter in `CLICK_COUNTER_SHARDS` shards (`counterId` = `<partnerId>#<shard>`, with
 * `partnerId`, `clicks` and `lastClickAt`): each shard its own partition key, so a viral partner's clicks
 * spread over many items instead of queueing on its stats row. Critical: the shards are the only count of
 * clicks (the click log expires).
 */
export const CLICK_COUNTERS_TABLE: TableSpec = {
  id: 'PartnerClickCounters',
  tableName: TABLE_NAMES.clickCounters,
  substitutionKey: 'ClickCountersTableName',
  partitionKey: { name: 'counterId', type: 'S' },
  globalSecondaryIndexes: [],
  critical: true,
};

/** The commission ledger: one row per commissionable invoice (`inv#<invoiceId>`) or clawback (`clawback#…`). */
export const COMMISSIONS_TABLE: TableSpec = {
  id: 'PartnerCommissions',
  tableName: TABLE_NAMES.commissions,
  substitutionKey: 'CommissionsTableName',
  partitionKey: { name: 'partnerId', type: 'S' },
  sortKey: { name: 'commissionId', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: INDEX_NAMES.commissionsByStatus,
      partitionKey: { name: 'status', type: 'S' },
      sortKey: { name: 'dueAt', type: 'S' },
    },
    {
      indexName: INDEX_NAMES.commissionsByPartner,
      partitionKey: { name: 'partnerId', type: 'S' },
      sortKey: { name: 'earnedAt', type: 'S' },
    },
    {
      indexName: INDEX_NAMES.commissionsByPartnerStatus,
      partitionKey: { name: 'partnerId', type: 'S' },
      sortKey: { name: 'statusEarnedAt', type: 'S' },
    },
  ],
  stream: 'NEW_AND_OLD_IMAGES',
  critical: true,
};

/**
 * Payouts and the claims that tie each commission to at most one payout. A payout is `payoutId` = `po_…`
 * (sorted by creation time); a claim is `payoutId` = `claim#<commissionId>` naming its payout in `claimedBy`,
 * put in the payout's creating transaction on condition it does not exist, so two overlapping runs cannot
 * both pay one commission. A failed or canceled payout deletes its claims.
 */
export const PAYOUTS_TABLE: TableSpec = {
  id: 'PartnerPayouts',
  tableName: TABLE_NAMES.payouts,
  substitutionKey: 'PayoutsTableName',
  partitionKey: { name: 'partnerId', type: 'S' },
  sortKey: { name: 'payoutId', type: 'S' },
  globalSecondaryIndexes: [
    // Sparse: claims carry no status.
    {
      indexName: INDEX_NAMES.payoutsByStatus,
      partitionKey: { name: 'status', type: 'S' },
      sortKey: { name: 'createdAt', type: 'S' },
    },
    { indexName: INDEX_NAMES.payoutsById, partitionKey: { name: 'payoutId', type: 'S' } },
  ],
  stream: 'NEW_AND_OLD_IMAGES',
  critical: true,
};

/**
 * A partner's daily activity buckets (`day` = the partner's local calendar day, `2026-12-01`): signups,
 * conversions, earnings and reversals, added by the lifecycle's stats write in the same marker-guarded
 * transaction as the counters, so exactly once. A chart reads one Query of at most 366 items. Clicks are not
 * here: they stay on the click counter shards (one `d<day>` attribute per day), to keep their contention spread.
 */
export const ACTIVITY_TABLE: TableSpec = {
  id: 'PartnerActivity',
  tableName: TABLE_NAMES.activity,
  substitutionKey: 'ActivityTableName',
  partitionKey: { name: 'partnerId', type: 'S' },
  sortKey: { name: 'day', type: 'S' },
  globalSecondaryIndexes: [],
  critical: true,
};

export const TABLE_SPECS: readonly TableSpec[] = [
  REFERRALS_TABLE,
  STATS_TABLE,
  CLICKS_TABLE,
  COMMISSIONS_TABLE,
  CLICK_COUNTERS_TABLE,
  PAYOUTS_TABLE,
  ACTIVITY_TABLE,
];
