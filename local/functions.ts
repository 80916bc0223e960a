import { loadRuntimeConfig } from '../domain/config';
import type { FunctionName } from '../infra/workflow-manifest';
import { createAdminApiHandler } from '../lambdas/admin-api';
import { createAppIngestHandler } from '../lambdas/app-ingest';
import { createClickApiHandler } from '../lambdas/click-api';
import { createDocumentClient } from '../lambdas/commons/dynamodb';
import { createSfnClient } from '../lambdas/commons/sfn';
import { createDashboardApiHandler } from '../lambdas/dashboard-api';
import { createExportApiHandler } from '../lambdas/export-api';
import { createPayoutComputeHandler } from '../lambdas/payout-compute';
import { createReferralComputeHandler } from '../lambdas/referral-compute';
import { handler as reconciliationCompute } from '../lambdas/reconciliation-compute';
import { createOutboundEventsHandler } from '../lambdas/outbound-events';
import { createStripeIngestHandler } from '../lambdas/stripe-ingest';
import { hostedFunction, type FunctionHandler, type HostedHandler } from './lambda-host';

type Env = Record<string, string>;

/**
 * How each function's handler is built, as Lambda would start it: from the environment the template gives
 * the function (resolved to local names), with its own SDK clients, which find the local endpoints
 * through the SDK's endpoint variables (`pointLambdasAt`).
 */
const FACTORIES = {
  'referral-compute': (env: Env) => createReferralComputeHandler({ config: loadRuntimeConfig(env) }),
  'reconciliation-compute': () => reconciliationCompute,
  'payout-compute': (env: Env) => createPayoutComputeHandler({ config: loadRuntimeConfig(env) }),
  'stripe-ingest': (env: Env) =>
    createStripeIngestHandler({ config: loadRuntimeConfig(env), sfn: createSfnClient() }),
  'app-ingest': (env: Env) =>
    createAppIngestHandler({ config: loadRuntimeConfig(env), sfn: createSfnClient() }),
  'dashboard-api': (env: Env) =>
    createDashboardApiHandler({ config: loadRuntimeConfig(env), db: createDocumentClient() }),
  'click-api': (env: Env) =>
    createClickApiHandler({
      config: loadRuntimeConfig(env),
      sfn: createSfnClient(),
      db: createDocumentClient(),
    }),
  'admin-api': (env: Env) =>
    createAdminApiHandler({
      config: loadRuntimeConfig(env),
      sfn: createSfnClient(),
      db: createDocumentClient(),
    }),
  'export-api': (env: Env) =>
    createExportApiHandler({ config: loadRuntimeConfig(env), db: createDocumentClient() }),
  'outbound-events': (env: Env) => createOutboundEventsHandler({ config: loadRuntimeConfig(env) }),
} satisfies Record<FunctionName, (env: Env) => unknown>;

type HandlerOf<N extends FunctionName> = ReturnType<(typeof FACTORIES)[N]>;
type Hosted<H> = H extends (event: infer E, context: never) => Promise<infer R> ? HostedHandler<E, R> : never;

/** A handler the local cloud calls by function name, whatever its event type. */
export type LocalHandler = HostedHandler<never, unknown>;

/** The function `name`, hosted locally: initialised on first use, each invocation in its own context. */
export function localHandlerFor<N extends FunctionName>(name: N, environment: Env): Hosted<HandlerOf<N>> {
  const init = () => FACTORIES[name](environment) as FunctionHandler<never, unknown>;
  return hostedFunction(name, init) as Hosted<HandlerOf<N>>;
}
