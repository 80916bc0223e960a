import { hostedFunction } from '../../local/lambda-host';
import { lambdaHandler } from '../../lambdas/commons/handler';
import { logger } from '../../lambdas/commons/logger';
import { logLinesOf, type LogLines } from '../support/log-lines';

jest.mock('../../lambdas/commons/logger', () =>
  jest.requireActual<LogLines>('../support/log-lines').loggerModuleAt('INFO'),
);

/** A latch a test opens when it decides. */
function latch(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * All functions share one process locally, and one Logger module. Two invocations that overlap must
 * still each log under their own function name and request id, as two Lambda functions would.
 */
it('overlapping invocations of two functions each log with their own context', async () => {
  // Prepare: the payment computation logs only after the ingest has started, set its context and logged.
  const ingestLogged = latch();
  const compute = hostedFunction('payment-compute', () =>
    lambdaHandler(async () => {
      logger.info('compute started');
      await ingestLogged.opened;
      logger.info('compute finished');
    }),
  );
  const ingest = hostedFunction('stripe-ingest', () =>
    lambdaHandler(async () => {
      logger.info('ingest started');
      ingestLogged.open();
      await Promise.resolve();
      logger.info('ingest finished');
    }),
  );

  // Act
  const lines = await logLinesOf(() => Promise.all([compute({}), ingest({})]));

  // Assess
  const nameOf = (message: string) => lines.find((l) => l.message === message)?.function_name;
  expect(lines.map((l) => l.message).sort()).toEqual(
    ['compute finished', 'compute started', 'ingest finished', 'ingest started'].sort(),
  );
  expect(nameOf('compute started')).toBe('payment-compute');
  expect(nameOf('compute finished')).toBe('payment-compute');
  expect(nameOf('ingest started')).toBe('stripe-ingest');
  expect(nameOf('ingest finished')).toBe('stripe-ingest');
  const requestIds = new Set(lines.map((l) => `${l.function_name}:${l.function_request_id}`));
  expect(requestIds.size).toBe(2);
});
