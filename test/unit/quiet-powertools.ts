import { logger, metrics } from '../../lambdas/commons/powertools';

/** Handler tests: no log lines and no EMF blobs on stdout. */
export function quietPowertools(): void {
  beforeAll(() => {
    logger.setLogLevel('SILENT');
    jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => {
      metrics.clearMetrics();
      metrics.clearDimensions();
      return metrics;
    });
  });
}
