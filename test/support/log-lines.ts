/**
 * Reading the Powertools Logger's lines in a test. quiet-env.ts silences the Logger everywhere, and
 * Powertools resets the level to its construction-time one at each warm invocation, so a file that reads
 * lines builds the real logger module at a level of its own:
 * `jest.mock('…/lambdas/commons/logger', () => jest.requireActual<LogLines>('…/support/log-lines').loggerModuleAt('DEBUG'))`.
 */
export function loggerModuleAt(level: string): object {
  const quiet = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = level;
  try {
    return jest.requireActual<object>('../../lambdas/commons/logger');
  } finally {
    process.env.POWERTOOLS_LOG_LEVEL = quiet;
  }
}

export type LogLines = { loggerModuleAt: typeof loggerModuleAt };
export type LogLine = Record<string, unknown>;

/**
 * Runs `act` with stdout and stderr captured (the Logger writes one JSON document a line to them, through
 * its own Console) and returns every line written, parsed.
 */
export async function logLinesOf(act: () => Promise<unknown>): Promise<LogLine[]> {
  const written: string[] = [];
  const capture = (chunk: unknown): boolean => {
    written.push(String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await act();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as LogLine);
}
