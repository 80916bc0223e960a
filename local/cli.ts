/**
 * `npm start`: the synthesized app as a long-running local cloud. Prints its endpoints, buses and a
 * copy-paste AWS CLI example, then serves until Ctrl-C. Options:
 *   --port <n>            AWS endpoint (Step Functions, EventBridge, DynamoDB), default 4566
 *   --api-port <n>        HTTP API, default 3000
 *   --dynamodb-port <n>   DynamoDB Local, default 8000
 *   --data-dir <dir>      where data survives restarts, default .local/data
 *   --in-memory           a throwaway run: nothing is kept
 *   --seed                load the demo partners and journeys
 *   --host <host>         default 127.0.0.1
 *   --item-write-limit <units/s>  throttle each item's writes as AWS does past 1,000/s (default: unlimited)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { putEventsEntry } from './events/event-envelope';
import { invoicePaidEvent } from './events/stripe-events';
import { setItemWriteLimit } from './integrations/dynamodb-capacity';
import { assertPortFree } from './ports';
import { startLocalCloud, type RunningLocalCloud } from './cloud';

const PROJECT_ROOT = path.join(__dirname, '..');

function options() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4566' },
      'api-port': { type: 'string', default: '3000' },
      'dynamodb-port': { type: 'string', default: '8000' },
      'data-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.local', 'data') },
      'in-memory': { type: 'boolean', default: false },
      seed: { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      'item-write-limit': { type: 'string' },
    },
  });
  const limit = values['item-write-limit'];
  setItemWriteLimit('all', limit === undefined ? undefined : Number(limit));
  const port = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new Error(`${flag} must be a port number, got ${value}`);
    return n;
  };
  return {
    host: values.host ?? '127.0.0.1',
    endpointPort: port('--port', values.port),
    apiPort: port('--api-port', values['api-port']),
    dynamoDbPort: port('--dynamodb-port', values['dynamodb-port']),
    dataDir: values['in-memory'] ? undefined : values['data-dir'],
    seed: values.seed ?? false,
  };
}

async function main(): Promise<void> {
  const opts = options();
  await assertPortFree(opts.host, opts.endpointPort, 'the local AWS endpoint', '--port');
  await assertPortFree(opts.host, opts.apiPort, 'the HTTP API', '--api-port');
  await assertPortFree(opts.host, opts.dynamoDbPort, 'DynamoDB Local', '--dynamodb-port');
  process.stdout.write('Synthesizing the CDK app and starting it locally ...\n');
  const cloud = await startLocalCloud({ ...opts, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: saving and stopping ...\n`);
    void cloud.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('Ctrl-C'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

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
  const e = cloud.endpointUrl;
  const lines = [
    '',
    'partner-referrals is running locally (Ctrl-C to stop).',
    `  AWS endpoint    ${e}   Step Functions, EventBridge and DynamoDB for the AWS CLI and SDKs`,
    `  DynamoDB Local  ${cloud.dynamoDbEndpoint}`,
    `  HTTP API        ${cloud.apiUrl}   ${cloud.model.routes.map((r) => r.routeKey).join(', ')}`,
    `  Event buses     ${cloud.buses.map((b) => b.name).join(', ')}`,
    `  State machines  ${cloud.stateMachines.join(', ')}`,
    `  Schedules       ${cloud.schedules.join('; ')}`,
    `  Data            ${dataDir ?? 'in memory (--in-memory): nothing is kept'}`,
    '',
    'Send a Stripe payment (recorded by its Express attempt on payment-express; only a failed attempt starts',
    'a Standard `payment` execution, listed with its history):',
    '  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1',
    `  aws --endpoint-url ${e} events put-events --entries file://${entriesFile}`,
    `  aws --endpoint-url ${e} stepfunctions list-executions --state-machine-arn arn:aws:states:us-east-1:000000000000:stateMachine:payment`,
    `  aws --endpoint-url ${e} dynamodb get-item --table-name PartnerStats --key '{"partnerId":{"S":"indie-hacker"}}'`,
    '',
    'A dashboard with a partner token:',
    `  curl -H "authorization: Bearer $(npm run -s token -- indie-hacker)" ${cloud.apiUrl}/partners/indie-hacker/dashboard`,
    'Reconcile now: npm run reconcile',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
