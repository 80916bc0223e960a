import type { FunctionName } from '../../infra/workflow-manifest';
import { localFunctionArn, localStateMachineArn } from '../aws-names';
import { LocalNames, LOCAL_SECRET_VALUES } from './local-names';
import { loadHttpApi, type LocalJwtAuthorizer, type LocalRoute, type LocalStage } from './model-api';
import { loadTables, loadWorkflows, type LocalTable, type LocalWorkflow } from './model-data';
import {
  loadApiDestinations,
  loadBuses,
  loadQueues,
  loadRules,
  type LocalApiDestination,
  type LocalBus,
  type LocalQueue,
  type LocalRule,
  type RuleTargetKind,
} from './model-events';
import { loadFunctions, type LocalFunction } from './model-functions';
import { loadPipes, type LocalPipe } from './model-pipes';
import { TemplateReader } from './reader';
import { checkResourceTypes, withoutIgnoredConstructs } from './resource-types';
import type { CfnTemplate } from './template';

export type { LocalJwtAuthorizer, LocalRoute, LocalStage } from './model-api';
export type { LocalTable, LocalWorkflow } from './model-data';
export type {
  LocalApiDestination,
  LocalBus,
  LocalQueue,
  LocalRule,
  LocalRuleTarget,
  RuleTargetKind,
} from './model-events';
export type { LocalFunction } from './model-functions';
export type { LocalPipe } from './model-pipes';

/** What the local stack runs, read from the synthesized template alone, every name a local one. */
export interface LocalStackModel {
  tables: LocalTable[];
  workflows: LocalWorkflow[];
  functions: LocalFunction[];
  buses: LocalBus[];
  rules: LocalRule[];
  queues: LocalQueue[];
  /** Webhook endpoints (API destinations) the rules deliver to over HTTP. */
  apiDestinations: LocalApiDestination[];
  /** DynamoDB stream → enrichment → event bus (the outbound events). */
  pipes: LocalPipe[];
  routes: LocalRoute[];
  jwtAuthorizer?: LocalJwtAuthorizer;
  stage?: LocalStage;
}

export interface LoadModelOptions {
  /** Local values of Secrets Manager secrets by construct id (default: the click salt). */
  secretValues?: Readonly<Record<string, string>>;
}

/**
 * Reads the template (and the ASL assets of its cloud assembly) into the local stack's model. Throws,
 * naming the resource and property, on a resource type or intrinsic the local stack cannot run.
 */
export function loadLocalStackModel(
  synthesized: CfnTemplate,
  assemblyDir: string,
  options: LoadModelOptions = {},
): LocalStackModel {
  const template = withoutIgnoredConstructs(synthesized);
  checkResourceTypes(template);
  const reader = new TemplateReader(
    template,
    new LocalNames(template, options.secretValues ?? LOCAL_SECRET_VALUES),
  );
  const queues = loadQueues(reader);
  const functions = loadFunctions(reader, queues);
  const workflows = loadWorkflows(reader, assemblyDir);
  const buses = loadBuses(reader);
  const apiDestinations = loadApiDestinations(reader);

  const targets = new Map<string, { kind: RuleTargetKind; name: string }>([
    ...functions.map((f) => [localFunctionArn(f.name), { kind: 'function' as const, name: f.name }] as const),
    ...workflows.map(
      (w) => [localStateMachineArn(w.name), { kind: 'stateMachine' as const, name: w.name }] as const,
    ),
    ...queues.map((q) => [q.arn, { kind: 'queue' as const, name: q.name }] as const),
    ...apiDestinations.map((d) => [d.arn, { kind: 'apiDestination' as const, name: d.name }] as const),
  ]);
  const functionByArn = new Map<string, FunctionName>(
    functions.map((f) => [localFunctionArn(f.name), f.name]),
  );
  return {
    tables: loadTables(reader),
    workflows,
    functions,
    buses,
    rules: loadRules(reader, buses, targets),
    queues,
    apiDestinations,
    pipes: loadPipes(reader, functions, queues),
    ...loadHttpApi(reader, functionByArn),
  };
}
