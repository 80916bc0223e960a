import type { SFNClient } from '@aws-sdk/client-sfn';
import { expressTwinOf, isIngestedStep, type RuntimeConfig } from '../../domain/config';
import { DomainError } from '../../domain/errors';
import { isIgnored, type EventOutcome } from '../../domain/workflow-inputs';
import { annotate } from './handler';
import { logger } from './logger';
import { metrics, MetricUnit, publishMetrics } from './metrics';
import {
  runExpressFirst,
  stateMachineArnOf,
  type CompletedResult,
  type FallbackResult,
} from './start-workflow';

export type IngestResult = { ignored: string } | CompletedResult | FallbackResult;

export interface IngestDeps {
  config: RuntimeConfig;
  sfn: SFNClient;
}

/**
 * The shared body of the ingest Lambdas (EventBridge targets, invoked asynchronously): map the event, then
 * ignore it or record its fact Express first, Standard on failure (`runExpressFirst`). A rejected event is logged with its reason and the error is
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
    const { workflow, executionName } = outcome;
    // The mappers only name ingested steps; `commission` facts come from the program (admin, approval run).
    if (!isIngestedStep(workflow)) throw new Error(`workflow ${workflow} is not started by an ingest`);
    const result = await runExpressFirst(sfn, {
      expressArn: stateMachineArnOf(config, expressTwinOf(workflow)),
      standardArn: stateMachineArnOf(config, workflow),
      name: executionName,
      input: outcome.input,
      timeoutMs: config.expressAttemptTimeoutMs,
    });
    if ('completed' in result) {
      logger.info('Fact recorded by its Express attempt', { workflow, executionName });
      metrics.addMetric('FactsRecordedExpress', MetricUnit.Count, 1);
      return result;
    }
    logger.warn(
      result.started
        ? 'Express attempt failed: Standard workflow started'
        : 'Express attempt failed: Standard workflow already started (duplicate event)',
      { workflow, executionName, expressAttempt: result.expressAttempt },
    );
    metrics.addMetric('ExpressAttemptsFailed', MetricUnit.Count, 1);
    metrics.addMetric(result.started ? 'WorkflowsStarted' : 'DuplicateEvents', MetricUnit.Count, 1);
    return result;
  } finally {
    logger.removeKeys(['eventSource', 'eventId']);
    publishMetrics();
  }
}
