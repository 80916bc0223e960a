import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { clickWorkflowInput } from '../../domain/click';
import { TABLE_NAMES } from '../../domain/config';
import { userSignedUpEvent } from '../../local/events/app-events';
import { withoutPath, withPath } from '../../local/events/event-envelope';
import { invoicePaidEvent } from '../../local/events/stripe-events';
import { expectedCounters, World } from '../support/world';

let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world.stop());

const scanCount = async (table: string): Promise<number> =>
  (await world.db.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count ?? 0;

describe('partners and clicks', () => {
  it('registering the same partner twice answers 409 the second time', async () => {
    expect(await world.registerPartner('p_reg')).toBe(201);
    expect(await world.registerPartner('p_reg')).toBe(409);
    expect(await world.counters('p_reg')).toEqual(expectedCounters({}));
  });

  it('a click for an unknown partner answers 404 and creates no row anywhere', async () => {
    const statsBefore = await scanCount(TABLE_NAMES.stats);
    const clicksBefore = await scanCount(TABLE_NAMES.clicks);
    const countersBefore = await scanCount(TABLE_NAMES.clickCounters);

    const res = await world.click('p_unknown');

    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body ?? '{}')).toMatchObject({ error: 'UnknownPartner' });
    expect(await world.stats('p_unknown')).toBeUndefined();
    expect(await scanCount(TABLE_NAMES.stats)).toBe(statsBefore);
    expect(await scanCount(TABLE_NAMES.clicks)).toBe(clicksBefore);
    expect(await scanCount(TABLE_NAMES.clickCounters)).toBe(countersBefore);
  });

  it('a click is logged with a hashed IP (never the raw one) and a TTL, and counted', async () => {
    await world.registerPartner('p_click');
    const res = await world.click('p_click', '198.51.100.23');
    const clickId = new URL(String(res.headers?.location)).searchParams.get('click');

    const log = await world.db.send(new ScanCommand({ TableName: TABLE_NAMES.clicks }));
    const entry = log.Items?.find((i) => i.clickId === clickId);
    expect(entry).toMatchObject({ partnerId: 'p_click', ipHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(entry)).not.toContain('198.51.100.23');
    expect(Number(entry?.expiresAt)).toBeGreaterThan(Date.now() / 1000);
    expect(await world.counters('p_click')).toMatchObject({ totalClicks: 1 });
  });

  it('a redelivered click (same click id) counts once', async () => {
    await world.registerPartner('p_click_dup');
    const input = clickWorkflowInput({
      partnerId: 'p_click_dup',
      ip: '203.0.113.7',
      userAgent: 'test',
      now: new Date('2026-01-15T10:00:00.000Z'),
      timeZone: 'UTC',
      clickId: 'c0ffee00-0000-4000-8000-000000000001',
      salt: 'salt',
    });
    const first = await world.runtime.startSync('click', input);
    const second = await world.runtime.startSync('click', input);

    expect(first.output).toMatchObject({ duplicate: false });
    expect(second.output).toMatchObject({ duplicate: true });
    expect(await world.counters('p_click_dup')).toMatchObject({ totalClicks: 1 });
  });
});

describe('malformed events are answered with a named error and dead-lettered', () => {
  const cases: [string, () => unknown, string, string][] = [
    [
      'an invoice without amount_paid',
      () => withoutPath(invoicePaidEvent({ invoiceId: 'in_bad_1' }), 'detail.data.object.amount_paid'),
      'MalformedEvent',
      'amount_paid',
    ],
    [
      'a negative amount',
      () => invoicePaidEvent({ invoiceId: 'in_bad_2', amountPaidCents: -5 }),
      'MalformedEvent',
      'amount_paid',
    ],
    [
      'a non-integer amount',
      () => invoicePaidEvent({ invoiceId: 'in_bad_3', amountPaidCents: 29.99 }),
      'MalformedEvent',
      'amount_paid',
    ],
    [
      'an unknown price',
      () => invoicePaidEvent({ invoiceId: 'in_bad_4', priceId: 'price_nobody_sells' }),
      'UnknownPrice',
      'price_nobody_sells',
    ],
    [
      'a Stripe event from the wrong source',
      () => withPath(invoicePaidEvent({ invoiceId: 'in_bad_5' }), 'source', 'aws.partner/evil.com/x'),
      'MalformedEvent',
      'source',
    ],
  ];

  it.each(cases)('%s', async (_name, build, errorType, mentions) => {
    const event = build();
    const payments = () => [...world.executions('payment-express'), ...world.executions('payment')];
    const before = payments().length;
    const dlqBefore = world.system.deadLetters.length;

    const result = await world.system.deliverStripeEvent(event);

    expect(result).toBeUndefined();
    const letters = world.system.deadLetters.slice(dlqBefore);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      functionName: 'stripe-ingest',
      record: {
        requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
        requestPayload: event,
        responsePayload: { errorType, errorMessage: expect.stringContaining(mentions) },
      },
    });
    expect(payments()).toHaveLength(before);
  });

  it('an app event without a user id is dead-lettered naming the field', async () => {
    const event = withoutPath(userSignedUpEvent({ eventId: 'evt_bad_signup' }), 'detail.userId');
    const dlqBefore = world.system.deadLetters.length;

    await world.system.deliverAppEvent(event);

    expect(world.system.deadLetters.slice(dlqBefore)).toEqual([
      expect.objectContaining({
        functionName: 'app-ingest',
        record: expect.objectContaining({
          responsePayload: expect.objectContaining({
            errorType: 'MalformedEvent',
            errorMessage: expect.stringContaining('userId'),
          }),
        }),
      }),
    ]);
    const signups = [...world.executions('signup-express'), ...world.executions('signup')];
    expect(signups.find((e) => e.name === 'signup-evt_bad_signup')).toBeUndefined();
  });
});

describe('the dashboard', () => {
  it('shows stats, conversion rates and the paid referrals newest first, 50 a page with a cursor', async () => {
    await world.registerPartner('p_dash');
    for (let i = 0; i < 4; i++) await world.click('p_dash');
    const users = Array.from({ length: 53 }, (_, i) => `u_dash_${String(i).padStart(2, '0')}`);
    for (const userId of users) await world.signup('p_dash', userId);
    await world.settle();
    await Promise.all(
      users.map((userId, i) =>
        world.system.deliverStripeEvent(
          invoicePaidEvent({
            userId,
            invoiceId: `in_dash_${i}`,
            eventId: `evt_dash_${i}`,
            priceId: 'price_af_monthly',
            amountPaidCents: 999,
            paidAt: 1_768_471_200 + i * 60,
          }),
        ),
      ),
    );
    await world.settle();

    const page1 = await world.dashboard('p_dash');
    expect(page1.statusCode).toBe(200);
    const recent = page1.body.recentReferrals as { referralId: string; paidAt: string }[];
    expect(recent).toHaveLength(50);
    expect(recent[0]?.referralId).toBe('ref_u_dash_52');
    expect(recent.map((r) => r.paidAt)).toEqual([...recent.map((r) => r.paidAt)].sort().reverse());
    expect(page1.body.stats).toMatchObject({ totalPaid: 53, totalClicks: 4, totalEarningsCents: 53 * 250 });
    expect(page1.body.conversion).toMatchObject({
      signupToPaid: { basisPoints: 10_000 },
      clickToSignup: { basisPoints: Math.round((53 / 4) * 10_000) },
    });

    const page2 = await world.dashboard('p_dash', { cursor: String(page1.body.nextCursor) });
    expect((page2.body.recentReferrals as { referralId: string }[]).map((r) => r.referralId)).toEqual([
      'ref_u_dash_02',
      'ref_u_dash_01',
      'ref_u_dash_00',
    ]);
    expect(page2.body.nextCursor).toBeNull();
  });

  it("answers 403 to a partner reading another partner's dashboard", async () => {
    await world.registerPartner('p_private');
    const res = await world.dashboard('p_private', { callerPartnerId: 'p_snoop' });
    expect(res.statusCode).toBe(403);
  });
});
