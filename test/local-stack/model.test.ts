import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadRuntimeConfig, WORKFLOW_NAMES } from '../../domain/config';
import { FUNCTION_NAMES, WORKFLOWS, aslPathOf, substitutionsFor } from '../../infra/workflow-manifest';
import { localFunctionArn, localNames, localStateMachineArn } from '../../local/aws-names';
import { loadAsl, taskStates } from '../../local/definition';
import { loadLocalStackModel, type LocalStackModel } from '../../local/stack/model';
import { resolveValue, type ResolveContext } from '../../local/stack/resolve';
import { synthesizeLocalTemplate, type LocalTemplate } from '../../local/stack/synthesize';
import type { CfnTemplate } from '../../local/stack/template';
import { LocalWorkflowRuntime } from '../../local/workflow-runtime';

const TABLES = ['PartnerReferrals', 'PartnerStats', 'ReferralEvents'];
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
  test('the three tables with their keys, billing and TTL', () => {
    expect(model.tables.map((t) => t.tableName)).toEqual(TABLES);
    const [referrals, stats, clicks] = model.tables;
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
    expect(model.tables.map((t) => t.timeToLiveAttribute)).toEqual(['expiresAt', undefined, 'expiresAt']);
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

describe('workflows: the ASL assets with their substitutions resolved', () => {
  test('seven workflows, named from the construct path, typed as the manifest says', () => {
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
    expect(valuesOf(payment, 'FunctionName')).toEqual([localFunctionArn('payment-compute')]);
    expect(valuesOf(payment, 'StateMachineArn')).toContain(localStateMachineArn('cancellation'));
  });

  test('each definition equals the ASL file with the manifest substitutions and local names', () => {
    for (const spec of WORKFLOWS) {
      const expected = loadAsl(aslPathOf(spec.name), substitutionsFor(spec, localNames));
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
        APP_BUS_NAME: APP_BUS,
      });
      expect(() => loadRuntimeConfig(fn.environment)).not.toThrow();
    }
  });

  test('state machine ARNs, the Stripe source and the click salt', () => {
    const env = (name: string) => byName(model.functions, name).environment;
    expect(env('stripe-ingest')).toMatchObject({
      PAYMENT_STATE_MACHINE_ARN: localStateMachineArn('payment'),
      CANCELLATION_STATE_MACHINE_ARN: localStateMachineArn('cancellation'),
      STRIPE_EVENT_SOURCE: STRIPE_BUS,
    });
    expect(env('app-ingest')).toMatchObject({
      SIGNUP_STATE_MACHINE_ARN: localStateMachineArn('signup'),
      VERIFY_STATE_MACHINE_ARN: localStateMachineArn('verify'),
    });
    expect(env('click-api')).toMatchObject({
      CLICK_STATE_MACHINE_ARN: localStateMachineArn('click'),
      CLICK_IP_SALT: 'local-click-salt',
      LANDING_URL: 'https://example.com/',
    });
    expect(env('admin-api')).toMatchObject({
      REGISTRATION_STATE_MACHINE_ARN: localStateMachineArn('registration'),
      JWT_ISSUER: 'https://auth.example.com/',
    });
  });

  test('the ingest functions fail to their on-failure queues after 2 retries; the others have none', () => {
    const async = model.functions.filter((f) => f.onFailureQueue !== undefined);
    expect(async.map((f) => [f.name, f.onFailureQueue, f.maximumRetryAttempts])).toEqual([
      ['stripe-ingest', 'StripeIngestFailures', 2],
      ['app-ingest', 'AppIngestFailures', 2],
    ]);
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
    ]);
    expect(byName(model.queues, 'EventTargetDlq')).toMatchObject({
      arn: 'arn:aws:sqs:us-east-1:000000000000:EventTargetDlq',
      url: 'http://localhost/000000000000/EventTargetDlq',
    });
  });

  test('rules with their buses, patterns and targets; the nightly schedule', () => {
    const target = { id: 'Target0', deadLetterQueue: 'EventTargetDlq' };
    expect(model.rules).toEqual([
      expect.objectContaining({
        name: 'StripeEventsRule',
        busName: STRIPE_BUS,
        enabled: true,
        eventPattern: {
          source: [{ prefix: 'aws.partner/stripe.com' }],
          'detail-type': ['invoice.paid', 'checkout.session.completed', 'customer.subscription.deleted'],
        },
        targets: [expect.objectContaining({ ...target, kind: 'function', name: 'stripe-ingest' })],
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
          source: [{ 'anything-but': ['partner-referrals.app', 'partner-referrals.workflows'] }],
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
  test('four routes with their functions and authorization, the admin ones with the admin scope', () => {
    expect(model.routes).toEqual([
      {
        routeKey: 'GET /partners/{partnerId}/dashboard',
        functionName: 'dashboard-api',
        authorizationType: 'JWT',
        authorizationScopes: [],
        payloadFormatVersion: '2.0',
      },
      {
        routeKey: 'GET /admin/partners/{partnerId}/dashboard',
        functionName: 'dashboard-api',
        authorizationType: 'JWT',
        authorizationScopes: ['partner-referrals/admin'],
        payloadFormatVersion: '2.0',
      },
      {
        routeKey: 'POST /admin/partners',
        functionName: 'admin-api',
        authorizationType: 'JWT',
        authorizationScopes: ['partner-referrals/admin'],
        payloadFormatVersion: '2.0',
      },
      {
        routeKey: 'GET /r/{partnerId}',
        functionName: 'click-api',
        authorizationType: 'NONE',
        authorizationScopes: [],
        payloadFormatVersion: '2.0',
      },
    ]);
  });

  test('the JWT authorizer and the stage throttling', () => {
    expect(model.jwtAuthorizer).toEqual({
      issuer: 'https://auth.example.com/',
      audience: ['partner-referrals'],
      identitySource: ['$request.header.Authorization'],
    });
    expect(model.stage).toEqual({ throttlingRateLimit: 100, throttlingBurstLimit: 200 });
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
        const sm = t.Resources.PaymentWorkflowStateMachine19CA364F;
        if (sm?.Metadata)
          sm.Metadata['aws:cdk:path'] = 'PartnerReferrals/RefundWorkflow/StateMachine/Resource';
      }),
    ).toThrow("is workflow 'refund', which is not in WORKFLOW_NAMES");
    expect(
      load((t) => {
        const fn = t.Resources.PaymentCompute1ED04CFA;
        if (fn?.Metadata) fn.Metadata['aws:cdk:path'] = 'PartnerReferrals/RefundCompute/Resource';
      }),
    ).toThrow("is 'refund-compute', which is not in FUNCTION_NAMES");
  });

  test('an environment value pointing at something without a local name', () => {
    expect(
      load((t) => {
        const vars = (t.Resources.PaymentCompute1ED04CFA?.Properties?.Environment as { Variables: object })
          .Variables as Record<string, unknown>;
        vars.LOG_GROUP = { 'Fn::GetAtt': ['PaymentComputeLogsDFDCAC46', 'Arn'] };
      }),
    ).toThrow(
      /PaymentCompute1ED04CFA \(PartnerReferrals\/PaymentCompute\/Resource\) Properties\.Environment\.Variables\.LOG_GROUP.*PaymentComputeLogsDFDCAC46 .*has no local name/,
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
