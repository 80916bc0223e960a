/**
 * `npm run reconcile`: runs reconciliation on the running local stack, on demand, through the same
 * Step Functions API an operator uses against AWS, with a progress bar and a summary of the drift
 * found and fixed. `npm run reconcile -- --help` lists the options.
 *
 * A run is a chain of executions (one page of partners each, each continuing as a new execution), so it
 * follows the chain to its last execution, which holds the run's totals. `followRun` is that walk, for any
 * way of waiting for an execution (the SFN API here, the in-process runtime in tests and benchmarks).
 */
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
import type { PartnersFailedReport, ReconciliationSummary } from '../domain/reconciliation';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './aws-names';
import { defineCommand, httpUrl, readCommandLine } from './command-line';

const RECONCILE_COMMAND = defineCommand({
  name: 'npm run reconcile',
  summary: [
    'Runs reconciliation now on the running local stack (`npm start`), through the Step Functions API, and prints',
    'the drift it found and fixed. Exits 1 when partners failed (the next run tries them again).',
  ],
  flags: {
    'endpoint-url': {
      type: 'string',
      arg: 'url',
      default: 'http://127.0.0.1:4566',
      parse: httpUrl,
      description: "the stack's AWS endpoint, as `npm start` prints it",
    },
    endpoint: { type: 'string', arg: 'url', parse: httpUrl, description: 'the same as --endpoint-url' },
  },
});
const POLL_MS = 200;
/** The Fail state the run's last execution ends in when partners failed (its cause is the report). */
export const PARTNERS_FAILED = 'PartnersFailed';

/** A closed execution: the output is parsed JSON. */
export interface ClosedExecution {
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

/** What a non-last execution of the chain answers. */
interface Continued {
  continuedAs: string;
  summary: ReconciliationSummary;
}

export type RunOutcome =
  | { status: 'SUCCEEDED'; report: ReconciliationSummary; executions: string[] }
  | { status: 'PARTNERS_FAILED'; report: PartnersFailedReport; executions: string[] };

const isContinued = (output: unknown): output is Continued =>
  typeof output === 'object' && output !== null && 'continuedAs' in output;

/**
 * Follows a run from its first execution to its last: waits for each to close (`closed`), goes on to the one
 * it continued as, and answers the last one's report with every execution of the chain, in order. A run whose
 * partners failed answers their report (the last execution's cause); any other failure throws.
 */
export async function followRun(
  firstExecutionArn: string,
  closed: (executionArn: string) => Promise<ClosedExecution>,
): Promise<RunOutcome> {
  const executions: string[] = [];
  for (let arn = firstExecutionArn; ;) {
    executions.push(arn);
    const done = await closed(arn);
    if (done.status === 'SUCCEEDED' && isContinued(done.output)) {
      arn = done.output.continuedAs;
      continue;
    }
    if (done.status === 'SUCCEEDED') {
      return { status: 'SUCCEEDED', report: done.output as ReconciliationSummary, executions };
    }
    if (done.status === 'FAILED' && done.error === PARTNERS_FAILED) {
      const report = JSON.parse(done.cause ?? '{}') as PartnersFailedReport;
      return { status: 'PARTNERS_FAILED', report, executions };
    }
    throw new Error(
      `Reconciliation ${done.status} in ${arn}: ${done.error ?? ''} ${done.cause ?? ''}`.trim(),
    );
  }
}

async function main(): Promise<void> {
  const { values } = readCommandLine(RECONCILE_COMMAND);
  const endpoint = values.endpoint ?? values['endpoint-url'];
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
  const firstArn = started.executionArn ?? '';
  process.stdout.write(`Reconciling ${partners} partners: ${firstArn}\n`);

  const bar = new SingleBar(
    { format: ' {bar} {value}/{total} partners | {execution}' },
    Presets.shades_classic,
  );
  bar.start(partners, 0, { execution: 1 });
  // Partners done: those the closed executions summarized, plus the Map iterations of the running one.
  let before = 0;
  let execution = 0;
  const closed = async (executionArn: string): Promise<ClosedExecution> => {
    execution += 1;
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const output = described.output ? (JSON.parse(described.output) as unknown) : undefined;
      if (described.status !== 'RUNNING') {
        if (isContinued(output)) before = output.summary.partnersChecked;
        bar.update(Math.min(before, partners), { execution });
        return {
          status: described.status ?? 'UNKNOWN',
          output,
          ...(described.error ? { error: described.error } : {}),
          ...(described.cause ? { cause: described.cause } : {}),
        };
      }
      const now = before + (await iterationsDone(sfn, executionArn));
      bar.update(Math.min(now, partners), { execution });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  try {
    const outcome = await followRun(firstArn, closed);
    bar.stop();
    printReport(outcome);
    if (outcome.status === 'PARTNERS_FAILED') process.exitCode = 1;
  } finally {
    bar.stop();
  }
}

/** Map iterations that ended so far in one execution (its history is one page of partners). */
async function iterationsDone(sfn: SFNClient, executionArn: string): Promise<number> {
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

function printReport(outcome: RunOutcome): void {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const { report, executions } = outcome;
  out(
    `Checked ${report.partnersChecked} partners: ${report.partnersCorrected} corrected, ${report.partnersSkipped} skipped (busy), ${report.partnersFailed} failed (${executions.length} ${executions.length === 1 ? 'execution' : 'executions'}).`,
  );
  for (const { partnerId, error, cause } of report.failures) out(`  ${partnerId} failed: ${error} ${cause}`);
  if (report.failuresOmitted > 0) out(`  and ${report.failuresOmitted} more failed partners`);
  if (outcome.status === 'PARTNERS_FAILED') {
    // The Fail state's cause carries counts and failures only; the drift lists stay in the history.
    out(
      `The run ended in ${PARTNERS_FAILED} (the next run tries them again); its drift lists are in the history of ${executions.at(-1) ?? ''}, state ReportFailures.`,
    );
    return;
  }
  const summary = outcome.report;
  for (const { partnerId, fields } of summary.drift) {
    const changes = Object.entries(fields).map(([f, { stored, actual }]) => `${f} ${stored} → ${actual}`);
    out(`  ${partnerId}: ${changes.join(', ')}`);
  }
  if ((summary.driftOmitted ?? 0) > 0) out(`  and ${summary.driftOmitted} more drifted partners`);
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

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
