import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CreateTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DEFAULT_ADMIN_SCOPE as ADMIN_SCOPE } from '../domain/config';
import type { FunctionName } from '../infra/workflow-manifest';
import { loadOrCreateIssuer, startHttpApi, type LocalIssuer } from './http-api';
import { DEFAULT_JWT_DIR } from './token';
import { startAwsEndpoint } from './aws/endpoint';
import { LocalEventBus } from './aws/event-bus';
import { pointLambdasAt } from './lambda-endpoints';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { localHandlerFor, type LocalHandler } from './functions';
import { invokeAsync, type OnFailureRecord } from './lambda-async';
import { putEventsEntry, type Envelope } from './events/event-envelope';
import { seedDemo, type SeedTarget } from './seed';
import { loadLocalStackModel, type LocalStackModel } from './stack/model';
import type { RunningInventory } from './stack/parity';
import { synthesizeLocalTemplate } from './stack/synthesize';
import type { CfnTemplate } from './stack/template';
import { LocalWorkflowRuntime, type FaultInjector, type SavedExecution } from './workflow-runtime';

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
  /** Tables, executions, dead letters and JWT keys survive restarts here; in memory when absent. */
  dataDir?: string;
  /** Where the CDK app is synthesized (default `.local/cdk.out`); tests use their own directory. */
  assemblyDir?: string;
  /** Run the template's schedules (the nightly reconciliation); default true. */
  schedules?: boolean;
  retryDelayScale?: number;
  /** Fault injection into the Task handlers (the chaos harness); off when absent, and no flag enables it. */
  faults?: FaultInjector;
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
  buses: { name: string }[];
  stateMachines: string[];
  schedules: string[];
  deadLetters: DeadLetter[];
  /** Queue messages (EventBridge rule targets such as the stats-pending notices). */
  queues: Map<string, string[]>;
  /** What this local cloud actually runs, for the parity check against the template. */
  inventory(): RunningInventory;
  /** Resolves when no event delivery and no execution is in flight. */
  settle(): Promise<void>;
  seed(): Promise<void>;
  save(): void;
  stop(): Promise<void>;
}

const EXECUTIONS_FILE = 'executions.json';
const DEAD_LETTERS_FILE = 'dead-letters.json';

export async function startLocalCloud(options: LocalCloudOptions): Promise<RunningLocalCloud> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir;
  const { template, assemblyDir } = synthesizeLocalTemplate(
    options.assemblyDir ? { outdir: options.assemblyDir } : {},
  );
  const model = loadLocalStackModel(template, assemblyDir);

  if (dataDir) mkdirSync(path.join(dataDir, 'dynamodb'), { recursive: true });
  const ddb = await startDynamoDbLocal({
    ...(options.dynamoDbPort !== undefined ? { port: options.dynamoDbPort } : {}),
    ...(dataDir ? { dbPath: path.join(dataDir, 'dynamodb') } : {}),
  });
  const closers: (() => Promise<void>)[] = [async () => ddb.stop()];
  try {
    for (const table of model.tables) await createTable(ddb, table);

    const handlers = new Map<FunctionName, LocalHandler>(
      model.functions.map((fn) => [fn.name, localHandlerFor(fn.name, fn.environment)]),
    );
    // Compensation notices (events:putEvents tasks) go through the bus like any other event.
    const forward: { bus?: LocalEventBus } = {};
    const runtime = new LocalWorkflowRuntime({
      dynamoDb: ddb.client,
      workflows: [],
      onPutEvents: (records) =>
        void forward.bus?.putEvents(
          records.map((r) => ({
            EventBusName: r.eventBusName,
            Source: r.source,
            DetailType: r.detailType,
            Detail: r.detail,
          })),
        ),
      lambdas: Object.fromEntries(
        [...handlers].map(([name, h]) => [name, h as (e: unknown) => Promise<unknown>]),
      ),
      ...(options.retryDelayScale !== undefined ? { retryDelayScale: options.retryDelayScale } : {}),
      ...(options.faults ? { faults: options.faults } : {}),
    });
    for (const wf of model.workflows) runtime.registerWorkflow(wf.name, wf.definition, wf.type);

    const deadLetters: DeadLetter[] = [];
    const queues = new Map<string, string[]>(model.queues.map((q) => [q.name, []]));
    restore(runtime, deadLetters, dataDir);

    const eventBus = new LocalEventBus(model.rules, model.buses, {
      invokeFunction: (name, event) => {
        const fn = model.functions.find((f) => f.name === name);
        const handler = handlers.get(name as FunctionName);
        if (!fn || !handler) throw new Error(`No local function ${name}`);
        return invokeAsync({
          functionName: name,
          handler: handler as (e: unknown) => Promise<unknown>,
          event,
          attempts: (fn.maximumRetryAttempts ?? 2) + 1,
          onFailure: (record) =>
            deadLetters.push({ queue: fn.onFailureQueue ?? 'none', functionName: name, record }),
        });
      },
      startExecution: (name, input) => runtime.start(name, input),
      sendToQueue: (name, body) => {
        const q = queues.get(name) ?? [];
        q.push(body);
        queues.set(name, q);
      },
    });

    forward.bus = eventBus;

    const endpoint = await startAwsEndpoint({
      host,
      port: options.endpointPort,
      stepFunctions: { runtime, stateMachines: model.workflows.map((w) => ({ name: w.name, type: w.type })) },
      eventBus,
      dynamoDbEndpoint: ddb.endpoint,
    });
    closers.push(() => endpoint.close());
    pointLambdasAt({ dynamoDb: ddb.endpoint, stepFunctions: endpoint.url });

    // Dev key material, shared with `npm run token` whatever the data directory.
    const issuer = await loadOrCreateIssuer(DEFAULT_JWT_DIR);
    const api = await startHttpApi({
      host,
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

    // Deliveries start executions; executions may send notices back to the bus (to a queue).
    const settle = async () => {
      await eventBus.idle();
      await runtime.waitForIdle();
      await eventBus.idle();
    };
    const save = () => {
      if (!dataDir) return;
      writeFileSync(path.join(dataDir, EXECUTIONS_FILE), JSON.stringify(runtime.saveClosed()));
      writeFileSync(path.join(dataDir, DEAD_LETTERS_FILE), JSON.stringify(deadLetters));
    };
    const cloud: RunningLocalCloud = {
      endpointUrl: endpoint.url,
      apiUrl: api.url,
      dynamoDbEndpoint: ddb.endpoint,
      template,
      model,
      issuer,
      runtime,
      eventBus,
      buses: model.buses,
      stateMachines: model.workflows.map((w) => w.name),
      schedules: model.rules.flatMap((r) =>
        r.scheduleExpression ? [`${r.name}: ${r.scheduleExpression}`] : [],
      ),
      deadLetters,
      queues,
      inventory: () => ({
        tables: model.tables.map((t) => t.tableName),
        indexes: model.tables.flatMap((t) =>
          (t.createTableInput.GlobalSecondaryIndexes ?? []).map((i) => `${t.tableName}/${i.IndexName}`),
        ),
        stateMachines: runtime.workflowNames(),
        rules: eventBus.listRules().flatMap((r) => (r.EventPattern ? [r.Name] : [])),
        schedules: eventBus.listRules().flatMap((r) => (r.ScheduleExpression ? [r.Name] : [])),
        routes: api.routeKeys(),
      }),
      settle,
      seed: () => seedDemo(cloudSeedTarget(cloud)),
      save,
      stop: async () => {
        for (const close of closers.slice(1).reverse()) await close();
        await runtime.waitForIdle();
        save();
        await ddb.stop();
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
  }
}

function restore(
  runtime: LocalWorkflowRuntime,
  deadLetters: DeadLetter[],
  dataDir: string | undefined,
): void {
  if (!dataDir) return;
  const executions = path.join(dataDir, EXECUTIONS_FILE);
  if (existsSync(executions))
    runtime.restore(JSON.parse(readFileSync(executions, 'utf8')) as SavedExecution[]);
  const letters = path.join(dataDir, DEAD_LETTERS_FILE);
  if (existsSync(letters)) deadLetters.push(...(JSON.parse(readFileSync(letters, 'utf8')) as DeadLetter[]));
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
