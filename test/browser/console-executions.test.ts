import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Browser } from 'playwright-core';
import type { RunningLocalCloud } from '../../local/cloud';
import { userSignedUpEvent } from '../../local/events/app-events';
import { putEventsEntry } from '../../local/events/event-envelope';
import { invoicePaidEvent } from '../../local/events/stripe-events';
import type { FaultInjector } from '../../local/workflow-runtime';
import { screenshot, startCloudWithBrowser, type CloudWithBrowser } from '../support/browser';
import { registerPartner } from '../support/local-cloud';

/**
 * An operator finds a payment that failed (the referral compute Lambda was broken, as after a bad deploy:
 * its calls end Lambda.Unknown, retried twice, then the execution fails) by its invoice id, opens it, sees
 * the failed state, redrives it once the Lambda is fixed, and sees it succeed.
 */
const PARTNER = 'p_console';
const USER = 'u_console';
const INVOICE = 'in_console_1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let computeBroken = false;
const brokenCompute: FaultInjector = (call) =>
  computeBroken && call.stateName === 'ComputeReferral' && call.workflow.startsWith('payment')
    ? { kind: 'throw', error: 'Lambda.Unknown', cause: 'The referral compute function crashed (bad deploy)' }
    : undefined;

let started: CloudWithBrowser | undefined;
let cloud: RunningLocalCloud;
let browser: Browser;

beforeAll(async () => {
  started = await startCloudWithBrowser('console-exec', { retryDelayScale: 0, faults: brokenCompute });
  ({ cloud, browser } = started);
});
afterAll(() => started?.stop());

it('an operator finds a failed payment by invoice id, sees the failed state, redrives it and sees it succeed', async () => {
  // Prepare: a registered partner's referred user pays an invoice while the compute Lambda is broken
  expect((await registerPartner(cloud, { partnerId: PARTNER, displayName: 'Console Partner' })).status).toBe(
    201,
  );
  const events = new EventBridgeClient({ endpoint: cloud.endpointUrl, region: 'us-east-1', credentials });
  await events.send(
    new PutEventsCommand({
      Entries: [
        putEventsEntry(
          'partner-referrals',
          userSignedUpEvent({ partnerId: PARTNER, userId: USER, eventId: 'evt_su_console' }),
        ),
      ],
    }),
  );
  await cloud.settle();
  computeBroken = true;
  const stripeBus = cloud.buses.find((b) => b.name.startsWith('aws.partner/'))?.name ?? '';
  await events.send(
    new PutEventsCommand({
      Entries: [
        putEventsEntry(
          stripeBus,
          invoicePaidEvent({
            userId: USER,
            invoiceId: INVOICE,
            eventId: 'evt_in_console',
            priceId: 'price_afplus_monthly',
            amountPaidCents: 2999,
          }),
          { source: stripeBus },
        ),
      ],
    }),
  );
  await cloud.settle();

  // Act: find it by invoice id among the payment state machine's failed executions
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${cloud.endpointUrl}/console/#/executions`);
  await page.getByRole('combobox', { name: 'State machine' }).selectOption('payment');
  await page.getByRole('combobox', { name: 'Status' }).selectOption('FAILED');
  await page.getByRole('searchbox', { name: 'Search' }).fill(INVOICE);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const rows = page.getByRole('table', { name: 'Executions' }).getByRole('row');
  await rows.nth(1).waitFor();
  expect(await rows.count()).toBe(2); // the header and the one failed payment
  await expect(rows.nth(1).textContent()).resolves.toContain('FAILED');
  await screenshot(page, 'console-executions');
  await rows.nth(1).getByRole('link').click();

  // Assess: the failed state is highlighted, its retries marked, the path before it taken
  const graph = page.getByRole('group', { name: 'State machine graph' });
  const failed = graph.locator('[data-status="failed"]');
  await failed.first().waitFor();
  expect(await failed.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-state')))).toEqual([
    'ComputeReferral',
  ]);
  await expect(failed.getAttribute('aria-label')).resolves.toBe('ComputeReferral, failed, retried 2 times');
  await expect(graph.locator('[data-state="RecordFact"]').getAttribute('data-status')).resolves.toBe('taken');
  await expect(
    graph.locator('[data-state="WriteReferralAndLedger"]').getAttribute('data-status'),
  ).resolves.toBe('not-taken');
  await failed.click();
  await page.getByRole('heading', { name: 'State ComputeReferral' }).waitFor();
  await expect(page.locator('.pane').last().textContent()).resolves.toContain(INVOICE);
  await screenshot(page, 'console-execution');
  const executionArn = decodeURIComponent(new URL(page.url()).hash.replace('#/executions/', ''));

  // Act: the Lambda is fixed; the operator redrives
  computeBroken = false;
  await page.getByRole('button', { name: 'Redrive' }).click();

  // Assess: the page shows it succeeded, and the SFN API agrees
  await page.locator('dd .status', { hasText: 'SUCCEEDED' }).waitFor();
  await graph.locator('[data-state="ReferralUpdated"][data-status="taken"]').waitFor();
  expect(await graph.locator('[data-status="failed"]').count()).toBe(0);
  expect(await page.getByRole('button', { name: 'Redrive' }).isDisabled()).toBe(true);
  const sfn = new SFNClient({ endpoint: cloud.endpointUrl, region: 'us-east-1', credentials });
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  expect(described).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  expect(history.events?.map((e) => e.type)).toContain('ExecutionRedriven');
  await page.close();
});
