import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadLocalStackModel, type LocalStackModel } from '../../local/stack/model';
import {
  assertInventoryParity,
  diffInventory,
  modelInventory,
  stackInventory,
  type RunningInventory,
} from '../../local/stack/parity';
import { synthesizeLocalTemplate, type LocalTemplate } from '../../local/stack/synthesize';
import type { CfnResource, CfnTemplate } from '../../local/stack/template';

let outdir: string;
let synth: LocalTemplate;
let model: LocalStackModel;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'local-stack-parity-'));
  synth = synthesizeLocalTemplate({ outdir });
  model = loadLocalStackModel(synth.template, synth.assemblyDir);
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const doctored = (doctor: (t: CfnTemplate) => void): CfnTemplate => {
  const t = JSON.parse(JSON.stringify(synth.template)) as CfnTemplate;
  doctor(t);
  return t;
};
const copyOf = (t: CfnTemplate, logicalId: string): CfnResource =>
  JSON.parse(JSON.stringify(t.Resources[logicalId])) as CfnResource;
const sorted = (inventory: RunningInventory): RunningInventory =>
  Object.fromEntries(
    Object.entries(inventory).map(([kind, names]) => [kind, [...(names as string[])].sort()]),
  ) as unknown as RunningInventory;

describe('the real app', () => {
  test('the template declares the tables, indexes, state machines, rules, schedule and routes', () => {
    expect(sorted(stackInventory(synth.template))).toEqual({
      tables: [
        'PartnerActivity',
        'PartnerClickCounters',
        'PartnerCommissions',
        'PartnerPayouts',
        'PartnerReferrals',
        'PartnerStats',
        'ReferralEvents',
      ],
      indexes: [
        'PartnerCommissions/partnerId-earnedAt-index',
        'PartnerCommissions/partnerId-statusEarnedAt-index',
        'PartnerCommissions/status-dueAt-index',
        'PartnerPayouts/payoutId-index',
        'PartnerPayouts/status-createdAt-index',
        'PartnerReferrals/partnerId-paidAt-index',
        'PartnerReferrals/referredUserId-index',
      ],
      stateMachines: [
        'approval',
        'click',
        'commission',
        'dispute',
        'dispute-express',
        'payment',
        'payment-express',
        'payout',
        'payout-settlement',
        'payout-status',
        'reconciliation',
        'refund',
        'refund-express',
        'registration',
        'signup',
        'signup-express',
        'subscription',
        'subscription-express',
        'verify',
        'verify-express',
      ],
      rules: [
        'AppEventsRule',
        'StatsPendingRule',
        'StripeEventsRule',
        'UnhandledStripeTypeRule',
        'UnknownAppDetailTypeRule',
        'UnknownAppSourceRule',
      ],
      schedules: ['HourlyApproval', 'MonthlyPayouts', 'NightlyReconciliation'],
      routes: [
        'GET /admin/commissions',
        'GET /admin/exports/{exportName}',
        'GET /admin/partners/{partnerId}/activity',
        'GET /admin/partners/{partnerId}/dashboard',
        'GET /admin/payouts',
        'GET /partners/{partnerId}/activity',
        'GET /partners/{partnerId}/commissions',
        'GET /partners/{partnerId}/dashboard',
        'GET /partners/{partnerId}/exports/{exportName}',
        'GET /partners/{partnerId}/payouts',
        'GET /r/{partnerId}',
        'POST /admin/approvals',
        'POST /admin/partners',
        'POST /admin/partners/{partnerId}/commissions/{commissionId}/approve',
        'POST /admin/partners/{partnerId}/commissions/{commissionId}/reject',
        'POST /admin/payouts',
        'POST /admin/payouts/{payoutId}/cancel',
        'POST /admin/payouts/{payoutId}/failed',
        'POST /admin/payouts/{payoutId}/paid',
        'POST /admin/payouts/{payoutId}/processing',
      ],
      pipes: ['CommissionEventsPipe', 'PayoutEventsPipe'],
    });
  });

  test('the local model runs exactly what the template declares', () => {
    const declared = stackInventory(synth.template);
    const running = modelInventory(model);
    expect(diffInventory(declared, running)).toEqual({ missing: [], extra: [] });
    expect(() => assertInventoryParity(declared, running)).not.toThrow();
  });
});

describe('a template that changed under the local stack', () => {
  test('a new table, index, state machine, rule, schedule and route show up as missing', () => {
    const template = doctored((t) => {
      const path = (id: string) => ({ 'aws:cdk:path': `PartnerReferrals/${id}/Resource` });
      t.Resources.AuditLog = {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: 'AuditLog',
          GlobalSecondaryIndexes: [{ IndexName: 'byActor-index' }],
        },
        Metadata: path('AuditLog'),
      };
      t.Resources.PayoutStateMachine = {
        ...copyOf(t, 'PaymentWorkflowStateMachine19CA364F'),
        Metadata: { 'aws:cdk:path': 'PartnerReferrals/AuditWorkflow/StateMachine/Resource' },
      };
      t.Resources.PayoutsRule = {
        Type: 'AWS::Events::Rule',
        Properties: { EventPattern: { source: ['payouts'] }, Targets: [] },
        Metadata: path('PayoutsRule'),
      };
      t.Resources.WeeklyReport = {
        Type: 'AWS::Events::Rule',
        Properties: { ScheduleExpression: 'rate(7 days)', Targets: [] },
        Metadata: path('WeeklyReport'),
      };
      t.Resources.PayoutRoute = {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: { RouteKey: 'POST /payouts' },
        Metadata: path('PayoutRoute'),
      };
    });
    expect(diffInventory(stackInventory(template), modelInventory(model))).toEqual({
      missing: [
        'index AuditLog/byActor-index',
        'route POST /payouts',
        'rule PayoutsRule',
        'schedule WeeklyReport',
        'stateMachine audit',
        'table AuditLog',
      ],
      extra: [],
    });
  });

  test('a removed rule, route and index show up as extra', () => {
    const template = doctored((t) => {
      delete t.Resources.StatsPendingRule8F492D45;
      delete t.Resources.HttpApiGETrpartnerId6745A3B9;
      const referrals = t.Resources.PartnerReferrals60547300?.Properties as {
        GlobalSecondaryIndexes: unknown[];
      };
      referrals.GlobalSecondaryIndexes = referrals.GlobalSecondaryIndexes.slice(0, 1);
    });
    const diff = diffInventory(stackInventory(template), modelInventory(model));
    expect(diff).toEqual({
      missing: [],
      extra: [
        'index PartnerReferrals/partnerId-paidAt-index',
        'route GET /r/{partnerId}',
        'rule StatsPendingRule',
      ],
    });
    expect(() => assertInventoryParity(stackInventory(template), modelInventory(model))).toThrow(
      'extra (running locally, not in the template): rule StatsPendingRule',
    );
  });

  test("the ledger's schedule, rule, state machine and indexes are checked like the rest", () => {
    const byPath = (t: CfnTemplate, cdkPath: string): string => {
      const ids = Object.keys(t.Resources).filter(
        (id) => t.Resources[id]?.Metadata?.['aws:cdk:path'] === cdkPath,
      );
      if (ids.length !== 1) throw new Error(`expected one resource at ${cdkPath}, found ${ids.join(', ')}`);
      return ids[0] as string;
    };
    const template = doctored((t) => {
      delete t.Resources[byPath(t, 'PartnerReferrals/HourlyApproval/Resource')];
      delete t.Resources[byPath(t, 'PartnerReferrals/UnhandledStripeTypeRule/Resource')];
      delete t.Resources[byPath(t, 'PartnerReferrals/ApprovalWorkflow/StateMachine/Resource')];
      const ledger = t.Resources[byPath(t, 'PartnerReferrals/PartnerCommissions/Resource')]?.Properties as {
        GlobalSecondaryIndexes: unknown[];
      };
      ledger.GlobalSecondaryIndexes = [];
    });
    expect(diffInventory(stackInventory(template), modelInventory(model))).toEqual({
      missing: [],
      extra: [
        'index PartnerCommissions/partnerId-earnedAt-index',
        'index PartnerCommissions/partnerId-statusEarnedAt-index',
        'index PartnerCommissions/status-dueAt-index',
        'rule UnhandledStripeTypeRule',
        'schedule HourlyApproval',
        'stateMachine approval',
      ],
    });
  });

  test('a model loaded from the changed template follows it (no hand-kept list)', () => {
    const template = doctored((t) => {
      delete t.Resources.StatsPendingRule8F492D45;
      const clicks = copyOf(t, 'ReferralEventsF57A2872');
      t.Resources.ArchiveTable = {
        ...clicks,
        Properties: { ...clicks.Properties, TableName: 'ReferralEventsArchive' },
        Metadata: { 'aws:cdk:path': 'PartnerReferrals/ReferralEventsArchive/Resource' },
      };
    });
    const running = modelInventory(loadLocalStackModel(template, synth.assemblyDir));
    expect(diffInventory(stackInventory(template), running)).toEqual({ missing: [], extra: [] });
    expect(running.tables).toContain('ReferralEventsArchive');
    expect(running.rules).not.toContain('StatsPendingRule');
  });
});
