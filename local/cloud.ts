import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { webDistOf } from '../web/build';
import { localPortalConfig, staticSite } from './static-site';
import { consoleApi } from './console/api';
import { consoleRoutes } from './console/routes';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DEFAULT_ADMIN_SCOPE as ADMIN_SCOPE } from '../domain/config';
import type { FunctionName } from '../infra/workflow-manifest';
import { loadOrCreateIssuer, startHttpApi, type LocalIssuer } from './http-api';
import { DEFAULT_JWT_DIR } from './token';
import { startAwsEndpoint } from './aws/endpoint';
import { deadLetterRedrive } from './aws/dead-letter-redrive';
import { MessageMoveTasks } from './aws/sqs-move-tasks';
import { ApiDestinationClient } from './aws/api-destination';
import {
  LocalEventBus,
  type EventBusDispatcher,
  type RetryBackoff,
  type EventEnvelope,
} from './aws/event-bus';
import { pointLambdasAt } from './lambda-endpoints';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { boundedDepth, Journal, type JournalRecord } from './durable/journal';
import { LocalQueues } from './durable/queues';
import { localHandlerFor, type LocalHandler } from './functions';
import { invokeAsync, type OnFailureRecord } from './lambda-async';
import { LocalPipes } from './pipes';
import { putEventsEntry, type Envelope } from './events/event-envelope';
import { seedDemo, type SeedTarget } from './seed';
import { LOCAL_SECRET_VALUES } from './stack/local-names';
import { loadLocalStackModel, type LocalStackModel } from './stack/model';
import type { RunningInventory } from './stack/parity';
import { synthesizeLocalTemplate } from './stack/synthesize';
import type { CfnTemplate } from './stack/template';
import { LocalWorkflowRuntime, type FaultInjector } from './workflow-runtime';

/**
 * The synthesized CDK app on one machine, built from the template alone: DynamoDB Local with the
 * template's tables, its state machines (ASL with the substitutions resolved to local names), its
 * Lambdas in-process with their template environment, its EventBridge rules and schedules, its HTTP
 * API routes, and one AWS endpoint for the AWS CLI and SDKs.
 */
export interface LocalCloudOptions {
  host?: string;
  endpointPort: number;
  apiPort: number;
  dynamoDbPort?: number;
  /**
   * Tables (DynamoDB Local's files) and the journal (accepted events, executions, queue messages)
   * survive restarts and crashes here; in memory when absent.
   */
  dataDir?: string;
  /** How long closed Standard executions stay listed (AWS: 90 days). */
  retentionMs?: number;
  /** How long a stop waits for deliveries in flight before halting what still runs; default 10 s. */
  drainMs?: number;
  /** How many closed Express executions stay inspectable in memory (the runtime's default otherwise). */
  expressKept?: number;
  /** Where the CDK app is synthesized (default `.local/cdk.out`); tests use their own directory. */
  assemblyDir?: string;
  /** Run the template's schedules (the nightly reconciliation); default true. */
  schedules?: boolean;
  retryDelayScale?: number;
  /** Fault injection into the Task handlers (the chaos harness); off when absent, and no flag enables it. */
  faults?: FaultInjector;
  /**
   * Webhook delivery (`--webhook-url`): the app is synthesized with `webhookUrl` set to `url`, so its
   * webhook rule POSTs every ledger event there through the API destination, with `apiKey` (default
   * `local-webhook-api-key`) as the connection's key.
   */
  webhook?: { url: string; apiKey?: string };
  /** `WEBHOOK_SIGNING_SECRET` of every function (`--webhook-secret`); the functions' default otherwise. */
  webhookSigningSecret?: string;
  /** How long rule targets wait between retries (API destinations); EventBridge-like by default, small in tests. */
  eventRetryBackoff?: RetryBackoff;
  /**
   * Sees every event a bus accepts, once PutEvents has accepted it, whether or not a rule matches (a test's
   * observer of what is announced, where the template has no rule of its own for it).
   */
  onEvent?: (event: EventEnvelope) => void;
}

export interface DeadLetter {
  queue: string;
  functionName: string;
  record: OnFailureRecord;
}

export interface RunningLocalCloud {
  endpointUrl: string;
  apiUrl: string;
  dynamoDbEndpoint: string;
  /** The synthesized template this cloud runs. */
  template: CfnTemplate;
  model: LocalStackModel;
  /** Signs tokens the HTTP API accepts (the local stand-in for the deployment's JWT issuer). */
  issuer: LocalIssuer;
  runtime: LocalWorkflowRuntime;
  eventBus: LocalEventBus;
  /** The template's pipes (the outbound events): DynamoDB streams → enrichment → the app bus. */
  pipes: LocalPipes;
  buses: { name: string }[];
  stateMachines: string[];
  schedules: string[];
  /** The on-failure destinations' messages, read from their queues. */
  readonly deadLetters: DeadLetter[];
  /** The template's SQS queues (rule targets, on-failure and parking queues), durable. */
  queues: LocalQueues;
  /** What the last start found in the journal and ran again. */
  recovered: { executions: number; events: number };
  /** What this local cloud actually runs, for the parity check against the template. */
  inventory(): RunningInventory;
  /** Resolves when no event delivery and no execution is in flight. */
  settle(): Promise<void>;
  seed(): Promise<void>;
  /**
   * Stops accepting (the endpoint and the HTTP API close to new connections and finish the requests
   * they hold), waits up to `drainMs` for deliveries in flight, halts the executions still running (the
   * journal holds them; the next start runs them again), then stops DynamoDB Local.
   */
  stop(): Promise<void>;
  /**
   * A kill -9 in process, for the chaos run: the journal takes nothing more, every connection is cut,
   * running executions stop where they are, DynamoDB Local gets SIGKILL. What was in flight is left to
   * fail against services that are gone; a new local cloud over the same data directory recovers.
   */
  simulateCrash(): Promise<void>;
}

const DEFAULT_DRAIN_MS = 10_000;

export async function startLocalCloud(options: LocalCloudOptions): Promise<RunningLocalCloud> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir;
  if (dataDir) mkdirSync(path.join(dataDir, 'dynamodb'), { recursive: true });
  // Java boots on the other core while this one synthesizes (or reads the cached template) and loads.
  const ddbStarting = startDynamoDbLocal({
    ...(options.dynamoDbPort !== undefined ? { port: options.dynamoDbPort } : {}),
    ...(dataDir ? { dbPath: path.join(dataDir, 'dynamodb') } : {}),
  });
  let template: CfnTemplate;
  let model: LocalStackModel;
  let opened: { journal: Journal; records: JournalRecord[] };
  try {
    const synthesized = synthesizeLocalTemplate({
      ...(options.assemblyDir ? { outdir: options.assemblyDir } : {}),
      ...(options.webhook ? { context: { webhookUrl: options.webhook.url } } : {}),
    });
    template = synthesized.template;
    model = loadLocalStackModel(template, synthesized.assemblyDir, {
      secretValues: {
        ...LOCAL_SECRET_VALUES,
        ...(options.webhook?.apiKey !== undefined ? { WebhookApiKey: options.webhook.apiKey } : {}),
      },
    });
    opened = dataDir ? await Journal.open(dataDir) : { journal: Journal.inMemory(), records: [] };
  } catch (error) {
    await ddbStarting.then((d) => d.stop()).catch(() => undefined);
    throw error;
  }
  const { journal, records } = opened;
  const ddb = await ddbStarting;
  const closers: (() => Promise<void>)[] = [async () => ddb.stop(), () => journal.close()];
  let stopping = false;
  try {
    await Promise.all(model.tables.map((table) => createTable(ddb, table)));

    const handlers = new Map<FunctionName, LocalHandler>(
      model.functions.map((fn) => [
        fn.name,
        localHandlerFor(fn.name, {
          ...fn.environment,
          ...(options.webhookSigningSecret !== undefined
            ? { WEBHOOK_SIGNING_SECRET: options.webhookSigningSecret }
            : {}),
        }),
      ]),
    );
    // Compensation notices (events:putEvents tasks) go through the bus like any other event.
    const forward: { bus?: LocalEventBus } = {};
    const runtime = new LocalWorkflowRuntime({
      dynamoDb: ddb.client,
      workflows: [],
      journal,
      ...(options.retentionMs !== undefined ? { retentionMs: options.retentionMs } : {}),
      ...(options.expressKept !== undefined ? { expressKept: options.expressKept } : {}),
      onPutEvents: async (records) => {
        const out = await forward.bus?.putEvents(
          records.map((r) => ({
            EventBusName: r.eventBusName,
            Source: r.source,
            DetailType: r.detailType,
            Detail: r.detail,
          })),
        );
        if (out && out.FailedEntryCount > 0)
          throw new Error(`PutEvents failed: ${JSON.stringify(out.Entries)}`);
      },
      lambdas: Object.fromEntries(
        [...handlers].map(([name, h]) => [name, h as (e: unknown) => Promise<unknown>]),
      ),
      ...(options.retryDelayScale !== undefined ? { retryDelayScale: options.retryDelayScale } : {}),
      ...(options.faults ? { faults: options.faults } : {}),
    });
    for (const wf of model.workflows) runtime.registerWorkflow(wf.name, wf.definition, wf.type);

    const queues = new LocalQueues(
      model.queues.map((q) => q.name),
      journal,
    );
    const onFailureQueues = new Set(
      model.functions.flatMap((f) => (f.onFailureQueue ? [f.onFailureQueue] : [])),
    );

    const webhooks = new ApiDestinationClient(model.apiDestinations);
    // Rule targets, and the dead letters a move task sends back to them.
    const dispatch: EventBusDispatcher = {
      invokeFunction: (name, event) => {
        const fn = model.functions.find((f) => f.name === name);
        const handler = handlers.get(name as FunctionName);
        if (!fn || !handler) throw new Error(`No local function ${name}`);
        return invokeAsync({
          functionName: name,
          handler: handler as (e: unknown) => Promise<unknown>,
          event,
          attempts: (fn.maximumRetryAttempts ?? 2) + 1,
          abandon: () => stopping,
          // Lambda sends the invocation record as the message body (the payload kept JSON-writable).
          onFailure: async (record) => {
            if (!fn.onFailureQueue) return;
            const kept = { ...record, requestPayload: boundedDepth(record.requestPayload) };
            await queues.send(fn.onFailureQueue, JSON.stringify(kept));
          },
        });
      },
      startExecution: (name, input) => runtime.startDurably(name, input),
      sendToQueue: (name, body, attributes) => queues.send(name, body, attributes ? { attributes } : {}),
      invokeApiDestination: (name, request) => webhooks.call(name, request),
    };
    const eventBus = new LocalEventBus(
      model.rules,
      model.buses,
      dispatch,
      journal,
      options.eventRetryBackoff ? { retryBackoff: options.eventRetryBackoff } : {},
    );
    if (options.onEvent) eventBus.observe(options.onEvent);
    const pipes = new LocalPipes({
      pipes: model.pipes,
      dynamoDb: ddb.client,
      dynamoDbEndpoint: ddb.endpoint,
      invoke: (name, event) => {
        const handler = handlers.get(name as FunctionName);
        if (!handler) throw new Error(`No local function ${name}`);
        return (handler as (e: unknown) => Promise<unknown>)(event);
      },
      putEvents: (entries) => eventBus.putEvents(entries),
      sendToQueue: (name, body) => queues.send(name, body),
      journal,
    });

    forward.bus = eventBus;

    // One set of move tasks for both endpoints and the console: each lists what any of them started.
    const moveTasksClosing = new AbortController();
    closers.push(async () => moveTasksClosing.abort());
    const redrive = deadLetterRedrive(model, dispatch);
    const moveTasks = new MessageMoveTasks(queues, redrive, moveTasksClosing.signal);
    const endpointOptions = {
      host,
      stepFunctions: { runtime, stateMachines: model.workflows.map((w) => ({ name: w.name, type: w.type })) },
      eventBus,
      dynamoDbEndpoint: ddb.endpoint,
      sqs: { queues, redrive, moveTasks },
    };
    const endpoint = await startAwsEndpoint({
      ...endpointOptions,
      port: options.endpointPort,
      settle: () => settle(),
      pages: [
        consoleApi(
          consoleRoutes({
            model,
            runtime,
            queues,
            moveTasks,
            eventBus,
            db: DynamoDBDocumentClient.from(ddb.client),
          }),
        ),
        staticSite('/console/', webDistOf('console')),
      ],
    });
    closers.push(() => endpoint.close());
    // The Lambdas reach Step Functions on a port of their own: a stop closes the public endpoint to new
    // work first, while the work in flight (an ingest falling back to StartExecution) still gets answers.
    const internal = await startAwsEndpoint({ ...endpointOptions, host: '127.0.0.1', port: 0 });
    closers.push(() => internal.close());
    pointLambdasAt({ dynamoDb: ddb.endpoint, stepFunctions: internal.url });

    // Dev key material, shared with `npm run token` whatever the data directory.
    const issuer = await loadOrCreateIssuer(DEFAULT_JWT_DIR);
    const api = await startHttpApi({
      host,
      pages: [staticSite('/portal/', webDistOf('portal'), localPortalConfig)],
      port: options.apiPort,
      routes: model.routes.map((r) => {
        const handler = handlers.get(r.functionName);
        if (!handler) throw new Error(`Route ${r.routeKey} targets unknown function ${r.functionName}`);
        return { ...r, handler: (event) => handler(event as never) as Promise<never> };
      }),
      jwt: {
        issuer,
        audience: model.jwtAuthorizer?.audience ?? [],
        ...(model.jwtAuthorizer?.identitySource
          ? { identitySource: model.jwtAuthorizer.identitySource }
          : {}),
      },
      ...(model.stage?.throttlingRateLimit !== undefined
        ? {
            throttle: {
              rateLimit: model.stage.throttlingRateLimit,
              burstLimit: model.stage.throttlingBurstLimit ?? 1,
            },
          }
        : {}),
      ...(model.stage?.routeThrottles ? { routeThrottles: model.stage.routeThrottles } : {}),
    });
    closers.push(() => api.close());

    if (options.schedules !== false) {
      eventBus.startSchedules();
      closers.push(async () => eventBus.stopSchedules());
    }

    // What the journal held: messages back on their queues, executions that had not closed run again,
    // accepted events reach the targets that had not received them. Then the journal is compacted.
    queues.recover(records);
    const recovered = { executions: runtime.recover(records), events: 0 };
    eventBus.recover(records);
    pipes.recover(records);
    journal.setSnapshot(function* () {
      yield* queues.snapshot();
      yield* runtime.snapshot();
      yield* eventBus.snapshot();
      yield* pipes.snapshot();
    });
    recovered.events = eventBus.redeliverPending();
    await journal.compact();
    // The streams are read from each shard's checkpoint on: what was written and not yet announced is now.
    pipes.start();

    // Deliveries start executions; executions may send notices back to the bus (to a queue) and write the
    // ledger, whose streams the pipes announce on the bus: quiet once a drain of the streams finds nothing.
    const settle = async () => {
      for (;;) {
        await eventBus.idle();
        await runtime.waitForIdle();
        await eventBus.idle();
        if ((await pipes.drain()) === 0) return;
      }
    };
    const withinDrain = (work: Promise<void>, ms: number) =>
      Promise.race([work, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
    const cloud: RunningLocalCloud = {
      endpointUrl: endpoint.url,
      apiUrl: api.url,
      dynamoDbEndpoint: ddb.endpoint,
      template,
      model,
      issuer,
      runtime,
      eventBus,
      pipes,
      buses: model.buses,
      stateMachines: model.workflows.map((w) => w.name),
      schedules: model.rules.flatMap((r) =>
        r.scheduleExpression ? [`${r.name}: ${r.scheduleExpression}`] : [],
      ),
      get deadLetters(): DeadLetter[] {
        return [...onFailureQueues].flatMap((queue) =>
          queues.messages(queue).map((m) => {
            const record = JSON.parse(m.body) as OnFailureRecord;
            const functionName = record.requestContext.functionArn.split(':')[6] ?? '';
            return { queue, functionName, record };
          }),
        );
      },
      queues,
      recovered,
      inventory: () => ({
        tables: model.tables.map((t) => t.tableName),
        indexes: model.tables.flatMap((t) =>
          (t.createTableInput.GlobalSecondaryIndexes ?? []).map((i) => `${t.tableName}/${i.IndexName}`),
        ),
        stateMachines: runtime.workflowNames(),
        rules: eventBus.listRules().flatMap((r) => (r.EventPattern ? [r.Name] : [])),
        schedules: eventBus.listRules().flatMap((r) => (r.ScheduleExpression ? [r.Name] : [])),
        routes: api.routeKeys(),
        pipes: pipes.names(),
      }),
      settle,
      seed: () => seedDemo(cloudSeedTarget(cloud)),
      stop: async () => {
        if (stopping) return;
        stopping = true;
        eventBus.stopSchedules();
        await Promise.all([api.close(), endpoint.close()]);
        moveTasksClosing.abort();
        // Deliveries waiting to retry (a webhook receiver that is down) stay journaled for the next start.
        eventBus.halt();
        const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
        await withinDrain(eventBus.idle(), drainMs);
        await runtime.halt();
        // What the streams hold and no checkpoint passed is announced at the next start.
        await pipes.stop();
        await withinDrain(eventBus.idle(), drainMs);
        await journal.close();
        await internal.close();
        await ddb.stop();
      },
      simulateCrash: async () => {
        stopping = true;
        journal.abandon();
        eventBus.stopSchedules();
        eventBus.halt();
        moveTasksClosing.abort();
        for (const server of [api, endpoint, internal]) server.abort();
        await ddb.kill();
        await runtime.halt();
        await pipes.stop();
      },
    };
    return cloud;
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}

async function createTable(ddb: DynamoDbLocal, table: LocalStackModel['tables'][number]): Promise<void> {
  try {
    await ddb.client.send(new CreateTableCommand(table.createTableInput));
    if (table.timeToLiveAttribute) {
      await ddb.client.send(
        new UpdateTimeToLiveCommand({
          TableName: table.tableName,
          TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  } catch (error) {
    // A restart over a kept data directory: the table is already there.
    if (!(error instanceof ResourceInUseException)) throw error;
    await enableStream(ddb, table);
  }
}

/** A table kept from before its spec had a stream gets one (what a deployment's UpdateTable would do). */
async function enableStream(ddb: DynamoDbLocal, table: LocalStackModel['tables'][number]): Promise<void> {
  const wanted = table.createTableInput.StreamSpecification;
  if (!wanted?.StreamEnabled) return;
  const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: table.tableName }));
  if (Table?.StreamSpecification?.StreamEnabled) return;
  await ddb.client.send(new UpdateTableCommand({ TableName: table.tableName, StreamSpecification: wanted }));
}

/** The demo journeys through the cloud's front doors: the HTTP API with tokens, and the event buses. */
function cloudSeedTarget(cloud: RunningLocalCloud): SeedTarget {
  const audience = cloud.model.jwtAuthorizer?.audience[0] ?? 'partner-referrals';
  const appBus = cloud.buses.find((b) => !b.name.startsWith('aws.partner/'))?.name ?? 'partner-referrals';
  const stripeBus = cloud.buses.find((b) => b.name.startsWith('aws.partner/'))?.name ?? '';
  const put = async (busName: string, source: string, event: Envelope) => {
    const out = await cloud.eventBus.putEvents([putEventsEntry(busName, event, { source })]);
    if (out.FailedEntryCount > 0) throw new Error(`put-events failed: ${JSON.stringify(out.Entries)}`);
  };
  return {
    async registerPartner(partner) {
      const token = await cloud.issuer.sign({ sub: 'seed-admin', scope: ADMIN_SCOPE }, { audience });
      const res = await fetch(`${cloud.apiUrl}/admin/partners`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(partner),
      });
      // A restart over kept data: the partner is already registered.
      if (res.status !== 201 && res.status !== 409)
        throw new Error(`registering ${partner.partnerId}: ${res.status}`);
    },
    async click(partnerId) {
      await fetch(`${cloud.apiUrl}/r/${partnerId}`, { redirect: 'manual' });
    },
    sendAppEvent: (event) => put(appBus, event.source, event),
    // Stripe's partner events carry the event source's name as their source.
    sendStripeEvent: (event) => put(stripeBus, stripeBus, event),
    settle: () => cloud.settle(),
  };
}
