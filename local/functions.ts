import type { Context } from 'aws-lambda';
import { loadRuntimeConfig } from '../domain/config';
import type { FunctionName } from '../infra/workflow-manifest';
import { createAdminApiHandler } from '../lambdas/admin-api';
import { createAppIngestHandler } from '../lambdas/app-ingest';
import { createClickApiHandler } from '../lambdas/click-api';
import { createDashboardApiHandler } from '../lambdas/dashboard-api';
import { createPaymentComputeHandler } from '../lambdas/payment-compute';
import { handler as reconciliationCompute } from '../lambdas/reconciliation-compute';
import { createStripeIngestHandler } from '../lambdas/stripe-ingest';

/** A Lambda handler as the local cloud calls it: the event in, the result (or a thrown error) out. */
export type LocalHandler = (event: never, context?: Context) => Promise<unknown>;

/**
 * How each function's handler is built from its environment, as Lambda would start it: the local cloud
 * passes the environment the template gives the function (resolved to local names).
 */
const FACTORIES: Record<FunctionName, (env: Record<string, string>) => LocalHandler> = {
  'payment-compute': (env) => createPaymentComputeHandler(loadRuntimeConfig(env)),
  'reconciliation-compute': () => reconciliationCompute,
  'stripe-ingest': (env) => createStripeIngestHandler(loadRuntimeConfig(env)),
  'app-ingest': (env) => createAppIngestHandler(loadRuntimeConfig(env)),
  'dashboard-api': (env) => createDashboardApiHandler({ config: loadRuntimeConfig(env) }),
  'click-api': (env) => createClickApiHandler({ config: loadRuntimeConfig(env) }),
  'admin-api': (env) => createAdminApiHandler({ config: loadRuntimeConfig(env) }),
};

export function localHandlerFor(name: FunctionName, environment: Record<string, string>): LocalHandler {
  return FACTORIES[name](environment);
}
