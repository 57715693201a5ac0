import { ConfigError, type Env } from './env.ts';
import { jsonLineLogger, type Logger } from './log.ts';

/**
 * The one place a function reads its environment: called at import, which Lambda runs once per
 * container (cold start), never per request. A bad value throws a `ConfigError` naming the
 * variable; it is logged as one decision line (`config_invalid`) and rethrown, so the init fails
 * and the function serves nothing half-configured. API Gateway then answers 500 for the
 * authorizer and 502 for a route, and the log says which variable to fix.
 */
export function configFromEnvironment<T>(
  load: (env: Env) => T,
  log: Logger = jsonLineLogger,
  // eslint-disable-next-line no-restricted-properties -- this is the one reader of process.env.
  env: Env = process.env,
): T {
  try {
    return load(env);
  } catch (error) {
    if (error instanceof ConfigError)
      log({
        decision: 'error',
        code: error.code,
        variable: error.variable,
        detail: error.message,
      });
    throw error;
  }
}
