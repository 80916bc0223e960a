/**
 * The functions' own CloudWatch log lines. Importing this module builds the functions' Logger and Metrics
 * as deployed (see `deployed-function-env.ts`), so it must come before any import that loads a function.
 * From then on a line the Logger or Metrics write goes to whoever is capturing (`functionLogLinesOf`);
 * outside a capture it reaches the terminal only if the level the bench was started with lets it through.
 */
import { REQUESTED_ENV, restoreRequestedEnv } from './deployed-function-env';
import '../../lambdas/commons/logger';
import '../../lambdas/commons/metrics';
import { DEFAULT_STACK_NAME } from '../../infra/app';

restoreRequestedEnv();

export { DEPLOYED_FUNCTION_LOG_LEVEL } from './deployed-function-env';

/** Powertools' level thresholds (`LogLevelThreshold` of @aws-lambda-powertools/logger). */
const THRESHOLDS: Readonly<Record<string, number>> = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
};

type FunctionLine = { kind: 'log'; level: string } | { kind: 'metrics' };

/** A Logger line (`level` and `service`) or a Metrics EMF document (`_aws`); undefined for anything else. */
function functionLineOf(text: string): FunctionLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    if ('_aws' in doc) return { kind: 'metrics' };
    if (typeof doc.level === 'string' && 'service' in doc) return { kind: 'log', level: doc.level };
  } catch {
    // not a JSON document: not the functions'
  }
  return undefined;
}

const printsWhenRequested = (line: FunctionLine): boolean =>
  line.kind === 'metrics'
    ? REQUESTED_ENV.metricsDisabled !== 'true'
    : (THRESHOLDS[line.level] ?? 0) >= (THRESHOLDS[(REQUESTED_ENV.logLevel ?? 'INFO').toUpperCase()] ?? 0);

let captured: string[] | undefined;

// The Logger and Metrics write one document a line through a Console on these streams.
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk.trimEnd() : undefined;
    const line = text === undefined ? undefined : functionLineOf(text);
    if (!line || text === undefined || (!captured && printsWhenRequested(line))) return write(chunk, ...rest);
    captured?.push(text);
    const done = rest.find((r): r is () => void => typeof r === 'function');
    if (done) process.nextTick(done);
    return true;
  }) as typeof stream.write;
}

/** Runs `act` and returns every line the functions' Logger and Metrics wrote meanwhile (one at a time). */
export async function functionLogLinesOf(act: () => Promise<void>): Promise<string[]> {
  if (captured) throw new Error('function log lines are already being captured');
  captured = [];
  try {
    await act();
    return captured;
  } finally {
    captured = undefined;
  }
}

/**
 * The lines Lambda itself writes for each invocation in the JSON log format the functions use
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html):
 * `platform.start` and `platform.report`, the latter with the X-Ray trace header since tracing is active.
 * Modelled, not measured (the local host is not Lambda), on a CDK-generated function name and typical
 * figures; the lengths vary by a few bytes between functions.
 */
export const LAMBDA_PLATFORM_LINES: readonly string[] = (() => {
  const requestId = '7a2c6b1e-3f4d-4e8a-9b0c-1d2e3f4a5b6c';
  const functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${DEFAULT_STACK_NAME}-ReferralCompute1A2B3C4D-AbCdEfGhIjKl`;
  return [
    JSON.stringify({
      time: '2026-12-01T22:30:00.000Z',
      type: 'platform.start',
      record: { requestId, functionArn, version: '$LATEST' },
    }),
    JSON.stringify({
      time: '2026-12-01T22:30:00.042Z',
      type: 'platform.report',
      record: {
        requestId,
        metrics: { durationMs: 41.57, billedDurationMs: 42, memorySizeMB: 512, maxMemoryUsedMB: 97 },
        tracing: {
          spanId: '24cd7d670fa455f0',
          type: 'X-Amzn-Trace-Id',
          value: 'Root=1-6352a70e-1e2c502e358361800241fd45;Parent=35465b3a9e2f7c6a;Sampled=1',
        },
        status: 'success',
      },
    }),
  ];
})();
