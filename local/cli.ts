/**
 * `npm start`: the synthesized app as a long-running local cloud. Prints its endpoints, buses and copy-paste
 * hints aimed at the ports it was given, then serves until Ctrl-C. `npm start -- --help` lists the options.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { putEventsEntry } from './events/event-envelope';
import { invoicePaidEvent } from './events/stripe-events';
import { setItemWriteLimit } from './integrations/dynamodb-capacity';
import { defineCommand, portNumber, positiveNumber, readCommandLine, UsageError } from './command-line';
import { assertPortFree } from './ports';
import { startBanner } from './start-banner';
import { startLocalCloud, type RunningLocalCloud } from './cloud';
import { webhookUrlProblem } from '../infra/settings';

const PROJECT_ROOT = path.join(__dirname, '..');

const START_COMMAND = defineCommand({
  name: 'npm start',
  summary: [
    'The synthesized CDK app as a long-running local cloud: DynamoDB Local, the state machines, the Lambdas',
    'in-process, the EventBridge rules and schedules, the HTTP API, and one AWS endpoint for the AWS CLI and SDKs.',
  ],
  flags: {
    port: {
      type: 'string',
      arg: 'n',
      default: '4566',
      parse: portNumber,
      description: 'the AWS endpoint (Step Functions, EventBridge, DynamoDB)',
    },
    'api-port': { type: 'string', arg: 'n', default: '3000', parse: portNumber, description: 'the HTTP API' },
    'dynamodb-port': {
      type: 'string',
      arg: 'n',
      default: '8000',
      parse: portNumber,
      description: 'DynamoDB Local itself',
    },
    'data-dir': {
      type: 'string',
      arg: 'dir',
      default: path.join(PROJECT_ROOT, '.local', 'data'),
      description:
        'where tables and the journal (accepted events, executions, queue messages) survive restarts and crashes',
    },
    'in-memory': { type: 'boolean', description: 'a throwaway run: nothing is kept' },
    seed: { type: 'boolean', description: 'load the demo partners and journeys' },
    host: {
      type: 'string',
      arg: 'host',
      default: '127.0.0.1',
      description: 'the address every server listens on',
    },
    retention: {
      type: 'string',
      arg: 'days',
      default: '90',
      parse: positiveNumber,
      description: 'how long closed Standard executions stay listed, as on AWS',
    },
    'drain-timeout': {
      type: 'string',
      arg: 's',
      default: '10',
      parse: positiveNumber,
      description:
        'how long Ctrl-C or SIGTERM waits for deliveries in flight (the rest resumes at the next start)',
    },
    'webhook-url': {
      type: 'string',
      arg: 'url',
      parse: (text: string) => {
        const problem = webhookUrlProblem(text);
        if (problem) throw new Error(problem);
        return text;
      },
      description:
        'POST every commission and payout event there, as the deployed API destination does (see README, Webhooks)',
    },
    'webhook-api-key': {
      type: 'string',
      arg: 'key',
      description: 'the x-api-key header of the webhook deliveries (default local-webhook-api-key)',
    },
    'webhook-secret': {
      type: 'string',
      arg: 'secret',
      description: 'the signing secret of the events, WEBHOOK_SIGNING_SECRET (default local-webhook-secret)',
    },
    'item-write-limit': {
      type: 'string',
      arg: 'units/s',
      parse: positiveNumber,
      description: "throttle each item's writes as AWS does past 1,000/s (default: unlimited)",
    },
  },
});

function options() {
  const { values } = readCommandLine(START_COMMAND, (parsed) => {
    if (parsed.values['webhook-api-key'] !== undefined && parsed.values['webhook-url'] === undefined)
      throw new UsageError('--webhook-api-key: needs --webhook-url (where the webhooks go)');
    return parsed;
  });
  setItemWriteLimit('all', values['item-write-limit']);
  return {
    host: values.host,
    endpointPort: values.port,
    apiPort: values['api-port'],
    dynamoDbPort: values['dynamodb-port'],
    dataDir: values['in-memory'] ? undefined : values['data-dir'],
    seed: values.seed,
    retentionMs: values.retention * 24 * 60 * 60_000,
    drainMs: values['drain-timeout'] * 1000,
    ...(values['webhook-url'] !== undefined
      ? {
          webhook: {
            url: values['webhook-url'],
            ...(values['webhook-api-key'] !== undefined ? { apiKey: values['webhook-api-key'] } : {}),
          },
        }
      : {}),
    ...(values['webhook-secret'] !== undefined ? { webhookSigningSecret: values['webhook-secret'] } : {}),
  };
}

async function main(): Promise<void> {
  const opts = options();
  await assertPortFree(opts.host, opts.endpointPort, 'the local AWS endpoint', '--port');
  await assertPortFree(opts.host, opts.apiPort, 'the HTTP API', '--api-port');
  await assertPortFree(opts.host, opts.dynamoDbPort, 'DynamoDB Local', '--dynamodb-port');
  // Signals count from the first moment: one that arrives while the stack starts stops it once it is up.
  // Ctrl-C reaches node twice (from the terminal, and forwarded by npm): repeats within a second are
  // that same Ctrl-C. A later one exits at once, which loses nothing: what was accepted is journaled.
  let stop = (signal: NodeJS.Signals) => void (pending = signal);
  let pending: NodeJS.Signals | undefined;
  let firstSignalAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (firstSignalAt === undefined) {
        firstSignalAt = Date.now();
        stop(signal);
      } else if (Date.now() - firstSignalAt > 1_000) process.exit(130);
    });
  }
  process.stdout.write('Synthesizing the CDK app and starting it locally ...\n');
  const cloud = await startLocalCloud({ ...opts, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  stop = (signal) => {
    process.stdout.write(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: draining and stopping ...\n`);
    void cloud.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  if (pending) return stop(pending);
  if (cloud.recovered.executions + cloud.recovered.events > 0) {
    process.stdout.write(
      `Recovered from the journal: ${cloud.recovered.executions} executions run again, ${cloud.recovered.events} events delivered again.\n`,
    );
  }

  if (opts.seed) {
    process.stdout.write('Loading the demo partners and journeys ...\n');
    await cloud.seed();
  }
  printBanner(cloud, opts.dataDir);
}

function printBanner(cloud: RunningLocalCloud, dataDir: string | undefined): void {
  const examples = path.join(dataDir ?? path.join(PROJECT_ROOT, '.local'), 'examples');
  mkdirSync(examples, { recursive: true });
  const stripeBus = cloud.buses.find((b) => b.name.startsWith('aws.partner/'))?.name ?? '';
  const event = invoicePaidEvent({
    eventId: 'evt_cli_example',
    invoiceId: 'in_cli_example',
    userId: 'heidi',
    priceId: 'price_afplus_monthly',
    amountPaidCents: 2999,
    // Paid now, after the seeded signups: the stats' lastActivityAt is the latest event's time.
    created: Math.floor(Date.now() / 1000),
  });
  const entriesFile = path.join(examples, 'invoice-paid.json');
  writeFileSync(
    entriesFile,
    JSON.stringify([putEventsEntry(stripeBus, event, { source: stripeBus })], null, 2),
  );
  process.stdout.write(startBanner(cloud, { dataDir, entriesFile }));
}

main().catch((error: unknown) => {
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
