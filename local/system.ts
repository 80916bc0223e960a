import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { loadRuntimeConfig, stateMachineArnEnv, WORKFLOW_NAMES, type RuntimeConfig } from '../domain/config';
import { localStateMachineArn } from './aws-names';
import { localHandlerFor } from './functions';
import { WORKFLOWS } from '../infra/workflow-manifest';
import { createTables } from './create-tables';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { setItemWriteLimit } from './integrations/dynamodb-capacity';
import { invokeAsync, type OnFailureRecord } from './lambda-async';
import { pointLambdasAt } from './lambda-endpoints';
import { startAwsEndpoint, type RunningAwsEndpoint } from './aws/endpoint';
import { LocalWorkflowRuntime, type FaultInjector, type LocalLambdas } from './workflow-runtime';

/**
 * The whole app on one machine: DynamoDB Local with the stack's tables, every workflow from its ASL,
 * the Lambda handlers in-process, and the Lambda-side plumbing AWS provides (async invocation with
 * retries and an on-failure queue). The ingest and API handlers reach Step Functions over HTTP, as in
 * AWS, through a local AWS endpoint on a free port that answers from the runtime.
 */
export interface LocalSystemOptions {
  /** DynamoDB Local data directory; in memory when absent. */
  dbPath?: string;
  port?: number;
  retryDelayScale?: number;
  faults?: FaultInjector;
  /** Replaces in-process Lambda handlers (tests wrap them to interleave work deterministically). */
  lambdas?: LocalLambdas;
  /** Write units per second per item for the workflows' DynamoDB calls (AWS: 1,000); unlimited when absent. */
  itemWriteLimit?: number;
}

export class LocalSystem {
  /** The on-failure queues of the ingest functions (SQS in AWS). */
  readonly deadLetters: { functionName: string; record: OnFailureRecord }[] = [];
  readonly stripeIngest;
  readonly appIngest;
  readonly clickApi;
  readonly dashboardApi;
  readonly adminApi;

  private constructor(
    readonly dynamoDbLocal: DynamoDbLocal,
    private readonly endpoint: RunningAwsEndpoint,
    readonly runtime: LocalWorkflowRuntime,
    readonly config: RuntimeConfig,
  ) {
    this.stripeIngest = localHandlerFor('stripe-ingest', FUNCTION_ENV);
    this.appIngest = localHandlerFor('app-ingest', FUNCTION_ENV);
    this.clickApi = localHandlerFor('click-api', FUNCTION_ENV);
    this.dashboardApi = localHandlerFor('dashboard-api', FUNCTION_ENV);
    this.adminApi = localHandlerFor('admin-api', FUNCTION_ENV);
  }

  static async start(options: LocalSystemOptions = {}): Promise<LocalSystem> {
    const ddb = await startDynamoDbLocal({
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.dbPath !== undefined ? { dbPath: options.dbPath } : {}),
    });
    try {
      await createTables(ddb.client);
      setItemWriteLimit(ddb.client, options.itemWriteLimit);
      const runtime = new LocalWorkflowRuntime({
        dynamoDb: ddb.client,
        lambdas: {
          'referral-compute': localHandlerFor('referral-compute', FUNCTION_ENV),
          'reconciliation-compute': localHandlerFor('reconciliation-compute', FUNCTION_ENV),
          'payout-compute': localHandlerFor('payout-compute', FUNCTION_ENV),
          ...options.lambdas,
        },
        ...(options.retryDelayScale !== undefined ? { retryDelayScale: options.retryDelayScale } : {}),
        ...(options.faults ? { faults: options.faults } : {}),
      });
      const endpoint = await startAwsEndpoint({
        port: 0,
        stepFunctions: { runtime, stateMachines: WORKFLOWS.map((w) => ({ name: w.name, type: w.type })) },
        dynamoDbEndpoint: ddb.endpoint,
      });
      pointLambdasAt({ dynamoDb: ddb.endpoint, stepFunctions: endpoint.url });
      return new LocalSystem(ddb, endpoint, runtime, localConfig());
    } catch (error) {
      await ddb.stop();
      throw error;
    }
  }

  get dynamoDb(): DynamoDBClient {
    return this.dynamoDbLocal.client;
  }

  /** Invokes a handler as EventBridge invokes a Lambda target (see `invokeAsync`); failures land in `deadLetters`. */
  invokeAsync<R>(
    functionName: string,
    handler: (event: unknown, context?: Context) => Promise<R>,
    event: unknown,
  ): Promise<R | undefined> {
    return invokeAsync({
      functionName,
      handler,
      event,
      onFailure: (record) => {
        this.deadLetters.push({ functionName, record });
      },
    });
  }

  /** A Stripe event on the partner bus, delivered to stripe-ingest. */
  deliverStripeEvent(envelope: unknown) {
    return this.invokeAsync('stripe-ingest', this.stripeIngest, envelope);
  }

  /** An app event on the app bus, delivered to app-ingest. */
  deliverAppEvent(envelope: unknown) {
    return this.invokeAsync('app-ingest', this.appIngest, envelope);
  }

  /** Resolves when no execution is running, replays of parked events included. */
  settle(): Promise<void> {
    return this.runtime.waitForIdle();
  }

  async stop(): Promise<void> {
    await this.runtime.waitForIdle();
    await this.endpoint.close();
    await this.dynamoDbLocal.stop();
  }
}

/**
 * The environment the deployed Lambdas would get, with local state machine ARNs. The ingest waits for its
 * Express attempt's own answer (at most Express's 5 minutes): its deployed budget is wall time, which a busy
 * test machine would turn into a race between the attempt and its Standard fallback.
 */
const FUNCTION_ENV: Record<string, string> = {
  ...Object.fromEntries(WORKFLOW_NAMES.map((wf) => [stateMachineArnEnv(wf), localStateMachineArn(wf)])),
  EXPRESS_ATTEMPT_TIMEOUT_MS: String(5 * 60_000),
};

function localConfig(): RuntimeConfig {
  return loadRuntimeConfig(FUNCTION_ENV);
}
