import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { zeroCounters } from '../../domain/stats';
import { chunk, inParallel } from '../../local/parallel';

/** Writes items straight into a table: BatchWriteItem, 25 per call, 8 calls in flight, unprocessed retried. */
export async function putAll(
  client: DynamoDBClient,
  table: string,
  items: Record<string, AttributeValue>[],
): Promise<void> {
  await inParallel(chunk(items, 25), 8, async (batch) => {
    let pending = batch.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  });
}

/** A paid, active referral (AF+ or AF, Monthly or Annual by index), as the workflows write it. */
export function paidReferralItem(partnerId: string, index: number): Record<string, AttributeValue> {
  const userId = `bu_${partnerId}_${String(index).padStart(7, '0')}`;
  const paidAt = new Date(Date.UTC(2025, 0, 1) + index * 60_000).toISOString();
  return marshall({
    partnerId,
    referralId: `ref_${userId}`,
    referredUserId: userId,
    status: 'paid',
    signedUpAt: paidAt,
    paidAt,
    planType: index % 2 ? 'AFPlus' : 'AF',
    billingCycle: index % 3 ? 'Monthly' : 'Annual',
    paymentAmountCents: 2999,
    partnerEarningsCents: 750,
    commissionStatus: 'pending',
    subscriptionStatus: 'active',
  });
}

/** A stats row with every counter at zero (reconciliation will find the referrals' real totals). */
export const emptyStatsItem = (partnerId: string): Record<string, AttributeValue> =>
  marshall({
    partnerId,
    ...zeroCounters(),
    totalClicks: 0,
    version: 1,
    registeredAt: '2026-01-01T00:00:00.000Z',
  });
