import * as fs from 'node:fs';
import * as path from 'node:path';
import { READ_ACTIONS, WRITE_ACTIONS } from '../../infra/constructs/tables';
import { STATS_PENDING_DETAIL_TYPE, WORKFLOW_EVENT_SOURCE } from '../../infra/partner-referrals-stack';
import {
  APP_BUS_KEY,
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
  const text = fs.readFileSync(aslPathOf(spec.name), 'utf8');
  return { text, definition: JSON.parse(text) as Json };
};
const cases = WORKFLOWS.map((w) => [w.name, w] as const);

test('every ASL file belongs to a manifest workflow and every workflow has one', () => {
  expect(files.sort()).toEqual(WORKFLOWS.map((w) => path.basename(aslPathOf(w.name))).sort());
});

describe.each(cases)('%s.asl.json', (_name, spec) => {
  test('is valid Amazon States Language (asl-validator, paths and ARNs checked after substitution)', () => {
    const { text } = read(spec);
    const result = aslValidator(substituted(text), { checkPaths: true, checkArn: true });
    expect(result.isValid ? '' : result.errorsText('\n')).toBe('');
  });

  test('uses exactly the substitution keys the manifest gives it', () => {
    const keys = Object.keys(
      substitutionsFor(spec, {
        tableName: (t) => t.tableName,
        functionArn: (fn) => fn,
        stateMachineArn: (wf) => wf,
        appBusName: 'bus',
      }),
    ).sort();
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
    const tasks = allStates(read(spec).definition.States as Json).filter((s) => s.state.Type === 'Task');
    for (const { path: p, state } of tasks) {
      expect([p, isAllowedResource(state.Resource as string)]).toEqual([p, true]);
    }
  });

  test('every Task reaches only resources its manifest entry grants', () => {
    const tasks = allStates(read(spec).definition.States as Json).filter((s) => s.state.Type === 'Task');
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
          // Items built at run time (reconciliation's compute Lambda plans the correction) cannot be
          // checked here; the role still confines them to the manifest tables, which must all be writable.
          const dynamic = params['TransactItems.$'] !== undefined;
          if (dynamic && spec.tables.some((t) => t.access !== 'readWrite')) {
            problems.push(`${p}: run-time TransactItems need readWrite on every table of the workflow`);
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
        const allowed = spec.starts.map((wf) => `\${${stateMachineKey(wf)}}`);
        if (!allowed.includes(params.StateMachineArn as string)) {
          problems.push(`${p}: starts ${String(params.StateMachineArn)}, not in ${allowed.join(', ')}`);
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
});
