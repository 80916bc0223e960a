import { marshall } from '@aws-sdk/util-dynamodb';
import { MalformedEventError } from '../../domain/errors';
import { commissionItemOf } from '../../domain/ledger';
import { verifyWebhook } from '../../domain/webhook-signature';
import { createOutboundEventsHandler } from '../../lambdas/outbound-events';
import { lambdaContext } from '../../local/lambda-host';
import { commission } from './builders';

/** The enrichment as the pipe calls it: an array of DynamoDB stream records (images in AttributeValue form). */
const NOW_MS = Date.parse('2026-02-01T00:00:00Z');
const handler = createOutboundEventsHandler({ config: { webhookSigningSecret: 'whsec' }, now: () => NOW_MS });
const context = lambdaContext('outbound-events');

const record = (eventName: string, images: { NewImage?: object; OldImage?: object }, keys: object) => ({
  eventID: '1',
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: {
    Keys: marshall(keys),
    ...(images.NewImage ? { NewImage: marshall(images.NewImage, { removeUndefinedValues: true }) } : {}),
    ...(images.OldImage ? { OldImage: marshall(images.OldImage, { removeUndefinedValues: true }) } : {}),
    ApproximateCreationDateTime: 1_769_904_000,
    SequenceNumber: '100',
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
});

describe('outbound-events (the pipes enrichment)', () => {
  it('turns a batch of stream records into signed details, in order, none for an unchanged put', async () => {
    // Prepare
    const c = commissionItemOf(commission());
    const keys = { partnerId: c.partnerId, commissionId: c.commissionId };
    const batch = [
      record('INSERT', { NewImage: c }, keys),
      record('MODIFY', { NewImage: c, OldImage: c }, keys),
      record('REMOVE', { OldImage: c }, keys),
    ];

    // Act
    const details = await handler(batch, context);

    // Assess
    expect(details.map((d) => [d.type, d.id, d.occurredAt])).toEqual([
      ['CommissionCreated', 'commission:acme:inv#in_1:v1', c.earnedAt],
      ['CommissionReversed', 'commission:acme:inv#in_1:v2', '2026-02-01T00:00:00.000Z'],
    ]);
    for (const { signature, ...body } of details) {
      expect(signature.timestamp).toBe(NOW_MS / 1000);
      expect(
        verifyWebhook(
          { id: body.id, timestamp: signature.timestamp, signature: signature.v1, body },
          'whsec',
          NOW_MS / 1000,
        ),
      ).toBe(true);
    }
  });

  it('fails the batch on a record it cannot read, naming the field (the pipe bisects, retries, dead-letters)', async () => {
    const broken = { eventName: 'INSERT', dynamodb: { Keys: marshall({ partnerId: 'acme' }) } };

    await expect(handler([broken], context)).rejects.toThrow(
      new MalformedEventError('[0].dynamodb.ApproximateCreationDateTime', 'expected epoch seconds'),
    );
    await expect(handler({ Records: [] }, context)).rejects.toThrow(MalformedEventError);
  });
});
