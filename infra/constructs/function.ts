import * as path from 'node:path';
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLING } from '../bundling';
import type { FunctionName, TableAccess } from '../workflow-manifest';
import { tableStatements, type SpecTable } from './tables';

/** Repository root, resolved from this module (never from the working directory). */
export const PROJECT_ROOT = path.join(__dirname, '..', '..');
export const lambdaEntryOf = (name: FunctionName): string => path.join(PROJECT_ROOT, 'lambdas', `${name}.ts`);

/** Newest Node.js runtime this aws-cdk-lib knows; the project pins Node 24. */
export const RUNTIME: lambda.Runtime =
  (lambda.Runtime as unknown as Record<string, lambda.Runtime | undefined>).NODEJS_24_X ??
  lambda.Runtime.NODEJS_22_X;

/** Environment variable that carries each table's name to the Lambdas (read by `domain/config.ts`). */
export const TABLE_ENV: Readonly<Record<string, string>> = {
  PartnerReferrals: 'REFERRALS_TABLE',
  PartnerStats: 'STATS_TABLE',
  ReferralEvents: 'CLICKS_TABLE',
  PartnerCommissions: 'COMMISSIONS_TABLE',
  PartnerClickCounters: 'CLICK_COUNTERS_TABLE',
  PartnerPayouts: 'PAYOUTS_TABLE',
  PartnerActivity: 'ACTIVITY_TABLE',
};

/** How a function is invoked; decides where its failures go. */
export type Invocation = 'async-event' | 'http-api' | 'workflow-task' | 'pipe-enrichment';

const NO_DLQ_REASON: Record<Invocation, string> = {
  'async-event':
    'Invoked asynchronously by EventBridge: failures go to an on-failure SQS destination, which supersedes a ' +
    'Lambda DLQ and also records the error message; the EventBridge target has its own DLQ for delivery failures.',
  'http-api':
    'Invoked synchronously by API Gateway: the caller receives the error, so there is no event to dead-letter.',
  'workflow-task':
    'Invoked synchronously by a Step Functions Task: the workflow Retry/Catch handles the error, so there is no ' +
    'event to dead-letter.',
  'pipe-enrichment':
    'Invoked synchronously by an EventBridge pipe as its enrichment: the pipe retries a failed batch (bisecting ' +
    "it) and sends what still fails to the pipe source's dead-letter queue.",
};

export interface AppFunctionProps {
  name: FunctionName;
  invocation: Invocation;
  environment?: Record<string, string>;
  logRetention: logs.RetentionDays;
  logRemovalPolicy?: RemovalPolicy;
  memorySize?: number;
  timeout?: Duration;
  /** For asynchronously invoked functions: where a failed event goes (with its error), and retries. */
  onFailure?: lambda.IDestination;
  retryAttempts?: number;
}

/**
 * A project Lambda: `lambdas/<name>.ts` exporting `handler`, bundled locally by esbuild as `LAMBDA_BUNDLING`
 * says (the AWS SDK included, tree-shaken from its ESM builds, pinned to our lockfile; no source maps),
 * Node 24 on ARM, X-Ray active, its own log group with retention and its own role (no AWS managed policies).
 */
export class AppFunction extends nodejs.NodejsFunction {
  readonly functionLogGroup: logs.LogGroup;
  readonly functionRole: iam.Role;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      ...(props.logRemovalPolicy ? { removalPolicy: props.logRemovalPolicy } : {}),
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} function`,
    });
    // In place of AWSLambdaBasicExecutionRole: write to this function's own log group only.
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: lambdaEntryOf(props.name),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { POWERTOOLS_SERVICE_NAME: 'partner-referrals', ...props.environment },
      ...(props.onFailure ? { onFailure: props.onFailure } : {}),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      bundling: { ...LAMBDA_BUNDLING, mainFields: [...LAMBDA_BUNDLING.mainFields] },
    });
    this.functionLogGroup = logGroup;
    this.functionRole = role;

    Validations.of(this).acknowledge({ id: 'Serverless-LambdaDLQ', reason: NO_DLQ_REASON[props.invocation] });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords (added by Tracing.ACTIVE) use Resource "*": ' +
        'X-Ray does not support resource-level permissions. Table, queue and state machine grants are scoped.',
    });
  }

  /**
   * Binds a table: sets its name variable (`REFERRALS_TABLE`, …) and grants exactly `access` (reads
   * on the table and its named indexes; writes on the table).
   */
  bindTable(table: SpecTable, access: TableAccess): this {
    this.addTableName(table);
    for (const statement of tableStatements(table, access)) this.addToRolePolicy(statement);
    return this;
  }

  /** Binds one index for Query only (the dashboard's recent paid referrals). */
  bindIndexQuery(table: SpecTable, indexName: string): this {
    this.addTableName(table);
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.indexArn(indexName)] }),
    );
    return this;
  }

  addTableName(table: SpecTable): this {
    const variable = TABLE_ENV[table.spec.id];
    if (!variable) throw new Error(`no environment variable for table ${table.spec.id}`);
    this.addEnvironment(variable, table.tableName);
    return this;
  }
}
