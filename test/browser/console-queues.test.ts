import { GetCommand, UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { TABLE_NAMES } from '../../domain/config';
import type { RunningLocalCloud } from '../../local/cloud';
import { userSignedUpEvent } from '../../local/events/app-events';
import { putEventsEntry } from '../../local/events/event-envelope';
import { chargeRefundedEvent } from '../../local/events/stripe-events';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/aws-names';
import { screenshot, startCloudWithBrowser, type CloudWithBrowser } from '../support/browser';
import { registerPartner } from '../support/local-cloud';

/**
 * The operations console's queues and partners pages on the running stack: a signup that app-ingest could
 * not record while Step Functions was down is dead-lettered, read in the console and redriven, and the
 * signup counts; a stats row edited by hand shows its drift, and Reconcile clears it.
 */
const PARTNER = 'p_console';
const OUTAGE = 'Step Functions is unavailable (the outage this test stages)';

let started: CloudWithBrowser | undefined;
let cloud: RunningLocalCloud;
let browser: Browser;
let db: DynamoDBDocumentClient;
let page: Page;

beforeAll(async () => {
  started = await startCloudWithBrowser('console-ops', { retryDelayScale: 0 });
  ({ cloud, browser } = started);
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: cloud.dynamoDbEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  expect((await registerPartner(cloud, { partnerId: PARTNER, displayName: 'Console Blog' })).status).toBe(
    201,
  );
  page = await browser.newPage();
});
afterAll(async () => {
  db?.destroy();
  await started?.stop();
});

const stats = async () =>
  (
    await db.send(
      new GetCommand({ TableName: TABLE_NAMES.stats, Key: { partnerId: PARTNER }, ConsistentRead: true }),
    )
  ).Item;

const consoleApi = async (route: string) => {
  const res = await fetch(`${cloud.endpointUrl}/console/api/${route}`);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

test('a dead letter is read and redriven from the console, and the signup it held counts', async () => {
  // Prepare: Step Functions refuses every start while the signup is ingested (the Lambda's calls and its retries).
  const outage = () => Promise.reject(new Error(OUTAGE));
  const sync = jest.spyOn(cloud.runtime, 'startSync').mockImplementation(outage);
  const durable = jest.spyOn(cloud.runtime, 'startDurably').mockImplementation(outage);
  const signup = userSignedUpEvent({
    eventId: 'evt_console_signup',
    userId: 'u_console',
    partnerId: PARTNER,
  });
  const put = await cloud.eventBus.putEvents([
    putEventsEntry('partner-referrals', signup, { source: signup.source }),
  ]);
  expect(put.FailedEntryCount).toBe(0);
  await cloud.settle();
  sync.mockRestore();
  durable.mockRestore();
  expect(cloud.queues.messages('AppIngestFailures')).toHaveLength(1);
  expect((await stats())?.totalSignups).toBe(0);

  // Act: read it in the console.
  await page.goto(`${cloud.endpointUrl}/console/#/queues`);
  await page.getByRole('link', { name: 'AppIngestFailures' }).click();
  const letter = page.getByRole('article');
  await letter.waitFor();

  // Assess: the body (the event) and why it landed there, and reading it received nothing.
  await expect(letter.locator('.why').textContent()).resolves.toContain(OUTAGE);
  await expect(letter.getByLabel('Body').textContent()).resolves.toContain('"userId": "u_console"');
  expect(cloud.queues.counts('AppIngestFailures')).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  await screenshot(page, 'console-queues');

  // Act: the cause is gone; redrive the queue.
  await page.getByRole('button', { name: 'Redrive all' }).click();

  // Assess: the task completes, the queue is empty, and the signup counts.
  await page.getByRole('cell', { name: 'COMPLETED' }).waitFor();
  await page.getByText('0 messages').waitFor();
  await cloud.settle();
  expect(cloud.queues.messages('AppIngestFailures')).toEqual([]);
  expect((await stats())?.totalSignups).toBe(1);
});

test('a partner whose stats row drifted shows the drift, and Reconcile clears it', async () => {
  // Prepare: the row says 5 signups; its referrals say 1.
  await db.send(
    new UpdateCommand({
      TableName: TABLE_NAMES.stats,
      Key: { partnerId: PARTNER },
      UpdateExpression: 'SET totalSignups = :five',
      ExpressionAttributeValues: { ':five': 5 },
    }),
  );

  await page.goto(`${cloud.endpointUrl}/console/#/partners`);
  const row = page.getByRole('row', { name: `Partner ${PARTNER}` });
  const drift = row.getByRole('list', { name: `Drift of ${PARTNER}` });
  await drift.waitFor();
  await expect(drift.textContent()).resolves.toContain('totalSignups: stored 5, actual 1');
  await screenshot(page, 'console-partners');

  // Act
  await page.getByRole('button', { name: 'Reconcile' }).click();

  // Assess: the run corrected this partner, and the row is in sync again.
  const result = page.getByRole('status', { name: 'Reconciliation result' });
  await result.waitFor();
  await expect(result.textContent()).resolves.toContain(
    `${PARTNER} corrected: totalSignups: stored 5, actual 1`,
  );
  await row.getByText('in sync').waitFor();
  expect((await stats())?.totalSignups).toBe(1);
});

test('the partner routes answer one partner, 404 for an unknown one and 400 for a bad cursor', async () => {
  const one = await consoleApi(`partners/${PARTNER}`);
  expect(one).toMatchObject({ status: 200, json: { partnerId: PARTNER, inSync: true, drift: {} } });
  expect(await consoleApi('partners/p_nobody')).toEqual({
    status: 404,
    json: { error: 'PartnerNotFound', message: 'No partner p_nobody is registered' },
  });
  expect((await consoleApi('partners?cursor=not-ours')).status).toBe(400);
});

test('a refund of a charge no user is linked to yet is listed as a parked fact, with what it waits for', async () => {
  expect(await consoleApi('parked')).toEqual({ status: 200, json: { parked: [] } });
  const stripeBus = cloud.buses.find((b) => b.name.startsWith('aws.partner/'))?.name ?? '';
  const refund = chargeRefundedEvent({ eventId: 'evt_console_refund', chargeId: 'ch_console' });
  await cloud.eventBus.putEvents([putEventsEntry(stripeBus, refund, { source: stripeBus })]);
  await cloud.settle();

  const { json } = await consoleApi('parked');

  // Parked under each id the refund names (its charge, its PaymentIntent) until a fact links one to a user.
  expect(json.parked).toHaveLength(2);
  expect(json.parked).toEqual(
    expect.arrayContaining(
      ['payment:pi_test_1', 'payment:ch_console'].map((linkId) =>
        expect.objectContaining({
          linkId,
          factKey: 'refund#ch_console#2999',
          kind: 'refund',
          why: `Waiting for a fact that links ${linkId} to a user; that fact replays this one`,
        }),
      ),
    ),
  );
});
