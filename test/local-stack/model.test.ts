import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  expressTwinOf,
  FACT_WORKFLOWS,
  INGESTED_STEPS,
  loadRuntimeConfig,
  stateMachineArnEnv,
  WORKFLOW_NAMES,
} from '../../domain/config';
import { STRIPE_EVENT_TYPES } from '../../domain/stripe-events';
import { FUNCTION_NAMES, WORKFLOWS, aslPathOf, substitutionsFor } from '../../infra/workflow-manifest';
import { DEFAULT_SETTINGS, routeThrottlesOf } from '../../infra/settings';
import { localFunctionArn, localNames, localStateMachineArn } from '../../local/aws-names';
import { loadAsl, taskStates } from '../../local/definition';
import { loadLocalStackModel, type LocalStackModel } from '../../local/stack/model';
import { resolveValue, type ResolveContext } from '../../local/stack/resolve';
import { synthesizeLocalTemplate, type LocalTemplate } from '../../local/stack/synthesize';
import type { CfnTemplate } from '../../local/stack/template';
import { LocalWorkflowRuntime } from '../../local/workflow-runtime';

const TABLES = [
  'PartnerReferrals',
  'PartnerStats',
  'ReferralEvents',
  'PartnerCommissions',
  'PartnerClickCounters',
  'PartnerPayouts',
  'PartnerActivity',
];
const APP_BUS = 'partner-referrals';
const STRIPE_BUS = 'aws.partner/stripe.com/ed_placeholder';

let outdir: string;
let synth: LocalTemplate;
let model: LocalStackModel;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'local-stack-model-'));
  synth = synthesizeLocalTemplate({ outdir });
  model = loadLocalStackModel(synth.template, synth.assemblyDir);
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const byName = <T extends { name: string }>(list: readonly T[], name: string): T => {
  const found = list.find((x) => x.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};
const clone = (t: CfnTemplate): CfnTemplate => JSON.parse(JSON.stringify(t)) as CfnTemplate;
/** The logical id of the resource at a construct path (ids carry a hash; paths are what infra/ writes). */
const logicalIdAt = (t: CfnTemplate, cdkPath: string): string => {
  const ids = Object.keys(t.Resources).filter(
    (id) => t.Resources[id]?.Metadata?.['aws:cdk:path'] === cdkPath,
  );
  if (ids.length !== 1) throw new Error(`expected one resource at ${cdkPath}, found ${ids.join(', ')}`);
  return ids[0] as string;
};

/** Every string under a key named `key` (not `key.$`), at any depth. */
function valuesOf(value: unknown, key: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => valuesOf(v, key));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === key && typeof v === 'string' ? [v] : valuesOf(v, key),
  );
}

describe('synthesis', () => {
  test('writes the assembly to the outdir and returns the stack template', () => {
    expect(synth.assemblyDir).toBe(outdir);
    expect(synth.stackName).toBe('PartnerReferrals');
    expect(Object.keys(synth.template.Resources).length).toBeGreaterThan(50);
    expect(synth.durationMs).toBeGreaterThan(0);
  });
});

describe('tables: from the template properties', () => {
  test('the seven tables with their keys, billing and TTL', () => {
    expect(model.tables.map((t) => t.tableName)).toEqual(TABLES);
    const [referrals, stats, clicks, commissions, clickCounters] = model.tables;
    expect(referrals?.createTableInput).toMatchObject({
      TableName: 'PartnerReferrals',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'partnerId', KeyType: 'HASH' },
        { AttributeName: 'referralId', KeyType: 'RANGE' },
      ],
    });
    expect(stats?.createTableInput.KeySchema).toEqual([{ AttributeName: 'partnerId', KeyType: 'HASH' }]);
    expect(clicks?.createTableInput.KeySchema).toEqual([{ AttributeName: 'clickId', KeyType: 'HASH' }]);
    expect(commissions?.createTableInput).toMatchObject({
      TableName: 'PartnerCommissions',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'partnerId', KeyType: 'HASH' },
        { AttributeName: 'commissionId', KeyType: 'RANGE' },
      ],
    });
    // One partition key per shard: a viral partner's clicks spread over as many partitions.
    expect(clickCounters?.createTableInput.KeySchema).toEqual([
      { AttributeName: 'counterId', KeyType: 'HASH' },
    ]);
    // Paid commissions are never rewritten, so the ledger never expires; nor do click counts.
    expect(model.tables.map((t) => t.timeToLiveAttribute)).toEqual([
      'expiresAt',
      undefined,
      'expiresAt',
      undefined,
      undefined,
    ]);
  });

  test('the two GSIs of PartnerReferrals, projecting ALL', () => {
    const input = byName(
      model.tables.map((t) => ({ ...t, name: t.tableName })),
      'PartnerReferrals',
    ).createTableInput;
    expect(input.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'referredUserId-index',
        KeySchema: [{ AttributeName: 'referredUserId', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'partnerId-paidAt-index',
        KeySchema: [
          { AttributeName: 'partnerId', KeyType: 'HASH' },
          { AttributeName: 'paidAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(input.AttributeDefinitions).toEqual(
      ['partnerId', 'referralId', 'referredUserId', 'paidAt'].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
    );
  });
});

describe('tables: the commission ledger', () => {
  test('the three GSIs of PartnerCommissions, projecting ALL', () => {
    const input = byName(
      model.tables.map((t) => ({ ...t, name: t.tableName })),
      'PartnerCommissions',
    ).createTableInput;
    const index = (IndexName: string, hash: string, range: string) => ({
      IndexName,
      KeySchema: [
        { AttributeName: hash, KeyType: 'HASH' },
        { AttributeName: range, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    expect(input.GlobalSecondaryIndexes).toEqual([
      index('status-dueAt-index', 'status', 'dueAt'),
      index('partnerId-earnedAt-index', 'partnerId', 'earnedAt'),
      index('partnerId-statusEarnedAt-index', 'partnerId', 'statusEarnedAt'),
    ]);
    expect(input.AttributeDefinitions).toEqual(
      ['partnerId', 'commissionId', 'status', 'dueAt', 'earnedAt', 'statusEarnedAt'].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
    );
  });
});

describe('workflows: the ASL assets with their substitutions resolved', () => {
  test('twenty workflows (six of them Express twins), named from the construct path, typed as the manifest says', () => {
    expect(model.workflows).toHaveLength(20);
    expect(model.workflows.map((w) => w.name).sort()).toEqual([...WORKFLOW_NAMES].sort());
    for (const spec of WORKFLOWS) expect(byName(model.workflows, spec.name).type).toBe(spec.type);
  });

  test('no ${…} is left and every Task names local tables, functions, state machines and the app bus', () => {
    const functionArns = FUNCTION_NAMES.map(localFunctionArn);
    const machineArns = WORKFLOW_NAMES.map(localStateMachineArn);
    for (const wf of model.workflows) {
      expect(JSON.stringify(wf.definition)).not.toContain('${');
      const tasks = [...taskStates(wf.definition).values()];
      for (const table of valuesOf(tasks, 'TableName')) expect(TABLES).toContain(table);
      for (const fn of valuesOf(tasks, 'FunctionName')) expect(functionArns).toContain(fn);
      for (const arn of valuesOf(tasks, 'StateMachineArn')) expect(machineArns).toContain(arn);
      for (const bus of valuesOf(tasks, 'EventBusName')) expect(bus).toBe(APP_BUS);
    }
    const payment = [...taskStates(byName(model.workflows, 'payment').definition).values()];
    expect(valuesOf(payment, 'FunctionName')).toEqual([localFunctionArn('referral-compute')]);
    // A lifecycle step names no machine: it replays a parked fact on the machine that parked it.
    expect(valuesOf(payment, 'StateMachineArn')).toEqual([]);
    expect(valuesOf(payment, 'StateMachineArn.$')).toEqual(['$.item.stateMachineArn.S']);
    expect(new Set(valuesOf(payment, 'TableName'))).toEqual(new Set(['PartnerStats', 'PartnerReferrals']));
    const approval = [...taskStates(byName(model.workflows, 'approval').definition).values()];
    expect(valuesOf(approval, 'StateMachineArn')).toEqual([localStateMachineArn('commission')]);
    expect(new Set(valuesOf(approval, 'TableName'))).toEqual(new Set(['PartnerCommissions']));
    expect(valuesOf(approval, 'FunctionName')).toEqual([]);
  });

  test('the seven lifecycle steps and their Express twins run one definition, each under its own name', () => {
    const stepOf = (name: string): string => name.replace(/-express$/, '');
    const lifecycle = model.workflows.filter((w) =>
      (FACT_WORKFLOWS as readonly string[]).includes(stepOf(w.name)),
    );
    const twins = INGESTED_STEPS.map(expressTwinOf);
    expect(lifecycle.map((w) => w.name).sort()).toEqual([...FACT_WORKFLOWS, ...twins].sort());
    // The same ASL, but for the Standard machine a parked fact names: its step's, formatted in the template.
    const parkedFactMachine = /"stateMachineArn":\{"S":"([^"]+)"\}/;
    const [first, ...others] = lifecycle;
    const shape = (wf: (typeof lifecycle)[number]) =>
      JSON.stringify(wf.definition).replace(parkedFactMachine, '');
    for (const wf of others) expect(shape(wf)).toEqual(first && shape(first));
    for (const wf of lifecycle) {
      const parkedFor = parkedFactMachine.exec(JSON.stringify(wf.definition))?.[1];
      expect([wf.name, parkedFor]).toEqual([wf.name, localStateMachineArn(stepOf(wf.name))]);
      expect([wf.name, wf.type]).toEqual([wf.name, wf.name === stepOf(wf.name) ? 'STANDARD' : 'EXPRESS']);
    }
    expect(new Set(lifecycle.map((w) => w.logicalId)).size).toBe(lifecycle.length);
  });

  test('each definition equals the ASL file with the manifest substitutions and local names', () => {
    for (const spec of WORKFLOWS) {
      const expected = loadAsl(aslPathOf(spec), substitutionsFor(spec, localNames));
      expect(byName(model.workflows, spec.name).definition).toEqual(expected);
    }
  });

  test('the offline runtime accepts every definition (validation and integrations)', () => {
    const runtime = new LocalWorkflowRuntime({ dynamoDb: new DynamoDBClient({}), workflows: [] });
    for (const wf of model.workflows) runtime.registerWorkflow(wf.name, wf.definition, wf.type);
    expect(runtime.workflowNames().sort()).toEqual([...WORKFLOW_NAMES].sort());
  });
});

describe('functions: environment resolved to local names', () => {
  test('seven functions named from the construct path', () => {
    expect(model.functions.map((f) => f.name).sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  test('every function gets the table names, the app bus and a configuration its handler accepts', () => {
    for (const fn of model.functions) {
      expect(fn.environment).toMatchObject({
        REFERRALS_TABLE: 'PartnerReferrals',
        STATS_TABLE: 'PartnerStats',
        CLICKS_TABLE: 'ReferralEvents',
        COMMISSIONS_TABLE: 'PartnerCommissions',
        APP_BUS_NAME: APP_BUS,
      });
      expect(() => loadRuntimeConfig(fn.environment)).not.toThrow();
    }
  });

  test('state machine ARNs, the Stripe source, the click salt and the program terms', () => {
    const env = (name: string) => byName(model.functions, name).environment;
    const arnVars = (name: string) =>
      Object.keys(env(name))
        .filter((k) => k.endsWith('_STATE_MACHINE_ARN'))
        .sort();
    expect(env('stripe-ingest')).toMatchObject({
      PAYMENT_STATE_MACHINE_ARN: localStateMachineArn('payment'),
      REFUND_STATE_MACHINE_ARN: localStateMachineArn('refund'),
      DISPUTE_STATE_MACHINE_ARN: localStateMachineArn('dispute'),
      SUBSCRIPTION_STATE_MACHINE_ARN: localStateMachineArn('subscription'),
      STRIPE_EVENT_SOURCE: STRIPE_BUS,
      PROGRAM_CURRENCY: 'usd',
    });
    expect(env('stripe-ingest').HOLD_PERIOD_DAYS).toBeUndefined();
    // Express first: each step's twin (StartSyncExecution) and the step itself (StartExecution on failure).
    for (const step of ['payment', 'refund', 'dispute', 'subscription'] as const) {
      expect(env('stripe-ingest')[stateMachineArnEnv(expressTwinOf(step))]).toBe(
        localStateMachineArn(expressTwinOf(step)),
      );
    }
    expect(arnVars('stripe-ingest')).toHaveLength(8);
    expect(env('app-ingest')).toMatchObject({
      SIGNUP_STATE_MACHINE_ARN: localStateMachineArn('signup'),
      VERIFY_STATE_MACHINE_ARN: localStateMachineArn('verify'),
      CLICK_IP_SALT: 'local-click-salt',
    });
    expect(env('app-ingest')).toMatchObject({
      SIGNUP_EXPRESS_STATE_MACHINE_ARN: localStateMachineArn('signup-express'),
      VERIFY_EXPRESS_STATE_MACHINE_ARN: localStateMachineArn('verify-express'),
    });
    expect(arnVars('app-ingest')).toHaveLength(4);
    expect(env('click-api')).toMatchObject({
      CLICK_STATE_MACHINE_ARN: localStateMachineArn('click'),
      CLICK_IP_SALT: 'local-click-salt',
      LANDING_URL: 'https://example.com/',
    });
    expect(env('admin-api')).toMatchObject({
      REGISTRATION_STATE_MACHINE_ARN: localStateMachineArn('registration'),
      COMMISSION_STATE_MACHINE_ARN: localStateMachineArn('commission'),
      APPROVAL_STATE_MACHINE_ARN: localStateMachineArn('approval'),
      JWT_ISSUER: 'https://auth.example.com/',
      CLICK_IP_SALT: 'local-click-salt',
    });
    expect(arnVars('admin-api')).toHaveLength(5);
    expect(env('dashboard-api')).toMatchObject({ PROGRAM_CURRENCY: 'usd' });
    expect(env('referral-compute')).toMatchObject({ PROGRAM_CURRENCY: 'usd', HOLD_PERIOD_DAYS: '30' });
    expect(env('reconciliation-compute').PROGRAM_CURRENCY).toBeUndefined();
    for (const fn of ['referral-compute', 'reconciliation-compute']) expect(arnVars(fn)).toEqual([]);
  });

  test('the ingest functions fail to their on-failure queues after 2 retries; the others have none', () => {
    const async = model.functions.filter((f) => f.onFailureQueue !== undefined);
    expect(async.map((f) => [f.name, f.onFailureQueue, f.maximumRetryAttempts])).toEqual([
      ['stripe-ingest', 'StripeIngestFailures', 2],
      ['app-ingest', 'AppIngestFailures', 2],
    ]);
  });
});

describe('pipes', () => {
  test('each ledger table stream through outbound-events to the app bus, claims filtered out, the DLQ named', () => {
    const common = {
      startingPosition: 'TRIM_HORIZON',
      batchSize: 5,
      maximumRetryAttempts: 10,
      bisectOnFailure: true,
      enrichment: 'outbound-events',
      busName: APP_BUS,
      target: { source: 'partner-referrals.ledger', detailType: '$.type', time: '$.occurredAt' },
      deadLetterQueue: 'OutboundEventsDlq',
    };
    expect(model.pipes.map(({ logicalId: _id, ...pipe }) => pipe)).toEqual([
      { ...common, name: 'CommissionEventsPipe', tableName: 'PartnerCommissions', filters: [] },
      {
        ...common,
        name: 'PayoutEventsPipe',
        tableName: 'PartnerPayouts',
        filters: [{ dynamodb: { Keys: { payoutId: { S: [{ prefix: 'po_' }] } } } }],
      },
    ]);
  });

  test('the ledger tables are created with their streams', () => {
    for (const name of ['PartnerCommissions', 'PartnerPayouts'])
      expect(
        byName(
          model.tables.map((t) => ({ ...t, name: t.tableName })),
          name,
        ).createTableInput.StreamSpecification,
      ).toEqual({
        StreamEnabled: true,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      });
  });
});

describe('event routing', () => {
  test('buses and queues', () => {
    expect(model.buses.map((b) => b.name)).toEqual([APP_BUS, STRIPE_BUS]);
    expect(model.queues.map((q) => q.name)).toEqual([
      'EventTargetDlq',
      'StripeIngestFailures',
      'AppIngestFailures',
      'StatsPendingNotices',
      'UnroutedAppEvents',
      'UnroutedStripeEvents',
      'OutboundEventsDlq',
    ]);
    expect(byName(model.queues, 'EventTargetDlq')).toMatchObject({
      arn: 'arn:aws:sqs:us-east-1:000000000000:EventTargetDlq',
      url: 'http://localhost/000000000000/EventTargetDlq',
    });
  });

  test('rules with their buses, patterns and targets; the hourly and nightly schedules', () => {
    const target = { id: 'Target0', deadLetterQueue: 'EventTargetDlq' };
    const stripeTypes = [...STRIPE_EVENT_TYPES];
    expect(stripeTypes).toEqual(expect.arrayContaining(['invoice.paid', 'charge.refunded']));
    expect(model.rules).toEqual([
      expect.objectContaining({
        name: 'StripeEventsRule',
        busName: STRIPE_BUS,
        enabled: true,
        eventPattern: { source: [{ prefix: 'aws.partner/stripe.com' }], 'detail-type': stripeTypes },
        targets: [expect.objectContaining({ ...target, kind: 'function', name: 'stripe-ingest' })],
      }),
      expect.objectContaining({
        name: 'UnhandledStripeTypeRule',
        busName: STRIPE_BUS,
        enabled: true,
        eventPattern: {
          source: [{ prefix: 'aws.partner/stripe.com' }],
          'detail-type': [{ 'anything-but': stripeTypes }],
        },
        targets: [expect.objectContaining({ ...target, kind: 'queue', name: 'UnroutedStripeEvents' })],
      }),
      expect.objectContaining({
        name: 'AppEventsRule',
        busName: APP_BUS,
        eventPattern: {
          source: ['partner-referrals.app'],
          'detail-type': ['UserSignedUp', 'UserEmailVerified'],
        },
        targets: [expect.objectContaining({ ...target, kind: 'function', name: 'app-ingest' })],
      }),
      expect.objectContaining({
        name: 'StatsPendingRule',
        busName: APP_BUS,
        eventPattern: { source: ['partner-referrals.workflows'], 'detail-type': ['ReferralStatsPending'] },
        targets: [expect.objectContaining({ ...target, kind: 'queue', name: 'StatsPendingNotices' })],
      }),
      expect.objectContaining({
        name: 'UnknownAppSourceRule',
        busName: APP_BUS,
        eventPattern: {
          source: [
            {
              'anything-but': [
                'partner-referrals.app',
                'partner-referrals.workflows',
                'partner-referrals.ledger',
              ],
            },
          ],
        },
        targets: [expect.objectContaining({ ...target, kind: 'queue', name: 'UnroutedAppEvents' })],
      }),
      expect.objectContaining({
        name: 'UnknownAppDetailTypeRule',
        busName: APP_BUS,
        eventPattern: {
          source: ['partner-referrals.app'],
          'detail-type': [{ 'anything-but': ['UserSignedUp', 'UserEmailVerified'] }],
        },
        targets: [expect.objectContaining({ ...target, kind: 'queue', name: 'UnroutedAppEvents' })],
      }),
      expect.objectContaining({
        name: 'HourlyApproval',
        busName: 'default',
        enabled: true,
        scheduleExpression: 'rate(1 hour)',
        targets: [
          {
            ...target,
            kind: 'stateMachine',
            name: 'approval',
            input: '{}',
            retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 86400 },
          },
        ],
      }),
      expect.objectContaining({
        name: 'MonthlyPayouts',
        busName: 'default',
        scheduleExpression: 'cron(0 6 1 * ? *)',
        targets: [
          {
            ...target,
            kind: 'stateMachine',
            name: 'payout',
            input: '{}',
            retryPolicy: expect.anything(),
          },
        ],
      }),
      expect.objectContaining({
        name: 'NightlyReconciliation',
        busName: 'default',
        scheduleExpression: 'cron(0 3 * * ? *)',
        targets: [
          {
            ...target,
            kind: 'stateMachine',
            name: 'reconciliation',
            input: '{}',
            retryPolicy: expect.anything(),
          },
        ],
      }),
    ]);
    expect(model.rules[0]?.targets[0]?.retryPolicy).toEqual({
      maximumRetryAttempts: 8,
      maximumEventAgeInSeconds: 86400,
    });
  });
});

describe('HTTP API', () => {
  test('twenty routes with their functions and authorization, the admin ones with the admin scope', () => {
    const route = (routeKey: string, functionName: string, access: 'partner' | 'admin' | 'public') => ({
      routeKey,
      functionName,
      authorizationType: access === 'public' ? 'NONE' : 'JWT',
      authorizationScopes: access === 'admin' ? ['partner-referrals/admin'] : [],
      payloadFormatVersion: '2.0',
    });
    expect(model.routes).toEqual([
      route('GET /partners/{partnerId}/dashboard', 'dashboard-api', 'partner'),
      route('GET /partners/{partnerId}/commissions', 'dashboard-api', 'partner'),
      route('GET /admin/partners/{partnerId}/dashboard', 'dashboard-api', 'admin'),
      route('GET /partners/{partnerId}/activity', 'dashboard-api', 'partner'),
      route('GET /admin/partners/{partnerId}/activity', 'dashboard-api', 'admin'),
      route('POST /admin/partners', 'admin-api', 'admin'),
      route('GET /admin/commissions', 'admin-api', 'admin'),
      route('POST /admin/partners/{partnerId}/commissions/{commissionId}/approve', 'admin-api', 'admin'),
      route('POST /admin/partners/{partnerId}/commissions/{commissionId}/reject', 'admin-api', 'admin'),
      route('POST /admin/approvals', 'admin-api', 'admin'),
      route('GET /partners/{partnerId}/payouts', 'dashboard-api', 'partner'),
      route('GET /admin/payouts', 'admin-api', 'admin'),
      route('POST /admin/payouts', 'admin-api', 'admin'),
      route('POST /admin/payouts/{payoutId}/processing', 'admin-api', 'admin'),
      route('POST /admin/payouts/{payoutId}/paid', 'admin-api', 'admin'),
      route('POST /admin/payouts/{payoutId}/failed', 'admin-api', 'admin'),
      route('POST /admin/payouts/{payoutId}/cancel', 'admin-api', 'admin'),
      route('GET /partners/{partnerId}/exports/{exportName}', 'export-api', 'partner'),
      route('GET /admin/exports/{exportName}', 'export-api', 'admin'),
      route('GET /r/{partnerId}', 'click-api', 'public'),
    ]);
  });

  test('the JWT authorizer and the stage throttling', () => {
    expect(model.jwtAuthorizer).toEqual({
      issuer: 'https://auth.example.com/',
      audience: ['partner-referrals'],
      identitySource: ['$request.header.Authorization'],
    });
    expect(model.stage).toEqual({
      throttlingRateLimit: DEFAULT_SETTINGS.throttles.default.rateLimit,
      throttlingBurstLimit: DEFAULT_SETTINGS.throttles.default.burstLimit,
      // The click and dashboard routes' own throttles, read from the stage's RouteSettings.
      routeThrottles: routeThrottlesOf(DEFAULT_SETTINGS.throttles),
    });
  });
});

describe('the model follows the CDK context', () => {
  test('bus names, issuer and an explicit salt', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-stack-context-'));
    try {
      const other = synthesizeLocalTemplate({
        outdir: dir,
        context: {
          appBusName: 'other-bus',
          stripeEventSourceName: 'aws.partner/stripe.com/ed_test',
          jwtIssuer: 'https://issuer.test/',
          clickIpSalt: 'explicit-salt',
        },
      });
      const m = loadLocalStackModel(other.template, other.assemblyDir);
      expect(m.buses.map((b) => b.name)).toEqual(['other-bus', 'aws.partner/stripe.com/ed_test']);
      expect(byName(m.functions, 'click-api').environment.CLICK_IP_SALT).toBe('explicit-salt');
      expect(m.jwtAuthorizer?.issuer).toBe('https://issuer.test/');
      const signup = [...taskStates(byName(m.workflows, 'signup').definition).values()];
      expect(new Set(valuesOf(signup, 'EventBusName'))).toEqual(new Set(['other-bus']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what the local stack cannot run is an error naming the resource', () => {
  const load = (doctor: (t: CfnTemplate) => void) => () => {
    const t = clone(synth.template);
    doctor(t);
    return loadLocalStackModel(t, synth.assemblyDir);
  };

  test('a resource type the local stack neither runs nor ignores', () => {
    expect(
      load((t) => {
        t.Resources.Topic = {
          Type: 'AWS::SNS::Topic',
          Metadata: { 'aws:cdk:path': 'PartnerReferrals/Alerts/Resource' },
        };
      }),
    ).toThrow('Topic (PartnerReferrals/Alerts/Resource) has type AWS::SNS::Topic');
  });

  test('a workflow or function whose construct is not a known name', () => {
    expect(
      load((t) => {
        const sm = t.Resources[logicalIdAt(t, 'PartnerReferrals/PaymentWorkflow/StateMachine/Resource')];
        if (sm?.Metadata)
          sm.Metadata['aws:cdk:path'] = 'PartnerReferrals/RefundsWorkflow/StateMachine/Resource';
      }),
    ).toThrow("is workflow 'refunds', which is not in WORKFLOW_NAMES");
    expect(
      load((t) => {
        const fn = t.Resources[logicalIdAt(t, 'PartnerReferrals/ReferralCompute/Resource')];
        if (fn?.Metadata) fn.Metadata['aws:cdk:path'] = 'PartnerReferrals/RefundCompute/Resource';
      }),
    ).toThrow("is 'refund-compute', which is not in FUNCTION_NAMES");
  });

  test('an environment value pointing at something without a local name', () => {
    expect(
      load((t) => {
        const fn = t.Resources[logicalIdAt(t, 'PartnerReferrals/ReferralCompute/Resource')];
        const vars = (fn?.Properties?.Environment as { Variables: object }).Variables as Record<
          string,
          unknown
        >;
        vars.LOG_GROUP = {
          'Fn::GetAtt': [logicalIdAt(t, 'PartnerReferrals/ReferralComputeLogs/Resource'), 'Arn'],
        };
      }),
    ).toThrow(
      /ReferralCompute[0-9A-F]{8} \(PartnerReferrals\/ReferralCompute\/Resource\) Properties\.Environment\.Variables\.LOG_GROUP.*ReferralComputeLogs[0-9A-F]{8} .*has no local name/,
    );
  });

  test('a template synthesized without path metadata', () => {
    expect(
      load((t) => {
        for (const r of Object.values(t.Resources)) delete r.Metadata;
      }),
    ).toThrow("no aws:cdk:path metadata: synthesize with 'aws:cdk:enable-path-metadata'");
  });
});

describe('resolve: intrinsics on hand-made snippets', () => {
  const ctx: ResolveContext = {
    pseudoParameters: { 'AWS::Region': 'us-east-1', 'AWS::AccountId': '000000000000' },
    ref: (id) => {
      if (id === 'Table') return 'PartnerStats';
      throw new Error(`no resource ${id}`);
    },
    getAtt: (id, attribute) => `${id}#${attribute}`,
  };
  const resolve = (value: unknown) => resolveValue(value, ctx, 'Res Properties.X');

  test('Ref of a resource and of a pseudo parameter', () => {
    expect(resolve({ Ref: 'Table' })).toBe('PartnerStats');
    expect(resolve({ Ref: 'AWS::Region' })).toBe('us-east-1');
  });

  test('Fn::GetAtt in both forms', () => {
    expect(resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] })).toBe('Fn#Arn');
    expect(resolve({ 'Fn::GetAtt': 'Fn.Arn' })).toBe('Fn#Arn');
  });

  test('Fn::Sub with pseudo parameters, Ref, GetAtt, a literal and variables', () => {
    expect(
      resolve({ 'Fn::Sub': 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Table}/${Fn.Arn}/${!Keep}' }),
    ).toBe('arn:aws:sqs:us-east-1:000000000000:PartnerStats/Fn#Arn/${Keep}');
    expect(resolve({ 'Fn::Sub': ['${A}-${Table}', { A: { Ref: 'AWS::Region' } }] })).toBe(
      'us-east-1-PartnerStats',
    );
  });

  test('Fn::Join, Fn::Select, Fn::Split, nested in objects and lists', () => {
    expect(resolve({ 'Fn::Join': ['', ['integrations/', { Ref: 'Table' }]] })).toBe(
      'integrations/PartnerStats',
    );
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] })).toBe('b');
    expect(resolve({ list: [{ Ref: 'Table' }, 1], nested: { v: { 'Fn::GetAtt': ['Q', 'Url'] } } })).toEqual({
      list: ['PartnerStats', 1],
      nested: { v: 'Q#Url' },
    });
  });

  test('unknown resources, pseudo parameters and functions are errors that say where', () => {
    expect(() => resolve({ Ref: 'Nope' })).toThrow('Cannot resolve Res Properties.X.Ref: no resource Nope');
    expect(() => resolve({ 'Fn::Sub': 'x-${Nope}' })).toThrow(
      'Res Properties.X.Fn::Sub ${Nope}: no resource Nope',
    );
    expect(() => resolve({ Ref: 'AWS::StackName' })).toThrow(
      'pseudo parameter AWS::StackName has no local value',
    );
    expect(() => resolve({ 'Fn::If': ['C', 'a', 'b'] })).toThrow(
      'Fn::If is not supported by the local stack',
    );
    expect(() => resolve({ 'Fn::Select': [5, ['a']] })).toThrow('index 5 is not in the list');
  });

  test('dynamic references resolve after the intrinsics, and only with a handler', () => {
    const secret = {
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: 'Table' }, ':SecretString:::}}']],
    };
    expect(() => resolve(secret)).toThrow(
      'dynamic reference {{resolve:secretsmanager:PartnerStats:SecretString:::}}',
    );
    const withSecrets: ResolveContext = { ...ctx, dynamicReference: (service, ref) => `${service}|${ref}` };
    expect(resolveValue(secret, withSecrets, 'X')).toBe('secretsmanager|PartnerStats:SecretString:::');
  });
});
