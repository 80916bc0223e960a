import { ArnFormat, CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  APP_EVENT_SOURCE,
  expressTwinOf,
  FACT_WORKFLOWS,
  INDEX_NAMES,
  LEDGER_EVENT_SOURCE,
  STRIPE_SOURCE_PREFIX,
  stateMachineArnEnv,
  type IngestedStep,
  type WorkflowName,
} from '../domain/config';
import { AppFunction, type AppFunctionProps, type Invocation } from './constructs/function';
import { ReferralsHttpApi } from './constructs/http-api';
import { PortalSite } from './constructs/portal-site';
import { OUTBOUND_PIPES, OutboundEventsPipe } from './constructs/outbound-pipe';
import { ParkingQueue } from './constructs/queues';
import { addWebhooks, type Webhooks } from './constructs/webhooks';
import { SpecTable } from './constructs/tables';
import { buildOrder, stateMachineNameFor, Workflow } from './constructs/workflow';
import type { DeploySettings } from './settings';
import {
  ACTIVITY_TABLE,
  CLICK_COUNTERS_TABLE,
  CLICKS_TABLE,
  COMMISSIONS_TABLE,
  PAYOUTS_TABLE,
  REFERRALS_TABLE,
  STATS_TABLE,
  TABLE_SPECS,
  type TableSpec,
} from './table-specs';
import { FUNCTION_NAMES, WORKFLOWS, type FunctionName } from './workflow-manifest';
import { STRIPE_EVENT_TYPES } from '../domain/stripe-events';

/** Event types the stack routes: exactly the ones the Stripe event destination must send. */
export const STRIPE_DETAIL_TYPES = [...STRIPE_EVENT_TYPES];
export const APP_DETAIL_TYPES = ['UserSignedUp', 'UserEmailVerified'];
/** Compensation notices the workflows put on the app bus (see docs/data-model.md). */
export const WORKFLOW_EVENT_SOURCE = 'partner-referrals.workflows';
export const STATS_PENDING_DETAIL_TYPE = 'ReferralStatsPending';
/** Hourly approval of commissions whose hold period has ended. */
export const APPROVAL_SCHEDULE = events.Schedule.rate(Duration.hours(1));
/** The monthly payout run, 06:00 UTC on the configured day. */
export const payoutScheduleOf = (dayOfMonth: number): events.Schedule =>
  events.Schedule.cron({ day: String(dayOfMonth), hour: '6', minute: '0' });
/** Nightly reconciliation, 03:00 UTC. */
export const RECONCILIATION_SCHEDULE = events.Schedule.cron({ hour: '3', minute: '0' });

export interface PartnerReferralsStackProps extends StackProps {
  settings: DeploySettings;
}

const retentionOf = (days: number): logs.RetentionDays => {
  if (!(Object.values(logs.RetentionDays) as number[]).includes(days)) {
    throw new Error(`logRetentionDays ${days} is not a CloudWatch Logs retention value`);
  }
  return days as logs.RetentionDays;
};

export class PartnerReferralsStack extends Stack {
  readonly tables: ReadonlyMap<TableSpec, SpecTable>;
  readonly functions: Record<FunctionName, AppFunction>;
  readonly workflows: Record<WorkflowName, Workflow>;
  readonly appBus: events.EventBus;
  readonly stripeBus: events.EventBus;
  readonly api: ReferralsHttpApi;
  readonly portal: PortalSite;
  /** Present when the settings enable webhook delivery (`webhookUrl`). */
  readonly webhooks?: Webhooks;
  readonly queues: Record<
    | 'eventTargetDlq'
    | 'stripeIngestFailures'
    | 'appIngestFailures'
    | 'statsPendingNotices'
    | 'unroutedAppEvents'
    | 'unroutedStripeEvents'
    | 'outboundEventsDlq',
    ParkingQueue
  >;
  readonly outboundPipes: OutboundEventsPipe[];

  constructor(scope: Construct, id: string, props: PartnerReferralsStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const logRetention = retentionOf(settings.logRetentionDays);

    // ---- Data -------------------------------------------------------------------------------------
    const tables = new Map<TableSpec, SpecTable>();
    for (const spec of TABLE_SPECS)
      tables.set(spec, new SpecTable(this, { spec, fixedName: settings.fixedTableNames }));
    this.tables = tables;
    const table = (spec: TableSpec): SpecTable => tables.get(spec) as SpecTable;

    // ---- Buses and parking queues -----------------------------------------------------------------
    this.appBus = new events.EventBus(this, 'AppBus', { eventBusName: settings.appBusName });
    this.stripeBus = new events.EventBus(this, 'StripeBus', {
      eventSourceName: settings.stripeEventSourceName,
    });

    const eventTargetDlq = new ParkingQueue(this, 'EventTargetDlq', {
      description: 'Events EventBridge could not deliver to their target',
    });
    const stripeIngestFailures = new ParkingQueue(this, 'StripeIngestFailures', {
      description: 'Stripe events the stripe-ingest function rejected or failed on',
    });
    const appIngestFailures = new ParkingQueue(this, 'AppIngestFailures', {
      description: 'App events the app-ingest function rejected or failed on',
    });
    const statsPendingNotices = new ParkingQueue(this, 'StatsPendingNotices', {
      description: 'ReferralStatsPending compensation notices (reconciliation clears them)',
    });

    const unroutedAppEvents = new ParkingQueue(this, 'UnroutedAppEvents', {
      description: 'Events on the app bus that no workflow handles (an unknown source or detail-type)',
    });
    const unroutedStripeEvents = new ParkingQueue(this, 'UnroutedStripeEvents', {
      description: 'Stripe events of a type no workflow handles (the destination sends more than it should)',
    });

    const outboundEventsDlq = new ParkingQueue(this, 'OutboundEventsDlq', {
      description: 'Stream batches the outbound-events pipes could not announce (shard and sequence numbers)',
    });

    this.queues = {
      eventTargetDlq,
      stripeIngestFailures,
      appIngestFailures,
      statsPendingNotices,
      unroutedAppEvents,
      unroutedStripeEvents,
      outboundEventsDlq,
    };

    // ---- Functions --------------------------------------------------------------------------------
    const clickIpSalt = settings.clickIpSalt ?? this.generatedSalt();
    const webhookSigningSecret = this.generatedWebhookSecret();

    const common: Record<string, string> = {
      APP_BUS_NAME: this.appBus.eventBusName,
      STRIPE_PRICE_MAP: JSON.stringify(settings.stripePriceMap),
    };
    const auth = { JWT_ISSUER: settings.jwtIssuer, JWT_AUDIENCE: settings.jwtAudience };
    const program: Record<string, string> = {
      PROGRAM_CURRENCY: settings.programCurrency,
      HOLD_PERIOD_DAYS: String(settings.holdPeriodDays),
      ...(settings.commissionSchedule
        ? { COMMISSION_SCHEDULE: JSON.stringify(settings.commissionSchedule) }
        : {}),
    };
    const asyncIngest = (queue: ParkingQueue) => ({
      onFailure: new SqsDestination(queue.queue),
      retryAttempts: 2,
    });
    const extra: Partial<Record<FunctionName, Partial<AppFunctionProps>>> = {
      'stripe-ingest': {
        ...asyncIngest(stripeIngestFailures),
        environment: {
          STRIPE_EVENT_SOURCE: settings.stripeEventSourceName,
          PROGRAM_CURRENCY: settings.programCurrency,
        },
      },
      // One salt pseudonymises click IPs and the emails compared for self-referrals.
      'app-ingest': { ...asyncIngest(appIngestFailures), environment: { CLICK_IP_SALT: clickIpSalt } },
      'click-api': {
        environment: { CLICK_IP_SALT: clickIpSalt, LANDING_URL: settings.landingUrl },
        timeout: Duration.seconds(5),
      },
      // The currency of referrals that carry none (referralView); without it the dashboard would say usd.
      'dashboard-api': { environment: { ...auth, PROGRAM_CURRENCY: settings.programCurrency } },
      'admin-api': { environment: { ...auth, CLICK_IP_SALT: clickIpSalt } },
      'export-api': { environment: auth },
      'referral-compute': { environment: program },
      'reconciliation-compute': { timeout: Duration.seconds(30) },
      'payout-compute': { environment: { MINIMUM_PAYOUT_CENTS: String(settings.minimumPayoutCents) } },
      'outbound-events': { environment: { WEBHOOK_SIGNING_SECRET: webhookSigningSecret } },
    };
    const invocation: Record<FunctionName, Invocation> = {
      'referral-compute': 'workflow-task',
      'reconciliation-compute': 'workflow-task',
      'payout-compute': 'workflow-task',
      'stripe-ingest': 'async-event',
      'app-ingest': 'async-event',
      'dashboard-api': 'http-api',
      'click-api': 'http-api',
      'admin-api': 'http-api',
      'export-api': 'http-api',
      'outbound-events': 'pipe-enrichment',
    };
    const functions = {} as Record<FunctionName, AppFunction>;
    for (const name of FUNCTION_NAMES) {
      const more = extra[name] ?? {};
      functions[name] = new AppFunction(this, pascal(name), {
        name,
        invocation: invocation[name],
        logRetention,
        ...more,
        environment: { ...common, ...more.environment },
      });
      // Every function knows every table's name (names are not secrets; a missing one would silently
      // fall back to the local default). Access is granted separately and only where needed.
      for (const spec of TABLE_SPECS) functions[name].addTableName(table(spec));
    }
    this.functions = functions;

    // ---- Workflows (built so that started workflows exist first) ----------------------------------
    const stateMachines: Partial<Record<WorkflowName, sfn.IStateMachine>> = {};
    const workflows = {} as Record<WorkflowName, Workflow>;
    for (const spec of buildOrder(WORKFLOWS)) {
      const wf = new Workflow(this, `${pascal(spec.name)}Workflow`, {
        spec,
        logRetention,
        resources: { tables, functions, stateMachines, appBus: this.appBus },
      });
      workflows[spec.name] = wf;
      stateMachines[spec.name] = wf.stateMachine;
    }
    this.workflows = workflows;
    // Reconciliation continues as a new execution of itself, one page of partners each: StartExecution on its
    // own fixed name, formatted rather than referenced (a machine referencing its own ARN is a cycle).
    for (const spec of WORKFLOWS.filter((w) => w.continuesAsNew)) {
      workflows[spec.name].role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [
            this.formatArn({
              service: 'states',
              resource: 'stateMachine',
              resourceName: stateMachineNameFor(this.stackName, spec.name),
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
    }

    const startsWorkflows = (fn: AppFunction, names: WorkflowName[], sync: boolean): void => {
      for (const name of names) {
        const sm = workflows[name].stateMachine;
        fn.addEnvironment(stateMachineArnEnv(name), sm.stateMachineArn);
        if (sync) sm.grantStartSyncExecution(fn);
        else sm.grantStartExecution(fn);
      }
    };
    // Express first, Standard on failure: StartSyncExecution on a step's twin, StartExecution on the step.
    const ingestsSteps = (fn: AppFunction, steps: IngestedStep[]): void => {
      startsWorkflows(fn, steps.map(expressTwinOf), true);
      startsWorkflows(fn, steps, false);
    };
    ingestsSteps(functions['stripe-ingest'], ['payment', 'refund', 'dispute', 'subscription']);
    ingestsSteps(functions['app-ingest'], ['signup', 'verify']);
    startsWorkflows(functions['click-api'], ['click'], true);
    // A click counts on the partner's local day: one GetItem of its stats row's zone (cached per container).
    functions['click-api'].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table(STATS_TABLE).tableArn] }),
    );
    startsWorkflows(functions['admin-api'], ['registration', 'payout-status'], true);
    startsWorkflows(functions['admin-api'], ['commission', 'approval', 'payout'], false);
    // The dashboard sums the click counter shards with one BatchGetItem, and reads nothing else there.
    functions['dashboard-api'].addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchGetItem'],
        resources: [table(CLICK_COUNTERS_TABLE).tableArn],
      }),
    );
    functions['dashboard-api']
      .bindTable(table(STATS_TABLE), 'read')
      .bindIndexQuery(table(REFERRALS_TABLE), INDEX_NAMES.paidByPartner)
      .bindIndexQuery(table(COMMISSIONS_TABLE), INDEX_NAMES.commissionsByPartner)
      .bindIndexQuery(table(COMMISSIONS_TABLE), INDEX_NAMES.commissionsByPartnerStatus);
    // A chart's buckets: one Query of the partner's partition of the activity table, nothing else there.
    functions['dashboard-api'].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [table(ACTIVITY_TABLE).tableArn] }),
    );
    // A partner's payouts: a Query of the table's own partition (payouts, and claims it filters out by key).
    functions['dashboard-api'].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [table(PAYOUTS_TABLE).tableArn] }),
    );
    functions['admin-api']
      .bindIndexQuery(table(COMMISSIONS_TABLE), INDEX_NAMES.commissionsByStatus)
      .bindIndexQuery(table(PAYOUTS_TABLE), INDEX_NAMES.payoutsByStatus)
      .bindIndexQuery(table(PAYOUTS_TABLE), INDEX_NAMES.payoutsById);
    // A status change reads the payout it changes (consistently) before the payout-status workflow runs.
    functions['admin-api'].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table(PAYOUTS_TABLE).tableArn] }),
    );
    // A review reads the one commission it decides on (consistently) before starting the commission workflow.
    functions['admin-api'].addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [table(COMMISSIONS_TABLE).tableArn],
      }),
    );
    // The exports read page by page: a partner's commissions by their earnedAt index, a partner's payouts and
    // referrals from the table's partition, every partner's by Scan; the stats row says the partner exists.
    functions['export-api']
      .bindIndexQuery(table(COMMISSIONS_TABLE), INDEX_NAMES.commissionsByPartner)
      .addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table(STATS_TABLE).tableArn] }),
      );
    functions['export-api'].addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query', 'dynamodb:Scan'],
        resources: [table(PAYOUTS_TABLE).tableArn, table(REFERRALS_TABLE).tableArn],
      }),
    );
    functions['export-api'].addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [table(COMMISSIONS_TABLE).tableArn] }),
    );

    // ---- Outbound events: each ledger table's stream → outbound-events → the app bus -----------------
    this.outboundPipes = OUTBOUND_PIPES.map(
      (spec) =>
        new OutboundEventsPipe(this, spec.id, {
          spec,
          table: table(spec.table),
          enrichment: functions['outbound-events'],
          bus: this.appBus,
          deadLetterQueue: outboundEventsDlq.queue,
        }),
    );

    // ---- Event routing ----------------------------------------------------------------------------
    const targetOptions = {
      deadLetterQueue: eventTargetDlq.queue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(24),
    };
    new events.Rule(this, 'StripeEventsRule', {
      eventBus: this.stripeBus,
      description: 'Stripe payments, checkouts and cancellations to stripe-ingest',
      eventPattern: { source: events.Match.prefix(STRIPE_SOURCE_PREFIX), detailType: STRIPE_DETAIL_TYPES },
      targets: [new targets.LambdaFunction(functions['stripe-ingest'], targetOptions)],
    });
    // EventBridge drops an event no rule matches: a type the destination should not send is kept for ops.
    new events.Rule(this, 'UnhandledStripeTypeRule', {
      eventBus: this.stripeBus,
      description: 'Stripe events of a type nothing handles, kept for ops',
      eventPattern: {
        source: events.Match.prefix(STRIPE_SOURCE_PREFIX),
        detailType: events.Match.anythingBut(...STRIPE_DETAIL_TYPES),
      },
      targets: [new targets.SqsQueue(unroutedStripeEvents.queue, targetOptions)],
    });
    new events.Rule(this, 'AppEventsRule', {
      eventBus: this.appBus,
      description: 'Signups and verifications to app-ingest',
      eventPattern: { source: [APP_EVENT_SOURCE], detailType: APP_DETAIL_TYPES },
      targets: [new targets.LambdaFunction(functions['app-ingest'], targetOptions)],
    });
    new events.Rule(this, 'StatsPendingRule', {
      eventBus: this.appBus,
      description: 'Keeps compensation notices (stats pending) for ops',
      eventPattern: { source: [WORKFLOW_EVENT_SOURCE], detailType: [STATS_PENDING_DETAIL_TYPE] },
      targets: [new targets.SqsQueue(statsPendingNotices.queue, targetOptions)],
    });
    // EventBridge drops an event no rule matches; on the app bus, keep them so a wrong source is seen. The
    // ledger's outbound events are for integrators' rules (webhooks), not a wrong source.
    new events.Rule(this, 'UnknownAppSourceRule', {
      eventBus: this.appBus,
      description: 'Events from a source nothing handles, kept for ops',
      eventPattern: {
        source: events.Match.anythingBut(APP_EVENT_SOURCE, WORKFLOW_EVENT_SOURCE, LEDGER_EVENT_SOURCE),
      },
      targets: [new targets.SqsQueue(unroutedAppEvents.queue, targetOptions)],
    });
    new events.Rule(this, 'UnknownAppDetailTypeRule', {
      eventBus: this.appBus,
      description: 'App events of a detail-type nothing handles, kept for ops',
      eventPattern: { source: [APP_EVENT_SOURCE], detailType: events.Match.anythingBut(...APP_DETAIL_TYPES) },
      targets: [new targets.SqsQueue(unroutedAppEvents.queue, targetOptions)],
    });
    // Scheduled runs: each starts its workflow with {} (a run of its own, not a continuation).
    const scheduledRun = (id: string, description: string, schedule: events.Schedule, wf: WorkflowName) =>
      new events.Rule(this, id, {
        description,
        schedule,
        targets: [
          new targets.SfnStateMachine(workflows[wf].stateMachine, {
            input: events.RuleTargetInput.fromObject({}),
            ...targetOptions,
          }),
        ],
      });
    scheduledRun(
      'HourlyApproval',
      'Approves commissions whose hold period has ended',
      APPROVAL_SCHEDULE,
      'approval',
    );
    scheduledRun(
      'MonthlyPayouts',
      'Pays out every partner whose approved commissions reach the minimum',
      payoutScheduleOf(settings.payoutDayOfMonth),
      'payout',
    );
    scheduledRun(
      'NightlyReconciliation',
      'Nightly reconciliation of every partner',
      RECONCILIATION_SCHEDULE,
      'reconciliation',
    );

    if (settings.webhooks)
      this.webhooks = addWebhooks(this, { appBus: this.appBus, settings: settings.webhooks });

    // ---- Partner portal and HTTP API ----------------------------------------------------------------
    this.portal = new PortalSite(this, 'PartnerPortal', {
      logGroup: new logs.LogGroup(this, 'PortalDeployLogs', { retention: logRetention }),
    });
    this.api = new ReferralsHttpApi(this, 'HttpApi', {
      corsOrigins: [this.portal.origin],
      jwtIssuer: settings.jwtIssuer,
      jwtAudience: settings.jwtAudience,
      dashboard: functions['dashboard-api'],
      admin: functions['admin-api'],
      exports: functions['export-api'],
      click: functions['click-api'],
      logRetention,
      throttles: settings.throttles,
    });
    this.portal.publish({
      apiUrl: this.api.url,
      oidc: { ...settings.portal, audience: settings.jwtAudience },
    });

    // ---- Alarms -----------------------------------------------------------------------------------
    for (const name of [
      ...FACT_WORKFLOWS,
      'approval',
      'reconciliation',
      'payout',
      'payout-settlement',
    ] as const) {
      workflows[name].stateMachine
        .metricFailed({ period: Duration.minutes(5) })
        .createAlarm(this, `${pascal(name)}Failures`, {
          alarmDescription: `${name} workflow executions failed`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
    }

    // ---- Outputs ----------------------------------------------------------------------------------
    const out = (id: string, value: string, description: string): void => {
      new CfnOutput(this, id, { value, description });
    };
    out('PortalUrl', this.portal.url, 'Partner portal (also the OIDC redirect URI)');
    out('ReferralsTableName', table(REFERRALS_TABLE).tableName, 'PartnerReferrals table');
    out('StatsTableName', table(STATS_TABLE).tableName, 'PartnerStats table');
    out('ClicksTableName', table(CLICKS_TABLE).tableName, 'ReferralEvents (click log) table');
    out('CommissionsTableName', table(COMMISSIONS_TABLE).tableName, 'PartnerCommissions (ledger) table');
    out('PayoutsTableName', table(PAYOUTS_TABLE).tableName, 'PartnerPayouts table');
    out(
      'ClickCountersTableName',
      table(CLICK_COUNTERS_TABLE).tableName,
      'PartnerClickCounters (click shards) table',
    );
    out('AppBusName', this.appBus.eventBusName, 'App event bus');
    out('StripeBusName', this.stripeBus.eventBusName, 'Stripe partner event bus');
    for (const spec of WORKFLOWS) {
      out(
        `${pascal(spec.name)}StateMachineArn`,
        workflows[spec.name].stateMachine.stateMachineArn,
        `${spec.name} workflow`,
      );
    }
    out('ApiUrl', this.api.url, 'HTTP API base URL');
    out('EventTargetDlqUrl', eventTargetDlq.queue.queueUrl, 'EventBridge target dead-letter queue');
    out(
      'StripeIngestFailuresUrl',
      stripeIngestFailures.queue.queueUrl,
      'Rejected Stripe events, with the error',
    );
    out('AppIngestFailuresUrl', appIngestFailures.queue.queueUrl, 'Rejected app events, with the error');
    out('StatsPendingNoticesUrl', statsPendingNotices.queue.queueUrl, 'ReferralStatsPending notices');
    out('UnroutedAppEventsUrl', unroutedAppEvents.queue.queueUrl, 'App-bus events no workflow handles');
    out('UnroutedStripeEventsUrl', unroutedStripeEvents.queue.queueUrl, 'Stripe events of unhandled types');
    out(
      'OutboundEventsDlqUrl',
      outboundEventsDlq.queue.queueUrl,
      'Stream batches the outbound pipes gave up on',
    );
  }

  /**
   * A generated secret, passed to the functions as a CloudFormation dynamic reference (resolved at deploy),
   * with the reason it is not rotated automatically.
   */
  private generatedSecret(id: string, description: string, noRotationReason: string): string {
    const secret = new secrets.Secret(this, id, {
      description,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: noRotationReason });
    return secret.secretValue.unsafeUnwrap();
  }

  private generatedSalt(): string {
    return this.generatedSecret(
      'ClickIpSalt',
      'Salt of the click log IP hashes',
      'The salt pseudonymises click IPs; rotating it would make hashes of the same visitor incomparable within ' +
        'the 90-day click log and needs no rotation for confidentiality (the raw IP is never stored).',
    );
  }

  private generatedWebhookSecret(): string {
    return this.generatedSecret(
      'WebhookSigningSecret',
      'Signs the outbound events for webhook receivers (HMAC-SHA256, README: Outbound events)',
      'Receivers hold a copy of the signing secret: rotating it is a coordinated change with every integrator ' +
        '(signatures may carry several v1 entries during the switch), not an automatic rotation.',
    );
  }
}

function pascal(s: string): string {
  return s
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
