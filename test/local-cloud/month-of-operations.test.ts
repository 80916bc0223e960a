import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { parse } from 'csv-parse/sync';
import type { PayoutView } from '../../domain/payouts';
import { startLocalCloud, type RunningLocalCloud } from '../../local/cloud';
import { freePort } from '../../local/dynamodb-local';
import { userSignedUpEvent } from '../../local/events/app-events';
import { putEventsEntry } from '../../local/events/event-envelope';
import { invoicePaidEvent } from '../../local/events/stripe-events';
import { verifyWebhook, type WebhookBody } from '../support/webhook-contract';
import { Receiver } from '../support/webhook-receiver';

/**
 * One month of operations end to end, through the front doors only: invoices from Stripe's bus, the
 * approval run, the payout run, an admin marking the payout paid, the partner's CSV export, and every
 * change announced to an integrator's webhook, signed.
 */
const SECRET = 'month-secret';
const PARTNER = 'p_month';
const USERS = Array.from({ length: 8 }, (_, i) => `u_month_${i}`);
const JAN_2026 = Date.UTC(2026, 0, 5, 10) / 1000;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const receiver = new Receiver();
let cloud: RunningLocalCloud;
let events: EventBridgeClient;
let admin: string;
let partner: string;

beforeAll(async () => {
  const hookPort = await freePort();
  await receiver.listen(hookPort);
  cloud = await startLocalCloud({
    assemblyDir: mkdtempSync(path.join(os.tmpdir(), 'month-')),
    endpointPort: await freePort(),
    apiPort: await freePort(),
    schedules: false,
    retryDelayScale: 0,
    webhook: { url: `http://127.0.0.1:${hookPort}/hooks` },
    webhookSigningSecret: SECRET,
  });
  events = new EventBridgeClient({ endpoint: cloud.endpointUrl, region: 'us-east-1', credentials });
  admin = await cloud.issuer.sign(
    { sub: 'finance', scope: 'partner-referrals/admin' },
    { audience: 'partner-referrals' },
  );
  partner = await cloud.issuer.sign({ sub: PARTNER, partnerId: PARTNER }, { audience: 'partner-referrals' });
});
afterAll(async () => {
  await cloud?.stop();
  await receiver.close();
});

async function api(route: string, init: { method?: string; body?: unknown; token: string }) {
  const res = await fetch(`${cloud.apiUrl}${route}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.startsWith('application/json') ?? false;
  return {
    status: res.status,
    text,
    json: (isJson && text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

const settled = async <T>(result: T): Promise<T> => {
  await cloud.settle();
  return result;
};

/** The ledger events the webhook received, by detail-type, once each (redeliveries dropped by id). */
function webhooksByType(): Map<string, WebhookBody[]> {
  const seen = new Set<string>();
  const byType = new Map<string, WebhookBody[]>();
  for (const r of receiver.requests) {
    const body = JSON.parse(r.body) as WebhookBody;
    if (seen.has(body.id)) continue;
    seen.add(body.id);
    byType.set(body.type, [...(byType.get(body.type) ?? []), body]);
  }
  return byType;
}

it('invoices → approval → a paid payout → the CSV row and the outbound events', async () => {
  // Prepare: a partner, eight referred users paying AF+ Monthly (29.99, 7.50 earned) in January
  expect(
    (await api('/admin/partners', { method: 'POST', body: { partnerId: PARTNER }, token: admin })).status,
  ).toBe(201);
  const appBus = 'partner-referrals';
  const stripeBus = cloud.buses.find((b) => b.name.startsWith('aws.partner/'))?.name ?? '';
  await events.send(
    new PutEventsCommand({
      Entries: USERS.map((u) =>
        putEventsEntry(appBus, userSignedUpEvent({ partnerId: PARTNER, userId: u, eventId: `evt_su_${u}` })),
      ),
    }),
  );
  await cloud.settle();
  await events.send(
    new PutEventsCommand({
      Entries: USERS.map((u) =>
        putEventsEntry(
          stripeBus,
          invoicePaidEvent({
            userId: u,
            invoiceId: `in_${u}`,
            eventId: `evt_in_${u}`,
            priceId: 'price_afplus_monthly',
            amountPaidCents: 2999,
            created: JAN_2026,
          }),
          { source: stripeBus },
        ),
      ),
    }),
  );
  await cloud.settle();

  // Act: the month's operations, as finance runs them
  expect((await settled(await api('/admin/approvals', { method: 'POST', token: admin }))).status).toBe(202);
  expect((await settled(await api('/admin/payouts', { method: 'POST', token: admin }))).status).toBe(202);
  const pending = await api('/admin/payouts?status=pending', { token: admin });
  const payout = (pending.json.payouts as PayoutView[]).find((p) => p.partnerId === PARTNER);
  expect(payout).toMatchObject({ amountCents: 6000, currency: 'usd', status: 'pending' });
  const id = String(payout?.payoutId);
  expect((await api(`/admin/payouts/${id}/processing`, { method: 'POST', token: admin })).json.status).toBe(
    'processing',
  );
  const paid = await settled(
    await api(`/admin/payouts/${id}/paid`, {
      method: 'POST',
      body: { reference: 'tr_month_1' },
      token: admin,
    }),
  );
  const csv = await api(`/partners/${PARTNER}/exports/commissions.csv`, { token: partner });

  // Assess: the payout is paid, and the partner's export shows every commission paid by it
  expect(paid.json).toMatchObject({ status: 'paid', reference: 'tr_month_1' });
  expect(csv.status).toBe(200);
  const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
  expect(rows).toHaveLength(8);
  for (const row of rows) {
    expect(row).toMatchObject({
      partner_id: PARTNER,
      type: 'invoice',
      sale_amount: '29.99',
      earnings: '7.50',
      currency: 'USD',
      status: 'paid',
      payout_id: id,
    });
  }
  expect(rows.map((r) => r.customer_reference).sort()).toEqual([...USERS].sort());

  // Assess: every change reached the webhook, signed, with versions that order each entity's updates
  await cloud.settle();
  const byType = webhooksByType();
  for (const type of ['CommissionCreated', 'CommissionApproved', 'CommissionPaid']) {
    expect([type, byType.get(type)?.length]).toEqual([type, 8]);
  }
  for (const type of ['PayoutCreated', 'PayoutProcessing', 'PayoutPaid']) {
    expect([type, byType.get(type)?.length]).toEqual([type, 1]);
  }
  expect(byType.get('PayoutCreated')?.[0]).toMatchObject({
    partnerId: PARTNER,
    data: { payoutId: id, amountCents: 6000, currency: 'usd' },
  });
  const versions = ['PayoutCreated', 'PayoutProcessing', 'PayoutPaid'].map(
    (t) => byType.get(t)?.[0]?.version,
  );
  expect(versions).toEqual([...versions].sort((a = 0, b = 0) => a - b));
  expect(new Set(versions).size).toBe(3);
  for (const r of receiver.requests) expect(verifyWebhook(r.headers, r.body, SECRET)).toBe(true);
});
