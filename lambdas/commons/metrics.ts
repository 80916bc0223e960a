import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../domain/config';

/** One Metrics for every handler that emits some; `POWERTOOLS_METRICS_DISABLED` turns it off. */
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });

export { MetricUnit } from '@aws-lambda-powertools/metrics';

/** Flushes stored metrics, if any (an empty flush would only log a warning). */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
