import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod/mini';
import { loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import {
  outboundEventsOf,
  signedDetail,
  type OutboundEventDetail,
  type RowChange,
} from '../domain/outbound-events';
import { lambdaHandler } from './commons/handler';
import { attributeMapSchema, parseInput } from './commons/items';
import { logger } from './commons/logger';

/**
 * The enrichment of the outbound-events pipes (one per table, DynamoDB stream → this → the app bus): a batch
 * of stream records in, the signed event details out, 0..n per record, in the records' order. The pipe puts
 * each on the bus with `detail-type` read from its `type`. A record it cannot read fails the batch: the pipe
 * bisects it, retries, and dead-letters the record that still fails.
 */

const streamRecordSchema = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    Keys: attributeMapSchema,
    NewImage: z.optional(attributeMapSchema),
    OldImage: z.optional(attributeMapSchema),
    /** Epoch seconds (fractional in newer records). */
    ApproximateCreationDateTime: z.number({ error: 'expected epoch seconds' }),
  }),
});
const batchSchema = z.array(streamRecordSchema, { error: 'expected the array of stream records' });

const plain = (item: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
  item ? unmarshall(item as Record<string, AttributeValue>) : undefined;

export function rowChangeOf(record: z.output<typeof streamRecordSchema>): RowChange {
  const { Keys, NewImage, OldImage, ApproximateCreationDateTime } = record.dynamodb;
  const newImage = plain(NewImage);
  const oldImage = plain(OldImage);
  return {
    eventName: record.eventName,
    keys: unmarshall(Keys as Record<string, AttributeValue>),
    ...(newImage ? { newImage } : {}),
    ...(oldImage ? { oldImage } : {}),
    recordedAt: new Date(ApproximateCreationDateTime * 1000).toISOString(),
  };
}

export function createOutboundEventsHandler({
  config,
  now = () => Date.now(),
}: {
  config: Pick<RuntimeConfig, 'webhookSigningSecret'>;
  now?: () => number;
}) {
  return lambdaHandler(async (event: unknown): Promise<OutboundEventDetail[]> => {
    const records = parseInput(batchSchema, event);
    const timestamp = Math.floor(now() / 1000);
    const details = records.flatMap((record) =>
      outboundEventsOf(rowChangeOf(record)).map((body) =>
        signedDetail(body, config.webhookSigningSecret, timestamp),
      ),
    );
    logger.debug('outbound events', { records: records.length, events: details.map((d) => d.id) });
    return details;
  });
}

export const handler = createOutboundEventsHandler({ config: loadRuntimeConfig(process.env) });
