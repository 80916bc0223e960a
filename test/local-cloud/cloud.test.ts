import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { WORKFLOW_NAMES } from '../../domain/config';
import { startLocalCloud, type RunningLocalCloud } from '../../local/cloud';
import { freePort } from '../../local/dynamodb-local';
import { userSignedUpEvent } from '../../local/events/app-events';
import { putEventsEntry } from '../../local/events/event-envelope';
import { invoicePaidEvent } from '../../local/events/stripe-events';
import { stackInventory, diffInventory } from '../../local/stack/parity';

/**
 * The local cloud driven only from outside, as a developer or QA person would: AWS SDK clients and the
 * AWS CLI against its AWS endpoint, HTTP against its API.
 */
const run = promisify(execFile);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let cloud: RunningLocalCloud;
let sfn: SFNClient;
let events: EventBridgeClient;
let ddb: DynamoDBClient;
let token: (claims: { sub: string; partnerId?: string; scope?: string }) => Promise<string>;

beforeAll(async () => {
  cloud = await startLocalCloud({
    assemblyDir: mkdtempSync(path.join(os.tmpdir(), 'local-cloud-')),
    endpointPort: await freePort(),
    apiPort: await freePort(),
    schedules: false,
    retryDelayScale: 0,
  });
  const config = { endpoint: cloud.endpointUrl, region: 'us-east-1', credentials };
  sfn = new SFNClient({ ...config, disableHostPrefix: true });
  events = new EventBridgeClient(config);
  ddb = new DynamoDBClient(config);
  token = (claims) => cloud.issuer.sign(claims, { audience: 'partner-referrals' });
});
afterAll(() => cloud?.stop());

const stripeBus = () => cloud.buses.find((b) => b.name.startsWith('aws.partner/'))?.name ?? '';

async function api(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const res = await fetch(`${cloud.apiUrl}${path}`, { ...init, headers, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('the local cloud runs the synthesized template', () => {
  it('runs exactly the tables, indexes, state machines, rules, schedules and routes the template declares', () => {
    expect(diffInventory(stackInventory(cloud.template), cloud.inventory())).toEqual({
      missing: [],
      extra: [],
    });
  });

  it('lists the template state machines and buses through the AWS APIs', async () => {
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    expect(machines.stateMachines?.map((m) => m.name).sort()).toEqual([...WORKFLOW_NAMES].sort());
    const buses = await events.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => b.Name)).toEqual(
      expect.arrayContaining(['partner-referrals', stripeBus()]),
    );
    const rules = await events.send(new ListRulesCommand({ EventBusName: stripeBus() }));
    expect(rules.Rules?.[0]?.EventPattern).toContain('invoice.paid');
  });
});

describe('a referral journey through the front doors', () => {
  it('registers, signs up, pays through Stripe events, and shows the dashboard to its partner only', async () => {
    // Prepare: an admin registers the partner; the app announces the signup on its bus.
    const admin = await token({ sub: 'admin', scope: 'partner-referrals/admin' });
    expect(
      (
        await api('/admin/partners', {
          method: 'POST',
          token: admin,
          body: JSON.stringify({ partnerId: 'p_cloud' }),
        })
      ).status,
    ).toBe(201);
    expect((await api('/r/p_cloud')).status).toBe(302);
    const signup = userSignedUpEvent({
      partnerId: 'p_cloud',
      userId: 'u_cloud',
    });
    await events.send(
      new PutEventsCommand({
        Entries: [putEventsEntry('partner-referrals', signup)],
      }),
    );
    await cloud.settle();

    // Act: Stripe's invoice.paid arrives on the partner bus.
    const paid = invoicePaidEvent({
      userId: 'u_cloud',
      invoiceId: 'in_cloud',
      eventId: 'evt_cloud_paid',
      priceId: 'price_afplus_monthly',
      amountPaidCents: 2999,
    });
    const put = await events.send(
      new PutEventsCommand({
        Entries: [putEventsEntry(stripeBus(), paid, { source: stripeBus() })],
      }),
    );
    await cloud.settle();

    // Assess: the Express attempt that recorded it (no Standard execution), its run, the stats and the dashboard.
    expect(put.FailedEntryCount).toBe(0);
    const payments = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:payment',
      }),
    );
    expect(payments.executions?.filter((e) => e.name === 'payment-in_cloud')).toEqual([]);
    // Express keeps no history in the API (AWS logs it to CloudWatch Logs): read the runtime's own record.
    const attempts = cloud.runtime.list('payment-express').filter((e) => e.name === 'payment-in_cloud');
    expect(attempts.map((e) => e.status)).toEqual(['SUCCEEDED']);
    expect(attempts[0]?.output).toMatchObject({
      partnerId: 'p_cloud',
      referralId: 'ref_u_cloud',
      summary: { status: 'paid', commissionsWritten: ['inv#in_cloud'] },
    });
    const types = cloud.runtime.history(attempts[0]?.executionArn ?? '').map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toContain('TaskScheduled');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    const stats = await ddb.send(
      new GetItemCommand({ TableName: 'PartnerStats', Key: { partnerId: { S: 'p_cloud' } } }),
    );
    expect(stats.Item?.totalPaid).toEqual({ N: '1' });

    const mine = await api('/partners/p_cloud/dashboard', {
      token: await token({ sub: 'p_cloud', partnerId: 'p_cloud' }),
    });
    expect(mine.status).toBe(200);
    expect(mine.body.stats).toMatchObject({ totalClicks: 1, totalPaid: 1, totalEarningsCents: 750 });
    const theirs = await api('/partners/p_cloud/dashboard', {
      token: await token({ sub: 'p_other', partnerId: 'p_other' }),
    });
    expect(theirs.status).toBe(403);
    expect((await api('/partners/p_cloud/dashboard')).status).toBe(401);
  });
});

describe('the real AWS CLI against the local endpoint', () => {
  const aws = async (...args: string[]) => {
    const { stdout } = await run('aws', ['--endpoint-url', cloud.endpointUrl, '--output', 'json', ...args], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
      },
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        throw new Error('The AWS CLI is missing: apt-get install awscli (CI installs it)');
      throw error;
    });
    return stdout ? (JSON.parse(stdout) as Record<string, unknown>) : {};
  };

  it('puts an event, lists executions, reads a history and a stats item', async () => {
    const admin = await token({ sub: 'admin', scope: 'partner-referrals/admin' });
    await api('/admin/partners', {
      method: 'POST',
      token: admin,
      body: JSON.stringify({ partnerId: 'p_cli' }),
    });
    const signup = userSignedUpEvent({ partnerId: 'p_cli', userId: 'u_cli' });
    const put = await aws(
      'events',
      'put-events',
      '--entries',
      JSON.stringify([putEventsEntry('partner-referrals', signup)]),
    );
    await cloud.settle();

    // The signup's Express attempt recorded it: the Standard machine lists no execution of the event's name.
    const listed = await aws(
      'stepfunctions',
      'list-executions',
      '--state-machine-arn',
      'arn:aws:states:us-east-1:000000000000:stateMachine:signup',
    );
    const executions = listed.executions as { name: string }[];
    const eventId = (put.Entries as { EventId: string }[])[0]?.EventId;
    const started = await aws(
      'stepfunctions',
      'start-execution',
      '--state-machine-arn',
      'arn:aws:states:us-east-1:000000000000:stateMachine:approval',
      '--input',
      '{}',
    );
    await cloud.settle();
    const history = await aws(
      'stepfunctions',
      'get-execution-history',
      '--execution-arn',
      String(started.executionArn),
    );
    const item = await aws(
      'dynamodb',
      'get-item',
      '--table-name',
      'PartnerStats',
      '--key',
      JSON.stringify({ partnerId: { S: 'p_cli' } }),
    );

    expect(put).toMatchObject({ FailedEntryCount: 0 });
    expect(executions.filter((e) => e.name === `signup-${eventId}`)).toEqual([]);
    expect((history.events as { type: string }[]).at(-1)?.type).toBe('ExecutionSucceeded');
    expect(item).toMatchObject({ Item: { totalSignups: { N: '1' } } });
  });
});

describe('npm run reconcile', () => {
  it('reconciles on demand through the endpoint and reports the drift it fixed', async () => {
    // Prepare: a partner with one signup whose stats row then drifts.
    const admin = await token({ sub: 'admin', scope: 'partner-referrals/admin' });
    await api('/admin/partners', {
      method: 'POST',
      token: admin,
      body: JSON.stringify({ partnerId: 'p_drift' }),
    });
    const signup = userSignedUpEvent({ partnerId: 'p_drift', userId: 'u_drift' });
    await events.send(
      new PutEventsCommand({
        Entries: [putEventsEntry('partner-referrals', signup)],
      }),
    );
    await cloud.settle();
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'PartnerStats',
        Key: { partnerId: { S: 'p_drift' } },
        UpdateExpression: 'SET totalSignups = :wrong',
        ExpressionAttributeValues: { ':wrong': { N: '5' } },
      }),
    );

    // Act
    const tsx = path.join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const { stdout } = await run(
      process.execPath,
      [tsx, 'local/reconcile.ts', '--endpoint', cloud.endpointUrl],
      {
        cwd: path.join(__dirname, '..', '..'),
      },
    );

    // Assess
    expect(stdout).toMatch(/Checked \d+ partners: 1 corrected/);
    expect(stdout).toContain('p_drift: totalSignups 5 → 1');
    const stats = await ddb.send(
      new GetItemCommand({ TableName: 'PartnerStats', Key: { partnerId: { S: 'p_drift' } } }),
    );
    expect(stats.Item?.totalSignups).toEqual({ N: '1' });
  });
});
