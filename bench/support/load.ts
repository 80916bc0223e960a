import {
  BatchWriteItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TABLE_NAMES } from '../../domain/config';
import { zeroCounters } from '../../domain/stats';
import { chunk, inParallel } from '../../local/parallel';
import { LocalSystem } from '../../local/system';
import { PLANS, runJourney, type Plan } from './journeys';

type Item = Record<string, AttributeValue>;

/** Writes items straight into a table: BatchWriteItem, 25 per call, 8 calls in flight, unprocessed retried. */
export async function putAll(client: DynamoDBClient, table: string, items: Item[]): Promise<void> {
  await inParallel(chunk(items, 25), 8, async (batch) => {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  });
}

/** A stats row with every counter at zero (reconciliation will find the referrals' real totals). */
export const emptyStatsItem = (partnerId: string): Item =>
  marshall({
    partnerId,
    ...zeroCounters(),
    totalClicks: 0,
    version: 1,
    registeredAt: '2026-01-01T00:00:00.000Z',
  });

/** A paid referral and its ledger rows, as the workflows write them. */
export interface PaidReferral {
  referral: Item;
  ledger: Item[];
}

const TEMPLATE_PARTNER = 'bench-template';
/** The template journeys' first invoice: 2025-01-01T00:00:00Z (clone `i` is `i` minutes later). */
const TEMPLATE_AT = Date.UTC(2025, 0, 1) / 1000;
const templateTag = (variant: number) => `tplX${variant}X`;
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g;

/** The plan of referral `index`: AF+ on odd indexes, Annual on every third (as the benchmarks always used). */
const variantOf = (index: number): number => (index % 2 ? 2 : 0) + (index % 3 ? 0 : 1);
const VARIANT_PLANS: readonly Plan[] = [
  PLANS.afMonthly,
  PLANS.afAnnual,
  PLANS.afPlusMonthly,
  PLANS.afPlusAnnual,
];

/**
 * Paid referrals for bulk loading, cloned from the real thing: four journeys (AF and AF+, Monthly and
 * Annual: signup, verification, `invoice.paid`, `invoice_payment.paid`) run once through the real
 * workflows on a throwaway local stack, and their referral items and ledger rows are read back. A clone
 * renames the user and every Stripe id (they all carry the journey's tag), moves it to another partner and
 * shifts every time by `index` minutes, so the items have the shape, sizes and fields the workflows write.
 */
export class PaidReferrals {
  private constructor(private readonly templates: readonly PaidReferral[]) {}

  static async capture(): Promise<PaidReferrals> {
    const system = await LocalSystem.start({ retryDelayScale: 0 });
    try {
      await putAll(system.dynamoDb, TABLE_NAMES.stats, [emptyStatsItem(TEMPLATE_PARTNER)]);
      for (const [variant, plan] of VARIANT_PLANS.entries())
        await runJourney(system, TEMPLATE_PARTNER, templateTag(variant), { plan, at: TEMPLATE_AT });
      await system.settle();
      const referrals = await queryPartner(system.dynamoDb, TABLE_NAMES.referrals);
      const ledger = await queryPartner(system.dynamoDb, TABLE_NAMES.commissions);
      const templates = VARIANT_PLANS.map((_, variant) => {
        const referralId = `ref_ju_j${templateTag(variant)}`;
        const referral = referrals.find((r) => r.referralId?.S === referralId);
        if (referral?.status?.S !== 'paid') throw new Error(`template ${referralId} is not a paid referral`);
        return { referral, ledger: ledger.filter((row) => row.referralId?.S === referralId) };
      });
      return new PaidReferrals(templates);
    } finally {
      await system.stop();
    }
  }

  /** Paid referral `index` of `partnerId` (user `ju_j<partnerId>_<index>`). */
  of(partnerId: string, index: number): PaidReferral {
    const variant = variantOf(index);
    const template = this.templates[variant];
    if (!template) throw new Error(`no template ${variant}`);
    const tag = templateTag(variant);
    const id = `${partnerId}_${String(index).padStart(7, '0')}`;
    const clone = (item: Item): Item =>
      JSON.parse(
        JSON.stringify(item)
          .replaceAll(tag, id)
          .replaceAll(`"S":"${TEMPLATE_PARTNER}"`, `"S":"${partnerId}"`)
          .replace(ISO_TIME, (t) => new Date(Date.parse(t) + index * 60_000).toISOString()),
      ) as Item;
    return { referral: clone(template.referral), ledger: template.ledger.map(clone) };
  }
}

async function queryPartner(client: DynamoDBClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'partnerId = :p',
        ExpressionAttributeValues: { ':p': { S: TEMPLATE_PARTNER } },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
