import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { toAttributeMap } from '../../domain/attribute-value';
import { DEFAULT_WEBHOOK_SIGNING_SECRET, LEDGER_EVENT_SOURCE } from '../../domain/config';
import type { OutboundEventDetail } from '../../domain/outbound-events';
import type { Payout } from '../../domain/payouts';
import { verifyWebhook } from '../../domain/webhook-signature';
import { verifyWebhook as contractVerify } from '../support/webhook-contract';
import { Receiver } from '../support/webhook-receiver';
import type { EventEnvelope } from '../../local/aws/event-bus';
import { startLocalCloud, type RunningLocalCloud } from '../../local/cloud';
import { freePort } from '../../local/dynamodb-local';
import { userSignedUpEvent } from '../../local/events/app-events';
import { putEventsEntry } from '../../local/events/event-envelope';
import { chargeRefundedEvent, invoicePaidEvent } from '../../local/events/stripe-events';
import { registerPartner } from '../support/local-cloud';

/**
 * The outbound events end to end: workflows write the ledger as usual (signup, invoice, refund through
 * PutEvents), payout rows are written as the payout workflow would, and the pipes announce each change on the
 * app bus. Observed with the cloud's `onEvent`: the template has no rule for ledger events of its own.
 */
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const assemblyDir = mkdtempSync(path.join(os.tmpdir(), 'outbound-cdk-'));

interface Started {
  cloud: RunningLocalCloud;
  announced: OutboundEventDetail[];
  events: EventBridgeClient;
  ddb: DynamoDBClient;
}

async function start(dataDir?: string, webhook?: { url: string; assemblyDir: string }): Promise<Started> {
  const announced: OutboundEventDetail[] = [];
  const cloud = await startLocalCloud({
    assemblyDir: webhook?.assemblyDir ?? assemblyDir,
    ...(dataDir ? { dataDir } : {}),
    ...(webhook ? { webhook: { url: webhook.url } } : {}),
    endpointPort: await freePort(),
    apiPort: await freePort(),
    schedules: false,
    retryDelayScale: 0,
    onEvent: (event: EventEnvelope) => {
      if (event.source === LEDGER_EVENT_SOURCE) announced.push(event.detail as OutboundEventDetail);
    },
  });
  const config = { endpoint: cloud.endpointUrl, region: 'us-east-1', credentials };
  return { cloud, announced, events: new EventBridgeClient(config), ddb: new DynamoDBClient(config) };
}

async function register({ cloud }: Started, partnerId: string): Promise<void> {
  expect((await registerPartner(cloud, { partnerId })).status).toBe(201);
}

async function put(
  { cloud, events }: Started,
  ...entries: Parameters<typeof putEventsEntry>[]
): Promise<void> {
  const out = await events.send(new PutEventsCommand({ Entries: entries.map((e) => putEventsEntry(...e)) }));
  expect(out.FailedEntryCount).toBe(0);
  await cloud.settle();
}

const stripeBus = (cloud: RunningLocalCloud): string =>
  cloud.buses.find((b) => b.name.startsWith('aws.partner/'))?.name ?? '';

const payout = (partnerId: string, invoiceId: string): Payout => ({
  partnerId,
  payoutId: `po_2026-03-01_${partnerId}`,
  status: 'pending',
  amountCents: 750,
  currency: 'usd',
  lines: [{ commissionId: `inv#${invoiceId}`, referredUserId: 'u_out', netCents: 750 }],
  periodStart: '2026-01-15T10:00:00.000Z',
  periodEnd: '2026-03-01T00:00:00.000Z',
  runId: 'payout-2026-03-01',
  createdAt: '2026-03-01T06:00:00.000Z',
  updatedAt: '2026-03-01T06:00:00.000Z',
  version: 1,
});

/** A payout and its claim, in one write each, as the payout workflow's transaction puts them. */
async function writePayout(ddb: DynamoDBClient, p: Payout): Promise<void> {
  await ddb.send(new PutItemCommand({ TableName: 'PartnerPayouts', Item: toAttributeMap({ ...p }) }));
  await ddb.send(
    new PutItemCommand({
      TableName: 'PartnerPayouts',
      Item: toAttributeMap({
        partnerId: p.partnerId,
        payoutId: `claim#${p.lines[0]?.commissionId ?? ''}`,
        claimedBy: p.payoutId,
      }),
    }),
  );
}

const summary = (announced: OutboundEventDetail[]) => announced.map((e) => [e.type, e.id]);

describe('outbound events through the local pipes', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(() => s?.cloud.stop());

  it('announces each commission and payout change a workflow or a writer makes, signed, claims left out', async () => {
    // Prepare: a partner and a referred user who pays.
    await register(s, 'p_out');
    await put(s, ['partner-referrals', userSignedUpEvent({ partnerId: 'p_out', userId: 'u_out' })]);

    // Act: the invoice is paid, then refunded in part; a payout is created and paid.
    const bus = stripeBus(s.cloud);
    const paid = invoicePaidEvent({ userId: 'u_out', invoiceId: 'in_out', eventId: 'evt_out_paid' });
    await put(s, [bus, paid, { source: bus }]);
    const refund = chargeRefundedEvent({
      eventId: 'evt_out_refund',
      invoiceId: 'in_out',
      paymentIntentId: null,
      amountCents: 2999,
      amountRefundedCents: 1500,
    });
    await put(s, [bus, refund, { source: bus }]);
    const p = payout('p_out', 'in_out');
    await writePayout(s.ddb, p);
    await s.cloud.settle();
    await s.ddb.send(
      new UpdateItemCommand({
        TableName: 'PartnerPayouts',
        Key: { partnerId: { S: p.partnerId }, payoutId: { S: p.payoutId } },
        UpdateExpression: 'SET #s = :paid, paidAt = :at, updatedAt = :at, version = :v',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':paid': { S: 'paid' },
          ':at': { S: '2026-03-02T00:00:00.000Z' },
          ':v': { N: '2' },
        },
      }),
    );
    await s.cloud.settle();

    // Assess: every change once, in the order of its entity's versions.
    expect(summary(s.announced)).toEqual([
      ['CommissionCreated', 'commission:p_out:inv#in_out:v1'],
      ['CommissionReversed', 'commission:p_out:inv#in_out:v2'],
      ['PayoutCreated', `payout:p_out:${p.payoutId}:v1`],
      ['PayoutPaid', `payout:p_out:${p.payoutId}:v2`],
    ]);
    const [created, reversed, payoutCreated] = s.announced;
    expect(created?.data).toMatchObject({
      partnerId: 'p_out',
      netCents: 750,
      currency: 'usd',
      status: 'pending',
    });
    expect(reversed?.data).toMatchObject({ netCents: 375, reversedCents: 375, status: 'pending' });
    expect(payoutCreated?.data).toMatchObject({ partnerId: 'p_out', amountCents: 750, payoutId: p.payoutId });
    for (const { signature, ...body } of s.announced) {
      expect(
        verifyWebhook(
          { id: body.id, timestamp: signature.timestamp, signature: signature.v1, body },
          DEFAULT_WEBHOOK_SIGNING_SECRET,
          signature.timestamp,
        ),
      ).toBe(true);
      // And as the contract's text alone says a receiver checks it (test/support/webhook-contract.ts).
      const headers = {
        'webhook-id': body.id,
        'webhook-timestamp': String(signature.timestamp),
        'webhook-signature': signature.v1,
      };
      expect(
        contractVerify(headers, JSON.stringify(body), DEFAULT_WEBHOOK_SIGNING_SECRET, {
          now: signature.timestamp * 1000,
        }),
      ).toBe(true);
    }
    // Nothing went astray: no pipe failure, and no ledger event parked as an unknown source.
    expect(s.cloud.pipes.failures).toEqual([]);
    expect(s.cloud.queues.messages('UnroutedAppEvents')).toEqual([]);
  });
});

describe('outbound events across a restart', () => {
  it('announces after a crash what was written while the pipes were down, and repeats nothing before it', async () => {
    // Prepare: a first run announces a commission, then its pipes stop, a payout is written, and it crashes.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outbound-data-'));
    const first = await start(dataDir);
    const p = payout('p_restart_out', 'in_restart_out');
    try {
      await register(first, 'p_restart_out');
      await put(first, [
        'partner-referrals',
        userSignedUpEvent({ partnerId: 'p_restart_out', userId: 'u_ro' }),
      ]);
      const bus = stripeBus(first.cloud);
      const paid = invoicePaidEvent({ userId: 'u_ro', invoiceId: 'in_restart_out', eventId: 'evt_ro_paid' });
      await put(first, [bus, paid, { source: bus }]);
      await first.cloud.pipes.stop();
      await writePayout(first.ddb, p);
    } finally {
      await first.cloud.simulateCrash();
    }

    // Act: a second run over the same data directory.
    const second = await start(dataDir);
    try {
      await second.cloud.settle();

      // Assess: the first run announced the commission; the second resumed after it and announced the payout.
      expect(summary(first.announced)).toEqual([
        ['CommissionCreated', 'commission:p_restart_out:inv#in_restart_out:v1'],
      ]);
      expect(summary(second.announced)).toEqual([['PayoutCreated', `payout:p_restart_out:${p.payoutId}:v1`]]);
    } finally {
      await second.cloud.stop();
    }
  });
});

describe('outbound events to a webhook endpoint', () => {
  it('delivers what a workflow wrote to the receiver, signed as the contract says', async () => {
    // Prepare: a receiver, and a cloud whose webhook rule POSTs the ledger events to it.
    const receiver = new Receiver();
    const port = await freePort();
    await receiver.listen(port);
    const url = `http://127.0.0.1:${port}/hooks`;
    const started = await start(undefined, {
      url,
      assemblyDir: mkdtempSync(path.join(os.tmpdir(), 'outbound-hooks-')),
    });
    try {
      await register(started, 'p_hook');
      await put(started, ['partner-referrals', userSignedUpEvent({ partnerId: 'p_hook', userId: 'u_hook' })]);

      // Act: the first invoice is paid.
      const bus = stripeBus(started.cloud);
      await put(started, [
        bus,
        invoicePaidEvent({ userId: 'u_hook', invoiceId: 'in_hook', eventId: 'evt_hook' }),
        { source: bus },
      ]);
      await receiver.received(1);

      // Assess: one POST, the commission's creation, which the contract's verifier accepts.
      const [delivery, ...more] = receiver.requests;
      expect(more).toEqual([]);
      expect(delivery?.headers['webhook-id']).toBe('commission:p_hook:inv#in_hook:v1');
      expect(JSON.parse(delivery?.body ?? '{}')).toMatchObject({
        type: 'CommissionCreated',
        version: 1,
        partnerId: 'p_hook',
      });
      const headers = delivery?.headers as Record<string, string>;
      expect(contractVerify(headers, delivery?.body ?? '', DEFAULT_WEBHOOK_SIGNING_SECRET)).toBe(true);
    } finally {
      await started.cloud.stop();
      await receiver.close();
    }
  });
});
