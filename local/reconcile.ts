/**
 * `npm run reconcile`: runs reconciliation on the running local stack, on demand, through the same
 * Step Functions API an operator uses against AWS, with a progress bar and a summary of the drift
 * found and fixed. Options: --endpoint <url> (default http://127.0.0.1:4566).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { SingleBar, Presets } from 'cli-progress';
import { TABLE_NAMES } from '../domain/config';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-names';
import type { LedgerDrift } from '../domain/reconciliation';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:4566';
const POLL_MS = 200;

interface Summary {
  partnersChecked: number;
  partnersCorrected: number;
  partnersSkipped: number;
  drift: { partnerId: string; fields: Record<string, { stored: number; actual: number }> }[];
  partnersWithLedgerDrift: number;
  ledgerDrift: { partnerId: string; ledgerDrift: LedgerDrift[] }[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { endpoint: { type: 'string', default: DEFAULT_ENDPOINT } } });
  const endpoint = values.endpoint ?? DEFAULT_ENDPOINT;
  const clientConfig = { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const sfn = new SFNClient(clientConfig);
  const ddb = new DynamoDBClient(clientConfig);

  const machines = await sfn.send(new ListStateMachinesCommand({})).catch((error: unknown) => {
    throw new Error(`No local stack answers at ${endpoint} (${String(error)}). Start it with \`npm start\`.`);
  });
  const reconciliation = machines.stateMachines?.find((m) => m.name === 'reconciliation');
  if (!reconciliation?.stateMachineArn)
    throw new Error('The local stack runs no reconciliation state machine');

  const partners =
    (await ddb.send(new ScanCommand({ TableName: TABLE_NAMES.stats, Select: 'COUNT' }))).Count ?? 0;
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: reconciliation.stateMachineArn, input: '{}' }),
  );
  const executionArn = started.executionArn ?? '';
  process.stdout.write(`Reconciling ${partners} partners: ${executionArn}\n`);

  const bar = new SingleBar({ format: ' {bar} {value}/{total} partners | {status}' }, Presets.shades_classic);
  bar.start(partners, 0, { status: 'RUNNING' });
  let status = 'RUNNING';
  let output: string | undefined;
  let failure = '';
  while (status === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const done = await partnersDone(sfn, executionArn);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    status = described.status ?? 'UNKNOWN';
    output = described.output;
    failure = `${described.error ?? ''} ${described.cause ?? ''}`.trim();
    bar.update(Math.min(done, partners), { status });
  }
  bar.stop();
  if (status !== 'SUCCEEDED' || !output) throw new Error(`Reconciliation ${status}: ${failure}`);
  printSummary(JSON.parse(output) as Summary);
}

/** Partners finished so far: the Map iterations that succeeded, read from the execution history. */
async function partnersDone(sfn: SFNClient, executionArn: string): Promise<number> {
  let done = 0;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
    );
    done += (page.events ?? []).filter((e: HistoryEvent) => e.type === 'MapIterationSucceeded').length;
    nextToken = page.nextToken;
  } while (nextToken);
  return done;
}

function printSummary(summary: Summary): void {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  out(
    `Checked ${summary.partnersChecked} partners: ${summary.partnersCorrected} corrected, ${summary.partnersSkipped} skipped (busy).`,
  );
  for (const { partnerId, fields } of summary.drift) {
    const changes = Object.entries(fields).map(([f, { stored, actual }]) => `${f} ${stored} → ${actual}`);
    out(`  ${partnerId}: ${changes.join(', ')}`);
  }
  if (summary.drift.length === 0)
    out("No drift: every partner's stats equal the aggregate of its referrals.");
  // The ledger is written with its referral in one transaction: a difference means a hand edit. Reported only.
  for (const { partnerId, ledgerDrift } of summary.ledgerDrift) {
    const lines = ledgerDrift.map(
      (d) => `${d.referralId} ${d.field}: ledger ${d.ledger}, referral ${d.referral}`,
    );
    out(`  ledger of ${partnerId}: ${lines.join('; ')}`);
  }
  if (summary.partnersWithLedgerDrift === 0) out('No ledger drift: every ledger sums to its referrals.');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
