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
  DEFAULT_HOLD_PERIOD_DAYS,
  DEFAULT_PRICE_MAP,
  DEFAULT_PROGRAM_CURRENCY,
  expressTwinOf,
  FACT_WORKFLOWS,
  INDEX_NAMES,
  INGESTED_STEPS,
  LEDGER_EVENT_SOURCE,
  STRIPE_SOURCE_PREFIX,
  WORKFLOW_NAMES,
  stateMachineArnEnv,
  type IngestedStep,
  type WorkflowName,
} from '../../domain/config';
import { STRIPE_EVENT_TYPES } from '../../domain/stripe-events';
import { READ_ACTIONS, WRITE_ACTIONS } from '../../infra/constructs/tables';
import { OUTBOUND_PIPES, OUTBOUND_SOURCE_PARAMETERS } from '../../infra/constructs/outbound-pipe';
import { stateMachineNameFor } from '../../infra/constructs/workflow';
import { ADMIN_PATH_PREFIX, ROUTES, routeKeyOf, type RouteName } from '../../domain/routes';
import { ADMIN_SCOPE, ReferralsHttpApi } from '../../infra/constructs/http-api';
import {
  APP_DETAIL_TYPES,
  STATS_PENDING_DETAIL_TYPE,
  STRIPE_DETAIL_TYPES,
  WORKFLOW_EVENT_SOURCE,
} from '../../infra/partner-referrals-stack';
import { PLACEHOLDER_STRIPE_EVENT_SOURCE } from '../../infra/settings';
import {
  CLICKS_TABLE,
  COMMISSIONS_TABLE,
  REFERRALS_TABLE,
  STATS_TABLE,
  ACTIVITY_TABLE,
  CLICK_COUNTERS_TABLE,
  PAYOUTS_TABLE,
  TABLE_SPECS,
  type TableSpec,
} from '../../infra/table-specs';
import {
  FUNCTION_NAMES,
  WORKFLOWS,
  stateMachineKey,
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
/** The ARN a lifecycle machine's replay grant names, normalised as `iam.ts` reads it (`Fn::Join` of pseudo parameters). */
const formattedMachineArn = (wf: WorkflowName): string =>
  `arn:AWS::Partition:states:AWS::Region:AWS::AccountId:stateMachine:${stateMachineNameFor(s.stack.stackName, wf)}`;
const STRIPE_STEPS = ['payment', 'refund', 'dispute', 'subscription'] as const satisfies IngestedStep[];
const APP_STEPS = ['signup', 'verify'] as const satisfies IngestedStep[];
const withTwin = (step: IngestedStep): WorkflowName[] => [step, expressTwinOf(step)];
const queueArnOf = (q: keyof Synth['stack']['queues']): unknown => ({
  'Fn::GetAtt': [id(s.stack.queues[q].queue), 'Arn'],
});

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
    expect(p.StreamSpecification).toEqual(spec.stream ? { StreamViewType: spec.stream } : undefined);
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

  test('the ledger tables, and only they, stream both images of every change (the outbound events outbox)', () => {
    expect(TABLE_SPECS.filter((t) => t.stream).map((t) => t.id)).toEqual([
      COMMISSIONS_TABLE.id,
      PAYOUTS_TABLE.id,
    ]);
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
    stateMachineArnByName: (wf: WorkflowName) => wf,
    appBusName: 'bus',
  };

  test('one state machine per manifest entry, and the manifest covers every workflow', () => {
    expect(WORKFLOWS.map((w) => w.name).sort()).toEqual([...WORKFLOW_NAMES].sort());
    expect(Object.keys(resourcesOf(s.template, 'AWS::StepFunctions::StateMachine')).sort()).toEqual(
      WORKFLOWS.map((w) => smId(w.name)).sort(),
    );
  });

  test('each state machine is named <stack>-<workflow>, the names the replay grants format', () => {
    expect(s.stack.stackName).toBe('PartnerReferrals');
    for (const spec of WORKFLOWS) {
      expect([spec.name, props(smId(spec.name)).StateMachineName]).toEqual([
        spec.name,
        `PartnerReferrals-${spec.name}`,
      ]);
      expect(stateMachineNameFor(s.stack.stackName, spec.name)).toBe(`PartnerReferrals-${spec.name}`);
    }
  });

  test.each(WORKFLOWS.map((w) => [w.name, w] as const))(
    '%s: type, logging, tracing, ASL asset',
    (_n, spec) => {
      const p = props(smId(spec.name));
      expect(p.StateMachineType).toBe(spec.type);
      expect(p.TracingConfiguration).toEqual({ Enabled: true });
      const logging = p.LoggingConfiguration as Record<string, unknown>;
      expect(logging.Level).toBe(spec.logLevel);
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
        // Formatted from the fixed name: the Standard step names itself in its own definition.
        stateMachineArnByName: (wf) =>
          ({
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':states:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                `:stateMachine:${stateMachineNameFor(s.stack.stackName, wf)}`,
              ],
            ],
          }) as unknown as string,
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
    if (spec.starts.length || spec.replaysParkedFacts || spec.continuesAsNew) allowed.push('states');
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
    // Started by reference (`starts`), and replays by the formatted ARNs of the lifecycle machines' fixed names.
    const startable = [
      ...spec.starts.map(smId),
      ...(spec.replaysParkedFacts ? FACT_WORKFLOWS.map(formattedMachineArn) : []),
      // A run that continues as a new execution starts only itself.
      ...(spec.continuesAsNew ? [formattedMachineArn(spec.name)] : []),
    ];
    expect(resourcesFor(grants, 'states:StartExecution')).toEqual(startable.sort());
    const statesActions = new Set(grants.flatMap((g) => g.actions).filter((a) => a.startsWith('states:')));
    expect([...statesActions]).toEqual(startable.length ? ['states:StartExecution'] : []);
    expect(resourcesFor(grants, 'events:PutEvents')).toEqual(
      spec.putsEvents ? [`${id(s.stack.appBus)}.Arn`] : [],
    );
  });
});

describe('state machine IAM: the new design, spelled out', () => {
  const roleGrants = (wf: WorkflowName): Grant[] => grantsOfRole(s.template, id(s.stack.workflows[wf].role));
  const tableArn = (t: TableSpec): string => `${tableId(t)}.Arn`;
  const withIndexes = (t: TableSpec): string[] => [
    tableArn(t),
    ...t.globalSecondaryIndexes.map((i) => `${tableArn(t)}/index/${i.indexName}`),
  ];

  test.each([...FACT_WORKFLOWS, ...INGESTED_STEPS.map(expressTwinOf)])(
    '%s: stats, referrals and the ledger; referral-compute; the app bus; StartExecution on the seven Standard lifecycle machines',
    (wf) => {
      const grants = roleGrants(wf);
      expect(servicesOf(grants)).toEqual(['dynamodb', 'events', 'lambda', 'logs', 'states', 'xray']);
      const lifecycleTables = [STATS_TABLE, REFERRALS_TABLE, COMMISSIONS_TABLE, ACTIVITY_TABLE];
      expect(resourcesFor(grants, 'dynamodb:Query')).toEqual(lifecycleTables.flatMap(withIndexes).sort());
      expect(resourcesFor(grants, 'dynamodb:PutItem')).toEqual(lifecycleTables.map(tableArn).sort());
      expect(resourcesFor(grants, 'dynamodb:ConditionCheckItem')).toEqual(
        lifecycleTables.map(tableArn).sort(),
      );
      expect(resourcesFor(grants, 'lambda:InvokeFunction')).toEqual([`${fnId('referral-compute')}.Arn`]);
      expect(resourcesFor(grants, 'events:PutEvents')).toEqual([`${id(s.stack.appBus)}.Arn`]);
      expect(resourcesFor(grants, 'states:StartExecution')).toEqual(
        ['signup', 'verify', 'payment', 'refund', 'dispute', 'subscription', 'commission']
          .map(
            (name) =>
              `arn:AWS::Partition:states:AWS::Region:AWS::AccountId:stateMachine:PartnerReferrals-${name}`,
          )
          .sort(),
      );
      // The ledger is granted, but its name reaches the workflow only through referral-compute's plan.
      const subs = props(smId(wf)).DefinitionSubstitutions as Record<string, unknown>;
      expect(Object.keys(subs).sort()).toEqual(
        [
          'AppBusName',
          'ParkedFactStateMachineArn',
          'ReferralComputeFunctionArn',
          'ReferralsTableName',
          'StatsTableName',
        ].sort(),
      );
    },
  );

  test('approval: reads the ledger (its status index included), starts commission only, nothing else', () => {
    const grants = roleGrants('approval');
    expect(servicesOf(grants)).toEqual(['dynamodb', 'logs', 'states', 'xray']);
    expect(resourcesFor(grants, 'dynamodb:Query')).toEqual(withIndexes(COMMISSIONS_TABLE).sort());
    expect(resourcesFor(grants, 'dynamodb:Query')).toContain(
      `${tableArn(COMMISSIONS_TABLE)}/index/${INDEX_NAMES.commissionsByStatus}`,
    );
    for (const action of WRITE_ACTIONS) expect(resourcesFor(grants, action)).toEqual([]);
    expect(resourcesFor(grants, 'states:StartExecution')).toEqual([smId('commission')]);
    expect(props(smId('approval')).DefinitionSubstitutions).toEqual({
      CommissionsTableName: { Ref: tableId(COMMISSIONS_TABLE) },
      CommissionStateMachineArn: { Ref: smId('commission') },
    });
  });

  test('reconciliation only reads the ledger (it reports ledger drift), and no other workflow reaches it', () => {
    const ledger = (wf: WorkflowName, action: string): string[] =>
      resourcesFor(roleGrants(wf), action).filter((r) => r.startsWith(tableArn(COMMISSIONS_TABLE)));
    expect(ledger('reconciliation', 'dynamodb:Query')).toEqual(withIndexes(COMMISSIONS_TABLE).sort());
    for (const action of WRITE_ACTIONS) expect(ledger('reconciliation', action)).toEqual([]);
    for (const spec of WORKFLOWS.filter(
      (w) => w.definition !== 'referral-fact' && !['approval', 'reconciliation', 'payout'].includes(w.name),
    )) {
      const resources = roleGrants(spec.name).flatMap((g) => g.resources);
      expect([spec.name, resources.filter((r) => r.startsWith(tableArn(COMMISSIONS_TABLE)))]).toEqual([
        spec.name,
        [],
      ]);
    }
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
    expect(env.CLICKS_TABLE).toEqual({ Ref: tableId(CLICKS_TABLE) });
    expect(env.COMMISSIONS_TABLE).toEqual({ Ref: tableId(COMMISSIONS_TABLE) });
    expect(env.APP_BUS_NAME).toEqual({ Ref: id(s.stack.appBus) });
    expect(JSON.parse(env.STRIPE_PRICE_MAP as string)).toEqual(DEFAULT_PRICE_MAP);
    const starts: Partial<Record<FunctionName, WorkflowName[]>> = {
      'stripe-ingest': STRIPE_STEPS.flatMap(withTwin),
      'app-ingest': APP_STEPS.flatMap(withTwin),
      'click-api': ['click'],
      'admin-api': ['registration', 'commission', 'approval', 'payout', 'payout-status'],
    };
    const arnVars = Object.keys(env).filter((k) => k.endsWith('_STATE_MACHINE_ARN'));
    expect(arnVars.sort()).toEqual((starts[fn] ?? []).map(stateMachineArnEnv).sort());
    for (const wf of starts[fn] ?? []) expect(env[stateMachineArnEnv(wf)]).toEqual({ Ref: smId(wf) });
    // One generated salt pseudonymises click IPs (click-api) and emails (app-ingest, admin-api).
    if (['click-api', 'app-ingest', 'admin-api'].includes(fn)) {
      expect(env.CLICK_IP_SALT).toEqual({
        'Fn::Join': [
          '',
          [
            '{{resolve:secretsmanager:',
            { Ref: id(s.stack.node.findChild('ClickIpSalt')) },
            ':SecretString:::}}',
          ],
        ],
      });
    } else {
      expect(env.CLICK_IP_SALT).toBeUndefined();
    }
    if (fn === 'click-api') expect(env.LANDING_URL).toBe('https://example.com/');
    else expect(env.LANDING_URL).toBeUndefined();
    // The program's terms reach exactly the functions that read them: the currency where events are checked
    // (stripe-ingest) or money is shown (dashboard-api), everything where commissions are computed.
    const computes = fn === 'referral-compute';
    expect(env.PROGRAM_CURRENCY).toBe(
      computes || fn === 'stripe-ingest' || fn === 'dashboard-api' ? DEFAULT_PROGRAM_CURRENCY : undefined,
    );
    expect(env.HOLD_PERIOD_DAYS).toBe(computes ? String(DEFAULT_HOLD_PERIOD_DAYS) : undefined);
    expect(env.COMMISSION_SCHEDULE).toBeUndefined(); // the default schedule is domain/config.ts's
  });

  test('function grants: ingest and APIs start only their workflows; dashboard and admin read only their indexes', () => {
    const grants = (fn: FunctionName): Grant[] =>
      grantsOfRole(s.template, id(s.stack.functions[fn].functionRole));
    type StartAction = 'states:StartExecution' | 'states:StartSyncExecution';
    const expectStarts = (fn: FunctionName, starts: Partial<Record<StartAction, WorkflowName[]>>): void => {
      const states = grants(fn).flatMap((g) => g.actions.filter((a) => a.startsWith('states:')));
      expect([fn, [...new Set(states)].sort()]).toEqual([fn, Object.keys(starts).sort()]);
      for (const [action, wfs] of Object.entries(starts)) {
        expect([fn, action, resourcesFor(grants(fn), action)]).toEqual([fn, action, wfs.map(smId).sort()]);
      }
    };
    // Express first (StartSyncExecution on the twin), Standard on failure (StartExecution on the step).
    expectStarts('stripe-ingest', {
      'states:StartSyncExecution': STRIPE_STEPS.map(expressTwinOf),
      'states:StartExecution': [...STRIPE_STEPS],
    });
    expectStarts('app-ingest', {
      'states:StartSyncExecution': APP_STEPS.map(expressTwinOf),
      'states:StartExecution': [...APP_STEPS],
    });
    expectStarts('click-api', { 'states:StartSyncExecution': ['click'] });
    expectStarts('admin-api', {
      'states:StartSyncExecution': ['registration', 'payout-status'],
      'states:StartExecution': ['commission', 'approval', 'payout'],
    });
    for (const fn of [
      'referral-compute',
      'reconciliation-compute',
      'payout-compute',
      'dashboard-api',
    ] as const) {
      expectStarts(fn, {});
    }

    const index = (t: TableSpec, name: string): string => `${tableId(t)}.Arn/index/${name}`;
    const dashboard = grants('dashboard-api');
    expect(servicesOf(dashboard)).toEqual(['dynamodb', 'logs', 'xray']);
    const stats = `${tableId(STATS_TABLE)}.Arn`;
    expect(resourcesFor(dashboard, 'dynamodb:GetItem')).toEqual([stats]);
    expect(resourcesFor(dashboard, 'dynamodb:Query')).toEqual(
      [
        stats,
        index(REFERRALS_TABLE, INDEX_NAMES.paidByPartner),
        index(COMMISSIONS_TABLE, INDEX_NAMES.commissionsByPartner),
        index(COMMISSIONS_TABLE, INDEX_NAMES.commissionsByPartnerStatus),
        `${tableId(PAYOUTS_TABLE)}.Arn`,
        `${tableId(ACTIVITY_TABLE)}.Arn`,
      ].sort(),
    );
    // The click counter shards are summed with one BatchGetItem, the only read on that table.
    const counters = `${tableId(CLICK_COUNTERS_TABLE)}.Arn`;
    for (const action of READ_ACTIONS.filter((a) => a !== 'dynamodb:Query')) {
      const expected = action === 'dynamodb:BatchGetItem' ? [counters, stats].sort() : [stats];
      expect([action, resourcesFor(dashboard, action)]).toEqual([action, expected]);
    }
    for (const action of WRITE_ACTIONS) expect(resourcesFor(dashboard, action)).toEqual([]);

    // The admin list (by status, oldest due first) queries the status index; a review reads its one
    // commission by key. Nothing else of any table, and no writes: reviews are facts the workflow records.
    const admin = grants('admin-api');
    expect(servicesOf(admin)).toEqual(['dynamodb', 'logs', 'states', 'xray']);
    const adminDynamo = [
      ...new Set(admin.flatMap((g) => g.actions).filter((a) => a.startsWith('dynamodb:'))),
    ];
    expect(adminDynamo.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(resourcesFor(admin, 'dynamodb:Query')).toEqual(
      [
        index(COMMISSIONS_TABLE, INDEX_NAMES.commissionsByStatus),
        index(PAYOUTS_TABLE, INDEX_NAMES.payoutsByStatus),
        index(PAYOUTS_TABLE, INDEX_NAMES.payoutsById),
      ].sort(),
    );
    expect(resourcesFor(admin, 'dynamodb:GetItem')).toEqual(
      [`${tableId(COMMISSIONS_TABLE)}.Arn`, `${tableId(PAYOUTS_TABLE)}.Arn`].sort(),
    );

    // The exports: a partner's commissions by their earnedAt index; payouts and referrals by a partner's
    // partition; every partner's by Scan; the stats row's existence. Reads only, and nothing else.
    const exporter = grants('export-api');
    expect(servicesOf(exporter)).toEqual(['dynamodb', 'logs', 'xray']);
    const exporterDynamo = [
      ...new Set(exporter.flatMap((g) => g.actions).filter((a) => a.startsWith('dynamodb:'))),
    ];
    expect(exporterDynamo.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']);
    expect(resourcesFor(exporter, 'dynamodb:GetItem')).toEqual([stats]);
    expect(resourcesFor(exporter, 'dynamodb:Query')).toEqual(
      [
        index(COMMISSIONS_TABLE, INDEX_NAMES.commissionsByPartner),
        `${tableId(PAYOUTS_TABLE)}.Arn`,
        `${tableId(REFERRALS_TABLE)}.Arn`,
      ].sort(),
    );
    expect(resourcesFor(exporter, 'dynamodb:Scan')).toEqual(
      [COMMISSIONS_TABLE, PAYOUTS_TABLE, REFERRALS_TABLE].map((t) => `${tableId(t)}.Arn`).sort(),
    );

    // A click reads its partner's zone from the stats row: one GetItem there, nothing else in DynamoDB.
    const clicks = grants('click-api');
    const clickDynamo = clicks.flatMap((g) => g.actions).filter((a) => a.startsWith('dynamodb:'));
    expect([...new Set(clickDynamo)]).toEqual(['dynamodb:GetItem']);
    expect(resourcesFor(clicks, 'dynamodb:GetItem')).toEqual([stats]);

    for (const fn of FUNCTION_NAMES.filter(
      (f) => !['dashboard-api', 'admin-api', 'export-api', 'click-api'].includes(f),
    )) {
      expect(servicesOf(grants(fn))).not.toContain('dynamodb');
    }
    expect(servicesOf(grants('referral-compute'))).toEqual(['logs', 'xray']);
    expect(servicesOf(grants('reconciliation-compute'))).toEqual(['logs', 'xray']);
    expect(servicesOf(grants('payout-compute'))).toEqual(['logs', 'xray']);
  });

  test('ingest functions: on-failure SQS destination with 2 retries', () => {
    const queueArn = queueArnOf;
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

  test('the routed Stripe types are exactly the types the domain handles', () => {
    expect(STRIPE_DETAIL_TYPES).toEqual([...STRIPE_EVENT_TYPES]);
    expect(new Set(STRIPE_DETAIL_TYPES).size).toBe(STRIPE_DETAIL_TYPES.length);
    for (const type of [
      'invoice.paid',
      'checkout.session.completed',
      'charge.refunded',
      'customer.subscription.deleted',
    ]) {
      expect(STRIPE_DETAIL_TYPES).toContain(type);
    }
  });

  test('Stripe events of any other type are kept in UnroutedStripeEvents (the two rules partition the types)', () => {
    const { id: ruleId, props: rule } = onlyResource(
      s.template,
      'AWS::Events::Rule',
      'UnhandledStripeTypeRule',
    );
    expect(rule).toMatchObject({
      EventBusName: { Ref: id(s.stack.stripeBus) },
      EventPattern: {
        source: [{ prefix: STRIPE_SOURCE_PREFIX }],
        'detail-type': [{ 'anything-but': STRIPE_DETAIL_TYPES }],
      },
      State: 'ENABLED',
    });
    expect(Object.keys(rule.EventPattern as object).sort()).toEqual(['detail-type', 'source']);
    expect(rule.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: queueArnOf('unroutedStripeEvents'),
        DeadLetterConfig: { Arn: dlqArn() },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
      },
    ]);
    const handled = onlyResource(s.template, 'AWS::Events::Rule', 'StripeEventsRule').props;
    expect((handled.EventPattern as Record<string, unknown>)['detail-type']).toEqual(STRIPE_DETAIL_TYPES);
    // EventBridge may deliver to the queue from this rule only.
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(s.stack.queues.unroutedStripeEvents.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  const scheduleRole = (ruleProps: Record<string, unknown>): string =>
    (
      (ruleProps.Targets as { RoleArn: { 'Fn::GetAtt': [string, string] } }[])[0] as {
        RoleArn: { 'Fn::GetAtt': [string, string] };
      }
    ).RoleArn['Fn::GetAtt'][0];

  test('hourly approval on the default bus with input {}; its role starts approval only', () => {
    const { props: rule } = onlyResource(s.template, 'AWS::Events::Rule', 'HourlyApproval');
    expect(rule.ScheduleExpression).toBe('rate(1 hour)');
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern).toBeUndefined();
    expect(rule.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: { Ref: smId('approval') },
        Input: '{}',
        RoleArn: { 'Fn::GetAtt': [scheduleRole(rule), 'Arn'] },
        DeadLetterConfig: { Arn: dlqArn() },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
      },
    ]);
    const grants = grantsOfRole(s.template, scheduleRole(rule));
    expect(grants.flatMap((g) => g.actions)).toEqual(['states:StartExecution']);
    expect(resourcesFor(grants, 'states:StartExecution')).toEqual([smId('approval')]);
  });

  test('nightly reconciliation at 03:00 UTC with input {}; its role starts reconciliation only', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Targets: [target({ Ref: smId('reconciliation') }, { Input: '{}' })],
    });
    const { props: rule } = onlyResource(s.template, 'AWS::Events::Rule', 'NightlyReconciliation');
    const grants = grantsOfRole(s.template, scheduleRole(rule));
    expect(grants.flatMap((g) => g.actions)).toEqual(['states:StartExecution']);
    expect(resourcesFor(grants, 'states:StartExecution')).toEqual([smId('reconciliation')]);
  });

  test('every rule target has a dead-letter queue and a retry policy', () => {
    const rules = resourcesOf(s.template, 'AWS::Events::Rule');
    expect(
      Object.keys(rules)
        .map((ruleId) => ruleId.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
    ).toEqual(
      [
        'StripeEventsRule',
        'UnhandledStripeTypeRule',
        'AppEventsRule',
        'StatsPendingRule',
        'UnknownAppSourceRule',
        'UnknownAppDetailTypeRule',
        'HourlyApproval',
        'NightlyReconciliation',
        'MonthlyPayouts',
      ].sort(),
    );
    for (const rule of Object.values(rules)) {
      for (const t of (rule.Properties as { Targets: Record<string, unknown>[] }).Targets) {
        expect(t.DeadLetterConfig).toEqual({ Arn: dlqArn() });
        expect(t.RetryPolicy).toBeDefined();
      }
    }
  });

  test('every queue is encrypted and TLS-only, and alarms when not empty', () => {
    const queues = resourcesOf(s.template, 'AWS::SQS::Queue');
    expect(Object.keys(queues).sort()).toEqual(
      Object.values(s.stack.queues)
        .map((q) => id(q.queue))
        .sort(),
    );
    expect(Object.keys(s.stack.queues).sort()).toEqual(
      [
        'eventTargetDlq',
        'stripeIngestFailures',
        'appIngestFailures',
        'statsPendingNotices',
        'unroutedAppEvents',
        'unroutedStripeEvents',
        'outboundEventsDlq',
      ].sort(),
    );
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

  test('failed executions of every lifecycle machine, of approval and of reconciliation raise an alarm', () => {
    const alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties ?? {})
      .filter((p) => p.Namespace === 'AWS/States');
    const machines = alarms.map((p) => (p.Dimensions as { Value: { Ref: string } }[])[0]?.Value.Ref);
    const alarmed: WorkflowName[] = [
      ...FACT_WORKFLOWS,
      'approval',
      'reconciliation',
      'payout',
      'payout-settlement',
    ];
    expect(machines.sort()).toEqual(alarmed.map(smId).sort());
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        MetricName: 'ExecutionsFailed',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(alarm.Dimensions).toHaveLength(1);
    }
    // Every alarm of the stack: one per queue, one per alarmed workflow.
    expect(Object.keys(resourcesOf(s.template, 'AWS::CloudWatch::Alarm'))).toHaveLength(
      Object.keys(s.stack.queues).length + FACT_WORKFLOWS.length + 4,
    );
  });
});

describe('HTTP API', () => {
  const templateRoutes = () =>
    Object.values(resourcesOf(s.template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties ?? {});

  /** Every route: who may call it and which function serves it. */
  const EXPECTED_ROUTES: Record<RouteName, { access: 'partner' | 'admin' | 'public'; fn: FunctionName }> = {
    dashboard: { access: 'partner', fn: 'dashboard-api' },
    commissions: { access: 'partner', fn: 'dashboard-api' },
    adminDashboard: { access: 'admin', fn: 'dashboard-api' },
    activity: { access: 'partner', fn: 'dashboard-api' },
    adminActivity: { access: 'admin', fn: 'dashboard-api' },
    adminPartners: { access: 'admin', fn: 'admin-api' },
    adminCommissions: { access: 'admin', fn: 'admin-api' },
    adminApproveCommission: { access: 'admin', fn: 'admin-api' },
    adminRejectCommission: { access: 'admin', fn: 'admin-api' },
    adminApprovals: { access: 'admin', fn: 'admin-api' },
    payouts: { access: 'partner', fn: 'dashboard-api' },
    adminPayouts: { access: 'admin', fn: 'admin-api' },
    adminPayoutRun: { access: 'admin', fn: 'admin-api' },
    adminPayoutProcessing: { access: 'admin', fn: 'admin-api' },
    adminPayoutPaid: { access: 'admin', fn: 'admin-api' },
    adminPayoutFailed: { access: 'admin', fn: 'admin-api' },
    adminPayoutCancel: { access: 'admin', fn: 'admin-api' },
    exports: { access: 'partner', fn: 'export-api' },
    adminExports: { access: 'admin', fn: 'export-api' },
    click: { access: 'public', fn: 'click-api' },
  };
  const routeEntries = Object.entries(EXPECTED_ROUTES) as [RouteName, (typeof EXPECTED_ROUTES)[RouteName]][];

  test('routes and authorizers', () => {
    const byKey = new Map(templateRoutes().map((r) => [r.RouteKey as string, r]));
    expect([...byKey.keys()].sort()).toEqual(routeEntries.map(([name]) => routeKeyOf(name)).sort());
    for (const [name, { access }] of routeEntries) {
      const route = byKey.get(routeKeyOf(name));
      const expected =
        access === 'public'
          ? { AuthorizationType: 'NONE', AuthorizationScopes: undefined }
          : { AuthorizationType: 'JWT', AuthorizationScopes: access === 'admin' ? [ADMIN_SCOPE] : undefined };
      expect([name, route?.AuthorizationType, route?.AuthorizationScopes]).toEqual([
        name,
        expected.AuthorizationType,
        expected.AuthorizationScopes,
      ]);
    }
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
        exports: fn('Exports'),
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

  test('each route integrates its function, which its route may invoke', () => {
    const integrations = Object.values(resourcesOf(s.template, 'AWS::ApiGatewayV2::Integration'));
    const uris = integrations.map((i) => JSON.stringify(i.Properties?.IntegrationUri));
    for (const fn of ['dashboard-api', 'admin-api', 'export-api', 'click-api'] as const) {
      expect(uris.filter((u) => u.includes(fnId(fn)))).toHaveLength(1);
    }
    expect(integrations).toHaveLength(4);
    const integrationOf = (target: unknown): string =>
      ((target as { 'Fn::Join': [string, [string, { Ref: string }]] })['Fn::Join'][1][1] as { Ref: string })
        .Ref;
    const permissions = Object.values(resourcesOf(s.template, 'AWS::Lambda::Permission')).map((p) => ({
      fn: JSON.stringify(p.Properties?.FunctionName),
      source: JSON.stringify(p.Properties?.SourceArn),
    }));
    for (const route of templateRoutes()) {
      const entry = routeEntries.find(([name]) => routeKeyOf(name) === route.RouteKey);
      const [name, { fn }] = entry ?? [String(route.RouteKey), { fn: 'none' as FunctionName }];
      const uri = (props(integrationOf(route.Target)).IntegrationUri as { 'Fn::GetAtt': [string, string] })[
        'Fn::GetAtt'
      ][0];
      expect([name, uri]).toEqual([name, fnId(fn)]);
      const invocable = permissions.some(
        (p) => p.fn.includes(fnId(fn)) && p.source.includes(`/*/*${ROUTES[name as RouteName]}`),
      );
      expect([name, invocable]).toEqual([name, true]);
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

describe('outbound events', () => {
  const pipeOf = (pipeId: string): Record<string, unknown> => {
    const pipe = s.stack.outboundPipes.find((p) => p.node.id === pipeId);
    if (!pipe) throw new Error(`no pipe ${pipeId}`);
    return props(s.stack.getLogicalId(pipe.pipe));
  };

  test('one pipe per ledger table: its stream, through outbound-events, to the app bus', () => {
    expect(Object.keys(resourcesOf(s.template, 'AWS::Pipes::Pipe'))).toHaveLength(2);
    for (const spec of OUTBOUND_PIPES) {
      const p = pipeOf(spec.id);
      expect(p.Source).toEqual({ 'Fn::GetAtt': [tableId(spec.table), 'StreamArn'] });
      expect(p.Enrichment).toEqual({ 'Fn::GetAtt': [fnId('outbound-events'), 'Arn'] });
      expect(p.Target).toEqual({ 'Fn::GetAtt': [id(s.stack.appBus), 'Arn'] });
      expect(p.TargetParameters).toEqual({
        EventBridgeEventBusParameters: {
          Source: LEDGER_EVENT_SOURCE,
          DetailType: '$.type',
          Time: '$.occurredAt',
        },
      });
    }
  });

  test('source parameters: from the trim horizon, small batches, bisected retries, a dead-letter queue', () => {
    for (const spec of OUTBOUND_PIPES) {
      const source = (pipeOf(spec.id).SourceParameters as Record<string, unknown>).DynamoDBStreamParameters;
      expect(source).toEqual({
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 5,
        MaximumBatchingWindowInSeconds: 0,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: -1,
        OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
        ParallelizationFactor: 1,
        DeadLetterConfig: { Arn: queueArnOf('outboundEventsDlq') },
      });
    }
    // The event bus target takes 10 entries a batch; a record gives at most two events.
    expect(OUTBOUND_SOURCE_PARAMETERS.batchSize * 2).toBeLessThanOrEqual(10);
  });

  test('the payout pipe lets through payout rows only, never claims', () => {
    const filters = (
      pipeOf('PayoutEventsPipe').SourceParameters as { FilterCriteria: { Filters: { Pattern: string }[] } }
    ).FilterCriteria.Filters;
    expect(filters.map((f) => JSON.parse(f.Pattern) as unknown)).toEqual([
      { dynamodb: { Keys: { payoutId: { S: [{ prefix: 'po_' }] } } } },
    ]);
    expect(
      (pipeOf('CommissionEventsPipe').SourceParameters as Record<string, unknown>).FilterCriteria,
    ).toBeUndefined();
  });

  test('each pipe role reads its own stream, invokes the enrichment, puts on the app bus, and nothing more', () => {
    for (const pipe of s.stack.outboundPipes) {
      const spec = OUTBOUND_PIPES.find((p) => p.id === pipe.node.id) as (typeof OUTBOUND_PIPES)[number];
      const role = id(pipe.role);
      expect(props(role).AssumeRolePolicyDocument).toMatchObject({
        Statement: [{ Principal: { Service: 'pipes.amazonaws.com' } }],
      });
      const grants = grantsOfRole(s.template, role);
      const stream = `${tableId(spec.table)}.StreamArn`;
      expect(servicesOf(grants)).toEqual(['dynamodb', 'events', 'lambda', 'sqs']);
      for (const action of ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'])
        expect([action, resourcesFor(grants, action)]).toEqual([action, [stream]]);
      expect(resourcesFor(grants, 'dynamodb:ListStreams')).toEqual(['*']);
      expect(
        grants
          .flatMap((g) => g.actions)
          .filter((a) => a.startsWith('dynamodb:'))
          .sort(),
      ).toEqual([
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
      ]);
      expect(resourcesFor(grants, 'lambda:InvokeFunction')).toEqual([`${fnId('outbound-events')}.Arn`]);
      expect(resourcesFor(grants, 'events:PutEvents')).toEqual([`${id(s.stack.appBus)}.Arn`]);
      expect(resourcesFor(grants, 'sqs:SendMessage')).toEqual([
        `${id(s.stack.queues.outboundEventsDlq.queue)}.Arn`,
      ]);
    }
  });

  test('outbound-events signs with a generated secret, and reads no table', () => {
    const env = (props(fnId('outbound-events')).Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env.WEBHOOK_SIGNING_SECRET).toEqual({
      'Fn::Join': [
        '',
        [
          '{{resolve:secretsmanager:',
          { Ref: id(s.stack.node.findChild('WebhookSigningSecret')) },
          ':SecretString:::}}',
        ],
      ],
    });
    const others = FUNCTION_NAMES.filter((fn) => fn !== 'outbound-events');
    for (const fn of others)
      expect([
        fn,
        (props(fnId(fn)).Environment as { Variables: Record<string, unknown> }).Variables
          .WEBHOOK_SIGNING_SECRET,
      ]).toEqual([fn, undefined]);
    const grants = grantsOfRole(s.template, id(s.stack.functions['outbound-events'].functionRole));
    expect(servicesOf(grants)).toEqual(['logs', 'xray']);
  });

  test('ledger events on the app bus are not mistaken for an unknown source', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: id(s.stack.appBus) },
      EventPattern: {
        source: [{ 'anything-but': [APP_EVENT_SOURCE, WORKFLOW_EVENT_SOURCE, LEDGER_EVENT_SOURCE] }],
      },
    });
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
        'CommissionsTableName',
        'UnroutedAppEventsUrl',
        'UnroutedStripeEventsUrl',
        'OutboundEventsDlqUrl',
        ...WORKFLOWS.map((w) => stateMachineKey(w.name)),
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
        // State machines that log below ALL (manifest logLevel), each with its reason.
        'AwsSolutions-SF1',
        'AwsSolutions-SMG4',
        'AwsSolutions-SQS3',
        'Serverless-LambdaDLQ',
        'Serverless-SQSRedrivePolicy',
        // The partner portal's static hosting and CDK's BucketDeployment handler (infra/constructs/portal-site.ts).
        'AwsSolutions-S1',
        'AwsSolutions-CFR1',
        'AwsSolutions-CFR2',
        'AwsSolutions-CFR3',
        'AwsSolutions-CFR4',
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Resource::<PartnerPortalAssets1209715D.Arn>/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        'AwsSolutions-L1',
        'Serverless-LambdaTracing',
        'Serverless-LambdaLatestVersion',
      ].sort(),
    );
  });
});
