import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../domain/config';

/**
 * One Logger, Tracer and Metrics for every handler: one service name, one namespace. Levels, sampling and
 * disabling are Powertools' own environment variables (`POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_METRICS_DISABLED`…).
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });

export { MetricUnit } from '@aws-lambda-powertools/metrics';

/** Flushes stored metrics, if any (an empty flush would only log a warning). */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
