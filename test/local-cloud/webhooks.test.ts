import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { DEFAULT_APP_BUS_NAME } from '../../domain/config';
import { LEDGER_EVENT_SOURCE } from '../../infra/constructs/webhooks';
import { startLocalCloud, type RunningLocalCloud } from '../../local/cloud';
import { freePort } from '../../local/dynamodb-local';
import { signedDetail, verifyWebhook, type WebhookBody } from '../support/webhook-contract';
import { Receiver } from '../support/webhook-receiver';

/**
 * Webhooks end to end on the local cloud: ledger events put on the app bus reach a local HTTP receiver
 * through the template's API destination (the synthesized rule, connection and target), are retried and
 * dead-lettered by EventBridge's rules, and survive a restart while the receiver is failing.
 */
const SECRET = 'webhook-test-secret';
const API_KEY = 'test-api-key';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const receiver = new Receiver();
let cloud: RunningLocalCloud;
let dataDir: string;
let assemblyDir: string;
let webhookUrl: string;

const start = async () =>
  startLocalCloud({
    assemblyDir,
    dataDir,
    endpointPort: await freePort(),
    apiPort: await freePort(),
    schedules: false,
    retryDelayScale: 0,
    drainMs: 1_000,
    webhook: { url: webhookUrl, apiKey: API_KEY },
    eventRetryBackoff: { baseMs: 5, maxMs: 20 },
  });

beforeAll(async () => {
  const port = await freePort();
  webhookUrl = `http://127.0.0.1:${port}/hooks/partner-referrals`;
  await receiver.listen(port);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'webhooks-data-'));
  assemblyDir = mkdtempSync(path.join(os.tmpdir(), 'webhooks-cdk-'));
  cloud = await start();
});
afterAll(async () => {
  await cloud?.stop();
  await receiver.close();
});

let seq = 0;
/** A commission event in the contract's shape, signed as the contract says. */
function commissionEvent(
  type = 'CommissionApproved',
): WebhookBody & { signature: { timestamp: number; v1: string } } {
  seq += 1;
  const body: WebhookBody = {
    id: `commission:indie-hacker:in_webhook_${seq}:v2`,
    type,
    version: 2,
    occurredAt: '2026-12-01T00:00:00.000Z',
    partnerId: 'indie-hacker',
    data: {
      partnerId: 'indie-hacker',
      commissionId: `in_webhook_${seq}`,
      status: 'approved',
      amountCents: 750,
      currency: 'usd',
      note: 'Zoë paid “AF+” – 25 %',
    },
  };
  return signedDetail(body, SECRET, Math.floor(Date.now() / 1000));
}

async function putLedgerEvent(detail: ReturnType<typeof commissionEvent>): Promise<void> {
  const events = new EventBridgeClient({ endpoint: cloud.endpointUrl, region: 'us-east-1', credentials });
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: DEFAULT_APP_BUS_NAME,
          Source: LEDGER_EVENT_SOURCE,
          DetailType: detail.type,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  expect(out.FailedEntryCount).toBe(0);
}

async function deadLetters(): Promise<Message[]> {
  const sqs = new SQSClient({ endpoint: cloud.endpointUrl, region: 'us-east-1', credentials });
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'WebhookDeliveryFailures' }));
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
  );
  for (const m of Messages)
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
  return Messages;
}

const attribute = (m: Message, name: string) => m.MessageAttributes?.[name]?.StringValue;

describe('webhooks through the API destination', () => {
  test('an event on the app bus arrives with the signed body, the webhook headers and the API key', async () => {
    const detail = commissionEvent();
    const before = receiver.requests.length;

    await putLedgerEvent(detail);
    await receiver.received(before + 1);

    const [request, again] = receiver.of(detail.id);
    expect(again).toBeUndefined();
    if (!request) throw new Error('no delivery');
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/partner-referrals');
    expect(request.headers).toMatchObject({
      'x-api-key': API_KEY,
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Amazon/EventBridge/ApiDestinations',
      'webhook-id': detail.id,
      'webhook-timestamp': String(detail.signature.timestamp),
      'webhook-signature': detail.signature.v1,
    });
    const { signature, ...body } = detail;
    expect(signature.v1).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(request.body)).toEqual(body);
    // The receiver's check, from the README: it holds for this secret, and only for it.
    expect(verifyWebhook(request.headers, request.body, SECRET)).toBe(true);
    expect(verifyWebhook(request.headers, request.body, 'another-secret')).toBe(false);
    expect(verifyWebhook(request.headers, request.body.replace('750', '751'), SECRET)).toBe(false);
    // Retries carry the first timestamp, good for the policy's day; a delivery two days later is refused.
    expect(verifyWebhook(request.headers, request.body, SECRET, { now: Date.now() + 86_400_000 })).toBe(true);
    expect(verifyWebhook(request.headers, request.body, SECRET, { now: Date.now() + 2 * 86_400_000 })).toBe(
      false,
    );
  });

  test('a receiver that answers 500 gets the event again, and then has it once', async () => {
    const detail = commissionEvent('CommissionPaid');
    receiver.statuses = [500];
    const before = receiver.requests.length;

    await putLedgerEvent(detail);
    await receiver.received(before + 2);
    await cloud.eventBus.idle();

    const deliveries = receiver.of(detail.id);
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]?.body).toBe(deliveries[0]?.body);
    expect(verifyWebhook(deliveries[1]?.headers ?? {}, deliveries[1]?.body ?? '', SECRET)).toBe(true);
    expect([...cloud.eventBus.snapshot()]).toEqual([]);
    expect(await deadLetters()).toEqual([]);
  });

  test('a 400 is not retried: the event goes to WebhookDeliveryFailures with the reason', async () => {
    const detail = commissionEvent('CommissionReversed');
    receiver.statuses = [400];
    const before = receiver.requests.length;

    await putLedgerEvent(detail);
    await receiver.received(before + 1);
    await cloud.eventBus.idle();

    expect(receiver.of(detail.id)).toHaveLength(1);
    const [dead, more] = await deadLetters();
    expect(more).toBeUndefined();
    if (!dead) throw new Error('no dead letter');
    // The body is the event itself, as EventBridge dead-letters it.
    expect(JSON.parse(dead.Body ?? '{}')).toMatchObject({
      source: LEDGER_EVENT_SOURCE,
      detail: { id: detail.id },
    });
    expect(attribute(dead, 'ERROR_CODE')).toBe('SDK_CLIENT_ERROR');
    expect(attribute(dead, 'ERROR_MESSAGE')).toContain('HTTP status 400');
    expect(attribute(dead, 'RULE_ARN')).toMatch(/:rule\/partner-referrals\/WebhookRule$/);
    expect(attribute(dead, 'TARGET_ARN')).toMatch(/:api-destination\/WebhookDestination$/);
    expect(attribute(dead, 'RETRY_ATTEMPTS')).toBe('0');
    expect(attribute(dead, 'EXHAUSTED_RETRY_CONDITION')).toBeUndefined();
    expect([...cloud.eventBus.snapshot()]).toEqual([]);
  });

  test('an event the receiver keeps refusing (503) while the cloud restarts is delivered after the restart', async () => {
    const detail = commissionEvent('CommissionHeld');
    receiver.statuses = Array.from({ length: 1_000 }, () => 503);
    const before = receiver.requests.length;

    await putLedgerEvent(detail);
    await receiver.received(before + 3); // retrying
    await cloud.stop();
    receiver.statuses = [];
    const after = receiver.requests.length;
    cloud = await start();
    await receiver.received(after + 1);
    await cloud.eventBus.idle();

    expect(cloud.recovered.events).toBe(1);
    const last = receiver.requests.at(-1);
    expect(last?.headers['webhook-id']).toBe(detail.id);
    expect(verifyWebhook(last?.headers ?? {}, last?.body ?? '', SECRET)).toBe(true);
    expect([...cloud.eventBus.snapshot()]).toEqual([]);
    expect(await deadLetters()).toEqual([]);
  });
});
