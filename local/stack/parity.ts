import { LocalNames, workflowNameOfPath } from './local-names';
import type { LocalStackModel } from './model';
import { resourcesOfType, type CfnTemplate } from './template';

/**
 * The resources of the kinds the issue names, by local name: tables (`PartnerStats`), indexes
 * (`PartnerReferrals/referredUserId-index`), state machines (`payment`), rules with an event pattern
 * and schedules (`StripeEventsRule`, `NightlyReconciliation`), routes (`GET /r/{partnerId}`), pipes
 * (`CommissionEventsPipe`).
 * The local cloud reports what it actually runs in this shape.
 */
export interface RunningInventory {
  tables: string[];
  indexes: string[];
  stateMachines: string[];
  rules: string[];
  schedules: string[];
  routes: string[];
  pipes: string[];
}

export type InventoryKind = keyof RunningInventory;
export const INVENTORY_KINDS: readonly InventoryKind[] = [
  'tables',
  'indexes',
  'stateMachines',
  'rules',
  'schedules',
  'routes',
  'pipes',
];

/** Entries read `table PartnerStats`, `route GET /r/{partnerId}`, … */
export interface InventoryDiff {
  /** Declared by the template, not run locally. */
  missing: string[];
  /** Run locally, not declared by the template. */
  extra: string[];
}

const SINGULAR: Record<InventoryKind, string> = {
  tables: 'table',
  indexes: 'index',
  stateMachines: 'stateMachine',
  rules: 'rule',
  schedules: 'schedule',
  routes: 'route',
  pipes: 'pipe',
};

/** What the template declares, read straight from its resources (not through the model). */
export function stackInventory(template: CfnTemplate): RunningInventory {
  const names = new LocalNames(template);
  const ids = (type: string): string[] => resourcesOfType(template, type).map(([id]) => id);
  const props = (id: string): Record<string, unknown> => template.Resources[id]?.Properties ?? {};
  const rulesWith = (key: string): string[] =>
    ids('AWS::Events::Rule')
      .filter((id) => props(id)[key] !== undefined)
      .map((id) => names.identity(id).name);
  return {
    tables: ids('AWS::DynamoDB::Table').map((id) => names.identity(id).name),
    indexes: ids('AWS::DynamoDB::Table').flatMap((id) => {
      const indexes = [
        ...((props(id).GlobalSecondaryIndexes ?? []) as { IndexName: string }[]),
        ...((props(id).LocalSecondaryIndexes ?? []) as { IndexName: string }[]),
      ];
      return indexes.map((index) => `${names.identity(id).name}/${index.IndexName}`);
    }),
    // Unchecked name: a workflow the runtime does not know is declared all the same (and so missing).
    stateMachines: ids('AWS::StepFunctions::StateMachine').map((id) => workflowNameOfPath(template, id)),
    rules: rulesWith('EventPattern'),
    schedules: rulesWith('ScheduleExpression'),
    routes: ids('AWS::ApiGatewayV2::Route').map((id) => String(props(id).RouteKey)),
    pipes: ids('AWS::Pipes::Pipe').map((id) => names.identity(id).name),
  };
}

/** What a local cloud built from this model would run (the cloud reports its own; this is the model's view). */
export function modelInventory(model: LocalStackModel): RunningInventory {
  return {
    tables: model.tables.map((t) => t.tableName),
    indexes: model.tables.flatMap((t) =>
      [
        ...(t.createTableInput.GlobalSecondaryIndexes ?? []),
        ...(t.createTableInput.LocalSecondaryIndexes ?? []),
      ].map((index) => `${t.tableName}/${index.IndexName}`),
    ),
    stateMachines: model.workflows.map((w) => w.name),
    rules: model.rules.flatMap((r) => (r.eventPattern ? [r.name] : [])),
    schedules: model.rules.flatMap((r) => (r.scheduleExpression ? [r.name] : [])),
    routes: model.routes.map((r) => r.routeKey),
    pipes: model.pipes.map((p) => p.name),
  };
}

const entries = (inventory: RunningInventory): Set<string> =>
  new Set(INVENTORY_KINDS.flatMap((kind) => inventory[kind].map((name) => `${SINGULAR[kind]} ${name}`)));

export function diffInventory(declared: RunningInventory, running: RunningInventory): InventoryDiff {
  const [want, have] = [entries(declared), entries(running)];
  return {
    missing: [...want].filter((e) => !have.has(e)).sort(),
    extra: [...have].filter((e) => !want.has(e)).sort(),
  };
}

/** Throws, listing both sides, unless the local stack runs exactly what the template declares. */
export function assertInventoryParity(declared: RunningInventory, running: RunningInventory): void {
  const { missing, extra } = diffInventory(declared, running);
  if (missing.length === 0 && extra.length === 0) return;
  const lines = [
    ...missing.map((e) => `  missing (in the template, not running locally): ${e}`),
    ...extra.map((e) => `  extra (running locally, not in the template): ${e}`),
  ];
  throw new Error(`The local stack does not run what the template declares:\n${lines.join('\n')}`);
}
