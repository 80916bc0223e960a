import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { clickWorkflowInput, type ClickWorkflowInput } from '../../domain/click';
import { CLICK_CONTENTION_RETRIES, TABLE_NAMES } from '../../domain/config';
import type { FaultInjector } from '../../local/workflow-runtime';
import { World } from '../support/world';

/**
 * The click workflow on DynamoDB Local: the log row and one counter shard per click, in one transaction. The
 * shard of each try comes from the input (`counterIds[attempt]`), so the tests pick inputs and know where
 * each try lands.
 */
let world: World;
beforeAll(async () => {
  world = await World.start();
});
afterAll(() => world.stop());
afterEach(() => {
  world.faults = undefined;
});

let n = 0;
const clickInput = (partnerId: string): ClickWorkflowInput =>
  clickWorkflowInput({
    partnerId,
    ip: '203.0.113.7',
    userAgent: 'test',
    now: new Date('2026-01-15T10:00:00.000Z'),
    timeZone: 'UTC',
    clickId: `c0ffee00-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    salt: 'salt',
  });

/** The partner's shard items, by counter id. */
async function shardsOf(partnerId: string): Promise<Map<string, Record<string, unknown>>> {
  const out = await world.db.send(
    new ScanCommand({
      TableName: TABLE_NAMES.clickCounters,
      FilterExpression: 'partnerId = :p',
      ExpressionAttributeValues: { ':p': partnerId },
      ConsistentRead: true,
    }),
  );
  return new Map((out.Items ?? []).map((item) => [String(item.counterId), item]));
}

async function clickLogHas(clickId: string): Promise<boolean> {
  const out = await world.db.send(
    new ScanCommand({
      TableName: TABLE_NAMES.clicks,
      FilterExpression: 'clickId = :c',
      ExpressionAttributeValues: { ':c': clickId },
    }),
  );
  return (out.Count ?? 0) > 0;
}

/** The shard each RecordClick try of an execution wrote to, in order. */
const shardsTried = (executionArn: string): string[] =>
  world.runtime
    .taskCalls(executionArn)
    .filter((call) => call.stateName === 'RecordClick')
    .map((call) => {
      const items = (
        call.parameters as { TransactItems: { Update?: { Key: { counterId: { S: string } } } }[] }
      ).TransactItems;
      return items[1]?.Update?.Key.counterId.S ?? '';
    });

/** Cancels RecordClick of the click workflow as a conflict on its shard, on the tries listed (1 = first). */
const conflictOnShard =
  (tries: (attempt: number) => boolean): FaultInjector =>
  (call) =>
    call.workflow === 'click' && call.stateName === 'RecordClick' && tries(call.attempt)
      ? {
          kind: 'throw',
          error: 'DynamoDb.TransactionCanceledException',
          cause:
            'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict] ' +
            '(Service: DynamoDb, Status Code: 400, Request ID: X)',
        }
      : undefined;

describe('the click workflow', () => {
  it("creates a shard on its partner's first click there, and reads the stats row only then", async () => {
    // Prepare
    await world.registerPartner('p_first_shard');
    const first = clickInput('p_first_shard');
    // A second click whose tries use the same shards.
    const second = {
      ...clickInput('p_first_shard'),
      counterId: first.counterId,
      counterIds: first.counterIds,
    };

    // Act
    const one = await world.runtime.startSync('click', first);
    const two = await world.runtime.startSync('click', second);

    // Assess
    expect(one).toMatchObject({ status: 'SUCCEEDED', output: { duplicate: false } });
    expect(world.runtime.statesEntered(one.executionArn)).toEqual([
      'RecordClick',
      'WhyWasClickRejected',
      'FindPartnerOfNewShard',
      'IsPartnerRegistered',
      'CreateClickCounterShard',
      'RecordClick',
      'ClickRecorded',
    ]);
    expect(world.runtime.statesEntered(two.executionArn)).toEqual(['RecordClick', 'ClickRecorded']);
    expect([...(await shardsOf('p_first_shard')).values()]).toEqual([
      {
        counterId: first.counterId,
        partnerId: 'p_first_shard',
        clicks: 2,
        // The click's local day, in the same update: the partner's zone (UTC here) came with the input.
        'd2026-01-15': 2,
        lastClickAt: '2026-01-15T10:00:00.000Z',
      },
    ]);
    expect(await world.counters('p_first_shard')).toMatchObject({ totalClicks: 2 });
  });

  it("fails an unknown partner's click UnknownPartner, creating no shard and no log row", async () => {
    // Prepare
    const input = clickInput('p_nobody');

    // Act
    const result = await world.runtime.startSync('click', input);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'UnknownPartner' });
    expect((await shardsOf('p_nobody')).size).toBe(0);
    expect(await clickLogHas(input.clickId)).toBe(false);
  });

  it('counts concurrent deliveries of one click once', async () => {
    // Prepare
    await world.registerPartner('p_concurrent_dup');
    const input = clickInput('p_concurrent_dup');

    // Act
    const results = await Promise.all(
      Array.from({ length: 6 }, () => world.runtime.startSync('click', input)),
    );

    // Assess: one delivery records it; the others find it recorded, or (DynamoDB Local cancels concurrent
    // transactions on one item, and this runtime's MathRandom gives executions of the same millisecond the
    // same wait) run out of tries against each other, counting nothing.
    const outcomes = results.map((r) =>
      r.status === 'SUCCEEDED'
        ? (r.output as { duplicate: boolean }).duplicate
          ? 'duplicate'
          : 'recorded'
        : r.error,
    );
    expect(outcomes.filter((o) => o === 'recorded')).toHaveLength(1);
    expect(outcomes.every((o) => ['recorded', 'duplicate', 'ClickNotRecorded'].includes(String(o)))).toBe(
      true,
    );
    expect(await world.counters('p_concurrent_dup')).toMatchObject({ totalClicks: 1 });
    expect(await clickLogHas(input.clickId)).toBe(true);
  });

  it('backs off from a conflict on its shard and counts the click once, on the next shard', async () => {
    // Prepare
    await world.registerPartner('p_conflict');
    const input = clickInput('p_conflict');
    world.faults = conflictOnShard((attempt) => attempt === 1);

    // Act
    const result = await world.runtime.startSync('click', input);

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { duplicate: false } });
    const entered = world.runtime.statesEntered(result.executionArn);
    expect(entered.slice(0, 4)).toEqual([
      'RecordClick',
      'WhyWasClickRejected',
      'RecordClickBackOff',
      'RecordClickWaitOut',
    ]);
    expect(new Set(shardsTried(result.executionArn))).toEqual(
      new Set([input.counterIds[0], input.counterIds[1]]),
    );
    expect(input.counterIds[1]).not.toBe(input.counterIds[0]);
    const shards = await shardsOf('p_conflict');
    expect([...shards.keys()]).toEqual([input.counterIds[1]]);
    expect(await world.counters('p_conflict')).toMatchObject({ totalClicks: 1 });
    expect(await clickLogHas(input.clickId)).toBe(true);
  });

  it('backs off to the next shard when a new shard stays held by other clicks past its retries', async () => {
    // Prepare: in-flight transactions of other first clicks hold the new shard (each fails its condition,
    // but holds the item while in flight), so its creation conflicts on the first try and every retry
    await world.registerPartner('p_busy_shard');
    const input = clickInput('p_busy_shard');
    world.faults = (call) =>
      call.workflow === 'click' && call.stateName === 'CreateClickCounterShard' && call.attempt <= 4
        ? {
            kind: 'throw',
            error: 'DynamoDb.TransactionConflictException',
            cause: 'Transaction is ongoing for the item (Service: DynamoDb, Status Code: 400, Request ID: X)',
          }
        : undefined;

    // Act
    const result = await world.runtime.startSync('click', input);

    // Assess: counted once, on the next shard, which it created
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { duplicate: false } });
    expect(world.runtime.statesEntered(result.executionArn)).toEqual(
      expect.arrayContaining(['IsShardStillBusy', 'RecordClickBackOff']),
    );
    expect(shardsTried(result.executionArn)).toEqual([
      input.counterIds[0],
      input.counterIds[1],
      input.counterIds[1],
    ]);
    expect([...(await shardsOf('p_busy_shard')).keys()]).toEqual([input.counterIds[1]]);
    expect(await world.counters('p_busy_shard')).toMatchObject({ totalClicks: 1 });
  });

  it('gives up as ClickNotRecorded after its last back-off, having counted nothing', async () => {
    // Prepare
    await world.registerPartner('p_always_conflict');
    const input = clickInput('p_always_conflict');
    world.faults = conflictOnShard(() => true);

    // Act
    const result = await world.runtime.startSync('click', input);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'ClickNotRecorded' });
    expect(shardsTried(result.executionArn)).toEqual(input.counterIds);
    expect(input.counterIds).toHaveLength(CLICK_CONTENTION_RETRIES + 1);
    expect(new Set(input.counterIds).size).toBe(CLICK_CONTENTION_RETRIES + 1);
    expect(await world.counters('p_always_conflict')).toMatchObject({ totalClicks: 0 });
    expect(await clickLogHas(input.clickId)).toBe(false);
  });
});
