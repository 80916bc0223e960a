import type { SFNClient } from '@aws-sdk/client-sfn';
import type { RuntimeConfig } from '../../domain/config';
import { DomainError } from '../../domain/errors';
import { isIgnored, type EventOutcome } from '../../domain/workflow-inputs';
import { annotate } from './handler';
import { logger } from './logger';
import { metrics, MetricUnit, publishMetrics } from './metrics';
import { startWorkflowIdempotently, stateMachineArnOf, type StartResult } from './start-workflow';

export type IngestResult = { ignored: string } | StartResult;

export interface IngestDeps {
  config: RuntimeConfig;
  sfn: SFNClient;
}

/**
 * The shared body of the ingest Lambdas (EventBridge targets, invoked asynchronously): map the event, then
 * ignore it or start its workflow idempotently. A rejected event is logged with its reason and the error is
 * re-thrown under its name, so the invocation fails and lands in the on-failure destination.
 */
export async function ingest(
  { config, sfn }: IngestDeps,
  args: { source: 'stripe' | 'app'; event: unknown; map: (event: unknown) => EventOutcome },
): Promise<IngestResult> {
  const { source, event } = args;
  const eventId = typeof event === 'object' && event !== null && 'id' in event ? String(event.id) : undefined;
  logger.appendKeys({ eventSource: source, eventId });
  try {
    let outcome: EventOutcome;
    try {
      outcome = args.map(event);
    } catch (error) {
      if (error instanceof DomainError) {
        logger.error('Event rejected', { errorName: error.name, reason: error.message });
        metrics.addDimension('reason', error.name);
        metrics.addMetric('EventsRejected', MetricUnit.Count, 1);
      }
      throw error;
    }
    if (isIgnored(outcome)) {
      logger.info('Event ignored', { reason: outcome.ignore });
      metrics.addMetric('EventsIgnored', MetricUnit.Count, 1);
      return { ignored: outcome.ignore };
    }
    annotate({
      workflow: outcome.workflow,
      partnerId: outcome.input.fact.kind === 'signup' ? outcome.input.fact.partnerId : undefined,
    });
    const result = await startWorkflowIdempotently(sfn, {
      stateMachineArn: stateMachineArnOf(config, outcome.workflow),
      name: outcome.executionName,
      input: outcome.input,
    });
    logger.info(result.started ? 'Workflow started' : 'Duplicate event: workflow already started', {
      workflow: outcome.workflow,
      executionName: outcome.executionName,
    });
    metrics.addMetric(result.started ? 'WorkflowsStarted' : 'DuplicateEvents', MetricUnit.Count, 1);
    return result;
  } finally {
    logger.removeKeys(['eventSource', 'eventId']);
    publishMetrics();
  }
}
