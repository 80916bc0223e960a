import { hostedFunction } from '../../local/lambda-host';
import { lambdaHandler } from '../../lambdas/commons/handler';
import { logger } from '../../lambdas/commons/logger';

// quiet-env.ts silences the Logger for every test; this file reads its lines (see handler-logging.test.ts).
jest.mock('../../lambdas/commons/logger', () => {
  const quiet = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  try {
    return jest.requireActual<object>('../../lambdas/commons/logger');
  } finally {
    process.env.POWERTOOLS_LOG_LEVEL = quiet;
  }
});

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
  const written: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written.push(String(chunk));
    return true;
  });
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
  try {
    await Promise.all([compute({}), ingest({})]);
  } finally {
    stdout.mockRestore();
  }

  // Assess
  const lines = written
    .join('')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, string>);
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
