import type { FunctionName } from '../../infra/workflow-manifest';
import { busNameOf } from '../aws/event-bus';
import { functionNameOf } from '../aws-names';
import type { LocalFunction } from './model-functions';
import type { LocalQueue } from './model-events';
import type { TemplateReader } from './reader';

/** An `AWS::Pipes::Pipe` with a DynamoDB stream source and an event bus target, as the local pipes run it. */
export interface LocalPipe {
  logicalId: string;
  name: string;
  /** The table whose stream is the source (the local runtime asks DynamoDB Local for its stream). */
  tableName: string;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  batchSize: number;
  /** -1: retried until the record expires. */
  maximumRetryAttempts: number;
  bisectOnFailure: boolean;
  /** `FilterCriteria` patterns, parsed; a record passes when it matches one (or there are none). */
  filters: Record<string, unknown>[];
  enrichment?: FunctionName;
  busName: string;
  /** `EventBridgeEventBusParameters`: constants, or `$.path` read from each enriched event. */
  target: { source?: string; detailType?: string; time?: string };
  deadLetterQueue?: string;
}

/** `arn:…:table/<name>/stream/<label>` → the table name. */
const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[^:]*:\d*:table\/([^/]+)\/stream\/.+$/;

interface StreamParameters {
  StartingPosition?: string;
  BatchSize?: number;
  MaximumRetryAttempts?: number;
  OnPartialBatchItemFailure?: string;
  DeadLetterConfig?: { Arn?: string };
  ParallelizationFactor?: number;
}

export function loadPipes(
  reader: TemplateReader,
  functions: readonly LocalFunction[],
  queues: readonly LocalQueue[],
): LocalPipe[] {
  return reader.ids('AWS::Pipes::Pipe').map((id) => {
    const source = reader.requiredString(id, 'Source');
    const tableName = STREAM_ARN.exec(source)?.[1];
    if (!tableName)
      return reader.fail(id, 'Source', `only DynamoDB stream sources run locally, not ${source}`);
    const parameters = (reader.value(id, 'SourceParameters') ?? {}) as {
      DynamoDBStreamParameters?: StreamParameters;
      FilterCriteria?: { Filters?: { Pattern?: string }[] };
    };
    const stream = parameters.DynamoDBStreamParameters ?? {};
    const startingPosition = stream.StartingPosition;
    if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST')
      return reader.fail(
        id,
        'SourceParameters.DynamoDBStreamParameters.StartingPosition',
        'expected TRIM_HORIZON or LATEST',
      );
    if ((stream.ParallelizationFactor ?? 1) !== 1)
      reader.fail(
        id,
        'SourceParameters.DynamoDBStreamParameters.ParallelizationFactor',
        'only 1 runs locally',
      );

    const enrichmentArn = reader.string(id, 'Enrichment');
    const enrichment = enrichmentArn === undefined ? undefined : functionNameOf(enrichmentArn);
    if (enrichment !== undefined && !functions.some((f) => f.name === enrichment))
      reader.fail(id, 'Enrichment', `${enrichmentArn} is not a function of this template`);

    const targetArn = reader.requiredString(id, 'Target');
    if (!/^arn:aws[a-z-]*:events:[^:]*:\d*:event-bus\/.+$/.test(targetArn))
      reader.fail(id, 'Target', `only event bus targets run locally, not ${targetArn}`);
    const targetParameters = (reader.value(id, 'TargetParameters') ?? {}) as {
      EventBridgeEventBusParameters?: { Source?: string; DetailType?: string; Time?: string };
    };
    const bus = targetParameters.EventBridgeEventBusParameters ?? {};

    const dlqArn = stream.DeadLetterConfig?.Arn;
    const dlq = dlqArn === undefined ? undefined : queues.find((q) => q.arn === dlqArn);
    if (dlqArn !== undefined && !dlq)
      reader.fail(
        id,
        'SourceParameters.DynamoDBStreamParameters.DeadLetterConfig',
        `${dlqArn} is not a queue of this template`,
      );

    return {
      logicalId: id,
      name: reader.names.identity(id).name,
      tableName,
      startingPosition,
      batchSize: stream.BatchSize ?? 100,
      maximumRetryAttempts: stream.MaximumRetryAttempts ?? -1,
      bisectOnFailure: stream.OnPartialBatchItemFailure === 'AUTOMATIC_BISECT',
      filters: (parameters.FilterCriteria?.Filters ?? []).map(
        (f) => JSON.parse(f.Pattern ?? '{}') as Record<string, unknown>,
      ),
      ...(enrichment ? { enrichment: enrichment as FunctionName } : {}),
      busName: busNameOf(targetArn),
      target: {
        ...(bus.Source !== undefined ? { source: bus.Source } : {}),
        ...(bus.DetailType !== undefined ? { detailType: bus.DetailType } : {}),
        ...(bus.Time !== undefined ? { time: bus.Time } : {}),
      },
      ...(dlq ? { deadLetterQueue: dlq.name } : {}),
    };
  });
}
