/**
 * Importing this module switches the Powertools environment to the one the functions are deployed with,
 * until `restoreRequestedEnv()`, so that the functions' Logger and Metrics, built once when their modules
 * load, log as they do on AWS: `infra/constructs/function.ts` sets neither `POWERTOOLS_LOG_LEVEL` nor
 * Lambda's application log level, so the Logger writes at Powertools' default, INFO; and it leaves
 * `POWERTOOLS_METRICS_DISABLED` unset, so Metrics write their EMF lines. Only `function-logs.ts` imports
 * it, before it imports the Logger and Metrics modules.
 */
export const DEPLOYED_FUNCTION_LOG_LEVEL = 'INFO';

const LOGGING_MODULES = ['../../lambdas/commons/logger', '../../lambdas/commons/metrics'];
if (LOGGING_MODULES.some((m) => require.cache[require.resolve(m)] !== undefined)) {
  throw new Error(
    'bench/support/function-logs must be imported before anything loads the functions: it builds their ' +
      'Logger and Metrics as deployed',
  );
}

/** What the bench was started with (`npm run bench:cost` quiets both): it decides what reaches the terminal. */
export const REQUESTED_ENV = {
  logLevel: process.env.POWERTOOLS_LOG_LEVEL,
  metricsDisabled: process.env.POWERTOOLS_METRICS_DISABLED,
};

process.env.POWERTOOLS_LOG_LEVEL = DEPLOYED_FUNCTION_LOG_LEVEL;
delete process.env.POWERTOOLS_METRICS_DISABLED;

export function restoreRequestedEnv(): void {
  const restore = (key: string, value: string | undefined): void => {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  };
  restore('POWERTOOLS_LOG_LEVEL', REQUESTED_ENV.logLevel);
  restore('POWERTOOLS_METRICS_DISABLED', REQUESTED_ENV.metricsDisabled);
}
