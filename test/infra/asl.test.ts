import * as fs from 'node:fs';
import * as path from 'node:path';
import { expressTwinOf, FACT_WORKFLOWS, INGESTED_STEPS } from '../../domain/config';
import { READ_ACTIONS, WRITE_ACTIONS } from '../../infra/constructs/tables';
import { STATS_PENDING_DETAIL_TYPE, WORKFLOW_EVENT_SOURCE } from '../../infra/partner-referrals-stack';
import {
  APP_BUS_KEY,
  PARKED_FACT_MACHINE_KEY,
  STATE_MACHINES_DIR,
  WORKFLOWS,
  aslPathOf,
  functionKey,
  stateMachineKey,
  substitutionsFor,
  type WorkflowSpec,
} from '../../infra/workflow-manifest';

// asl-validator ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

type Json = Record<string, unknown>;
interface TaskState {
  path: string;
  state: Json;
}

/** The Task resources our offline runtime implements (JSONPath request-response integrations). */
const DYNAMODB_OPTIMIZED = ['getItem', 'putItem', 'updateItem', 'deleteItem'];
const OFFLINE_RESOURCES = [
  ...DYNAMODB_OPTIMIZED.map((op) => `arn:aws:states:::dynamodb:${op}`),
  'arn:aws:states:::lambda:invoke',
  'arn:aws:states:::events:putEvents',
  'arn:aws:states:::states:startExecution',
];
const isAllowedResource = (resource: string): boolean =>
  OFFLINE_RESOURCES.includes(resource) || /^arn:aws:states:::aws-sdk:dynamodb:[a-z][A-Za-z]+$/.test(resource);

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
const placeholdersOf = (text: string): string[] => [
  ...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string)),
];

/** Substitutes every `${Key}` with a realistic value, as Step Functions does at deployment. */
function substituted(text: string): unknown {
  return JSON.parse(
    text.replace(PLACEHOLDER, (_m, key: string) => {
      if (key.endsWith('FunctionArn')) return `arn:aws:lambda:us-east-1:123456789012:function:${key}`;
      if (key.endsWith('StateMachineArn')) return `arn:aws:states:us-east-1:123456789012:stateMachine:${key}`;
      return key;
    }),
  );
}

/** Every state, at any depth (Parallel branches, Map processors). */
function allStates(states: Json, prefix = ''): TaskState[] {
  const out: TaskState[] = [];
  for (const [name, raw] of Object.entries(states)) {
    const state = raw as Json;
    const here = `${prefix}${name}`;
    out.push({ path: here, state });
    for (const branch of (state.Branches as { States: Json }[] | undefined) ?? []) {
      out.push(...allStates(branch.States, `${here}/`));
    }
    for (const key of ['ItemProcessor', 'Iterator']) {
      const processor = state[key] as { States: Json } | undefined;
      if (processor) out.push(...allStates(processor.States, `${here}/`));
    }
  }
  return out;
}

/** Every key at any depth of a JSON value. */
function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [k, ...allKeys(v)]);
  }
  return [];
}

const files = fs.readdirSync(STATE_MACHINES_DIR).filter((f) => f.endsWith('.asl.json'));
const read = (spec: WorkflowSpec): { text: string; definition: Json } => {
  const text = fs.readFileSync(aslPathOf(spec), 'utf8');
  return { text, definition: JSON.parse(text) as Json };
};
/** One case per workflow: a file shared by several workflows is checked once for each of them. */
const cases = WORKFLOWS.map((w) => [w.name, w.definition, w] as const);

/** Every Task at any depth of a workflow's ASL. */
const tasksOf = (spec: WorkflowSpec): TaskState[] =>
  allStates(read(spec).definition.States as Json).filter((s) => s.state.Type === 'Task');

/** The lifecycle steps and the Express twins of the ingested ones: every deployment of referral-fact.asl.json. */
const LIFECYCLE_MACHINES = [...FACT_WORKFLOWS, ...INGESTED_STEPS.map(expressTwinOf)];
/** Names as the manifest's keys: a state machine by its workflow name, referenced or formatted. */
const NAMES = {
  tableName: (t: { tableName: string }) => t.tableName,
  functionArn: (fn: string) => fn,
  stateMachineArn: (wf: string) => wf,
  stateMachineArnByName: (wf: string) => `named:${wf}`,
  appBusName: 'bus',
};

/** A replay's target: the `stateMachineArn` attribute of a parked fact, as DynamoDB returns it. */
/** The running state machine's own ARN: what an execution that continues as a new one starts. */
const SELF = '$$.StateMachine.Id';
const PARKED_FACT_ARN = /\.stateMachineArn\.S$/;

test('every ASL file belongs to a manifest workflow and every workflow has one', () => {
  const definitions = [...new Set(WORKFLOWS.map((w) => path.basename(aslPathOf(w))))];
  expect(files.sort()).toEqual(definitions.sort());
  for (const spec of WORKFLOWS) expect(fs.existsSync(aslPathOf(spec))).toBe(true);
});

test('the seven lifecycle steps and their Express twins share referral-fact.asl.json; every other workflow has its own file', () => {
  const sharing: string[] = WORKFLOWS.filter((w) => w.definition === 'referral-fact').map((w) => w.name);
  expect(sharing).toEqual(LIFECYCLE_MACHINES);
  for (const spec of WORKFLOWS.filter((w) => !sharing.includes(w.name))) {
    expect([spec.name, spec.definition]).toEqual([spec.name, spec.name]);
  }
});

test('only the lifecycle machines replay parked facts, and they park them for Standard steps (the IAM replay grant)', () => {
  expect(WORKFLOWS.filter((w) => w.replaysParkedFacts).map((w) => w.name)).toEqual(LIFECYCLE_MACHINES);
  const parkedFor = WORKFLOWS.flatMap((w) => (w.parksFactsFor ? [w.parksFactsFor] : []));
  expect(new Set(parkedFor)).toEqual(new Set(FACT_WORKFLOWS));
});

describe.each(cases)('%s (statemachines/%s.asl.json)', (_name, _definition, spec) => {
  test('is valid Amazon States Language (asl-validator, paths and ARNs checked after substitution)', () => {
    const { text } = read(spec);
    const result = aslValidator(substituted(text), { checkPaths: true, checkArn: true });
    expect(result.isValid ? '' : result.errorsText('\n')).toBe('');
  });

  test('uses exactly the substitution keys the manifest gives it', () => {
    const keys = Object.keys(substitutionsFor(spec, NAMES)).sort();
    expect(placeholdersOf(read(spec).text).sort()).toEqual(keys);
  });

  test('is JSONPath only: no JSONata, no variables', () => {
    const { definition } = read(spec);
    const keys = allKeys(definition);
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const { path: p, state } of allStates(definition.States as Json)) {
      expect([p, state.QueryLanguage ?? 'JSONPath']).toEqual([p, 'JSONPath']);
    }
    for (const jsonataOnly of ['Assign', 'Arguments', 'Output']) expect(keys).not.toContain(jsonataOnly);
    expect(read(spec).text).not.toMatch(/\{%/);
  });

  test('every Task uses an integration the offline runtime implements, request-response only', () => {
    const tasks = tasksOf(spec);
    for (const { path: p, state } of tasks) {
      expect([p, isAllowedResource(state.Resource as string)]).toEqual([p, true]);
    }
  });

  test('every Task reaches only resources its manifest entry grants', () => {
    const tasks = tasksOf(spec);
    const tableAccess = new Map(spec.tables.map((t) => [`\${${t.table.substitutionKey}}`, t.access]));
    const problems: string[] = [];
    const needs = (p: string, table: unknown, action: string): void => {
      const access = typeof table === 'string' ? tableAccess.get(table) : undefined;
      if (!access) {
        problems.push(`${p}: table ${String(table)} is not a literal manifest table`);
        return;
      }
      const granted = access === 'readWrite' ? [...READ_ACTIONS, ...WRITE_ACTIONS] : READ_ACTIONS;
      if (!granted.includes(action)) problems.push(`${p}: ${action} on ${table} needs ${access} → more`);
    };

    for (const { path: p, state } of tasks) {
      const resource = state.Resource as string;
      const params = (state.Parameters ?? {}) as Json;
      const op = resource.split(':').pop() as string;
      const action = `dynamodb:${op.charAt(0).toUpperCase()}${op.slice(1)}`;
      if (resource.startsWith('arn:aws:states:::dynamodb:')) {
        needs(p, params.TableName, action);
      } else if (resource.startsWith('arn:aws:states:::aws-sdk:dynamodb:')) {
        if (op === 'transactWriteItems' || op === 'transactGetItems') {
          const itemAction: Record<string, string> = {
            Put: 'dynamodb:PutItem',
            Update: 'dynamodb:UpdateItem',
            Delete: 'dynamodb:DeleteItem',
            ConditionCheck: 'dynamodb:ConditionCheckItem',
            Get: 'dynamodb:GetItem',
          };
          const items = params.TransactItems;
          // Items built at run time (a compute Lambda plans them) cannot be checked here; the role confines
          // them to the workflow's readWrite tables. A table only the compute names must be one of those; a
          // read-only table (the ledger reconciliation reports on) is named by the literal read Tasks above.
          const dynamic = params['TransactItems.$'] !== undefined;
          if (dynamic && !spec.tables.some((t) => t.access === 'readWrite')) {
            problems.push(`${p}: run-time TransactItems in a workflow with no readWrite table`);
          }
          for (const t of dynamic ? spec.tables : []) {
            if (t.namedByCompute && t.access !== 'readWrite') {
              problems.push(`${p}: ${t.table.id} is named by the compute only, so it needs readWrite`);
            }
          }
          if (!dynamic && !Array.isArray(items)) problems.push(`${p}: TransactItems must be a list`);
          for (const item of (items as Json[] | undefined) ?? []) {
            for (const [kind, body] of Object.entries(item)) {
              needs(p, (body as Json).TableName, itemAction[kind] ?? `unknown ${kind}`);
            }
          }
        } else {
          needs(p, params.TableName, action);
        }
      } else if (resource === 'arn:aws:states:::lambda:invoke') {
        const allowed = spec.invokes.map((fn) => `\${${functionKey(fn)}}`);
        if (!allowed.includes(params.FunctionName as string)) {
          problems.push(`${p}: invokes ${String(params.FunctionName)}, not in ${allowed.join(', ')}`);
        }
      } else if (resource === 'arn:aws:states:::states:startExecution') {
        const replayed = params['StateMachineArn.$'];
        if (replayed === SELF && spec.continuesAsNew) {
          // Continuing as a new execution of itself; the role grants its own machine by name.
          if (params.StateMachineArn !== undefined) problems.push(`${p}: both a literal and a run-time ARN`);
        } else if (replayed !== undefined) {
          // A run-time ARN only as a replay of a parked fact; the role grants the lifecycle machines by name.
          if (!spec.replaysParkedFacts) {
            problems.push(
              `${p}: starts the run-time ARN ${String(replayed)}, but replaysParkedFacts is false`,
            );
          } else if (typeof replayed !== 'string' || !PARKED_FACT_ARN.test(replayed)) {
            problems.push(`${p}: starts ${String(replayed)}, which is not a parked fact's stateMachineArn`);
          }
          if (params.StateMachineArn !== undefined) problems.push(`${p}: both a literal and a run-time ARN`);
        } else {
          const allowed = spec.starts.map((wf) => `\${${stateMachineKey(wf)}}`);
          if (!allowed.includes(params.StateMachineArn as string)) {
            problems.push(`${p}: starts ${String(params.StateMachineArn)}, not in ${allowed.join(', ')}`);
          }
        }
      } else if (resource === 'arn:aws:states:::events:putEvents') {
        if (!spec.putsEvents) problems.push(`${p}: puts events but the manifest says putsEvents: false`);
        for (const entry of (params.Entries as Json[] | undefined) ?? []) {
          if (entry.EventBusName !== `\${${APP_BUS_KEY}}`)
            problems.push(`${p}: event bus must be \${${APP_BUS_KEY}}`);
          // The stack's StatsPendingRule keeps exactly these notices; anything else would be dropped.
          if (entry.Source !== WORKFLOW_EVENT_SOURCE || entry.DetailType !== STATS_PENDING_DETAIL_TYPE) {
            problems.push(`${p}: event ${String(entry.Source)}/${String(entry.DetailType)} has no rule`);
          }
        }
        if (!Array.isArray(params.Entries)) problems.push(`${p}: Entries must be a literal list`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("a parked fact names its step's Standard machine, so a replay is durable and starts a lifecycle machine only", () => {
    const writes = tasksOf(spec).flatMap(({ path: p, state }) => {
      const item = ((state.Parameters ?? {}) as Json).Item as Json | undefined;
      return item && 'stateMachineArn' in item ? [[p, item.stateMachineArn] as const] : [];
    });
    expect(writes.length > 0).toBe(spec.replaysParkedFacts);
    // Not `$$.StateMachine.Id`: in an Express twin that is the twin, whose asynchronous failures nobody retries.
    for (const [p, value] of writes) expect([p, value]).toEqual([p, { S: `\${${PARKED_FACT_MACHINE_KEY}}` }]);
    if (spec.replaysParkedFacts) {
      const step = spec.name.replace(/-express$/, '');
      expect(substitutionsFor(spec, NAMES)[PARKED_FACT_MACHINE_KEY]).toBe(`named:${step}`);
      expect(WORKFLOWS.find((w) => w.name === step)?.type).toBe('STANDARD');
    }
    const replays = tasksOf(spec).filter((t) => {
      const arn = ((t.state.Parameters ?? {}) as Json)['StateMachineArn.$'];
      return arn !== undefined && !(arn === SELF && spec.continuesAsNew);
    });
    expect(replays.length > 0).toBe(spec.replaysParkedFacts);
  });
});

/** Workflows granted a table they never name: the compute Lambda writes it in the transaction it plans. */
const computeNamed = WORKFLOWS.filter((w) => w.tables.some((t) => t.namedByCompute));

/** Runs a transaction the admin API plans (domain/payout-plan.ts) and passes in: it invokes no compute. */
const PLANNED_BY_CALLER = ['payout-status'];

/** Applies the activity days of the markers it clears through the correction its compute plans. */
const RECONCILED_BY_COMPUTE = ['reconciliation'];

test('the lifecycle machines write the ledger through their compute, reconciliation the buckets, payout-status the payouts through its caller', () => {
  expect(computeNamed.map((w) => w.name).sort()).toEqual(
    [...LIFECYCLE_MACHINES, ...RECONCILED_BY_COMPUTE, ...PLANNED_BY_CALLER].sort(),
  );
});

test.each(computeNamed.map((w) => [w.name, w] as const))(
  '%s: a table named by the compute is reached only through a run-time transaction of the compute',
  (_name, spec) => {
    // The ASL cannot name it (no substitution), so the only way in is the plan the compute returns.
    for (const { table, access } of spec.tables.filter((t) => t.namedByCompute)) {
      expect([table.id, access]).toEqual([table.id, 'readWrite']);
      expect(read(spec).text).not.toContain(`\${${table.substitutionKey}}`);
    }
    expect(spec.invokes.length > 0).toBe(!PLANNED_BY_CALLER.includes(spec.name));
    const runTime = tasksOf(spec).filter(
      (t) =>
        t.state.Resource === 'arn:aws:states:::aws-sdk:dynamodb:transactWriteItems' &&
        ((t.state.Parameters ?? {}) as Json)['TransactItems.$'] !== undefined,
    );
    expect(runTime.length).toBeGreaterThan(0);
  },
);
