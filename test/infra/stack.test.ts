import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import {
  APP_EVENT_SOURCE,
  DEFAULT_APP_BUS_NAME,
  DEFAULT_PRICE_MAP,
  INDEX_NAMES,
  STRIPE_SOURCE_PREFIX,
  WORKFLOW_NAMES,
  stateMachineArnEnv,
  type WorkflowName,
} from '../../domain/config';
import { READ_ACTIONS, WRITE_ACTIONS } from '../../infra/constructs/tables';
import { ADMIN_PATH_PREFIX, ROUTES } from '../../domain/routes';
import { ADMIN_SCOPE, ReferralsHttpApi } from '../../infra/constructs/http-api';
import {
  APP_DETAIL_TYPES,
  STATS_PENDING_DETAIL_TYPE,
  STRIPE_DETAIL_TYPES,
  WORKFLOW_EVENT_SOURCE,
} from '../../infra/partner-referrals-stack';
import { PLACEHOLDER_STRIPE_EVENT_SOURCE } from '../../infra/settings';
import { REFERRALS_TABLE, STATS_TABLE, TABLE_SPECS, type TableSpec } from '../../infra/table-specs';
import {
  FUNCTION_NAMES,
  WORKFLOWS,
  substitutionsFor,
  type FunctionName,
  type WorkflowSpec,
} from '../../infra/workflow-manifest';
import { grantsOfRole, resourcesFor, servicesOf, type Grant } from './iam';
import { onlyResource, resourcesOf, synth, type Synth } from './synth';

let s: Synth;
const id = (construct: IConstruct): string => s.stack.getLogicalId(construct.node.defaultChild as CfnElement);
const tableId = (spec: TableSpec): string => id(s.stack.tables.get(spec) as IConstruct);
const fnId = (fn: FunctionName): string => id(s.stack.functions[fn]);
const smId = (wf: WorkflowName): string => id(s.stack.workflows[wf].stateMachine);
const props = (logicalId: string): Record<string, unknown> =>
  (s.template.toJSON().Resources[logicalId] as { Properties: Record<string, unknown> }).Properties;

beforeAll(() => {
  // Real esbuild bundling of all seven functions, once for this file.
  s = synth();
});

describe('tables', () => {
  test.each(TABLE_SPECS.map((spec) => [spec.id, spec] as const))('%s matches its spec', (_name, spec) => {
    const p = props(tableId(spec));
    const keySchema = [
      { AttributeName: spec.partitionKey.name, KeyType: 'HASH' },
      ...(spec.sortKey ? [{ AttributeName: spec.sortKey.name, KeyType: 'RANGE' }] : []),
    ];
    expect(p.KeySchema).toEqual(keySchema);
    const keys = [
      spec.partitionKey,
      spec.sortKey,
      ...spec.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
    ];
    const attributes = new Map(keys.filter((k) => k !== undefined).map((k) => [k.name, k.type]));
    expect(p.AttributeDefinitions).toEqual(
      expect.arrayContaining(
        [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
      ),
    );
    expect((p.AttributeDefinitions as unknown[]).length).toBe(attributes.size);
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.SSESpecification).toEqual({ SSEEnabled: true });
    expect(p.TableName).toBeUndefined(); // CloudFormation names the tables unless fixedTableNames
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: spec.critical });
    expect(p.DeletionProtectionEnabled).toBe(spec.critical);
    expect(s.template.toJSON().Resources[tableId(spec)].DeletionPolicy).toBe(
      spec.critical ? 'Retain' : 'Delete',
    );
    if (spec.timeToLiveAttribute) {
      expect(p.TimeToLiveSpecification).toEqual({ AttributeName: spec.timeToLiveAttribute, Enabled: true });
    } else {
      expect(p.TimeToLiveSpecification).toBeUndefined();
    }
    const gsis = (p.GlobalSecondaryIndexes as Record<string, unknown>[] | undefined) ?? [];
    expect(gsis).toEqual(
      spec.globalSecondaryIndexes.map((i) => ({
        IndexName: i.indexName,
        KeySchema: [
          { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
          ...(i.sortKey ? [{ AttributeName: i.sortKey.name, KeyType: 'RANGE' }] : []),
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });

  test('exactly the specified tables exist', () => {
    expect(Object.keys(resourcesOf(s.template, 'AWS::DynamoDB::Table')).sort()).toEqual(
      TABLE_SPECS.map(tableId).sort(),
    );
  });
});

describe('state machines', () => {
  const dummyNames = {
    tableName: (t: TableSpec) => t.tableName,
    functionArn: (fn: FunctionName) => fn,
    stateMachineArn: (wf: WorkflowName) => wf,
    appBusName: 'bus',
  };

  test('one state machine per manifest entry, and the manifest covers every workflow', () => {
    expect(WORKFLOWS.map((w) => w.name).sort()).toEqual([...WORKFLOW_NAMES].sort());
    expect(Object.keys(resourcesOf(s.template, 'AWS::StepFunctions::StateMachine')).sort()).toEqual(
      WORKFLOWS.map((w) => smId(w.name)).sort(),
    );
  });

  test.each(WORKFLOWS.map((w) => [w.name, w] as const))(
    '%s: type, logging, tracing, ASL asset',
    (_n, spec) => {
      const p = props(smId(spec.name));
      expect(p.StateMachineType).toBe(spec.type);
      expect(p.TracingConfiguration).toEqual({ Enabled: true });
      const logging = p.LoggingConfiguration as Record<string, unknown>;
      expect(logging.Level).toBe('ALL');
      expect(logging.IncludeExecutionData).toBe(true);
      const logGroupArn = (logging.Destinations as { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[])[0]
        ?.CloudWatchLogsLogGroup.LogGroupArn;
      expect(logGroupArn).toEqual({ 'Fn::GetAtt': [id(s.stack.workflows[spec.name].logGroup), 'Arn'] });
      // DefinitionBody.fromFile stages the ASL as an asset.
      expect(p.DefinitionS3Location).toBeDefined();
      expect(p.DefinitionString).toBeUndefined();
    },
  );

  test.each(WORKFLOWS.map((w) => [w.name, w] as const))(
    '%s: DefinitionSubstitutions are exactly the manifest keys, bound to the right resources',
    (_n, spec) => {
      const subs = props(smId(spec.name)).DefinitionSubstitutions as Record<string, unknown> | undefined;
      const expected = substitutionsFor(spec, {
        tableName: (t) => ({ Ref: tableId(t) }) as unknown as string,
        functionArn: (fn) => ({ 'Fn::GetAtt': [fnId(fn), 'Arn'] }) as unknown as string,
        stateMachineArn: (wf) => ({ Ref: smId(wf) }) as unknown as string,
        appBusName: { Ref: id(s.stack.appBus) } as unknown as string,
      });
      expect(Object.keys(subs ?? {}).sort()).toEqual(Object.keys(substitutionsFor(spec, dummyNames)).sort());
      expect(subs ?? {}).toEqual(expected);
    },
  );
});

describe('state machine IAM: only what the manifest lists', () => {
  const roleGrants = (spec: WorkflowSpec): Grant[] =>
    grantsOfRole(s.template, id(s.stack.workflows[spec.name].role));

  test.each(WORKFLOWS.map((w) => [w.name, w] as const))('%s', (_n, spec) => {
    const grants = roleGrants(spec);
    const services = servicesOf(grants);
    const allowed = ['logs', 'xray'];
    if (spec.tables.length) allowed.push('dynamodb');
    if (spec.invokes.length) allowed.push('lambda');
    if (spec.starts.length) allowed.push('states');
    if (spec.putsEvents) allowed.push('events');
    expect(services).toEqual(allowed.sort());

    // Wildcard resources only for log delivery and X-Ray, which have no resource-level permissions.
    for (const g of grants) {
      if (g.resources.includes('*')) {
        expect(g.actions.every((a) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
      }
      if (g.actions.some((a) => a.startsWith('logs:') || a.startsWith('xray:'))) {
        expect(g.actions.every((a) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
      }
    }

    // DynamoDB: reads on the listed tables and their indexes, writes only on the readWrite ones.
    const tableArn = (t: TableSpec): string => `${tableId(t)}.Arn`;
    const readable = spec.tables.flatMap(({ table }) => [
      tableArn(table),
      ...table.globalSecondaryIndexes.map((i) => `${tableArn(table)}/index/${i.indexName}`),
    ]);
    const writable = spec.tables.filter((t) => t.access === 'readWrite').map(({ table }) => tableArn(table));
    for (const action of READ_ACTIONS) expect(resourcesFor(grants, action)).toEqual([...readable].sort());
    for (const action of WRITE_ACTIONS) expect(resourcesFor(grants, action)).toEqual([...writable].sort());
    const dynamoActions = new Set(grants.flatMap((g) => g.actions).filter((a) => a.startsWith('dynamodb:')));
    for (const a of dynamoActions) expect([...READ_ACTIONS, ...WRITE_ACTIONS]).toContain(a);

    expect(resourcesFor(grants, 'lambda:InvokeFunction')).toEqual(
      spec.invokes.map((fn) => `${fnId(fn)}.Arn`).sort(),
    );
    expect(resourcesFor(grants, 'states:StartExecution')).toEqual(spec.starts.map(smId).sort());
    const statesActions = new Set(grants.flatMap((g) => g.actions).filter((a) => a.startsWith('states:')));
    expect([...statesActions]).toEqual(spec.starts.length ? ['states:StartExecution'] : []);
    expect(resourcesFor(grants, 'events:PutEvents')).toEqual(
      spec.putsEvents ? [`${id(s.stack.appBus)}.Arn`] : [],
    );
  });
});

describe('functions', () => {
  test.each([...FUNCTION_NAMES])('%s: runtime, architecture, tracing, logs, bundling', (fn) => {
    const p = props(fnId(fn));
    expect(p.Runtime).toBe('nodejs24.x');
    expect(p.Architectures).toEqual(['arm64']);
    expect(p.TracingConfig).toEqual({ Mode: 'Active' });
    expect(p.Handler).toBe('index.handler');
    expect(p.MemorySize).toEqual(expect.any(Number));
    expect(p.Timeout).toEqual(expect.any(Number));
    const logGroup = (p.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(props(logGroup).RetentionInDays).toBe(30);
    const role = (p.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(props(role).ManagedPolicyArns).toBeUndefined(); // no AWSLambdaBasicExecutionRole
    const grants = grantsOfRole(s.template, role);
    expect(resourcesFor(grants, 'logs:PutLogEvents')).toEqual([`${logGroup}.Arn`]);
    for (const g of grants.filter((g) => g.resources.includes('*'))) {
      expect(g.actions.every((a) => a.startsWith('xray:'))).toBe(true);
    }
  });

  test.each([...FUNCTION_NAMES])('%s: environment', (fn) => {
    const env = (props(fnId(fn)).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.REFERRALS_TABLE).toEqual({ Ref: tableId(REFERRALS_TABLE) });
    expect(env.STATS_TABLE).toEqual({ Ref: tableId(STATS_TABLE) });
    expect(env.CLICKS_TABLE).toEqual({ Ref: tableId(TABLE_SPECS[2] as TableSpec) });
    expect(env.APP_BUS_NAME).toEqual({ Ref: id(s.stack.appBus) });
    expect(JSON.parse(env.STRIPE_PRICE_MAP as string)).toEqual(DEFAULT_PRICE_MAP);
    const starts: Partial<Record<FunctionName, WorkflowName[]>> = {
      'stripe-ingest': ['payment', 'cancellation'],
      'app-ingest': ['signup', 'verify'],
      'click-api': ['click'],
      'admin-api': ['registration'],
    };
    const arnVars = Object.keys(env).filter((k) => k.endsWith('_STATE_MACHINE_ARN'));
    expect(arnVars.sort()).toEqual((starts[fn] ?? []).map(stateMachineArnEnv).sort());
    for (const wf of starts[fn] ?? []) expect(env[stateMachineArnEnv(wf)]).toEqual({ Ref: smId(wf) });
    if (fn === 'click-api') {
      expect(env.CLICK_IP_SALT).toEqual(
        expect.objectContaining({ 'Fn::Join': ['', expect.arrayContaining(['{{resolve:secretsmanager:'])] }),
      );
      expect(env.LANDING_URL).toEqual(expect.any(String));
    } else {
      expect(env.CLICK_IP_SALT).toBeUndefined();
    }
  });

  test('function grants: ingest and APIs start only their workflows; dashboard reads stats and one index', () => {
    const grants = (fn: FunctionName): Grant[] =>
      grantsOfRole(s.template, id(s.stack.functions[fn].functionRole));
    const expectStarts = (fn: FunctionName, action: string, wfs: WorkflowName[]): void => {
      expect(resourcesFor(grants(fn), action)).toEqual(wfs.map(smId).sort());
      const states = grants(fn).flatMap((g) => g.actions.filter((a) => a.startsWith('states:')));
      expect([...new Set(states)]).toEqual(wfs.length ? [action] : []);
    };
    expectStarts('stripe-ingest', 'states:StartExecution', ['payment', 'cancellation']);
    expectStarts('app-ingest', 'states:StartExecution', ['signup', 'verify']);
    expectStarts('click-api', 'states:StartSyncExecution', ['click']);
    expectStarts('admin-api', 'states:StartSyncExecution', ['registration']);
    for (const fn of ['payment-compute', 'reconciliation-compute', 'dashboard-api'] as const) {
      expectStarts(fn, 'states:StartExecution', []);
    }

    const dashboard = grants('dashboard-api');
    expect(servicesOf(dashboard)).toEqual(['dynamodb', 'logs', 'xray']);
    const stats = `${tableId(STATS_TABLE)}.Arn`;
    const paidIndex = `${tableId(REFERRALS_TABLE)}.Arn/index/${INDEX_NAMES.paidByPartner}`;
    expect(resourcesFor(dashboard, 'dynamodb:GetItem')).toEqual([stats]);
    expect(resourcesFor(dashboard, 'dynamodb:Query')).toEqual([stats, paidIndex].sort());
    for (const action of WRITE_ACTIONS) expect(resourcesFor(dashboard, action)).toEqual([]);

    for (const fn of FUNCTION_NAMES.filter((f) => f !== 'dashboard-api')) {
      expect(servicesOf(grants(fn))).not.toContain('dynamodb');
    }
    expect(servicesOf(grants('payment-compute'))).toEqual(['logs', 'xray']);
    expect(servicesOf(grants('reconciliation-compute'))).toEqual(['logs', 'xray']);
  });

  test('ingest functions: on-failure SQS destination with 2 retries', () => {
    const queueArn = (q: keyof Synth['stack']['queues']): unknown => ({
      'Fn::GetAtt': [id(s.stack.queues[q].queue), 'Arn'],
    });
    for (const [fn, queue] of [
      ['stripe-ingest', 'stripeIngestFailures'],
      ['app-ingest', 'appIngestFailures'],
    ] as const) {
      s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fnId(fn) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: queueArn(queue) } },
      });
    }
    expect(Object.keys(resourcesOf(s.template, 'AWS::Lambda::EventInvokeConfig'))).toHaveLength(2);
  });
});

describe('event routing', () => {
  const dlqArn = (): unknown => ({ 'Fn::GetAtt': [id(s.stack.queues.eventTargetDlq.queue), 'Arn'] });
  const target = (arn: unknown, extra: Record<string, unknown> = {}): unknown =>
    Match.objectLike({
      Arn: arn,
      DeadLetterConfig: { Arn: dlqArn() },
      RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: Match.anyValue() },
      ...extra,
    });

  test('the Stripe partner bus is named by its event source', () => {
    s.template.hasResourceProperties('AWS::Events::EventBus', {
      EventSourceName: PLACEHOLDER_STRIPE_EVENT_SOURCE,
      Name: PLACEHOLDER_STRIPE_EVENT_SOURCE,
    });
    s.template.hasResourceProperties('AWS::Events::EventBus', { Name: DEFAULT_APP_BUS_NAME });
  });

  test('Stripe events go to stripe-ingest with a DLQ', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(s.stack.stripeBus) },
      EventPattern: { source: [{ prefix: STRIPE_SOURCE_PREFIX }], 'detail-type': STRIPE_DETAIL_TYPES },
      Targets: [target({ 'Fn::GetAtt': [fnId('stripe-ingest'), 'Arn'] })],
    });
  });

  test('app events go to app-ingest with a DLQ', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(s.stack.appBus) },
      EventPattern: { source: [APP_EVENT_SOURCE], 'detail-type': APP_DETAIL_TYPES },
      Targets: [target({ 'Fn::GetAtt': [fnId('app-ingest'), 'Arn'] })],
    });
  });

  test('stats-pending notices are kept in a queue', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(s.stack.appBus) },
      EventPattern: { source: [WORKFLOW_EVENT_SOURCE], 'detail-type': [STATS_PENDING_DETAIL_TYPE] },
      Targets: [target({ 'Fn::GetAtt': [id(s.stack.queues.statsPendingNotices.queue), 'Arn'] })],
    });
  });

  test('nightly reconciliation at 03:00 UTC with input {}', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Targets: [target({ Ref: smId('reconciliation') }, { Input: '{}' })],
    });
  });

  test('every rule target has a dead-letter queue and a retry policy', () => {
    const rules = resourcesOf(s.template, 'AWS::Events::Rule');
    expect(Object.keys(rules)).toHaveLength(6);
    for (const rule of Object.values(rules)) {
      for (const t of (rule.Properties as { Targets: Record<string, unknown>[] }).Targets) {
        expect(t.DeadLetterConfig).toEqual({ Arn: dlqArn() });
        expect(t.RetryPolicy).toBeDefined();
      }
    }
  });

  test('every queue is encrypted and TLS-only, and alarms when not empty', () => {
    const queues = resourcesOf(s.template, 'AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(5);
    for (const [queueId, q] of Object.entries(queues)) {
      expect(q.Properties?.SqsManagedSseEnabled).toBe(true);
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Threshold: 1,
      });
    }
  });

  test('failed payment executions raise an alarm', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: smId('payment') } }],
    });
  });
});

describe('HTTP API', () => {
  const templateRoutes = () =>
    Object.values(resourcesOf(s.template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties ?? {});

  test('routes and authorizers', () => {
    const byKey = new Map(templateRoutes().map((r) => [r.RouteKey as string, r]));
    expect([...byKey.keys()].sort()).toEqual(
      [
        `GET ${ROUTES.dashboard}`,
        `GET ${ROUTES.adminDashboard}`,
        `POST ${ROUTES.adminPartners}`,
        `GET ${ROUTES.click}`,
      ].sort(),
    );
    expect(byKey.get(`GET ${ROUTES.dashboard}`)).toMatchObject({ AuthorizationType: 'JWT' });
    expect(byKey.get(`GET ${ROUTES.dashboard}`)?.AuthorizationScopes).toBeUndefined();
    for (const adminKey of [`GET ${ROUTES.adminDashboard}`, `POST ${ROUTES.adminPartners}`]) {
      expect(byKey.get(adminKey)).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizationScopes: [ADMIN_SCOPE],
      });
    }
    expect(byKey.get(`GET ${ROUTES.click}`)).toMatchObject({ AuthorizationType: 'NONE' });
    // One authorizer serves every JWT route.
    const authorizerIds = new Set(
      templateRoutes()
        .filter((r) => r.AuthorizationType === 'JWT')
        .map((r) => JSON.stringify(r.AuthorizerId)),
    );
    expect(authorizerIds.size).toBe(1);
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://auth.example.com/', Audience: ['partner-referrals'] },
    });
  });

  test('every route under /admin/ requires a JWT with the admin scope', () => {
    const admin = templateRoutes().filter((r) =>
      String(r.RouteKey).split(' ')[1]?.startsWith(ADMIN_PATH_PREFIX),
    );

    expect(admin.length).toBeGreaterThanOrEqual(2);
    for (const route of admin) {
      expect({ route: route.RouteKey, type: route.AuthorizationType }).toEqual({
        route: route.RouteKey,
        type: 'JWT',
      });
      expect({ route: route.RouteKey, scopes: route.AuthorizationScopes }).toEqual({
        route: route.RouteKey,
        scopes: expect.arrayContaining([ADMIN_SCOPE]),
      });
    }
    // Nothing outside /admin/ asks for the admin scope: it is the prefix that marks admin routes.
    const others = templateRoutes().filter((r) => !admin.includes(r));
    expect(others.flatMap((r) => (r.AuthorizationScopes as string[] | undefined) ?? [])).not.toContain(
      ADMIN_SCOPE,
    );
  });

  test("the admin dashboard is the partner dashboard's integration, invocable from both routes", () => {
    const byKey = new Map(templateRoutes().map((r) => [r.RouteKey as string, r]));

    expect(byKey.get(`GET ${ROUTES.adminDashboard}`)?.Target).toEqual(
      byKey.get(`GET ${ROUTES.dashboard}`)?.Target,
    );
    const sourceArns = Object.values(resourcesOf(s.template, 'AWS::Lambda::Permission'))
      .filter((p) => JSON.stringify(p.Properties?.FunctionName).includes(fnId('dashboard-api')))
      .map((p) => JSON.stringify(p.Properties?.SourceArn));
    expect(sourceArns).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`/*/*${ROUTES.dashboard}`),
        expect.stringContaining(`/*/*${ROUTES.adminDashboard}`),
      ]),
    );
  });

  describe('the construct ties /admin/ to the admin scope', () => {
    const standalone = () => {
      const stack = new Stack(new App(), 'RoutesOnly');
      const fn = (name: string) =>
        new lambda.Function(stack, name, {
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => ({})'),
        });
      const api = new ReferralsHttpApi(stack, 'Api', {
        jwtIssuer: 'https://auth.example.com/',
        jwtAudience: 'partner-referrals',
        dashboard: fn('Dashboard'),
        admin: fn('Admin'),
        click: fn('Click'),
        logRetention: logs.RetentionDays.ONE_WEEK,
      });
      return { stack, api, integration: new HttpLambdaIntegration('Extra', fn('Extra')) };
    };

    test('an admin path added as a partner or public route, or a partner path as admin, is refused', () => {
      const { api, integration } = standalone();
      const options = (path: string) => ({ path, methods: [apigw.HttpMethod.GET], integration });

      expect(() => api.addRoutesFor('partner', options('/admin/reports'))).toThrow(
        '/admin/reports is under /admin/: add it as an admin route',
      );
      expect(() => api.addRoutesFor('public', options('/admin/reports'))).toThrow('add it as an admin route');
      expect(() => api.addRoutesFor('admin', options('/reports'))).toThrow('/reports is not under /admin/');
    });

    test('an admin route added with the admin helper carries the scope', () => {
      const { stack, api, integration } = standalone();

      api.addRoutesFor('admin', { path: '/admin/reports', methods: [apigw.HttpMethod.GET], integration });

      const route = Object.values(
        Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route', {
          Properties: { RouteKey: 'GET /admin/reports' },
        }),
      )[0] as { Properties: Record<string, unknown> };
      expect(route.Properties).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizationScopes: [ADMIN_SCOPE],
      });
    });

    test('a route under /admin/ added around the helper fails synthesis', () => {
      const { stack, api, integration } = standalone();

      api.api.addRoutes({ path: '/admin/export', methods: [apigw.HttpMethod.GET], integration });

      expect(() => Template.fromStack(stack)).toThrow(
        `GET /admin/export is under /admin/ but does not require the ${ADMIN_SCOPE} scope`,
      );
    });
  });

  test('each route integrates its function', () => {
    const integrations = Object.values(resourcesOf(s.template, 'AWS::ApiGatewayV2::Integration'));
    const uris = integrations.map((i) => JSON.stringify(i.Properties?.IntegrationUri));
    for (const fn of ['dashboard-api', 'admin-api', 'click-api'] as const) {
      expect(uris.filter((u) => u.includes(fnId(fn)))).toHaveLength(1);
    }
  });

  test('the $default stage is throttled and writes JSON access logs without client IPs', () => {
    const { props: stage } = onlyResource(s.template, 'AWS::ApiGatewayV2::Stage', 'HttpApi');
    expect(stage.StageName).toBe('$default');
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    const access = stage.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(access.DestinationArn).toEqual({ 'Fn::GetAtt': [id(s.stack.api.accessLogs), 'Arn'] });
    expect(JSON.parse(access.Format)).toMatchObject({ requestId: '$context.requestId' });
    expect(access.Format).not.toContain('sourceIp');
  });
});

describe('outputs', () => {
  test('names, ARNs, URL and queues are exported', () => {
    const outputs = Object.keys(s.template.toJSON().Outputs as Record<string, unknown>);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ReferralsTableName',
        'StatsTableName',
        'ClicksTableName',
        'AppBusName',
        'StripeBusName',
        'ApiUrl',
        'EventTargetDlqUrl',
        'StripeIngestFailuresUrl',
        'AppIngestFailuresUrl',
        'StatsPendingNoticesUrl',
        ...WORKFLOWS.map((w) => `${w.name.charAt(0).toUpperCase()}${w.name.slice(1)}StateMachineArn`),
      ]),
    );
  });
});

describe('cdk-nag', () => {
  test.each([
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['Serverless', () => new ServerlessChecks()],
  ] as const)('%s: no unacknowledged errors or warnings', (_pack, make) => {
    const report = make().validateScope(s.app);
    const findings = report.violations.map(
      (v) =>
        `${v.ruleName}: ${v.violatingResources.map((r) => (r as { constructPath?: string }).constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  test('every acknowledgement carries a specific reason', () => {
    const acks: [string, string][] = [];
    const walk = (c: IConstruct): void => {
      for (const m of c.node.metadata) {
        if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          for (const [rule, reason] of Object.entries(m.data as Record<string, string>))
            acks.push([rule, reason]);
        }
      }
      c.node.children.forEach(walk);
    };
    walk(s.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const [rule, reason] of acks) {
      expect(rule).toMatch(/AwsSolutions-|Serverless-/);
      expect(reason.length).toBeGreaterThan(60);
    }
    // Acknowledged rules are the expected ones only; anything new needs a deliberate decision here.
    const rules = [...new Set(acks.map(([r]) => r.replace(/^annotation::/i, '')))].sort();
    expect(rules).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-DDB3',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-SMG4',
        'AwsSolutions-SQS3',
        'Serverless-LambdaDLQ',
        'Serverless-SQSRedrivePolicy',
      ].sort(),
    );
  });
});
