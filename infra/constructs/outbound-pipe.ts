import { Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LEDGER_EVENT_SOURCE } from '../../domain/config';
import { PAYOUT_ID_PREFIX } from '../../domain/payouts';
import { COMMISSIONS_TABLE, PAYOUTS_TABLE, type TableSpec } from '../table-specs';
import type { AppFunction } from './function';
import type { SpecTable } from './tables';

/**
 * One pipe per ledger table: its DynamoDB stream → the `outbound-events` enrichment → the app bus. The
 * stream is the outbox: a change is announced because it was written, whatever became of the writer.
 */
export interface OutboundPipeSpec {
  id: string;
  table: TableSpec;
  /** EventBridge event patterns on the stream record; only records matching one reach the enrichment. */
  filters?: Record<string, unknown>[];
}

export const OUTBOUND_PIPES: readonly OutboundPipeSpec[] = [
  { id: 'CommissionEventsPipe', table: COMMISSIONS_TABLE },
  {
    id: 'PayoutEventsPipe',
    table: PAYOUTS_TABLE,
    // Payout rows only: `claim#…` rows tie commissions to payouts and are never announced.
    filters: [{ dynamodb: { Keys: { payoutId: { S: [{ prefix: PAYOUT_ID_PREFIX }] } } } }],
  },
];

/**
 * The source parameters (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html):
 * - TRIM_HORIZON: a pipe created after its table announces what the stream still holds (24 hours) instead of
 *   losing the changes written before it.
 * - BatchSize 5: an event bus target takes at most 10 entries a batch and one record gives at most two events
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html).
 * - ParallelizationFactor 1 (the default): one batch per shard at a time, so an entity's events keep the
 *   order of its changes.
 * - A failed batch is halved and retried (AUTOMATIC_BISECT) up to 10 times; what still fails goes to the
 *   dead-letter queue, which for a stream source receives the batch's metadata (shard, sequence numbers), not
 *   the records: a poison record must not hold up its shard for the stream's whole retention.
 */
export const OUTBOUND_SOURCE_PARAMETERS = {
  startingPosition: 'TRIM_HORIZON',
  batchSize: 5,
  maximumBatchingWindowInSeconds: 0,
  maximumRetryAttempts: 10,
  maximumRecordAgeInSeconds: -1,
  onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
  parallelizationFactor: 1,
} as const;

export interface OutboundEventsPipeProps {
  spec: OutboundPipeSpec;
  table: SpecTable;
  enrichment: AppFunction;
  bus: events.IEventBus;
  deadLetterQueue: sqs.IQueue;
}

export class OutboundEventsPipe extends Construct {
  readonly pipe: pipes.CfnPipe;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: OutboundEventsPipeProps) {
    super(scope, id);
    const { spec, table, enrichment, bus, deadLetterQueue } = props;
    const streamArn = table.tableStreamArn;
    if (!streamArn) throw new Error(`${spec.table.id} has no stream: set its TableSpec's stream`);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com'),
      description: `Execution role of the ${spec.id} pipe (stream read, enrichment, app bus, its DLQ)`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [enrichment.functionArn] }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
    );
    deadLetterQueue.grantSendMessages(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams has no resource-level permission (it lists the streams of the account); reading is ' +
        "granted on this table's stream ARN only.",
    });

    this.pipe = new pipes.CfnPipe(this, 'Pipe', {
      description: `Announces every change of ${spec.table.tableName} on the app bus (outbound events)`,
      roleArn: this.role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          ...OUTBOUND_SOURCE_PARAMETERS,
          deadLetterConfig: { arn: deadLetterQueue.queueArn },
        },
        ...(spec.filters
          ? { filterCriteria: { filters: spec.filters.map((f) => ({ pattern: JSON.stringify(f) })) } }
          : {}),
      },
      enrichment: enrichment.functionArn,
      target: bus.eventBusArn,
      targetParameters: {
        // Dynamic path parameters, read from each enriched event
        // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-target.html).
        eventBridgeEventBusParameters: {
          source: LEDGER_EVENT_SOURCE,
          detailType: '$.type',
          time: '$.occurredAt',
        },
      },
    });
  }
}
