import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ActivityView } from '../../domain/activity';
import { TABLE_NAMES } from '../../domain/config';
import { ROUTES } from '../../domain/routes';
import { createClickApiHandler } from '../../lambdas/click-api';
import { createDocumentClient } from '../../lambdas/commons/dynamodb';
import { createSfnClient } from '../../lambdas/commons/sfn';
import { createDashboardApiHandler } from '../../lambdas/dashboard-api';
import { authorizedEvent, bodyOf, httpEvent } from '../../local/events/http-events';
import { userSignedUpEvent } from '../../local/events/app-events';
import { lambdaContext } from '../unit/lambda-context';
import { World } from '../support/world';

/**
 * Clicks by the partner's local day, end to end on the local system: the zone given at registration, the
 * click API reading it, the click workflow adding the day attribute in the click's transaction, and the
 * activity route summing the shards. The handlers get a fixed clock; everything else is the local stack.
 */
let world: World;
beforeAll(async () => {
  world = await World.start({ retryDelayScale: 0 });
});
afterAll(() => world.stop());

// 11:30 UTC on Dec 1 is 00:30 on Dec 2 in Auckland (UTC+13 in summer).
const NOW = new Date('2026-12-01T11:30:00.000Z');
const clickApi = (clickId: () => string) =>
  createClickApiHandler({
    config: world.system.config,
    sfn: createSfnClient(),
    db: createDocumentClient(),
    now: () => NOW,
    newClickId: clickId,
  });
const click = (handler: ReturnType<typeof clickApi>, partnerId: string) =>
  handler(
    httpEvent({ path: `/r/${partnerId}`, routeKey: 'GET /r/{partnerId}', pathParameters: { partnerId } }),
    lambdaContext('click-api'),
  );

async function activity(partnerId: string): Promise<ActivityView> {
  const dashboard = createDashboardApiHandler({
    config: world.system.config,
    db: createDocumentClient(),
    now: () => NOW,
  });
  const res = await dashboard(
    authorizedEvent(
      {
        path: `/partners/${partnerId}/activity`,
        routeKey: `GET ${ROUTES.activity}`,
        pathParameters: { partnerId },
        query: { range: '7d' },
      },
      { partnerId },
    ),
    lambdaContext('dashboard-api'),
  );
  expect([res.statusCode, res.body]).toEqual([200, expect.any(String)]);
  return bodyOf(res) as unknown as ActivityView;
}

const clicksByDay = (view: ActivityView) =>
  Object.fromEntries(view.days.filter((d) => d.clicks > 0).map((d) => [d.day, d.clicks]));

describe('clicks on the partner’s local day', () => {
  it('counts a click near midnight UTC on the Auckland partner’s next day, and the UTC partner’s same day', async () => {
    expect(await world.registerPartner('kiwi', 'Pacific/Auckland')).toBe(201);
    expect(await world.registerPartner('brit')).toBe(201);
    let n = 0;
    const handler = clickApi(() => `c0ffee00-0000-4000-8000-${String(++n).padStart(12, '0')}`);

    const statuses = [
      await click(handler, 'kiwi'),
      await click(handler, 'kiwi'),
      await click(handler, 'brit'),
    ].map((r) => r.statusCode);

    expect(statuses).toEqual([302, 302, 302]);
    const kiwi = await activity('kiwi');
    expect([kiwi.timeZone, kiwi.to, clicksByDay(kiwi)]).toEqual([
      'Pacific/Auckland',
      '2026-12-02',
      { '2026-12-02': 2 },
    ]);
    const brit = await activity('brit');
    expect([brit.timeZone, brit.to, clicksByDay(brit)]).toEqual(['UTC', '2026-12-01', { '2026-12-01': 1 }]);
    expect((await world.dashboard('kiwi')).body).toMatchObject({ timeZone: 'Pacific/Auckland' });
  });

  it('counts a redelivered click (same click id) once in its day', async () => {
    expect(await world.registerPartner('kiwi_dup', 'Pacific/Auckland')).toBe(201);
    const handler = clickApi(() => 'c0ffee00-0000-4000-8000-00000000d0d0');

    // Concurrent deliveries: DynamoDB Local cancels concurrent transactions on one item, so some may run
    // out of tries (502, counting nothing); a later redelivery finds the click recorded.
    const concurrent = await Promise.all([1, 2, 3].map(() => click(handler, 'kiwi_dup')));
    const later = await click(handler, 'kiwi_dup');

    expect(concurrent.map((r) => r.statusCode)).toContain(302);
    expect(concurrent.every((r) => [302, 502].includes(r.statusCode))).toBe(true);
    expect(later.statusCode).toBe(302);
    expect(clicksByDay(await activity('kiwi_dup'))).toEqual({ '2026-12-02': 1 });
    expect(await world.counters('kiwi_dup')).toMatchObject({ totalClicks: 1 });
  });

  it('answers 404 for an unregistered partner without running the click workflow', async () => {
    const before = world.runtime.list('click').length;
    const res = await click(
      clickApi(() => 'c0ffee00-0000-4000-8000-00000000dead'),
      'nobody',
    );

    expect(res.statusCode).toBe(404);
    expect(world.runtime.list('click').length).toBe(before);
  });

  it('keeps the partner’s zone on the referral its signup writes', async () => {
    expect(await world.registerPartner('kiwi_ref', 'Pacific/Auckland')).toBe(201);

    await world.system.deliverAppEvent(
      userSignedUpEvent({
        partnerId: 'kiwi_ref',
        userId: 'user_kiwi',
        eventId: 'evt-kiwi',
        occurredAt: '2026-12-01T11:30:00.000Z',
      }),
    );
    await world.settle();

    const out = await world.db.send(
      new QueryCommand({
        TableName: TABLE_NAMES.referrals,
        KeyConditionExpression: 'partnerId = :p',
        ExpressionAttributeValues: { ':p': 'kiwi_ref' },
        ConsistentRead: true,
      }),
    );
    expect(out.Items?.map((item) => [item.timeZone, Object.keys(item.activityDays ?? {})])).toEqual([
      ['Pacific/Auckland', ['2026-12-02']],
    ]);
    expect(await world.activity('kiwi_ref')).toEqual({ '2026-12-02': { signups: 1 } });
  });
});
