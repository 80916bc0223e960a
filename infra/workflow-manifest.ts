import * as path from 'node:path';
import type { WorkflowName } from '../domain/config';
import { CLICKS_TABLE, REFERRALS_TABLE, STATS_TABLE, type TableSpec } from './table-specs';

/**
 * Every state machine, its ASL file and what it touches. CDK grants IAM and builds
 * `definitionSubstitutions` from this list; the offline runtime resolves the same keys to local names.
 */
export const FUNCTION_NAMES = [
  'payment-compute',
  'reconciliation-compute',
  'stripe-ingest',
  'app-ingest',
  'dashboard-api',
  'click-api',
  'admin-api',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export type TableAccess = 'read' | 'readWrite';

export interface WorkflowSpec {
  name: WorkflowName;
  type: 'STANDARD' | 'EXPRESS';
  tables: { table: TableSpec; access: TableAccess }[];
  /** Lambda functions the workflow invokes (compute only). */
  invokes: FunctionName[];
  /** Workflows it starts (replaying parked events). */
  starts: WorkflowName[];
  /** Whether it emits events on the app bus (compensation notices). */
  putsEvents: boolean;
}

/** Every workflow past the click writes a referral and its partner's stats. */
const REFERRAL_WORKFLOW_TABLES: WorkflowSpec['tables'] = [
  { table: STATS_TABLE, access: 'readWrite' },
  { table: REFERRALS_TABLE, access: 'readWrite' },
];

export const WORKFLOWS: readonly WorkflowSpec[] = [
  {
    name: 'registration',
    type: 'EXPRESS',
    tables: [{ table: STATS_TABLE, access: 'readWrite' }],
    invokes: [],
    starts: [],
    putsEvents: false,
  },
  {
    name: 'click',
    type: 'EXPRESS',
    tables: [
      { table: STATS_TABLE, access: 'readWrite' },
      { table: CLICKS_TABLE, access: 'readWrite' },
    ],
    invokes: [],
    starts: [],
    putsEvents: false,
  },
  {
    name: 'signup',
    type: 'STANDARD',
    tables: REFERRAL_WORKFLOW_TABLES,
    invokes: [],
    starts: ['verify', 'payment', 'cancellation'],
    putsEvents: true,
  },
  {
    name: 'verify',
    type: 'STANDARD',
    tables: REFERRAL_WORKFLOW_TABLES,
    invokes: [],
    starts: [],
    putsEvents: true,
  },
  {
    name: 'payment',
    type: 'STANDARD',
    tables: REFERRAL_WORKFLOW_TABLES,
    invokes: ['payment-compute'],
    starts: ['cancellation'],
    putsEvents: true,
  },
  {
    name: 'cancellation',
    type: 'STANDARD',
    tables: REFERRAL_WORKFLOW_TABLES,
    invokes: [],
    starts: [],
    putsEvents: true,
  },
  {
    name: 'reconciliation',
    type: 'STANDARD',
    tables: REFERRAL_WORKFLOW_TABLES,
    invokes: ['reconciliation-compute'],
    starts: [],
    putsEvents: false,
  },
];

export const STATE_MACHINES_DIR = path.join(__dirname, '..', 'statemachines');
export const aslPathOf = (name: WorkflowName): string => path.join(STATE_MACHINES_DIR, `${name}.asl.json`);

const pascal = (s: string): string =>
  s
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** Substitution keys, as they appear in the ASL files: `${StatsTableName}`, `${PaymentComputeFunctionArn}`. */
export const functionKey = (fn: FunctionName): string => `${pascal(fn)}FunctionArn`;
export const stateMachineKey = (wf: WorkflowName): string => `${pascal(wf)}StateMachineArn`;
export const APP_BUS_KEY = 'AppBusName';

/** How one side (CDK tokens, or local names) names the resources a workflow uses. */
export interface ResourceNames {
  tableName(table: TableSpec): string;
  functionArn(fn: FunctionName): string;
  stateMachineArn(wf: WorkflowName): string;
  appBusName: string;
}

/** The `definitionSubstitutions` of one workflow: exactly the keys its ASL uses. */
export function substitutionsFor(wf: WorkflowSpec, names: ResourceNames): Record<string, string> {
  const subs: Record<string, string> = {};
  for (const { table } of wf.tables) subs[table.substitutionKey] = names.tableName(table);
  for (const fn of wf.invokes) subs[functionKey(fn)] = names.functionArn(fn);
  for (const target of wf.starts) subs[stateMachineKey(target)] = names.stateMachineArn(target);
  if (wf.putsEvents) subs[APP_BUS_KEY] = names.appBusName;
  return subs;
}
