import * as path from 'node:path';
import {
  expressTwinOf,
  FACT_WORKFLOWS,
  INGESTED_STEPS,
  type FactWorkflowName,
  type IngestedStep,
  type WorkflowName,
} from '../domain/config';
import {
  ACTIVITY_TABLE,
  CLICK_COUNTERS_TABLE,
  CLICKS_TABLE,
  COMMISSIONS_TABLE,
  PAYOUTS_TABLE,
  REFERRALS_TABLE,
  STATS_TABLE,
  type TableSpec,
} from './table-specs';

/**
 * Every state machine, its ASL file and what it touches. CDK grants IAM and builds
 * `definitionSubstitutions` from this list; the offline runtime resolves the same keys to local names.
 */
export const FUNCTION_NAMES = [
  'referral-compute',
  'reconciliation-compute',
  'stripe-ingest',
  'app-ingest',
  'dashboard-api',
  'click-api',
  'admin-api',
  'payout-compute',
  'export-api',
  'outbound-events',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export type TableAccess = 'read' | 'readWrite';

export interface TableGrant {
  table: TableSpec;
  access: TableAccess;
  /**
   * Written only through a transaction a Lambda plans (the compute it invokes, or the caller that starts it):
   * granted, but the ASL never names it.
   */
  namedByCompute?: true;
}

export interface WorkflowSpec {
  name: WorkflowName;
  /** The ASL file, `statemachines/<definition>.asl.json`; the lifecycle steps share one. */
  definition: string;
  type: 'STANDARD' | 'EXPRESS';
  /**
   * Which execution history events go to CloudWatch Logs, always with execution data
   * (https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html). Fit for the volume:
   * ERROR (failures only) where executions are many or Standard already keeps the history; ALL only where
   * Express leaves no other record and executions are few. See `infra/constructs/workflow.ts`.
   */
  logLevel: 'ALL' | 'ERROR' | 'FATAL' | 'OFF';
  tables: TableGrant[];
  /** Lambda functions the workflow invokes (compute only). */
  invokes: FunctionName[];
  /** Workflows it starts by a substituted ARN. */
  starts: WorkflowName[];
  /** Starts itself (`$$.StateMachine.Id`) to continue as a new execution; granted on its own fixed name. */
  continuesAsNew?: true;
  /** Starts lifecycle workflows by the ARN a parked fact carries (replays once a Stripe id is linked). */
  replaysParkedFacts: boolean;
  /**
   * The lifecycle step whose Standard machine a fact parked here names for its replay
   * (`${ParkedFactStateMachineArn}`): the step itself, or for an Express twin its Standard step, since a
   * replay is an asynchronous start whose failure must be retried and kept.
   */
  parksFactsFor?: FactWorkflowName;
  /** Whether it emits events on the app bus (compensation notices). */
  putsEvents: boolean;
}

/** Every lifecycle step writes referrals and their facts, the ledger (through its compute) and the stats. */
const LIFECYCLE_TABLES: WorkflowSpec['tables'] = [
  { table: STATS_TABLE, access: 'readWrite' },
  { table: REFERRALS_TABLE, access: 'readWrite' },
  { table: COMMISSIONS_TABLE, access: 'readWrite', namedByCompute: true },
  { table: ACTIVITY_TABLE, access: 'readWrite', namedByCompute: true },
];

const lifecycleStep = (name: FactWorkflowName): WorkflowSpec => ({
  name,
  definition: 'referral-fact',
  type: 'STANDARD',
  logLevel: 'ERROR',
  tables: LIFECYCLE_TABLES,
  invokes: ['referral-compute'],
  starts: [],
  replaysParkedFacts: true,
  parksFactsFor: name,
  putsEvents: true,
});

/**
 * The Express twin of an ingested step: the same ASL and grants, run first by the ingest with
 * StartSyncExecution (see `INGESTED_STEPS`). ERROR with execution data: a failed attempt is logged with its
 * data, and is also seen as the Standard execution it causes, with its whole history.
 */
const expressTwin = (step: IngestedStep): WorkflowSpec => ({
  ...lifecycleStep(step),
  name: expressTwinOf(step),
  type: 'EXPRESS',
  parksFactsFor: step,
});

export const WORKFLOWS: readonly WorkflowSpec[] = [
  {
    name: 'registration',
    definition: 'registration',
    type: 'EXPRESS',
    logLevel: 'ALL',
    tables: [{ table: STATS_TABLE, access: 'readWrite' }],
    invokes: [],
    starts: [],
    replaysParkedFacts: false,
    putsEvents: false,
  },
  {
    name: 'click',
    definition: 'click',
    type: 'EXPRESS',
    logLevel: 'ERROR',
    // The stats row is only read (is the partner registered?) when a shard is created; clicks never write it.
    tables: [
      { table: STATS_TABLE, access: 'read' },
      { table: CLICKS_TABLE, access: 'readWrite' },
      { table: CLICK_COUNTERS_TABLE, access: 'readWrite' },
    ],
    invokes: [],
    starts: [],
    replaysParkedFacts: false,
    putsEvents: false,
  },
  ...FACT_WORKFLOWS.map(lifecycleStep),
  ...INGESTED_STEPS.map(expressTwin),
  {
    name: 'approval',
    definition: 'approval',
    type: 'STANDARD',
    logLevel: 'ERROR',
    tables: [{ table: COMMISSIONS_TABLE, access: 'read' }],
    invokes: [],
    starts: ['commission'],
    replaysParkedFacts: false,
    putsEvents: false,
  },
  {
    name: 'reconciliation',
    definition: 'reconciliation',
    type: 'STANDARD',
    logLevel: 'ERROR',
    tables: [
      { table: STATS_TABLE, access: 'readWrite' },
      { table: REFERRALS_TABLE, access: 'readWrite' },
      { table: COMMISSIONS_TABLE, access: 'read' },
      // Clearing a pending marker applies its recorded activity days (the compute names the table).
      { table: ACTIVITY_TABLE, access: 'readWrite', namedByCompute: true },
    ],
    invokes: ['reconciliation-compute'],
    starts: [],
    // One page of partners per execution, then the next page in a new execution of itself.
    continuesAsNew: true,
    replaysParkedFacts: false,
    putsEvents: false,
  },
  {
    name: 'payout',
    definition: 'payout',
    type: 'STANDARD',
    logLevel: 'ERROR',
    tables: [
      { table: STATS_TABLE, access: 'read' },
      { table: COMMISSIONS_TABLE, access: 'read' },
      { table: PAYOUTS_TABLE, access: 'readWrite' },
    ],
    invokes: ['payout-compute'],
    starts: [],
    // One page of partners per execution, like reconciliation.
    continuesAsNew: true,
    replaysParkedFacts: false,
    putsEvents: false,
  },
  {
    // Few executions (an admin's clicks), and Express keeps no history of its own: log them all.
    name: 'payout-status',
    definition: 'payout-status',
    type: 'EXPRESS',
    logLevel: 'ALL',
    // The change is a transaction the admin API plans (domain/payout-plan.ts).
    tables: [{ table: PAYOUTS_TABLE, access: 'readWrite', namedByCompute: true }],
    invokes: [],
    starts: ['payout-settlement'],
    replaysParkedFacts: false,
    putsEvents: false,
  },
  {
    name: 'payout-settlement',
    definition: 'payout-settlement',
    type: 'STANDARD',
    logLevel: 'ERROR',
    tables: [],
    invokes: [],
    starts: ['commission'],
    replaysParkedFacts: false,
    putsEvents: false,
  },
];

export const STATE_MACHINES_DIR = path.join(__dirname, '..', 'statemachines');
export const aslPathOf = (spec: Pick<WorkflowSpec, 'definition'>): string =>
  path.join(STATE_MACHINES_DIR, `${spec.definition}.asl.json`);

const pascal = (s: string): string =>
  s
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** Substitution keys, as they appear in the ASL files: `${StatsTableName}`, `${PaymentComputeFunctionArn}`. */
export const functionKey = (fn: FunctionName): string => `${pascal(fn)}FunctionArn`;
export const stateMachineKey = (wf: WorkflowName): string => `${pascal(wf)}StateMachineArn`;
export const APP_BUS_KEY = 'AppBusName';
export const PARKED_FACT_MACHINE_KEY = 'ParkedFactStateMachineArn';

/** How one side (CDK tokens, or local names) names the resources a workflow uses. */
export interface ResourceNames {
  tableName(table: TableSpec): string;
  functionArn(fn: FunctionName): string;
  stateMachineArn(wf: WorkflowName): string;
  /** A state machine's ARN from its fixed name, not a reference: a machine may name itself. */
  stateMachineArnByName(wf: WorkflowName): string;
  appBusName: string;
}

/** The `definitionSubstitutions` of one workflow: exactly the keys its ASL uses. */
export function substitutionsFor(wf: WorkflowSpec, names: ResourceNames): Record<string, string> {
  const subs: Record<string, string> = {};
  for (const { table, namedByCompute } of wf.tables) {
    if (!namedByCompute) subs[table.substitutionKey] = names.tableName(table);
  }
  for (const fn of wf.invokes) subs[functionKey(fn)] = names.functionArn(fn);
  for (const target of wf.starts) subs[stateMachineKey(target)] = names.stateMachineArn(target);
  if (wf.parksFactsFor) subs[PARKED_FACT_MACHINE_KEY] = names.stateMachineArnByName(wf.parksFactsFor);
  if (wf.putsEvents) subs[APP_BUS_KEY] = names.appBusName;
  return subs;
}
