/**
 * `npm run bench:throughput`: paid journeys per second (signup, verification, then the first payment as
 * Stripe reports it, `invoice.paid` and `invoice_payment.paid`: four events, each through its ingest handler
 * and its real workflow, awaited in turn) at several concurrency levels, beside DynamoDB Local's raw
 * UpdateItem and TransactWriteItems ceilings measured in the same run at the same concurrency. Engine
 * efficiency = journeys/s ÷ the journeys/s the raw ceilings allow for the journey's writes, each write at its
 * own kind's ceiling (PutItem and DeleteItem at UpdateItem's, every transaction at the two-item
 * transaction's, though the lifecycle's carry one or two items); the journey's reads count as overhead.
 * Target ≥ 50%.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_NAMES } from '../domain/config';
import { callDynamoDb } from '../local/integrations/dynamodb-call';
import { inParallel } from '../local/parallel';
import { LocalSystem } from '../local/system';
import { runJourney } from './support/journeys';
import { emptyStatsItem, putAll } from './support/load';
import { dynamoDbAccess } from './support/task-calls';
import { report } from './support/report';
import { defineCommand, readCommandLine } from '../local/command-line';

const LEVELS = [1, 4, 16];
const JOURNEYS_PER_LEVEL = 300;
const RAW_CALLS = 3000;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export interface ThroughputRow {
  concurrency: number;
  journeysPerSecond: number;
  writesPerJourney: number;
  updateItemPerSecond: number;
  transactWritePerSecond: number;
  /** Journeys/s over the journeys/s the raw write ceiling allows (writes weighted by their kind). */
  efficiency: number;
}

export async function benchThroughput(levels: readonly number[] = LEVELS): Promise<ThroughputRow[]> {
  const system = await LocalSystem.start({ retryDelayScale: 0 });
  try {
    const partners = Array.from({ length: 50 }, (_, i) => `tp_${i}`);
    await putAll(system.dynamoDb, TABLE_NAMES.stats, partners.map(emptyStatsItem));
    await warmUp(system, partners);
    const rows: ThroughputRow[] = [];
    let n = 1_000_000;
    for (const concurrency of levels) {
      const updateItemPerSecond = await rawRate(concurrency, (i) => updateItem(system.dynamoDb, i));
      const transactWritePerSecond = await rawRate(concurrency, (i) => transactWrite(system.dynamoDb, i));
      const arns: string[] = [];
      const t = performance.now();
      await inParallel(range(JOURNEYS_PER_LEVEL), concurrency, async () => {
        const j = n++;
        arns.push(...(await runJourney(system, partners[j % partners.length] ?? 'tp_0', j)));
      });
      const journeysPerSecond = JOURNEYS_PER_LEVEL / ((performance.now() - t) / 1000);
      const { updates, transactions } = writesOf(system, arns);
      const perJourney = (updates + transactions) / JOURNEYS_PER_LEVEL;
      // Seconds of raw write capacity one journey needs, each write at its own kind's ceiling.
      const rawSecondsPerJourney =
        updates / JOURNEYS_PER_LEVEL / updateItemPerSecond +
        transactions / JOURNEYS_PER_LEVEL / transactWritePerSecond;
      rows.push({
        concurrency,
        journeysPerSecond,
        writesPerJourney: perJourney,
        updateItemPerSecond,
        transactWritePerSecond,
        efficiency: journeysPerSecond * rawSecondsPerJourney,
      });
    }
    report(
      'throughput',
      `Workflow throughput (${JOURNEYS_PER_LEVEL} paid journeys per level: signup, verify, invoice.paid, invoice_payment.paid; target efficiency ≥ 50%)`,
      [
        'concurrency',
        'journeys/s',
        'writes/journey',
        'raw UpdateItem/s',
        'raw TransactWriteItems/s',
        'efficiency',
      ],
      rows.map((r) => [
        r.concurrency,
        r.journeysPerSecond.toFixed(1),
        r.writesPerJourney.toFixed(1),
        Math.round(r.updateItemPerSecond),
        Math.round(r.transactWritePerSecond),
        `${Math.round(r.efficiency * 100)}%`,
      ]),
      rows,
    );
    return rows;
  } finally {
    await system.stop();
  }
}

async function warmUp(system: LocalSystem, partners: string[]): Promise<void> {
  for (let j = 0; j < 20; j++) await runJourney(system, partners[j % partners.length] ?? 'tp_0', 900_000 + j);
}

/** DynamoDB writes the journeys' executions made, by kind (optimized and SDK integrations). */
function writesOf(system: LocalSystem, arns: readonly string[]): { updates: number; transactions: number } {
  let updates = 0;
  let transactions = 0;
  for (const arn of arns) {
    for (const call of system.runtime.taskCalls(arn)) {
      const access = dynamoDbAccess(call);
      if (access === 'transaction') transactions += 1;
      else if (access === 'write') updates += 1;
    }
  }
  return { updates, transactions };
}

async function rawRate(concurrency: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await inParallel(range(RAW_CALLS), concurrency, call);
  return RAW_CALLS / ((performance.now() - t) / 1000);
}

// The raw ceilings go through the runtime's own transport (callDynamoDb), so the ratio compares the
// engine with the cheapest way this process can call DynamoDB Local, not with an SDK client's overhead.
const updateItem = (client: DynamoDBClient, i: number) =>
  callDynamoDb(client, 'UpdateItem', {
    TableName: TABLE_NAMES.stats,
    Key: { partnerId: { S: `raw_${i % 100}` } },
    UpdateExpression: 'ADD totalClicks :one, version :one',
    ExpressionAttributeValues: { ':one': { N: '1' } },
  });

const transactWrite = (client: DynamoDBClient, i: number) =>
  callDynamoDb(client, 'TransactWriteItems', {
    TransactItems: [
      {
        Update: {
          TableName: TABLE_NAMES.stats,
          // A key per call: calls in flight together on one item would conflict (as on AWS), and this
          // measures DynamoDB Local's ceiling, not contention.
          Key: { partnerId: { S: `rawtx_${i}` } },
          UpdateExpression: 'ADD totalPaid :one, version :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        },
      },
      {
        Update: {
          TableName: TABLE_NAMES.referrals,
          Key: { partnerId: { S: `rawtx_${i}` }, referralId: { S: `ref_raw_${i}` } },
          UpdateExpression: 'SET touched = :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        },
      },
    ],
  });

const THROUGHPUT_COMMAND = defineCommand({
  name: 'npm run bench:throughput',
  summary: [
    'Paid journeys per second (signup, verification, first payment: four events through their ingest handlers',
    "and real workflows) at concurrency 1, 4 and 16, beside DynamoDB Local's raw UpdateItem and",
    'TransactWriteItems ceilings measured in the same run. Target: engine efficiency at least 50%.',
  ],
  flags: {},
  notes: ['Writes bench/results/throughput.json (the rows and the machine).'],
});

if (require.main === module) {
  readCommandLine(THROUGHPUT_COMMAND);
  void benchThroughput();
}
